"""Cloud Monitoring evidence over real gRPC: one call per metric per project, whatever the size."""

from datetime import timedelta
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from google.cloud import monitoring_v3

from gkeingress import Report, audit
from gkeingress.collect import ApiGate
from gkeingress.collect.monitoring import MonitoringReader, time_series_request
from gkeingress.permissions import EVIDENCE_PERMISSIONS
from gkeingress.resources.monitoring import REQUEST_METRICS, TimeWindow
from gkeingress.testing import DEMO_NOW, FakeGKE, World
from gkeingress.testing.monitoring import FakeMonitoring
from gkeingress.testing.scale import world_of
from gkeingress.testing.traffic import Frontend, record_requests, steady_traffic

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
WINDOW = TimeWindow.ending(DEMO_NOW, 6 * HOUR)
EXTERNAL = REQUEST_METRICS[0]


def _world_with_a_502_burst() -> World:
    """One URL map behind two forwarding rules (HTTP and HTTPS): 200s all along, 502s lately."""
    world = World()
    http = Frontend("um-web", "bs-web", forwarding_rule="fr-http", path_rule="/*")
    https = Frontend("um-web", "bs-web", forwarding_rule="fr-https", path_rule="/*")
    record_requests(world, http, 200, DEMO_NOW - 2 * HOUR, DEMO_NOW, per_minute=30)
    record_requests(world, https, 200, DEMO_NOW - 2 * HOUR, DEMO_NOW, per_minute=70)
    record_requests(world, https, 502, DEMO_NOW - 10 * MINUTE, DEMO_NOW, per_minute=40)
    # Outside the window: must not be counted.
    record_requests(world, https, 503, DEMO_NOW - 9 * HOUR, DEMO_NOW - 7 * HOUR, per_minute=5)
    return world


def _read(fake: FakeMonitoring, world: World) -> list[dict[str, Any]]:
    with fake.client() as client:
        return MonitoringReader(client, ApiGate(rate=None)).read(world.project, EXTERNAL, WINDOW)


def test_the_fake_sums_the_librarys_own_request_per_minute_and_code() -> None:
    """The library's aligned, reduced request comes back as one series per code, summed per minute."""
    world = _world_with_a_502_burst()
    with FakeMonitoring(world) as fake:
        series = _read(fake, world)
        [request] = fake.requests
    assert request.filter == (
        'metric.type = "loadbalancing.googleapis.com/https/request_count" '
        'AND resource.type = "https_lb_rule"'
    )
    assert request.aggregation.alignment_period == timedelta(seconds=60)
    by_code = {s["metric"]["labels"]["response_code"]: s for s in series}
    assert set(by_code) == {"200", "502"}
    ok, bad = by_code["200"], by_code["502"]
    # The two forwarding rules are summed away; only the grouped labels are left.
    assert ok["resource"] == {
        "type": "https_lb_rule",
        "labels": {
            "url_map_name": "um-web",
            "backend_target_name": "bs-web",
            "matched_url_path_rule": "/*",
        },
    }
    assert len(ok["points"]) == 120
    assert {p["value"]["int64Value"] for p in ok["points"]} == {"100"}
    newest = bad["points"][0]
    assert newest["interval"] == {
        "startTime": "2026-11-20T09:59:00Z",
        "endTime": "2026-11-20T10:00:00Z",
    }
    assert len(bad["points"]) == 10


