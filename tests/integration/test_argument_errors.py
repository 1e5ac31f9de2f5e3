"""Mistakes in the arguments are named first, in the caller's language, before any API is called."""

import subprocess
import sys
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from gkeingress import audit, audit_fleet
from gkeingress.cli import main
from gkeingress.errors import ArgumentError, AuditError
from gkeingress.testing import (
    DEMO_NOW,
    FakeFleet,
    FakeGKE,
    WorldBuilder,
    google_error,
)
from gkeingress.testing import incidents_cluster as incidents
from tests.integration.test_cli import _kubeconfig, _server  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def _no_application_default_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Looking for Google credentials would fail with its own message: it must not be reached."""
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-adc.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))


def _refuse_compute(server: FakeGKE, permission: str, *, only: str = "/") -> None:
    """Answer 403 to Compute requests (those whose path holds ``only``), as IAM does without it."""
    server.faults.append(
        lambda req: (
            google_error(403, "forbidden", f"Required '{permission}' permission")
            if req.path.startswith("/compute/") and only in req.path
            else None
        )
    )


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


def test_missing_kubeconfig_is_named_before_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kubeconfig path with a typo is named as the option and the file, not a credentials error."""
    missing = tmp_path / "kube" / "confg"
    assert main(["audit", "--project", "demo-project", "--kubeconfig", str(missing)]) == 2
    assert _err(capsys) == f"gkeingress: --kubeconfig {missing}: no such file\n"


def test_no_kubeconfig_anywhere_points_at_both_ways_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --kubeconfig and with no file at $KUBECONFIG, the message offers --kubeconfig and --cluster."""
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    assert main(["audit", "--project", "demo-project"]) == 2
    err = _err(capsys)
    assert f"no kubeconfig at {tmp_path / 'absent'}" in err
    assert "--kubeconfig FILE" in err
    assert "--cluster LOCATION/NAME" in err
    assert "kube_client=" not in err


def test_unknown_context_lists_the_contexts(
    kubeconfig: str, server: FakeGKE, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --context the kubeconfig does not hold is named with the ones it does, and nothing is called."""
    args = ["audit", "--project", "demo-project", "--kubeconfig", kubeconfig, "--context", "prod"]
    assert main([*args, "--no-credentials", "--compute-endpoint", server.url]) == 2
    assert _err(capsys) == (
        "gkeingress: --context prod: no such context in the kubeconfig (it has: fake)\n"
    )
    assert server.requests == []


def test_malformed_cluster_is_named_before_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    """A --cluster that is no cluster name says which forms are accepted."""
    assert main(["audit", "--project", "demo-project", "--cluster", "us-central1/shop/extra"]) == 2
    assert _err(capsys) == (
        "gkeingress: --cluster us-central1/shop/extra: not a cluster: give "
        "projects/PROJECT/locations/LOCATION/clusters/NAME or LOCATION/NAME (e.g. us-central1/shop)\n"
    )


