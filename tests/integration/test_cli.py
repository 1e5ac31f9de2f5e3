"""The gkeingress command, run against the fake world over HTTP."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gkeingress.checks import REGISTRY
from gkeingress.cli import main
from gkeingress.testing import FakeGKE, FakeMonitoring, World, demo_world, kube_error
from gkeingress.testing.traffic import Frontend, record_requests


@pytest.fixture(name="server")
def _server() -> Iterator[FakeGKE]:
    with FakeGKE(demo_world()) as server:
        yield server


@pytest.fixture(name="kubeconfig")
def _kubeconfig(server: FakeGKE, tmp_path: Path) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {"server": server.url}}],
                "users": [{"name": "me", "user": {"token": "not-a-real-token"}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "me"}}],
                "current-context": "fake",
            }
        )
    )
    return str(path)


def _audit(server: FakeGKE, kubeconfig: str, *extra: str) -> list[str]:
    return [
        "audit",
        "--project",
        "demo-project",
        "--kubeconfig",
        kubeconfig,
        "--no-credentials",
        "--compute-endpoint",
        server.url,
        *extra,
    ]


def test_json_report_and_exit_code_1_on_errors(
    server: FakeGKE, kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`audit --format json` prints the whole report and exits 1 when there are error findings."""
    assert main(_audit(server, kubeconfig, "--format", "json")) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["schema_version"] == 1
    assert report["summary"]["ingresses"] == len(demo_world().kube["ingresses"])
    assert {f["code"] for f in report["findings"]} >= {
        "NEG_EMPTY",
        "SYNC_ERROR",
        "LB_RESOURCE_MISSING",
    }
    shop = next(i for i in report["ingresses"] if i["name"] == "shop/web")
    assert shop["url_map"]["name"].startswith("k8s2-um-")


def test_namespace_and_fail_on(
    server: FakeGKE, kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A healthy namespace exits 0; `--fail-on never` exits 0 even with errors."""
    assert main(_audit(server, kubeconfig, "--namespace", "shop")) == 0
    assert "shop/web" in capsys.readouterr().out
    assert main(_audit(server, kubeconfig, "--namespace", "search", "--fail-on", "never")) == 0


def test_cannot_list_ingresses_exits_2(
    server: FakeGKE, kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """When Ingresses cannot be listed the audit could not run: exit 2 and say why."""
    server.faults.append(
        lambda req: (
            kube_error(
                403, "Forbidden", 'ingresses.networking.k8s.io is forbidden: User "me" cannot list'
            )
            if "ingresses" in req.path and "compute" not in req.path
            else None
        )
    )
    assert main(_audit(server, kubeconfig)) == 2
    assert "could not list Ingresses" in capsys.readouterr().err


def test_no_kubeconfig_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing kubeconfig is a clear message and exit 2, not a traceback."""
    missing = str(tmp_path / "nope")
    assert (
        main(
            [
                "audit",
                "--project",
                "p",
                "--kubeconfig",
                missing,
                "--no-credentials",
                "--compute-endpoint",
                "http://127.0.0.1:9",
            ]
        )
        == 2
    )
    assert f"--kubeconfig {missing}: no such file" in capsys.readouterr().err


def test_demo_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    """`gkeingress demo` prints each incident's finding, 100 columns wide when piped, and exits 0."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for code in ("HEALTH_CHECK_PATH_MISMATCH", "NEG_MISSING", "PROPAGATION_PENDING"):
        assert code in out
    assert "\n✔ shop/web  34.117.0.11  serves shop/api, shop/web: 4 pods ready\n" in out
    lines = out.splitlines()
    assert 80 < max(len(line) for line in lines) <= 100
    assert len(lines) < 400


def test_explain_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """`explain` prints a code's catalog entry; an unknown code exits 2; `checks` lists them all."""
    assert main(["explain", "neg_empty"]) == 0
    assert "NEG_EMPTY" in capsys.readouterr().out
    assert main(["explain", "NOPE"]) == 2
    capsys.readouterr()
    assert main(["checks"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    listed = {row[0]: row[1] for row in rows if len(row) > 1 and row[0] in REGISTRY}
    assert listed == {item.code: item.severity_range for item in REGISTRY}
    assert listed["NEG_EMPTY"] == "warning–error"


def test_evidence_options(
    server: FakeGKE, kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--monitoring-endpoint and --errors-window read 90 minutes of counts; --no-evidence reads none."""
    # The command line judges at the wall clock: 502s from two hours ago to a little past now.
    [ingress] = [i for i in server.world.kube["ingresses"] if i["metadata"]["name"] == "payments"]
    url_map = ingress["metadata"]["annotations"]["ingress.kubernetes.io/url-map"]
    counts = World(project=server.world.project)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    record_requests(
        counts,
        Frontend(url_map, "bs"),
        502,
        now - timedelta(hours=2),
        now + timedelta(minutes=5),
        per_minute=5,
    )
    with FakeMonitoring(counts) as monitoring:
        args = _audit(server, kubeconfig, "--format", "json", "--quiet")
        main([*args, "--monitoring-endpoint", monitoring.endpoint, "--errors-window", "90m"])
        read = json.loads(capsys.readouterr().out)
        main([*args, "--monitoring-endpoint", monitoring.endpoint, "--no-evidence"])
        unread = json.loads(capsys.readouterr().out)
        assert len(monitoring.requests) == 3
    [payments] = [i for i in read["ingresses"] if i["name"] == "payments/payments"]
    assert len(payments["traffic"]["minutes"]["requests"]) == 90
    assert payments["traffic"]["codes"] == {"502": 90 * 5}
    assert not any(call.startswith("monitoring.") for call in unread["api_calls"])
    assert {"LB_ERRORS_OBSERVED"} <= {u["code"] for u in unread["unchecked"]}


def test_a_bad_errors_window_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """`--errors-window 6 hours` is refused with the forms it takes."""
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--project", "p", "--errors-window", "6 hours"])
    assert exit_.value.code == 2
    assert "is not a span such as 90m, 6h or 1d" in capsys.readouterr().err