def test_small_pages_give_the_same_series_in_more_calls() -> None:
    """Pages of 7 points split series across pages; the reader joins them back whole."""
    world = _world_with_a_502_burst()
    with FakeMonitoring(world) as whole:
        expected = _read(whole, world)
    with FakeMonitoring(world, page_size=7) as paged:
        found = _read(paged, world)
        pages = len(paged.requests)
    assert pages == -(-130 // 7)  # 120 + 10 points, 7 a page
    assert sorted(found, key=_code) == sorted(expected, key=_code)


def _code(series: dict[str, Any]) -> str:
    return str(series["metric"]["labels"]["response_code"])


def _audit(world: World, fake: FakeMonitoring, **options: Any) -> Report:
    with FakeGKE(world) as server, server.kube_client() as kube_client:
        return audit(
            world.project,
            kube_client=kube_client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            monitoring_endpoint=fake.endpoint,
            now=DEMO_NOW,
            **options,
        )


@pytest.mark.parametrize("page_size", [None, 500])
def test_monitoring_calls_do_not_grow_with_the_ingresses(page_size: int | None) -> None:
    """3 or 30 Ingresses with traffic: the same three timeSeries.list calls (pages aside)."""
    calls = []
    for size in (3, 30):
        world = world_of(size)
        steady_traffic(world, DEMO_NOW - 6 * HOUR, DEMO_NOW, 20)
        with FakeMonitoring(world, page_size=page_size) as fake:
            report = _audit(world, fake)
            pages = len(fake.requests)
        assert report.errors == []
        assert len(report.topology.snapshot.request_counts) == size
        monitoring = {k: v for k, v in report.api_calls.items() if k.startswith("monitoring.")}
        assert sum(monitoring.values()) == pages
        calls.append(monitoring)
    if page_size is None:
        assert calls[0] == calls[1]
        assert set(calls[0]) == {
            f"monitoring.timeSeries.list {m.resource}" for m in REQUEST_METRICS
        }
        assert set(calls[0].values()) == {1}
    else:  # 30 x 360 points in pages of 500: more pages of the same call, never a call per Ingress
        assert set(calls[0]) == set(calls[1])
        assert calls[1][f"monitoring.timeSeries.list {EXTERNAL.resource}"] == -(-30 * 360 // 500)


def test_no_evidence_asks_monitoring_nothing() -> None:
    """audit(evidence=False) makes no Monitoring call and reads no window."""
    world = world_of(2)
    with FakeMonitoring(world) as fake:
        report = _audit(world, fake, evidence=False)
        assert fake.requests == []
    assert report.topology.snapshot.evidence_window is None
    assert not any(k.startswith("monitoring.") for k in report.api_calls)


def test_without_the_permission_the_audit_names_it() -> None:
    """A 403 from Monitoring: CHECK_INCOMPLETE naming monitoring.timeSeries.list, never "no errors"."""
    world = world_of(2)
    with FakeMonitoring(world, allow=()) as fake:
        report = _audit(world, fake)
        assert len(fake.requests) == 1
    [error] = report.errors
    assert error.status == 403
    assert "monitoring.timeSeries.list" in error.message
    assert len(report.ingresses) == 2
    incomplete = {f.evidence["check"]: f for f in report.findings if f.code == "CHECK_INCOMPLETE"}
    # Without --errors-since, the onset CHANGE_BEFORE_ERRORS looks back from comes from the
    # metrics too: it cannot say what changed before errors it cannot date.
    assert set(incomplete) == {"LB_ERRORS_OBSERVED", "CHANGE_BEFORE_ERRORS"}
    assert all("monitoring.timeSeries.list" in f.message for f in incomplete.values())
    assert not {"LB_ERRORS_OBSERVED", "CHANGE_BEFORE_ERRORS"} & {f.code for f in report.findings}


def test_the_window_ends_at_the_audits_now() -> None:
    """The interval asked for is the six hours before the audit's clock, whatever the wall clock says."""
    world = world_of(1)
    with FakeMonitoring(world) as fake:
        _audit(world, fake, errors_window=90 * MINUTE)
        request = fake.requests[0]
    interval = monitoring_v3.ListTimeSeriesRequest.pb(request).interval
    assert interval.end_time.ToDatetime().isoformat() == "2026-11-20T10:00:00"
    assert interval.start_time.ToDatetime().isoformat() == "2026-11-20T08:30:00"


def test_the_documented_evidence_permission_is_enough() -> None:
    """Granted exactly EVIDENCE_PERMISSIONS, Monitoring refuses nothing."""
    world = world_of(2)
    steady_traffic(world, DEMO_NOW - HOUR, DEMO_NOW, per_minute=5)
    with FakeMonitoring(world, allow=EVIDENCE_PERMISSIONS) as fake:
        report = _audit(world, fake)
    assert report.errors == []
    assert len(report.topology.snapshot.request_counts) == 2


def test_the_fake_refuses_what_it_cannot_filter_on() -> None:
    """A filter on a label the fake does not implement is INVALID_ARGUMENT, never a silent all."""
    world = _world_with_a_502_burst()
    request = time_series_request(world.project, EXTERNAL, WINDOW)
    request.filter += ' AND resource.label.url_map_name = "um-web"'
    with (
        FakeMonitoring(world) as fake,
        fake.client() as client,
        pytest.raises(gexc.InvalidArgument),
    ):
        next(iter(client.list_time_series(request=request)))


def test_a_callers_client_is_used_and_left_open() -> None:
    """audit(monitoring_client=...) reads through the caller's client and does not close it."""
    world = world_of(2)
    steady_traffic(world, DEMO_NOW - HOUR, DEMO_NOW, per_minute=5)
    with FakeMonitoring(world) as fake, fake.client() as client:
        with FakeGKE(world) as server, server.kube_client() as kube_client:
            report = audit(
                world.project,
                kube_client=kube_client,
                credentials=AnonymousCredentials(),
                compute_endpoint=server.url,
                monitoring_client=client,
                now=DEMO_NOW,
            )
        assert len(report.topology.snapshot.request_counts) == 2
        again = MonitoringReader(client, ApiGate(rate=None)).read(world.project, EXTERNAL, WINDOW)
        assert len(again) == 2
