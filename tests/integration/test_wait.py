"""`wait`: poll one Ingress until its load balancer serves, against a fake world that settles.

The fake world runs in simulated time: :class:`Rollout` is the wait's clock and sleep, so nothing
sleeps for real, and the world changes in place at each stage's time while FakeGKE serves it.
"""

from __future__ import annotations

import itertools
import json
import signal
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from gkeingress.cli import main
from gkeingress.errors import AuditError
from gkeingress.live.serving import Outcome, WaitProgress, WaitResult
from gkeingress.live.wait import wait
from gkeingress.permissions import COMPUTE_PERMISSIONS, WAIT_PERMISSIONS, kubernetes_permissions
from gkeingress.render.waiting import progress_line
from gkeingress.snapshot import DataKind
from gkeingress.testing import DEMO_NOW, FakeGKE, FakeLoadBalancer, Path, Rule, WorldBuilder
from gkeingress.testing.incidents_live import newsletter_addressed, newsletter_serving, tls_store
from gkeingress.testing.incidents_regional import healthy_tickets
from gkeingress.testing.rollout import Rollout
from gkeingress.testing.scenarios import (
    healthy_shop,
    just_created,
    probe_on_other_port,
    proxy_deleted,
)
from gkeingress.testing.server.protocol import (
    FaultResponse,
    IncomingRequest,
    RecordedRequest,
    kube_error,
)
from gkeingress.testing.world import World

NEWSLETTER = "newsletter/newsletter"


def _built(*scenarios: Callable[[WorldBuilder], None]) -> World:
    builder = WorldBuilder()
    for scenario in scenarios:
        scenario(builder)
    return builder.world


def _settling() -> tuple[World, Rollout]:
    """The newsletter Ingress beside shop/web: an address at 90 s, serving at 300 s."""
    world = _built(healthy_shop, just_created)
    rollout = Rollout(
        world,
        [
            (90.0, lambda: _built(healthy_shop, newsletter_addressed)),
            (300.0, lambda: _built(healthy_shop, newsletter_serving)),
        ],
    )
    return world, rollout


@pytest.fixture(name="settling")
def _settling_fixture() -> Iterator[tuple[World, Rollout, FakeGKE]]:
    world, rollout = _settling()
    with FakeGKE(world) as server:
        yield world, rollout, server


def _wait(server: FakeGKE, rollout: Rollout, ingress: str, **options: Any) -> WaitResult:
    with server.kube_client() as kube:
        return wait(
            server.world.project,
            ingress,
            kube_client=kube,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.compute_endpoint,
            clock=rollout.clock,
            sleep=rollout.sleep,
            started_at=DEMO_NOW,
            **options,
        )


def test_a_propagating_ingress_is_waited_for_until_it_serves(
    settling: tuple[World, Rollout, FakeGKE],
) -> None:
    """No address, then an address with 1 of 2 endpoints healthy, then serving: exit as it settles."""
    _, rollout, server = settling
    rounds: list[WaitProgress] = []
    result = _wait(server, rollout, NEWSLETTER, on_progress=rounds.append)
    assert result.outcome is Outcome.SERVING
    assert result.serving
    assert result.seconds >= 300  # the world serves from 300 s on, not before
    assert result.seconds == rollout.now  # all of it simulated: sleeping only moved the clock
    first = {h.name: h for h in rounds[0].hops}
    assert (first["address"].state, first["address"].ok) == ("none yet", False)
    assert any(h.code == "PROPAGATION_PENDING" for h in rounds[0].hops)
    backend = f"backend {WorldBuilder().namer.neg('newsletter', 'newsletter', 80)}"
    partly = [
        r
        for r in rounds
        if any(h.name == backend and h.state == "1/2 endpoints healthy" for h in r.hops)
    ]
    assert len(partly) >= 2
    waited = {h.name: h.waiting for h in partly[1].hops}
    assert waited[backend] == partly[1].seconds - partly[0].seconds  # counted from first seen
    assert f"{backend}: 1/2 endpoints healthy (" in progress_line(partly[1])
    assert all(h.ok for h in rounds[-1].hops)
    assert rounds[-1].next_round_in is None
    assert "serves, after 5m" in result.summary()


