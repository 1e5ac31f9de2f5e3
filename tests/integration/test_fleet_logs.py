"""audit_fleet reads each project's logs once for all its clusters, and each cluster keeps its own."""

import json
from collections.abc import Callable, Iterator

import pytest

from gkeingress import FleetReport, audit_fleet
from gkeingress.testing import DEMO_NOW, FakeFleet, WorldBuilder
from gkeingress.testing import incidents_evidence as incidents
from gkeingress.testing.builder import Path, Rule
from gkeingress.testing.fake_logging import FakeLogging
from gkeingress.testing.world import World

SHOP = "projects/team-a/locations/us-central1/clusters/shop"
CHECKOUT = "projects/team-a/locations/us-east1-b/clusters/checkout"
LEGACY = "projects/team-b/locations/europe-west1/clusters/legacy"
BATCH = "projects/team-b/locations/europe-west1-b/clusters/batch"


def _world(path: str, uid: str, *incidents_: Callable[[WorldBuilder], None]) -> World:
    """The cluster at ``path`` with the Ingresses (and the log entries) of ``incidents_``."""
    _, project, _, location, _, name = path.split("/")
    builder = WorldBuilder(project=project, cluster_name=name, cluster_uid=uid)
    builder.cluster(location)
    for incident in incidents_:
        incident(builder)
    return builder.world


def _coupons(b: WorldBuilder) -> None:
    """A healthy ``coupons/coupons``, named as the one whose Service CI deleted in another cluster."""
    b.service("coupons", "coupons")
    b.ingress("coupons", "coupons", rules=[Rule("coupons.example.com", [Path("/", "coupons")])])


@pytest.fixture(name="fleet")
def _fleet() -> Iterator[tuple[FakeFleet, FakeLogging]]:
    worlds = [
        _world(SHOP, "5f3e2d1c0b0a0908", incidents.keepalive_resets, _coupons),
        _world(CHECKOUT, "0c1d2e3f4a5b6c7d", incidents.service_deleted_logged),
        _world(LEGACY, "9a8b7c6d5e4f3a2b", incidents.probe_404_logged),
        _world(BATCH, "1b2c3d4e5f6a7b8c", incidents.keepalive_resets),
    ]
    logged = World("every-project")  # one Logging API: each entry's logName names its project
    logged.log_entries = [e for w in worlds for e in w.log_entries]
    with FakeFleet(worlds) as fleet, FakeLogging(logged) as logging:
        yield fleet, logging


def _audit(fleet: FakeFleet, logging: FakeLogging) -> FleetReport:
    return audit_fleet(
        ["team-a", "team-b"],
        credentials=fleet.credentials,
        compute_endpoint=fleet.url,
        container_endpoint=fleet.url,
        logging_endpoint=logging.address,
        now=DEMO_NOW,
        errors_since=DEMO_NOW - incidents.ONSET,
    )


def _codes(report: FleetReport, cluster: str) -> set[str]:
    return {f.code for f in report.report(cluster).findings}


def test_each_project_is_queried_three_times_whatever_its_clusters(
    fleet: tuple[FakeFleet, FakeLogging],
) -> None:
    """Two projects of two clusters each: three entries.list calls per project, not per cluster."""
    servers, logging = fleet
    report = _audit(servers, logging)

    assert logging.calls() == 6
    assert (
        sorted(r.resource_names for r in logging.requests)
        == [("projects/team-a",)] * 3 + [("projects/team-b",)] * 3
    )
    assert report.fleet_calls["logging.entries.list"] == 6
    assert not any(c.startswith("logging.") for r in report.reports for c in r.api_calls)
    team_a = [r.filter for r in logging.requests if r.resource_names == ("projects/team-a",)]
    request_filter = next(f for f in team_a if "httpRequest.status>=400" in f)
    assert "k8s2-um-" in request_filter
    assert request_filter.count("resource.labels.url_map_name=") == 2  # basket's, coupons'
    audit_filter = next(f for f in team_a if "cloudaudit" in f)
    assert 'resource.labels.cluster_name="shop"' in audit_filter
    assert 'resource.labels.cluster_name="checkout"' in audit_filter


def test_each_cluster_reports_its_own_log_findings_only(
    fleet: tuple[FakeFleet, FakeLogging],
) -> None:
    """Keep-alive 502s, failing probes and CI's deletion land on their own cluster's Ingresses."""
    servers, logging = fleet
    report = _audit(servers, logging)

    assert "LB_BACKEND_CONNECTION_CLOSED" in _codes(report, SHOP)
    assert "LB_BACKEND_CONNECTION_CLOSED" in _codes(report, BATCH)
    assert "LB_BACKEND_CONNECTION_CLOSED" not in _codes(report, CHECKOUT) | _codes(report, LEGACY)
    assert "HEALTH_CHECK_PROBE_FAILING" in _codes(report, LEGACY)
    assert "HEALTH_CHECK_PROBE_FAILING" not in _codes(report, SHOP) | _codes(report, BATCH)
    closed = next(
        f for f in report.report(SHOP).findings if f.code == "LB_BACKEND_CONNECTION_CLOSED"
    )
    assert closed.ingress == "basket/basket"
    assert closed.evidence["requests"] == 18  # its own 18 resets, not batch's too
    deleted = next(
        f
        for f in report.report(CHECKOUT).findings
        if f.code == "CHANGE_BEFORE_ERRORS" and f.ingress == "coupons/coupons"
    )
    assert deleted.evidence["changes"][0]["actor"] == incidents.CI_DEPLOYER
    shop = json.dumps([f.evidence for f in report.report(SHOP).findings], default=str)
    assert incidents.CI_DEPLOYER not in shop  # shop's own coupons/coupons was not deleted


def test_a_callers_logging_client_reads_every_projects_logs_and_stays_open(
    fleet: tuple[FakeFleet, FakeLogging],
) -> None:
    """With the caller's own Logging client the fleet finds the same; the client is still usable."""
    servers, logging = fleet
    client = logging.client()
    report = audit_fleet(
        ["team-a", "team-b"],
        credentials=servers.credentials,
        compute_endpoint=servers.url,
        container_endpoint=servers.url,
        logging_client=client,
        now=DEMO_NOW,
        errors_since=DEMO_NOW - incidents.ONSET,
    )
    assert logging.calls() == 6
    by_endpoint = _audit(servers, logging)
    for cluster in (SHOP, CHECKOUT, LEGACY, BATCH):
        assert _codes(report, cluster) == _codes(by_endpoint, cluster)
    assert "HEALTH_CHECK_PROBE_FAILING" in _codes(report, LEGACY)
    assert list(client.list_log_entries(resource_names=["projects/team-a"]))  # not closed
