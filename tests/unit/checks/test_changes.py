"""CHANGE_BEFORE_ERRORS: the changes inside the runbook's windows before the errors began."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from gkeingress import Finding, Report, analyse
from gkeingress.checks.changes import change_before_errors
from gkeingress.checks.registry import Registry
from gkeingress.cli import _parser
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.incidents_changes import ERRORS_SINCE, rollout_before_errors
from gkeingress.testing.world import JSONDict
from tests.unit.conftest import Judge, faults

ONSET = DEMO_NOW - timedelta(minutes=10)
CHECKS = Registry([change_before_errors])


def before(minutes: int) -> timedelta:
    """How long before DEMO_NOW a change ``minutes`` before the onset happened."""
    return DEMO_NOW - ONSET + timedelta(minutes=minutes)


def _report(b: WorldBuilder, errors_since: datetime | None = ONSET) -> Report:
    return analyse(
        snapshot_of(b.world, DEMO_NOW), now=DEMO_NOW, errors_since=errors_since, registry=CHECKS
    )


def _findings(b: WorldBuilder) -> list[Finding]:
    return _report(b).findings


def _web(b: WorldBuilder, ingress_class: str = "gce") -> JSONDict:
    b.service("shop", "web")
    return b.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/", "web")])],
        ingress_class=ingress_class,
    )


def _ingress(b: WorldBuilder) -> JSONDict:
    return b.kube_object("ingresses", "shop", "web")


def edit_rules(b: WorldBuilder, ago: timedelta) -> None:
    ingress = _ingress(b)
    ingress["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/shop"
    b.record_write(ingress, "kubectl-client-side-apply", {"f:spec": {"f:rules": {}}}, ago=ago)


def change_class(b: WorldBuilder, ago: timedelta) -> None:
    ingress = _ingress(b)
    ingress["metadata"]["annotations"]["kubernetes.io/ingress.class"] = "nginx"
    written: JSONDict = {"f:metadata": {"f:annotations": {"f:kubernetes.io/ingress.class": {}}}}
    b.record_write(ingress, "kubectl-annotate", written, ago=ago)


def pin_static_ip(b: WorldBuilder, ago: timedelta) -> None:
    ingress = _ingress(b)
    key = "kubernetes.io/ingress.global-static-ip-name"
    ingress["metadata"]["annotations"][key] = "shop-ip"
    b.record_write(
        ingress, "kubectl-annotate", {"f:metadata": {"f:annotations": {f"f:{key}": {}}}}, ago=ago
    )


def edit_service_selector(b: WorldBuilder, ago: timedelta) -> None:
    service = b.kube_object("services", "shop", "web")
    service["spec"]["selector"] = {"app": "web", "tier": "frontend"}
    b.record_write(service, "kubectl-edit", {"f:spec": {"f:selector": {}}}, ago=ago)


def fail_sync(b: WorldBuilder, ago: timedelta) -> None:
    b.event(
        _ingress(b), "Sync", "Error syncing to GCP: googleapi: Error 403: Quota exceeded", ago=ago
    )


def roll_out(b: WorldBuilder, ago: timedelta) -> None:
    b.rollout(b.deployment("shop", "web"), ago=ago)


Change = Callable[[WorldBuilder, timedelta], None]

WINDOWS = [
    pytest.param(edit_rules, 30, 60, id="ingress-rules"),
    pytest.param(change_class, 30, 60, id="ingress-class"),
    pytest.param(pin_static_ip, 30, 60, id="ingress-annotations"),
    pytest.param(edit_service_selector, 30, 60, id="service"),
    pytest.param(fail_sync, 5, 10, id="sync-error"),
    pytest.param(roll_out, 60, 120, id="rollout"),
]
"""Each kind of change with the runbook's window before the onset, and the window widened once."""


@pytest.mark.parametrize(("change", "usual", "widened"), WINDOWS)
def test_change_inside_its_window_is_a_suspect(
    builder: WorldBuilder, change: Change, usual: int, widened: int
) -> None:
    """A change a minute inside its runbook window before the onset is listed with its offset."""
    _web(builder)
    change(builder, before(usual - 1))
    [finding] = _findings(builder)
    assert finding.code == "CHANGE_BEFORE_ERRORS"
    assert finding.ingress == "shop/web"
    assert f"{usual - 1} min before errors began: " in finding.message
    assert "widened" not in finding.message
    assert finding.evidence["widened"] is False


