"""`gkeingress route`: where a URL goes, against the demo world and over HTTP."""

import json

import pytest

from gkeingress.cli import main
from gkeingress.testing import FakeGKE
from tests.integration.test_cli import _kubeconfig, _server  # noqa: F401 - shared fixtures


def test_route_through_the_demo_names_the_rule_the_service_and_the_missing_https(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`route URL --demo` answers with the matching rule, the Service, and why https fails."""
    assert main(["route", "https://shop.example.com/api/users", "--demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("https://shop.example.com/api/users → Ingress shop/web\nmatched: ")
    assert "Host rule shop.example.com and path rule /api/* of URL map k8s2-um-" in out
    assert "(Service shop/api:8080)" in out
    assert "✖ forwarding rule -: no forwarding rule listens on port 443" in out
    assert "✔ pods shop/api: 2/2 ready" in out


def test_route_as_json_says_404_from_the_default_backend(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--format json --ingress` forces the Ingress; an unknown host is GKE's 404, service None."""
    argv = ["route", "http://unknown.example.com/", "--demo", "--ingress", "shop/web"]
    assert main([*argv, "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["ingress"], answer["matched"], answer["service"]) == ("shop/web", False, None)
    assert "kube-system-default-http-backend" in answer["backend_service"]
    assert "404 from GKE's default backend kube-system/default-http-backend" in answer["reason"]
    assert [h["kind"] for h in answer["hops"]][:3] == [
        "forwarding rule",
        "target HTTP proxy",
        "URL map",
    ]


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