def test_the_pause_doubles_while_nothing_changes_and_resets_on_a_change(
    settling: tuple[World, Rollout, FakeGKE],
) -> None:
    """10 s, 20 s, 40 s, then 60 s at most; the round after the address appears is 10 s later."""
    _, rollout, server = settling
    _wait(server, rollout, NEWSLETTER, interval=timedelta(seconds=10))
    assert rollout.slept[:4] == [10.0, 20.0, 40.0, 60.0]
    assert max(rollout.slept) == 60.0
    # The address appears at 90 s, seen by the round at 130 s: the next pause is 10 s again.
    assert rollout.slept[4] == 10.0


def _rounds_of(requests: list[RecordedRequest], marks: list[int]) -> list[list[RecordedRequest]]:
    bounds = [0, *marks]
    return [requests[a:b] for a, b in itertools.pairwise(bounds)]


def test_each_polling_round_gets_the_ingress_objects_by_name_within_its_budget(
    settling: tuple[World, Rollout, FakeGKE],
) -> None:
    """After the first audit, a round is 23 calls for newsletter, none of them a project-wide list."""
    _, rollout, server = settling
    marks: list[int] = []
    result = _wait(
        server, rollout, NEWSLETTER, on_progress=lambda _: marks.append(len(server.requests))
    )
    rounds = _rounds_of(server.requests, marks)
    # newsletter routes to 2 Services (its own and GKE's default backend), 2 backend services
    # with one NEG in each of 2 zones: 7 + 3*2 + 2*2 + 2*4 = 25 at most.
    assert result.budget == 25
    for polled in rounds[1:]:
        # Kubernetes: the Ingress, its events, and per Service the Service, its slices, its pods
        # (8); Compute: URL map, HTTP rule and proxy (3), 2 backend services, 2 health checks,
        # 4 NEGs (8), and getHealth for the 4 NEGs (4).
        assert len(polled) == 23
        assert all("/aggregated/" not in r.path for r in polled)
        lists = [r for r in polled if r.method == "GET" and r.path.count("/") <= 4]
        assert lists == [], "a cluster-wide Kubernetes list in a polling round"
        posts = [r.path.rsplit("/", 1)[-1] for r in polled if r.method == "POST"]
        assert posts == ["getHealth"] * 4
    assert list(result.calls[1:]) == [len(r) for r in rounds[1:]]
    assert result.calls[0] == len(rounds[0])  # the first round: the namespace's audit, then a poll


def test_a_fault_waiting_cannot_fix_ends_the_wait_at_once() -> None:
    """The checkout health check probes the wrong path: stop after one round and say so."""
    world = _built(healthy_shop, probe_on_other_port)
    rollout = Rollout(world, [])
    with FakeGKE(world) as server:
        result = _wait(server, rollout, "checkout/checkout")
    assert result.outcome is Outcome.NEEDS_CHANGE
    assert rollout.slept == []
    assert [h.code for h in result.hops if h.needs_change] == ["HEALTH_CHECK_PATH_MISMATCH"]
    assert "waiting will not fix HEALTH_CHECK_PATH_MISMATCH" in result.summary()
    assert {"HEALTH_CHECK_PATH_MISMATCH", "BACKEND_UNHEALTHY"} <= {f.code for f in result.blocking}


def test_without_fail_fast_a_broken_ingress_times_out_with_its_blocking_findings() -> None:
    """--no-fail-fast keeps polling until the timeout, then names what blocks."""
    world = _built(healthy_shop, probe_on_other_port)
    rollout = Rollout(world, [])
    with FakeGKE(world) as server:
        result = _wait(
            server, rollout, "checkout/checkout", fail_fast=False, timeout=timedelta(minutes=2)
        )
    assert result.outcome is Outcome.TIMEOUT
    assert result.seconds == 120
    assert rollout.slept == [10.0, 20.0, 40.0, 50.0]  # the last pause ends at the timeout
    assert result.summary().startswith("Ingress checkout/checkout still does not serve after 2m00s")
    assert "0/2 endpoints healthy" in result.summary()
    assert result.verdict is not None
    assert result.verdict.state == "failing"
    assert [f.code for f in result.blocking][:2] == [
        "HEALTH_CHECK_PATH_MISMATCH",
        "BACKEND_UNHEALTHY",
    ]


def test_a_proxy_recreated_while_waiting_is_found_by_name() -> None:
    """The deleted target proxy comes back at 30 s; the next round's get finds it and it serves."""
    world = _built(healthy_shop, proxy_deleted)
    rollout = Rollout(world, [(30.0, lambda: _built(healthy_shop, _promo_restored))])
    rounds: list[WaitProgress] = []
    with FakeGKE(world) as server:
        result = _wait(server, rollout, "promo/promo", on_progress=rounds.append)
    proxy = next(h for h in rounds[0].hops if h.name.startswith("target proxy "))
    assert (proxy.state, proxy.ok) == ("does not exist yet", False)
    assert "LB_RESOURCE_MISSING" in {h.code for h in rounds[0].hops}
    assert result.serving
    assert result.seconds == 30