@pytest.mark.parametrize(("change", "usual", "widened"), WINDOWS)
def test_change_just_outside_its_window_is_found_by_widening_once(
    builder: WorldBuilder, change: Change, usual: int, widened: int
) -> None:
    """With nothing in the usual windows, each is widened once and the finding says so."""
    _web(builder)
    change(builder, before(usual + 1))
    [finding] = _findings(builder)
    assert finding.message.startswith("Nothing changed in the usual windows; widened them once (")
    assert finding.evidence["widened"] is True
    assert finding.evidence["changes"][0]["before_errors_seconds"] == (usual + 1) * 60


@pytest.mark.parametrize(("change", "usual", "widened"), WINDOWS)
def test_change_beyond_the_widened_window_is_not_a_suspect(
    builder: WorldBuilder, change: Change, usual: int, widened: int
) -> None:
    """A change older than even the widened window is history, not a suspect."""
    _web(builder)
    change(builder, before(widened + 1))
    assert _findings(builder) == []


def test_without_an_onset_nothing_is_reported(builder: WorldBuilder) -> None:
    """The check only answers "what changed before the errors" when told when they began."""
    _web(builder)
    edit_rules(builder, before(1))
    assert _report(builder, errors_since=None).findings == []


def test_most_likely_cause_is_listed_first(builder: WorldBuilder) -> None:
    """An Ingress rules edit outranks a later rollout and sync error, whatever their order in time."""
    _web(builder)
    edit_rules(builder, before(25))
    roll_out(builder, before(3))
    fail_sync(builder, before(1))
    [finding] = _findings(builder)
    assert [c["kind"] for c in finding.evidence["changes"]] == [
        "ingress-spec",
        "rollout",
        "sync-error",
    ]
    assert finding.resource == "Ingress shop/web"
    assert (
        "Errors began at 2026-11-20 09:50:00 UTC; changes before then, most likely cause first: "
        "25 min before errors began: Ingress shop/web rules changed "
        "(managedFields, kubectl-client-side-apply, generation 2); "
        "3 min before errors began: Deployment shop/web rolled out revision 2"
    ) in finding.message
    assert "revert the rules" in finding.remediation


def test_among_changes_of_one_kind_the_closest_to_the_onset_comes_first(
    builder: WorldBuilder,
) -> None:
    """Two Service edits: the one just before the errors is the likelier cause."""
    _web(builder)
    edit_service_selector(builder, before(20))
    service = builder.kube_object("services", "shop", "web")
    written: JSONDict = {"f:metadata": {"f:annotations": {"f:cloud.google.com/backend-config": {}}}}
    builder.record_write(service, "kubectl-annotate", written, ago=before(2))
    [finding] = _findings(builder)
    assert [c["before_errors_seconds"] for c in finding.evidence["changes"]] == [120, 1200]
    assert (
        "annotations cloud.google.com/backend-config"
        in finding.evidence["changes"][0]["description"]
    )


def test_changes_after_the_onset_are_in_the_timeline_but_not_causes(builder: WorldBuilder) -> None:
    """A rules edit five minutes after the errors began cannot have caused them."""
    _web(builder)
    edit_rules(builder, before(-5))
    report = _report(builder)
    assert report.findings == []
    assert "Ingress shop/web rules changed" in [c.description for c in report.timeline()]


def test_widening_happens_only_when_nothing_is_in_the_usual_windows(builder: WorldBuilder) -> None:
    """A rules edit in its window keeps the windows narrow, so a rollout 90 minutes back is not listed."""
    _web(builder)
    edit_rules(builder, before(10))
    roll_out(builder, before(90))
    [finding] = _findings(builder)
    assert [c["kind"] for c in finding.evidence["changes"]] == ["ingress-spec"]


