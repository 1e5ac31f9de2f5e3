"""`probe`: one real request to an Ingress's address, read and compared with the predicted route.

Every request goes to the fake load balancer on loopback through ``connect_to``; no test touches
a real address, and none resolves a real name.
"""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme

from gkeingress import Report, analyse
from gkeingress.cli import main
from gkeingress.live.probe import BODY_LIMIT, ProbeError
from gkeingress.model.answers import Answer
from gkeingress.testing import DEMO_NOW, WorldBuilder, snapshot_of
from gkeingress.testing.incidents_live import TLS_HOST, tls_store
from gkeingress.testing.loadbalancer import FakeLoadBalancer
from gkeingress.testing.scenarios import healthy_shop, just_created, probe_on_other_port
from gkeingress.testing.world import World


@pytest.fixture(name="ca", scope="module")
def _ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(name="world", scope="module")
def _world() -> World:
    builder = WorldBuilder()
    for scenario in (healthy_shop, probe_on_other_port, tls_store, just_created):
        scenario(builder)
    return builder.world


@pytest.fixture(name="report", scope="module")
def _report(world: World) -> Report:
    return analyse(snapshot_of(world, DEMO_NOW), now=DEMO_NOW)


@pytest.fixture(name="balancer")
def _balancer(world: World, ca: trustme.CA) -> Iterator[FakeLoadBalancer]:
    with FakeLoadBalancer(world, tls=ca) as balancer:
        yield balancer