def _promo_restored(b: WorldBuilder) -> None:
    """``promo/promo`` once ingress-gce recreated its target proxy."""
    b.service("promo", "promo")
    b.ingress("promo", "promo", rules=[Rule("promo.example.com", [Path("/", "promo")])])


def test_wait_with_a_url_keeps_waiting_while_the_load_balancer_serves_an_older_url_map(
    settling: tuple[World, Rollout, FakeGKE],
) -> None:
    """Everything settles, but the LB still answers from a map without rules: PROBE_DISAGREES."""
    world, rollout, server = settling
    with FakeLoadBalancer(world) as balancer:
        url_map = next(m for m in world.compute["urlMaps"]["global"] if "newsletter" in m["name"])
        balancer.pin(
            url_map["name"],
            {k: v for k, v in url_map.items() if k not in ("hostRules", "pathMatchers")},
        )
        result = _wait(
            server,
            rollout,
            NEWSLETTER,
            urls=["http://news.example.com/"],
            connect_to=balancer.connect_to,
            timeout=timedelta(minutes=8),
        )
    assert result.outcome is Outcome.TIMEOUT
    [probe] = result.probes
    assert probe.finding is not None
    assert probe.finding.code == "PROBE_DISAGREES"
    assert "PROBE_DISAGREES" in {f.code for f in result.blocking}
    hop = next(h for h in result.hops if h.name == "probe http://news.example.com/")
    assert "404 from GKE's default backend" in hop.state


def test_wait_with_a_url_ends_when_the_app_answers(
    settling: tuple[World, Rollout, FakeGKE],
) -> None:
    """Before the address there is nothing to probe; once it serves, the app's 200 confirms it."""
    world, rollout, server = settling
    rounds: list[WaitProgress] = []
    with FakeLoadBalancer(world) as balancer:
        result = _wait(
            server,
            rollout,
            NEWSLETTER,
            urls=["http://news.example.com/"],
            connect_to=balancer.connect_to,
            on_progress=rounds.append,
        )
        served = balancer.served
    first = next(h for h in rounds[0].hops if h.name == "probe http://news.example.com/")
    assert first.state == "no address to send it to yet"
    assert result.serving
    [probe] = result.probes
    assert (probe.observed.status, probe.agrees) == (200, True)
    assert served[-1].answered_by == NEWSLETTER


def test_the_library_leaves_ctrl_c_and_signal_handlers_to_the_caller(
    settling: tuple[World, Rollout, FakeGKE],
) -> None:
    """KeyboardInterrupt passes through wait(); no signal handler is installed."""
    _, rollout, server = settling
    before = signal.getsignal(signal.SIGINT)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), server.kube_client() as kube:
        wait(
            server.world.project,
            NEWSLETTER,
            kube_client=kube,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.compute_endpoint,
            clock=rollout.clock,
            sleep=interrupted,
            started_at=DEMO_NOW,
        )
    assert signal.getsignal(signal.SIGINT) is before


def test_an_unknown_ingress_cannot_be_waited_for(settling: tuple[World, Rollout, FakeGKE]) -> None:
    """The Ingress must exist in the first audit."""
    _, rollout, server = settling
    with pytest.raises(AuditError, match="no Ingress shop/nope"):
        _wait(server, rollout, "shop/nope")


# -- the command line ------------------------------------------------------------------------