def test_deleted_service_is_dated_by_the_controllers_first_complaint(builder: WorldBuilder) -> None:
    """Service shop/web was deleted; ingress-gce first could not find it 3 minutes before the errors."""
    ingress = _web(builder)
    builder.world.kube_objects("services").remove(builder.kube_object("services", "shop", "web"))
    event = builder.event(
        ingress,
        "Translate",
        'Translation failed: invalid ingress spec: could not find service "shop/web"',
        ago=timedelta(minutes=1),
        count=9,
    )
    event["firstTimestamp"] = "2026-11-20T09:47:00Z"
    [finding] = _findings(builder)
    assert [c["kind"] for c in finding.evidence["changes"]] == ["service", "sync-error"]
    assert (
        "3 min before errors began: Service shop/web missing (deleted, or never created): "
        "ingress-gce could not find it"
    ) in finding.message
    assert "recreate it if it was deleted" in finding.remediation


def test_writes_by_ingress_gce_are_not_changes(builder: WorldBuilder) -> None:
    """The controller writing its annotations and the Ingress status after a sync changes nothing."""
    ingress = _web(builder)
    written: JSONDict = {"f:metadata": {"f:annotations": {"f:ingress.kubernetes.io/backends": {}}}}
    builder.record_write(ingress, "glbc", written, ago=before(2))
    status: JSONDict = {"f:status": {"f:loadBalancer": {"f:ingress": {}}}}
    builder.record_write(ingress, "some-operator", status, ago=before(2), subresource="status")
    assert _findings(builder) == []


def test_rule_edits_of_an_ingress_of_another_class_are_not_suspects(builder: WorldBuilder) -> None:
    """An nginx Ingress's rule edits are not GKE's business."""
    _web(builder, ingress_class="nginx")
    edit_rules(builder, before(5))
    assert _findings(builder) == []


def test_moving_an_ingress_off_gkes_class_is_a_suspect(builder: WorldBuilder) -> None:
    """Re-annotating a GKE Ingress as nginx five minutes before the errors is named, with its new class."""
    _web(builder)
    change_class(builder, before(5))
    [finding] = _findings(builder)
    assert "Ingress shop/web class changed (now 'nginx')" in finding.message
    assert "GKE serves only gce" in finding.remediation


def test_naive_onset_is_read_as_utc(builder: WorldBuilder) -> None:
    """`errors_since` without a time zone means UTC, like `now`."""
    _web(builder)
    edit_rules(builder, before(5))
    [finding] = _report(builder, errors_since=ONSET.replace(tzinfo=None)).findings
    assert finding.evidence["errors_since"] == "2026-11-20T09:50:00+00:00"


def test_rollout_scenario_points_at_the_rollout(builder: WorldBuilder, judge: Judge) -> None:
    """rollout/rollout: the readinessProbe rollout 20 minutes before the 502s is the one suspect."""
    rollout_before_errors(builder)
    # Its configuration is sound: only the load balancer's own 502s and the change before them.
    shown = {f.code for f in faults(judge(builder), "rollout/rollout")}
    assert shown == {"LB_ERRORS_OBSERVED", "CHANGE_BEFORE_ERRORS"}
    report = analyse(
        snapshot_of(builder.world, DEMO_NOW),
        now=DEMO_NOW,
        errors_since=ERRORS_SINCE,
        registry=CHECKS,
    )
    [finding] = report.findings
    assert finding.ingress == "rollout/rollout"
    assert (
        "20 min before errors began: Deployment rollout/rollout rolled out revision 2"
        in finding.message
    )
    assert "kubectl rollout undo" in finding.remediation


def _onset(text: str) -> datetime:
    args = _parser().parse_args(["audit", "--project", "p", "--errors-since", text])
    when: datetime = args.errors_since
    return when


def test_errors_since_on_the_command_line() -> None:
    """`--errors-since` takes ISO-8601 (naive means UTC) or a span before now such as 30m or 2h."""
    assert _onset("2026-11-20T09:50:00Z") == ONSET
    assert _onset("2026-11-20T09:50:00") == ONSET
    assert _onset("2026-11-20T01:50:00-08:00") == ONSET
    onset = _onset("2h")
    ago = datetime.now(timezone.utc) - onset
    assert timedelta(hours=2) <= ago < timedelta(hours=2, seconds=30)
    with pytest.raises(SystemExit):
        _onset("yesterday")