def test_unwritable_output_is_found_before_the_audit(
    kubeconfig: str, server: FakeGKE, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output into a directory that does not exist fails at once: no API is called for nothing."""
    target = tmp_path / "reports" / "today.json"
    args = ["audit", "--project", "demo-project", "--kubeconfig", kubeconfig]
    assert (
        main([*args, "--no-credentials", "--compute-endpoint", server.url, "--output", str(target)])
        == 2
    )
    assert _err(capsys) == (
        f"gkeingress: --output {target}: directory {target.parent} does not exist\n"
    )
    assert server.requests == []


def test_output_that_is_a_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gkeingress demo --output DIR` says DIR is a directory instead of a traceback."""
    assert main(["demo", "--output", str(tmp_path)]) == 2
    assert _err(capsys) == f"gkeingress: --output {tmp_path}: is a directory\n"


def test_unreadable_errors_since_exits_2_before_anything() -> None:
    """A --errors-since that is neither a time nor a span stops the command line with exit 2."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gkeingress.cli",
            "audit",
            "--project",
            "p",
            "--errors-since",
            "yday",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--errors-since: 'yday' is neither an ISO-8601 time nor a span" in done.stderr
    assert "Traceback" not in done.stderr


def test_project_that_does_not_exist_is_one_line_and_exit_2(
    kubeconfig: str, server: FakeGKE, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped --project gives one clear line, not a report of every resource "missing"."""
    args = ["audit", "--project", "demo-projetc", "--kubeconfig", kubeconfig]
    assert (
        main([*args, "--no-credentials", "--compute-endpoint", server.url, "--format", "json"]) == 2
    )
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(
        "gkeingress: project demo-projetc does not exist or cannot be read: all 9 Compute lists "
        "answered 404 (compute.urlMaps.aggregatedList: "
    )
    assert "The resource 'projects/demo-projetc' was not found" in line


def test_project_closed_to_the_credentials_stops_the_library_audit(server: FakeGKE) -> None:
    """When every Compute list is refused with 403, audit() raises instead of reporting all missing."""
    _refuse_compute(server, "compute.urlMaps.list")
    with pytest.raises(AuditError) as raised:
        audit(
            "demo-project",
            kube_client=server.kube_client(),
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
        )
    message = str(raised.value)
    assert message.startswith(
        "project demo-project does not exist or cannot be read: all 9 Compute lists answered 403"
    )
    assert "permission denied (needs compute.urlMaps.list)" in message


def test_one_readable_list_is_not_an_unreadable_project(server: FakeGKE) -> None:
    """A single refused list is a CHECK_INCOMPLETE of the report, not a stopped audit."""
    _refuse_compute(server, "compute.firewalls.list", only="/firewalls")
    report = audit(
        "demo-project",
        kube_client=server.kube_client(),
        credentials=AnonymousCredentials(),
        compute_endpoint=server.url,
        now=DEMO_NOW,
    )
    assert [e.call for e in report.errors] == ["compute.firewalls.list"]


def test_python_messages_name_python_arguments(tmp_path: Path) -> None:
    """The library names kubeconfig= and cluster=, never a command-line option."""
    missing = str(tmp_path / "confg")
    with pytest.raises(ArgumentError) as raised:
        audit("demo-project", kubeconfig=missing)
    assert str(raised.value) == f"kubeconfig={missing!r}: no such file"
    assert raised.value.argument == "kubeconfig"
    with pytest.raises(ArgumentError) as raised:
        audit("demo-project", cluster="shop")
    assert str(raised.value).startswith("cluster='shop': not a cluster: give projects/")
    assert "--" not in str(raised.value)


def test_explain_suggests_the_nearest_code(capsys: pytest.CaptureFixture[str]) -> None:
    """A typo in a code is answered with the code that was probably meant."""
    assert main(["explain", "HEALTHCHECK_PATH_MISMATCH"]) == 2
    assert _err(capsys) == (
        "gkeingress: unknown code 'HEALTHCHECK_PATH_MISMATCH'; did you mean "
        "HEALTH_CHECK_PATH_MISMATCH? `gkeingress checks` lists them\n"
    )
    assert main(["explain", "neg-empty"]) == 0
    assert capsys.readouterr().out.startswith("NEG_EMPTY")


def test_fleet_project_closed_to_compute_is_one_unreachable_finding_per_cluster() -> None:
    """In a fleet, a project whose Compute lists are all refused gives its cluster one clear finding."""
    worlds = []
    for project, uid in (("team-a", "5f3e2d1c0b0a0908"), ("team-b", "9a8b7c6d5e4f3a2b")):
        builder = WorldBuilder(project=project, cluster_name="shop", cluster_uid=uid)
        incidents.healthy_cluster(builder)
        worlds.append(builder.world)
    with FakeFleet(worlds) as fleet:
        _refuse_compute(fleet.projects["team-b"], "compute.urlMaps.list")
        report = audit_fleet(
            ["team-a", "team-b"],
            credentials=fleet.credentials,
            compute_endpoint=fleet.url,
            container_endpoint=fleet.url,
            now=DEMO_NOW,
        )
    [lost] = [f for f in report.findings if f.code == "CLUSTER_UNREACHABLE"]
    assert lost.cluster == "projects/team-b/locations/us-central1/clusters/shop"
    assert lost.message.startswith(
        "Cluster projects/team-b/locations/us-central1/clusters/shop was not audited: project "
        "team-b does not exist or cannot be read: all 9 Compute lists answered 403"
    )
    assert [r.cluster.path for r in report.reports if r.cluster] == [
        "projects/team-a/locations/us-central1/clusters/shop"
    ]
