"""A bug in gkeingress is reported as a bug: logged with its traceback, INTERNAL_ERROR, exit code 3."""

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from rich.console import Console

from gkeingress import Report, analyse, audit_fleet
from gkeingress.api import read_snapshot as real_read_snapshot
from gkeingress.checks import REGISTRY, AuditOptions, Check, Hit, Registry
from gkeingress.cli import main
from gkeingress.model.topology import Topology
from gkeingress.render.html import report_document
from gkeingress.render.sarif import to_sarif
from gkeingress.render.text import render
from gkeingress.schemas import report_schema
from gkeingress.snapshot import Snapshot
from gkeingress.testing import DEMO_NOW, FakeFleet, WorldBuilder, demo_world, snapshot_of
from gkeingress.testing import incidents_cluster as incidents

BROKEN_CODE = "RULE_HOST_DUPLICATE"
SHOP = "projects/team-a/locations/us-central1/clusters/shop"
CHECKOUT = "projects/team-a/locations/us-central1/clusters/checkout"


def _raises(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """A check with a bug: it adds a port number to a port name."""
    del options
    for paired in topology.ingresses:
        yield from ()
        _ = paired.ingress.meta.name + 80  # type: ignore[operator]  # the bug under test


BROKEN = replace(REGISTRY[BROKEN_CODE], run=_raises)


def _with_broken_check() -> Registry:
    return Registry([BROKEN if c.code == BROKEN_CODE else c for c in REGISTRY])


def _bug_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]


def test_a_check_that_raises_is_an_internal_error_in_every_format(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A TypeError in one check: an INTERNAL_ERROR error with its traceback, logged; the rest runs."""
    with caplog.at_level(logging.ERROR, logger="gkeingress"):
        report = analyse(snapshot_of(demo_world(), DEMO_NOW), registry=_with_broken_check())
    [bug] = report.internal_errors
    assert bug.where == f"check {BROKEN_CODE}"
    assert bug.error.startswith("TypeError: can only concatenate str")
    assert "in _raises" in bug.traceback
    [finding] = [f for f in report.findings if f.code == "INTERNAL_ERROR"]
    assert finding.severity == "error"
    assert "a bug in gkeingress" in finding.message
    assert finding.evidence["traceback"] == bug.traceback
    codes = {f.code for f in report.findings}
    assert BROKEN_CODE not in codes
    assert "CHECK_INCOMPLETE" not in codes  # not an API failure
    assert report.errors == []
    assert "NEG_EMPTY" in codes  # the other checks ran
    [record] = _bug_records(caplog)
    assert record.name == "gkeingress.checks"
    assert logging.getLogger("gkeingress").handlers == []  # the library configures no logging
    assert record.exc_info is not None
    assert record.exc_info[0] is TypeError
    assert BROKEN_CODE in record.getMessage()

    document = report.to_dict()
    Draft202012Validator(report_schema()).validate(document)
    assert [e["where"] for e in document["internal_errors"]] == [f"check {BROKEN_CODE}"]
    [run] = to_sarif(report)["runs"]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "INTERNAL_ERROR" in {
        n["descriptor"]["id"] for n in invocation["toolExecutionNotifications"]
    }
    console = Console(record=True, width=200)
    render(report, console)
    assert "; 1 internal error(s): a bug in gkeingress, see INTERNAL_ERROR" in console.export_text()
    assert 'class="internal"' in report_document(report)


def test_a_healthy_audit_has_no_internal_errors() -> None:
    """Without a bug, the report says so: an empty list, not a missing key."""
    report: Report = analyse(snapshot_of(demo_world(), DEMO_NOW))
    assert report.internal_errors == ()
    assert report.to_dict()["internal_errors"] == []


def test_the_command_exits_3_and_logs_the_traceback(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`gkeingress demo` with a broken check: exit 3 even with --fail-on never, traceback logged."""
    monkeypatch.setitem(REGISTRY._checks, BROKEN_CODE, BROKEN)  # the shipped registry, broken
    with caplog.at_level(logging.ERROR, logger="gkeingress"):
        assert main(["demo", "--format", "json", "--fail-on", "never"]) == 3
    out, err = capsys.readouterr()
    assert f"internal error in check {BROKEN_CODE}: a bug in gkeingress" in err
    assert [e["where"] for e in json.loads(out)["internal_errors"]] == [f"check {BROKEN_CODE}"]
    [record] = _bug_records(caplog)
    assert record.exc_info is not None
    assert record.exc_info[0] is TypeError


def test_a_crash_outside_the_checks_exits_3_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bug anywhere else in the command is no exit 1 or 2 and no bare traceback: exit 3, logged."""

    def unrenderable(report: object, console: object, options: object = None) -> None:
        raise KeyError("verdict")

    monkeypatch.setattr("gkeingress.cli.render", unrenderable)
    with caplog.at_level(logging.ERROR, logger="gkeingress"):
        assert main(["demo"]) == 3
    assert "internal error (KeyError: 'verdict'): a bug in gkeingress" in capsys.readouterr().err
    [record] = _bug_records(caplog)
    assert record.name == "gkeingress.cli"


@pytest.fixture(name="fleet")
def _fleet() -> Iterator[FakeFleet]:
    worlds = []
    for name, uid in (("shop", "5f3e2d1c0b0a0908"), ("checkout", "0c1d2e3f4a5b6c7d")):
        builder = WorldBuilder(project="team-a", cluster_name=name, cluster_uid=uid)
        incidents.healthy_cluster(builder)
        worlds.append(builder.world)
    with FakeFleet(worlds) as fleet:
        yield fleet


def test_a_fleet_cluster_whose_audit_raises_is_an_internal_error_not_unreachable(
    fleet: FakeFleet, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A TypeError while auditing one cluster is a bug of gkeingress, not a cluster out of reach."""

    def read_snapshot(project: str, **options: Any) -> Snapshot:
        cluster = options["cluster"]
        if getattr(cluster, "path", None) == CHECKOUT:
            raise TypeError("'NoneType' object is not subscriptable")
        return real_read_snapshot(project, **options)

    monkeypatch.setattr("gkeingress.fleet.read_snapshot", read_snapshot)
    with caplog.at_level(logging.ERROR, logger="gkeingress"):
        report = audit_fleet(
            ["team-a"],
            credentials=fleet.credentials,
            compute_endpoint=fleet.url,
            container_endpoint=fleet.url,
            now=DEMO_NOW,
        )
    assert "CLUSTER_UNREACHABLE" not in {f.code for f in report.findings}
    [finding] = [f for f in report.findings if f.code == "INTERNAL_ERROR"]
    assert (finding.cluster, finding.severity) == (CHECKOUT, "error")
    [bug] = report.internal_errors
    assert bug.where == f"audit of {CHECKOUT}"
    assert bug.error == "TypeError: 'NoneType' object is not subscriptable"
    assert [r.cluster.path for r in report.reports if r.cluster] == [SHOP]
    assert report.to_dict()["internal_errors"][0]["where"] == f"audit of {CHECKOUT}"
    [record] = _bug_records(caplog)
    assert record.name == "gkeingress.checks"


def test_a_custom_check_is_a_check_like_any_other() -> None:
    """The broken check above is a real Check: the registry refuses nothing but duplicates."""
    assert isinstance(BROKEN, Check)
    with pytest.raises(ValueError, match="registered twice"):
        Registry([*REGISTRY, BROKEN])
