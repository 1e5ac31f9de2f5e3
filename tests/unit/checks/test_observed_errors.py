"""LB_ERRORS_OBSERVED: what the load balancer answered, and CHANGE_BEFORE_ERRORS from its onset."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from gkeingress import Report, analyse
from gkeingress.findings import Severity
from gkeingress.resources.monitoring import REQUEST_METRICS
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.incidents_changes import rollout_before_errors
from gkeingress.testing.traffic import frontend_of, incident_traffic
from tests.unit.conftest import only


def _shop(b: WorldBuilder) -> None:
    b.service("shop", "web")
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def _report(b: WorldBuilder, **options: Any) -> Report:
    return analyse(snapshot_of(b.world, DEMO_NOW), now=DEMO_NOW, **options)


def test_a_healthy_ingress_with_traffic_has_no_finding(builder: WorldBuilder) -> None:
    """Six hours of 200s: nothing observed, nothing said."""
    _shop(builder)
    frontend = frontend_of(builder, "shop", "web", "web")
    incident_traffic(builder, frontend, per_minute=60, errors=0, code=502, since=None)
    report = _report(builder)
    assert "LB_ERRORS_OBSERVED" not in {f.code for f in report.findings}
    assert report.ingress("shop/web").traffic is not None


def test_a_few_stray_404s_are_a_warning_without_onset(builder: WorldBuilder) -> None:
    """2% 404s all along (bots probing): a warning that counts them, with no onset."""
    _shop(builder)
    frontend = frontend_of(builder, "shop", "web", "web", path_rule="UNMATCHED")
    incident_traffic(builder, frontend, per_minute=100, errors=2, code=404, since=None)
    finding = only(_report(builder), "shop/web", "LB_ERRORS_OBSERVED")
    assert finding.severity is Severity.WARNING
    assert finding.evidence["onset"] is None
    assert finding.evidence["codes"] == {"404": 720}
    assert "720 errors in the last 6 h (2% of requests): 404 ×720" in finding.message


def test_502s_after_a_quiet_morning_are_an_error_with_their_onset(builder: WorldBuilder) -> None:
    """41% 502s from 09:42: an error naming the onset, the share and the backend that served them."""
    _shop(builder)
    frontend = frontend_of(builder, "shop", "web", "web")
    onset = DEMO_NOW - timedelta(minutes=18)
    incident_traffic(builder, frontend, per_minute=100, errors=41, code=502, since=onset)
    finding = only(_report(builder), "shop/web", "LB_ERRORS_OBSERVED")
    assert finding.severity is Severity.ERROR
    assert "502s since 09:42 UTC, 41% of requests" in finding.message
    assert finding.evidence["onset"] == "2026-11-20T09:42:00+00:00"
    assert finding.evidence["ongoing"] is True
    assert finding.evidence["served"] == [
        {"backend": frontend.backend, "path_rule": "/*", "code": 502, "count": 18 * 41}
    ]


def test_the_metric_onset_finds_the_rollout_without_errors_since(builder: WorldBuilder) -> None:
    """rollout/rollout: with no errors_since, the 09:50 onset of its 502s leads to the rollout."""
    rollout_before_errors(builder)
    finding = only(_report(builder), "rollout/rollout", "CHANGE_BEFORE_ERRORS")
    assert "09:50:00 UTC (the onset its load balancer's metrics show)" in finding.message
    assert "20 min before errors began: Deployment rollout/rollout rolled out" in finding.message
    assert finding.evidence["onset_source"] == "metrics"


def test_an_explicit_errors_since_wins_over_the_metrics(builder: WorldBuilder) -> None:
    """Told the errors began at 09:40, the audit looks back from 09:40, not from the 09:50 onset."""
    rollout_before_errors(builder)
    since = DEMO_NOW - timedelta(minutes=20)
    finding = only(_report(builder, errors_since=since), "rollout/rollout", "CHANGE_BEFORE_ERRORS")
    assert finding.evidence["errors_since"] == "2026-11-20T09:40:00+00:00"
    assert finding.evidence["onset_source"] == "errors_since"
    assert "10 min before errors began: Deployment rollout/rollout" in finding.message
    assert "metrics" not in finding.message


def test_without_evidence_the_check_is_listed_as_not_checked(builder: WorldBuilder) -> None:
    """An audit that read no evidence says LB_ERRORS_OBSERVED was not checked, and why."""
    _shop(builder)
    report = analyse(snapshot_of(builder.world, DEMO_NOW, errors_window=None), now=DEMO_NOW)
    assert "LB_ERRORS_OBSERVED" in report.unchecked
    assert "evidence was not read" in report.why_unchecked("LB_ERRORS_OBSERVED")
    assert {"code": "LB_ERRORS_OBSERVED", "reason": report.why_unchecked("LB_ERRORS_OBSERVED")} in (
        report.to_dict()["unchecked"]
    )


def test_an_internal_ingress_reads_the_internal_metric(builder: WorldBuilder) -> None:
    """A gce-internal Ingress's 503s come from https/internal/request_count, not the external one."""
    builder.service("intranet", "wiki")
    builder.ingress(
        "intranet",
        "wiki",
        rules=[Rule("wiki.internal", [Path("/", "wiki")])],
        ingress_class="gce-internal",
    )
    internal = frontend_of(builder, "intranet", "wiki", "wiki", ingress_class="gce-internal")
    assert internal.metric.resource == "internal_http_lb_rule"
    onset = DEMO_NOW - timedelta(minutes=30)
    incident_traffic(builder, internal, per_minute=20, errors=10, code=503, since=onset)
    # The same URL map name on the external metric is another load balancer's: not this one's.
    external = replace(internal, metric=REQUEST_METRICS[0])
    incident_traffic(builder, external, per_minute=20, errors=20, code=502, since=None)
    finding = only(_report(builder), "intranet/wiki", "LB_ERRORS_OBSERVED")
    assert finding.evidence["codes"] == {"503": 300}
    assert "503s since 09:30 UTC, 50% of requests" in finding.message