@pytest.fixture(name="trust")
def _trust(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_a_matched_route_is_answered_by_the_app_and_confirmed(
    report: Report, balancer: FakeLoadBalancer
) -> None:
    """/api/users on shop.example.com reaches shop/api through Google's proxy, as predicted."""
    result = report.probe("http://shop.example.com/api/users", connect_to=balancer.connect_to)
    assert (result.ingress, result.expected.answer, result.expected.target) == (
        "shop/web",
        Answer.BACKEND,
        "shop/api",
    )
    assert (result.observed.answer, result.observed.status) == (Answer.BACKEND, 200)
    assert result.observed.via_google
    assert result.agrees
    assert result.finding is None
    assert "agrees: the route is confirmed" in str(result)
    [served] = balancer.served
    assert (served.host, served.path, served.answered_by) == (
        "shop.example.com",
        "/api/users",
        "shop/api",
    )
    assert served.address == result.address  # the forwarding rule's IP:80, never DNS


def test_an_unrouted_host_gets_the_default_backend_404_as_predicted(
    report: Report, balancer: FakeLoadBalancer
) -> None:
    """A host no rule names is answered `default backend - 404`, which the route predicts."""
    result = report.probe(
        "http://unknown.example.com/", ingress="shop/web", connect_to=balancer.connect_to
    )
    assert result.expected.answer is Answer.DEFAULT_BACKEND
    assert (result.observed.answer, result.observed.status) == (Answer.DEFAULT_BACKEND, 404)
    assert result.observed.body == "default backend - 404"
    assert result.agrees
    assert result.observed.describe() == "404 from GKE's default backend (via: 1.1 google)"


def test_a_backend_with_no_healthy_endpoint_gets_the_load_balancers_502(
    report: Report, balancer: FakeLoadBalancer
) -> None:
    """The checkout health check probes the wrong path: every endpoint fails, the LB answers 502."""
    result = report.probe("http://checkout.example.com/", connect_to=balancer.connect_to)
    assert result.expected.answer is Answer.LB_ERROR
    assert "0/2 endpoints healthy" in result.expected.why
    assert (result.observed.answer, result.observed.status) == (Answer.LB_ERROR, 502)
    assert "Error: Server Error" in result.observed.body
    assert result.agrees


def test_a_load_balancer_serving_an_older_url_map_disagrees_with_the_prediction(
    report: Report, world: World, balancer: FakeLoadBalancer
) -> None:
    """The LB still serves a map without shop.example.com's rules: 404 where shop/api is predicted."""
    served = report.ingress("shop/web").url_map
    assert served is not None
    url_map = next(m for m in world.compute["urlMaps"]["global"] if m["name"] == served.name)
    older = {
        k: v for k, v in copy.deepcopy(url_map).items() if k not in ("hostRules", "pathMatchers")
    }
    balancer.pin(url_map["name"], older)
    result = report.probe("http://shop.example.com/api/users", connect_to=balancer.connect_to)
    assert not result.agrees
    assert result.observed.answer is Answer.DEFAULT_BACKEND
    assert result.finding is not None
    assert (result.finding.code, result.finding.severity, result.finding.ingress) == (
        "PROBE_DISAGREES",
        "warning",
        "shop/web",
    )
    assert (
        "predicted: shop/api; observed: 404 from GKE's default backend (via: 1.1 google): the "
        "load balancer is not serving the URL map gkeingress read (propagating, or changed since)"
    ) in result.finding.message
    assert result.finding.evidence["expected"]["answer"] == "backend"
    assert result.finding.evidence["observed"]["status"] == 404


def test_https_without_an_https_forwarding_rule_is_refused_as_predicted(
    report: Report, balancer: FakeLoadBalancer
) -> None:
    """shop/web has no spec.tls: nothing listens on port 443 of its address."""
    result = report.probe("https://shop.example.com/", connect_to=balancer.connect_to)
    assert result.expected.answer is Answer.REFUSED
    assert "no forwarding rule listens on port 443" in result.expected.why
    assert (result.observed.answer, result.observed.status) == (Answer.REFUSED, None)
    assert result.agrees


def test_https_sends_the_host_as_server_name_and_reaches_the_app(
    report: Report, balancer: FakeLoadBalancer, trust: ssl.SSLContext
) -> None:
    """store.example.com over TLS: the certificate covers the name sent as SNI; the app answers."""
    result = report.probe(f"https://{TLS_HOST}/cart", connect_to=balancer.connect_to, tls=trust)
    assert result.address.endswith(":443")
    assert (result.observed.answer, result.observed.status) == (Answer.BACKEND, 200)
    assert result.agrees
    assert balancer.served[-1].host == TLS_HOST


def test_a_certificate_for_another_name_is_a_tls_name_mismatch(
    report: Report, balancer: FakeLoadBalancer, trust: ssl.SSLContext
) -> None:
    """A host the Ingress's certificate does not cover fails verification: said so, and a finding."""
    result = report.probe(
        "https://api.example.com/", ingress="store/store", connect_to=balancer.connect_to, tls=trust
    )
    assert result.observed.answer is Answer.TLS_NAME_MISMATCH
    assert "api.example.com" in (result.observed.error or "")
    assert result.finding is not None
    assert "does not cover the URL's host" in result.finding.message


def test_an_untrusted_certificate_is_a_failed_handshake(
    report: Report, balancer: FakeLoadBalancer
) -> None:
    """Without the test CA in the trust store the handshake fails, and the probe says so."""
    result = report.probe(f"https://{TLS_HOST}/", connect_to=balancer.connect_to)
    assert result.observed.answer is Answer.TLS_FAILED
    assert not result.agrees


def test_dns_pointing_elsewhere_is_reported_apart_from_the_answer(
    report: Report, balancer: FakeLoadBalancer
) -> None:
    """The request still goes to the forwarding rule's address; DNS naming another IP is said."""
    result = report.probe(
        "http://shop.example.com/",
        connect_to=balancer.connect_to,
        resolve=lambda host: ["203.0.113.7"],
    )
    assert result.agrees
    assert result.dns is not None
    assert not result.dns.ok
    address = result.address.rpartition(":")[0]
    assert str(result.dns) == (
        f"shop.example.com resolves to 203.0.113.7, not to the Ingress's address {address}: "
        "clients reach another server (fix the DNS record)"
    )


def test_dns_that_does_not_resolve_is_said(report: Report, balancer: FakeLoadBalancer) -> None:
    """A resolver failure is a DNS finding in the result, not an error of the probe."""

    def nowhere(host: str) -> list[str]:
        raise OSError(-2, "Name or service not known")

    result = report.probe(
        "http://shop.example.com/", connect_to=balancer.connect_to, resolve=nowhere
    )
    assert result.dns is not None
    assert "does not resolve (Name or service not known)" in str(result.dns)


def test_head_reads_the_status_without_a_body(report: Report, balancer: FakeLoadBalancer) -> None:
    """--method HEAD: the same answer, no body."""
    result = report.probe("http://shop.example.com/", method="HEAD", connect_to=balancer.connect_to)
    assert (result.method, result.observed.status, result.observed.body) == ("HEAD", 200, "")
    assert result.agrees


def test_an_ingress_without_an_address_cannot_be_probed(report: Report) -> None:
    """The newsletter Ingress has no forwarding rule and no status address yet: nothing to send to."""
    with pytest.raises(ProbeError, match="has no address yet"):
        report.probe("http://news.example.com/", connect_to={})


def test_probe_refuses_methods_that_could_change_something(report: Report) -> None:
    """Only GET and HEAD are sent."""
    with pytest.raises(ValueError, match="GET, HEAD"):
        report.probe("http://shop.example.com/", method="POST")


def test_probe_cli_on_the_demo_confirms_the_route(capsys: pytest.CaptureFixture[str]) -> None:
    """`gkeingress probe --demo URL`: the answer, the prediction, agreement, exit 0."""
    assert main(["probe", "--demo", "http://shop.example.com/api/users"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("GET http://shop.example.com/api/users → 34.117.")
    assert "predicted: shop/api: a rule matches" in out
    assert "observed: 200 from the application (via: 1.1 google)" in out


def test_probe_cli_as_json_and_exit_2_without_an_address(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """JSON names the expected and observed answers; an Ingress with no address exits 2."""
    assert main(["probe", "--demo", "--format", "json", "http://checkout.example.com/"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["expected"]["answer"], answer["observed"]["answer"]) == ("lb-error", "lb-error")
    assert answer["observed"]["status"] == 502
    assert main(["probe", "--demo", "http://news.example.com/"]) == 2
    assert "newsletter/newsletter has no address yet" in capsys.readouterr().err


def _shop_address(report: Report) -> str:
    """shop/web's forwarding-rule IP, which connect_to sends to loopback."""
    return report.ingress("shop/web").forwarding_rules[0].ip_address


def _silent_listener() -> socket.socket:
    """A loopback port that accepts connections and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    return sock


def test_a_load_balancer_that_never_answers_is_a_timeout(report: Report) -> None:
    """Connected, then silence: the probe gives up after its timeout and says so."""
    with _silent_listener() as silent:
        port = silent.getsockname()[1]
        result = report.probe(
            "http://shop.example.com/",
            connect_to={_shop_address(report): f"127.0.0.1:{port}"},
            timeout=0.2,
        )
    assert (result.observed.answer, result.observed.status) == (Answer.TIMEOUT, None)
    assert result.connected_to == f"127.0.0.1:{port}"
    assert not result.agrees


def test_only_the_start_of_a_long_body_is_read(report: Report) -> None:
    """A download behind the URL is not fetched: at most BODY_LIMIT bytes are read."""
    body = b"x" * (BODY_LIMIT * 4)
    with _silent_listener() as server:
        port = server.getsockname()[1]

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(4096)
                head = f"HTTP/1.1 200 OK\r\nVia: 1.1 google\r\nContent-Length: {len(body)}\r\n\r\n"
                with contextlib.suppress(OSError):  # the probe hangs up after its limit
                    connection.sendall(head.encode() + body)

        thread = threading.Thread(target=answer)
        thread.start()
        result = report.probe(
            "http://shop.example.com/", connect_to={_shop_address(report): f"127.0.0.1:{port}"}
        )
        thread.join()
    assert (result.observed.answer, result.observed.status) == (Answer.BACKEND, 200)
    assert len(result.observed.body) == BODY_LIMIT