def test_wait_demo_exits_0_once_the_propagating_ingress_serves(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`gkeingress wait --demo newsletter/newsletter`: plain progress lines, then how long it took."""
    assert main(["wait", "--demo", NEWSLETTER]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Ingress newsletter/newsletter serves, after 5m20s")
    assert "API calls per round:" in captured.out
    lines = captured.err.splitlines()
    assert lines[0].startswith("[0s] newsletter/newsletter: round 1, 0s elapsed, ")
    assert "waiting for address: none yet (0s)" in lines[0]
    assert lines[-1].endswith(": serving")


def test_wait_demo_on_a_broken_ingress_exits_1_with_the_blocking_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """checkout/checkout: stopped at once, the finding and its fix printed."""
    assert main(["wait", "--demo", "--quiet", "checkout/checkout"]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "waiting will not fix HEALTH_CHECK_PATH_MISMATCH" in captured.out
    assert "fix: Set spec.healthCheck.requestPath: /ready" in captured.out
    assert "\nverdict: Failing  502 on checkout.example.com/*" in captured.out
    assert "✖ HEALTH_CHECK_PATH_MISMATCH (root cause)  Health check" in captured.out


def test_wait_demo_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json: the outcome, calls per round and the hops."""
    argv = ["wait", "--demo", "--quiet", "--format", "json", "checkout/checkout"]
    assert main([*argv, "--no-fail-fast", "--timeout", "1m"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert (answer["outcome"], answer["serving"], answer["seconds"]) == ("timeout", False, 60.0)
    assert answer["round_budget"] >= max(answer["calls_per_round"][1:])
    assert answer["blocking"][0]["code"] == "HEALTH_CHECK_PATH_MISMATCH"  # the root cause first
    assert answer["verdict"]["state"] == "failing"


def test_wait_cannot_run_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An Ingress that is not there, or not namespace/name, is exit 2 with one line."""
    assert main(["wait", "--demo", "--quiet", "shop/nope"]) == 2
    assert "no Ingress shop/nope" in capsys.readouterr().err
    assert main(["wait", "--demo", "--quiet", "nope"]) == 2
    assert "not namespace/name" in capsys.readouterr().err


def test_ctrl_c_exits_130_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during a pause: one line on stderr and exit 130."""

    def interrupted(self: Rollout, seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Rollout, "sleep", interrupted)
    assert main(["wait", "--demo", "--quiet", NEWSLETTER]) == 130
    err = capsys.readouterr().err
    assert err.startswith("gkeingress: interrupted after ")
    assert "Traceback" not in err


def _one_zone_unhealthy(scenario: Callable[[WorldBuilder], None], service: str) -> World:
    """``scenario``'s world with the zone-b endpoint of ``service``'s backend failing its check."""
    builder = WorldBuilder()
    scenario(builder)
    for (backend_service, group), health in builder.world.backend_health.items():
        if f"-{service}-" in backend_service and f"/zones/{builder.zones[1]}/" in group:
            for status in health.get("healthStatus", ()):
                status["healthState"] = "UNHEALTHY"
    return builder.world


@pytest.mark.parametrize(
    ("scenario", "ingress", "service", "polled"),
    [
        # 2 Services (store and GKE's default backend): 2 + 3*2 = 8 Kubernetes calls. HTTP and
        # HTTPS rules and proxies and the URL map (5), 2 backend services, 2 health checks,
        # 4 NEGs and 4 getHealth (17 Compute calls).
        (tls_store, "store/store", "store", 25),
        # Regional external, 3 Services: 2 + 3*3 = 11. URL map, HTTP rule and proxy (3),
        # 3 backend services, 3 health checks, 6 NEGs and 6 getHealth (21).
        (healthy_tickets, "tickets/tickets", "web", 32),
    ],
    ids=["https", "regional"],
)
def test_https_and_regional_resources_are_got_by_name_within_the_budget(
    scenario: Callable[[WorldBuilder], None], ingress: str, service: str, polled: int
) -> None:
    """A polling round gets HTTPS frontends and regional resources by name, never above the bound."""
    world = _one_zone_unhealthy(scenario, service)
    rollout = Rollout(world, [(10.0, lambda: _built(scenario))])
    marks: list[int] = []
    with FakeGKE(world) as server:
        result = _wait(
            server, rollout, ingress, on_progress=lambda _: marks.append(len(server.requests))
        )
        rounds = _rounds_of(server.requests, marks)
    assert result.serving
    assert result.rounds == 2
    assert len(rounds[1]) == result.calls[1] == polled <= result.budget
    assert all("/aggregated/" not in r.path for r in rounds[1])
    assert not result.report.errors


def test_on_a_terminal_each_round_redraws_the_hops_and_their_waiting_time(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal gets the live table: every hop, its state, how long it has been awaited."""
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats stderr as a terminal
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["wait", "--demo", NEWSLETTER]) == 0
    err = capsys.readouterr().err
    assert "newsletter/newsletter: round 1, 0s elapsed" in err
    assert "next round in 10s" in err
    assert "1/2 endpoints healthy" in err
    assert "hop" in err
    assert "waiting" in err
    assert "[0s]" not in err  # the log lines are for logs only


def test_the_documented_permissions_are_enough_to_wait() -> None:
    """The audit's permissions plus WAIT_PERMISSIONS: every round reads all it asks for."""
    world, rollout = _settling()
    allow = frozenset(COMPUTE_PERMISSIONS) | frozenset(WAIT_PERMISSIONS) | kubernetes_permissions()
    with FakeGKE(world, allow=allow) as server:
        result = _wait(server, rollout, NEWSLETTER)
    assert result.serving
    assert not result.report.errors
    assert not any(r.status == 403 for r in server.requests)


def test_without_the_wait_permissions_the_gets_fail_by_name_and_nothing_is_called_serving() -> None:
    """With the audit's permissions only, the URL map get is refused: the error names it."""
    world, rollout = _settling()
    allow = frozenset(COMPUTE_PERMISSIONS) | kubernetes_permissions()
    with FakeGKE(world, allow=allow) as server:
        result = _wait(server, rollout, NEWSLETTER, timeout=timedelta(minutes=1))
    assert not result.serving
    refused = {e.call.split(" ")[0] for e in result.report.errors if e.status == 403}
    assert "compute.urlMaps.get" in refused


def test_a_read_that_fails_mid_wait_keeps_the_last_state_never_a_false_deletion() -> None:
    """The Ingress list is refused after the first round: no false deletion, no false serving."""
    world, rollout = _settling()
    refused = kube_error(403, "Forbidden", 'ingresses.networking.k8s.io is forbidden: User "ci"')

    def refuse_ingress_lists(request: IncomingRequest) -> FaultResponse | None:
        return refused if request.path.endswith("/namespaces/newsletter/ingresses") else None

    with FakeGKE(world) as server:

        def after_first_round(progress: WaitProgress) -> None:
            if progress.round == 1:
                server.faults.append(refuse_ingress_lists)

        result = _wait(
            server,
            rollout,
            NEWSLETTER,
            on_progress=after_first_round,
            timeout=timedelta(minutes=8),
        )
    # The last Ingress read stays, so the wait never ends as "deleted"; and with the checks
    # that read the Ingress unable to run, it never ends as serving either.
    assert result.outcome is Outcome.TIMEOUT
    reads = next(h for h in result.hops if h.name == "API reads")
    assert reads.state.startswith("1 failed (list ingress newsletter/newsletter: 403 Forbidden")
    [forbidden] = [
        e for e in result.report.errors if e.call == "list ingress newsletter/newsletter"
    ]
    assert forbidden.status == 403
    # The API server's own words, as a full audit reports them
    assert (
        forbidden.message
        == 'permission denied: ingresses.networking.k8s.io is forbidden: User "ci"'
    )


def _newsletter_service_garbled() -> World:
    """The newsletter world at 90 s, but its Service's port number is not a number."""
    world = _built(healthy_shop, newsletter_addressed)
    for service in world.kube["services"]:
        if service["metadata"]["name"] == "newsletter":
            service["spec"]["ports"][0]["port"] = "eighty"
    return world


def test_an_object_that_cannot_be_read_while_waiting_is_named_not_a_crash() -> None:
    """A re-read Service that cannot be parsed is named in the round's errors; the wait goes on."""
    world = _built(healthy_shop, just_created)
    rollout = Rollout(world, [(90.0, _newsletter_service_garbled)])
    with FakeGKE(world) as server:
        result = _wait(server, rollout, NEWSLETTER, timeout=timedelta(minutes=3))
    assert result.outcome is Outcome.TIMEOUT
    [unreadable] = [e for e in result.report.errors if e.call == "parse"]
    assert unreadable.kind is DataKind.SERVICES
    assert "Service newsletter/newsletter" in unreadable.message
    assert "eighty" in unreadable.message


def test_a_garbled_body_in_a_round_is_read_again() -> None:
    """A proxy's error page twice in place of the Ingress a round re-reads: the third read counts."""
    world, rollout = _settling()
    garbled = [0]

    def proxy_page(req: IncomingRequest) -> FaultResponse | None:
        by_name = req.query.get("fieldSelector") == "metadata.name=newsletter"
        if not (by_name and req.path.endswith("/namespaces/newsletter/ingresses")):
            return None
        if garbled[0] >= 2:
            return None
        garbled[0] += 1
        return FaultResponse(
            200, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"}
        )

    with FakeGKE(world) as server:
        server.faults.append(proxy_page)
        result = _wait(server, rollout, NEWSLETTER)
    assert garbled[0] == 2
    assert result.outcome is Outcome.SERVING
    assert result.report.errors == []
