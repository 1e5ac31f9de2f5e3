"""`gkeingress route`: where a URL goes, against the demo world and over HTTP."""

import json

import pytest

from gkeingress.cli import main
from gkeingress.testing import FakeGKE
from tests.integration.test_cli import _kubeconfig, _server  # noqa: F401 - shared fixtures


def test_route_through_the_demo_names_the_rule_the_service_and_the_missing_https(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`route URL --demo` answers no (exit 1) for https, with the rule, the Service, and why."""
    assert main(["route", "https://shop.example.com/api/users", "--demo"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "no answer: no forwarding rule listens on port 443: the Ingress has no HTTPS frontend"
    )
    assert "\nhttps://shop.example.com/api/users → Ingress shop/web\nmatched: " in out
    assert "Host rule shop.example.com and path rule /api/* of URL map k8s2-um-" in out
    assert "(Service shop/api:8080)" in out
    assert "✖ forwarding rule -: no forwarding rule listens on port 443" in out
    assert "✔ pods shop/api: 2/2 ready" in out


def test_route_as_json_says_404_from_the_default_backend(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--format json --ingress` forces the Ingress; an unknown host is GKE's 404, service None."""
    argv = ["route", "http://unknown.example.com/", "--demo", "--ingress", "shop/web"]
    assert main([*argv, "--format", "json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert (answer["ingress"], answer["matched"], answer["service"]) == ("shop/web", False, None)
    assert answer["serves"] is False
    assert answer["answer"] == (
        "404: no rule matches, GKE's default backend kube-system/default-http-backend answers"
    )
    assert "kube-system-default-http-backend" in answer["backend_service"]
    assert "404 from GKE's default backend kube-system/default-http-backend" in answer["reason"]
    assert [h["kind"] for h in answer["hops"]][:3] == [
        "forwarding rule",
        "target HTTP proxy",
        "URL map",
    ]


@pytest.mark.parametrize(
    ("url", "code", "first"),
    [
        ("http://shop.example.com/api/users", 0, "serves: shop/api pods, 2 ready"),
        ("http://billing.example.com/", 1, "502: Service billing/billing port 80 targets named"),
        ("http://pay.example.com/", 1, "502: Health check k8s1-1a2b3c4d-payments-payments-80-"),
        ("http://inventory.example.com/", 1, "502: Service inventory/inventory selects 2 pod(s)"),
        ("http://34.117.0.24/", 1, "404: no rule matches, GKE's default backend"),
    ],
)
def test_route_answers_yes_or_no_first(
    url: str, code: int, first: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first line says whether the URL reaches working pods; the exit code says the same."""
    assert main(["route", url, "--demo"]) == code
    assert capsys.readouterr().out.startswith(first)


def test_route_cannot_tell_while_a_change_rolls_out(capsys: pytest.CaptureFixture[str]) -> None:
    """Through the Ingress created three minutes ago the answer is not known yet: exit 2."""
    argv = ["route", "http://newsletter.example.com/", "--demo", "--ingress"]
    assert main([*argv, "newsletter/newsletter"]) == 2
    assert capsys.readouterr().out.startswith(
        "cannot tell yet: Ingress newsletter/newsletter changed 3 minutes ago"
    )


@pytest.mark.parametrize("url", ["not-a-url", "shop.example.com/api", "ftp://shop.example.com/"])
def test_route_refuses_what_is_not_a_url(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A URL without http:// or https:// and a host is an error (exit 2), not a host to route."""
    assert main(["route", url, "--demo"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"gkeingress: {url!r} is not a URL gkeingress can route: give http:// or https:// and a "
        "host, e.g. https://shop.example.com/api\n"
    )


def test_route_through_an_unknown_ingress_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Naming an Ingress that does not exist cannot be answered: exit 2 and list the known ones."""
    assert main(["route", "http://shop.example.com/", "--demo", "--ingress", "nope/nope"]) == 2
    assert "gkeingress: no Ingress 'nope/nope'; known: " in capsys.readouterr().err


def test_route_needs_a_project_or_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --project or --demo there is nothing to route through: a usage error."""
    with pytest.raises(SystemExit) as exit_info:
        main(["route", "http://shop.example.com/"])
    assert exit_info.value.code == 2
    assert "route needs --project (or --demo)" in capsys.readouterr().err


def test_route_over_http_takes_the_audit_connection_options(
    server: FakeGKE, kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`route` reads the cluster and project like `audit` does, --namespace included."""
    argv = ["route", "http://shop.example.com/api", "--project", "demo-project"]
    argv += [
        "--kubeconfig",
        kubeconfig,
        "--no-credentials",
        "--compute-endpoint",
        server.url,
        "--namespace",
        "shop",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "http://shop.example.com/api → Ingress shop/web" in out
    assert "path rule /api " in out
    assert "other Ingresses" not in out
