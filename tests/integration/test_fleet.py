"""audit_fleet: every cluster of two projects, found and reached with Google credentials alone."""

import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft202012Validator
from referencing import Registry, Resource
from rich.console import Console

from gkeingress import FleetReport, audit_fleet
from gkeingress.cli import main
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.render.html import report_document
from gkeingress.render.sarif import to_sarif
from gkeingress.render.text import render
from gkeingress.schemas import fleet_schema, report_schema
from gkeingress.testing import DEMO_NOW, FakeFleet, WorldBuilder
from gkeingress.testing import incidents_cluster as incidents
from gkeingress.testing.monitoring import FakeMonitoring
from gkeingress.testing.traffic import steady_traffic
from gkeingress.testing.world import World

SHOP = "projects/team-a/locations/us-central1/clusters/shop"
CHECKOUT = "projects/team-a/locations/us-east1-b/clusters/checkout"
LEGACY = "projects/team-b/locations/europe-west1/clusters/legacy"
BATCH = "projects/team-b/locations/europe-west1-b/clusters/batch"


def _world(
    project: str, name: str, uid: str, location: str, incident: Callable[[WorldBuilder], None]
) -> World:
    """One cluster of the fleet; ``incident`` declares the cluster and its Ingress."""
    builder = WorldBuilder(project=project, cluster_name=name, cluster_uid=uid)
    incident(builder)
    [cluster] = builder.world.clusters
    if cluster["location"] != location:  # the incidents declare us-central1
        builder.world.clusters.clear()
        builder.cluster(
            location,
            vpc_native=bool(cluster["ipAllocationPolicy"]),
            http_load_balancing=not cluster["addonsConfig"]["httpLoadBalancing"]["disabled"],
        )
    return builder.world


class Recorder:
    """Remembers which clusters started and how each ended."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.done: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def cluster_started(self, cluster: str) -> Progress:
        with self._lock:
            self.started.append(cluster)
        return NO_PROGRESS

    def cluster_done(self, cluster: str, error: str | None) -> None:
        with self._lock:
            self.done[cluster] = error


@pytest.fixture(name="fleet")
def _fleet() -> Iterator[FakeFleet]:
    worlds = [
        _world("team-a", "shop", "5f3e2d1c0b0a0908", "us-central1", incidents.healthy_cluster),
        _world(
            "team-a",
            "checkout",
            "0c1d2e3f4a5b6c7d",
            "us-east1-b",
            incidents.http_load_balancing_disabled,
        ),
        _world(
            "team-b",
            "legacy",
            "9a8b7c6d5e4f3a2b",
            "europe-west1",
            incidents.routes_based_cluster_negs,
        ),
        _world("team-b", "batch", "1b2c3d4e5f6a7b8c", "europe-west1-b", incidents.healthy_cluster),
    ]
    with FakeFleet(worlds) as fleet:
        fleet.clusters[BATCH].stop()  # its control plane is not reachable from here
        yield fleet


def _audit(fleet: FakeFleet, **options: Any) -> FleetReport:
    return audit_fleet(
        ["team-a", "team-b"],
        credentials=fleet.credentials,
        compute_endpoint=fleet.url,
        container_endpoint=fleet.url,
        now=DEMO_NOW,
        **options,
    )


def test_every_finding_names_the_right_cluster(fleet: FakeFleet) -> None:
    """Each cluster's fault is reported on its own cluster, and the healthy one stays clean."""
    report = _audit(fleet)
    by_cluster = {(f.code, f.cluster) for f in report.findings}
    assert ("HTTP_LOAD_BALANCING_DISABLED", CHECKOUT) in by_cluster
    assert ("CLUSTER_NOT_VPC_NATIVE", LEGACY) in by_cluster
    assert {c for code, c in by_cluster if code == "HTTP_LOAD_BALANCING_DISABLED"} == {CHECKOUT}
    assert [f.code for f in report.findings_for("shop/web", cluster=SHOP)] == [
        "DEFAULT_BACKEND_404"
    ]
    assert all(f.cluster for f in report.findings)


def test_ingresses_carry_their_cluster(fleet: FakeFleet) -> None:
    """The same namespace/name in three clusters is three Ingresses, each with its cluster."""
    report = _audit(fleet)
    assert sorted((p.cluster or "", p.name) for p in report.ingresses) == [
        (SHOP, "shop/web"),
        (CHECKOUT, "shop/web"),
        (LEGACY, "shop/web"),
    ]
    assert {i["cluster"] for i in report.to_dict()["ingresses"]} == {SHOP, CHECKOUT, LEGACY}


def test_an_unreachable_cluster_does_not_sink_the_fleet(fleet: FakeFleet) -> None:
    """A cluster that cannot be reached is one CLUSTER_UNREACHABLE finding; the rest is reported."""
    report = _audit(fleet)
    [finding] = [f for f in report.findings if f.code == "CLUSTER_UNREACHABLE"]
    assert finding.cluster == BATCH
    assert finding.evidence["reason"] == "connection"
    assert "cannot reach the Kubernetes API" in finding.message
    assert len(report.reports) == 3
    summary = report.to_dict()["summary"]
    assert (summary["clusters"], summary["audited"]) == (4, 3)


def test_clusters_are_listed_once_per_project_in_every_location(fleet: FakeFleet) -> None:
    """One clusters.list with locations/- per project, counted; no per-cluster get is needed."""
    report = _audit(fleet)
    assert report.api_calls["container clusters.list"] == 2
    assert "container clusters.get" not in report.api_calls
    for project in ("team-a", "team-b"):
        calls = fleet.projects[project].calls()
        assert calls[f"GET /v1/projects/{project}/locations/-/clusters"] == 1
        assert not [c for c in calls if "/clusters/" in c]


def test_each_projects_load_balancers_are_read_once(fleet: FakeFleet) -> None:
    """Two clusters in one project share one pass over its Compute lists, not one pass each."""
    report = _audit(fleet)
    calls = fleet.projects["team-a"].calls()
    lists = {c: n for c, n in calls.items() if "/aggregated/" in c or c.endswith("/firewalls")}
    assert len(lists) == 9
    split = ("networkEndpointGroups", "backendServices", "healthChecks")  # four chains each
    assert {c.rsplit("/", 1)[-1]: n for c, n in lists.items() if n != 1} == dict.fromkeys(split, 4)
    assert report.api_calls["compute aggregatedList urlMaps"] == 2  # team-a and team-b
    assert {c.project for c in report.clusters} == {"team-a", "team-b"}
    assert [f.code for f in report.findings_for("shop/web", cluster=SHOP)] == [
        "DEFAULT_BACKEND_404"
    ]


def test_each_projects_load_balancers_are_parsed_once(fleet: FakeFleet) -> None:
    """The two team-a clusters' snapshots hold the very same parsed resources, not copies."""
    report = _audit(fleet)
    shop, checkout = (r.topology.snapshot for r in report.reports if r.project == "team-a")
    assert shop.url_maps
    assert shop.url_maps is checkout.url_maps
    assert shop.negs is checkout.negs


def test_progress_per_cluster(fleet: FakeFleet) -> None:
    """Progress hears each cluster start and end, with the reason of the one that failed."""
    recorder = Recorder()
    _audit(fleet, progress=recorder)
    assert sorted(recorder.started) == sorted([SHOP, CHECKOUT, LEGACY, BATCH])
    assert {c for c, error in recorder.done.items() if error} == {BATCH}
    assert set(recorder.done) == {SHOP, CHECKOUT, LEGACY, BATCH}


def test_only_the_clusters_asked_for(fleet: FakeFleet) -> None:
    """``clusters=`` keeps the named clusters (full or LOCATION/NAME); an unknown one is an error."""
    report = _audit(fleet, clusters=[SHOP, "europe-west1/legacy", "us-west1/ghost"])
    assert {c.path for c in report.clusters} == {SHOP, LEGACY}
    [error] = report.errors
    assert "us-west1/ghost was not found" in error.message
    [ghost] = [f for f in report.fleet_findings if f.evidence["reason"] == "not-found"]
    assert (ghost.code, ghost.cluster, ghost.severity) == (
        "CLUSTER_UNREACHABLE",
        "us-west1/ghost",
        "error",
    )


def test_a_project_whose_clusters_cannot_be_listed(fleet: FakeFleet) -> None:
    """A project the caller cannot list is an error naming the permission; others are audited."""
    fleet.projects["team-b"].allow = frozenset()
    report = _audit(fleet)
    assert {c.path for c in report.clusters} == {SHOP, CHECKOUT}
    assert "container.clusters.list" in report.errors[0].message
    [lost] = [f for f in report.fleet_findings if f.evidence["reason"] == "list"]
    assert lost.cluster == "projects/team-b"
    assert "clusters of project team-b could not be listed" in lost.message
    assert to_sarif(report)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_a_fleet_report_renders_as_text_json_and_html(fleet: FakeFleet) -> None:
    """Text, JSON (valid against the fleet schema) and HTML name every cluster."""
    report = _audit(fleet)
    console = Console(width=100, record=True, force_terminal=False)
    render(report, console)
    text = console.export_text()
    assert all(path in text for path in (SHOP, CHECKOUT, LEGACY, BATCH))
    assert "CLUSTER_UNREACHABLE" in text
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in (report_schema(), fleet_schema())
    )
    Draft202012Validator(fleet_schema(), registry=registry).validate(report.to_dict())
    page = report_document(report)
    assert page.count('class="cluster-report"') == 3
    assert page.count(f'id="gki-{SHOP}/shop/web"') == 1
    ids = re.findall(r' id="([^"]+)"', page)
    links = re.findall(r'href="#([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the same namespace/name in three clusters: three ids
    assert links
    assert set(links) <= set(ids)


def test_a_fleet_report_is_valid_sarif_with_a_run_per_cluster(
    fleet: FakeFleet, sarif_schema: dict[str, Any]
) -> None:
    """The fleet's SARIF log is valid 2.1.0: the fleet's own run first, then one per cluster."""
    report = _audit(fleet)
    sarif = json.loads(json.dumps(to_sarif(report)))
    Draft4Validator(sarif_schema).validate(sarif)
    assert [run["automationDetails"]["id"] for run in sarif["runs"]] == [
        "gkeingress/fleet/team-a,team-b/",
        *(f"gkeingress/{r.cluster.path}/" for r in report.reports if r.cluster),
    ]
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CLUSTER_UNREACHABLE"]


def test_all_clusters_from_the_command_line(
    fleet: FakeFleet, capsys: pytest.CaptureFixture[str]
) -> None:
    """`audit --project A --project B` audits the fleet; exit 1 for its errors, JSON per cluster."""
    for server in fleet.clusters.values():
        server.authenticate = None  # --no-credentials: no Google token to check
    args = ["audit", "--project", "team-a", "--project", "team-b", "--quiet", "--format", "json"]
    endpoints = [
        "--no-credentials",
        "--compute-endpoint",
        fleet.url,
        "--container-endpoint",
        fleet.url,
    ]
    assert main([*args, *endpoints]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["audited"] == 3
    assert {f["cluster"] for f in report["findings"] if f["code"] == "CLUSTER_UNREACHABLE"} == {
        BATCH
    }
    assert main([*args, "--all-clusters", "--format", "text", *endpoints]) == 1
    assert "gkeingress audit of 4 cluster(s) in team-a, team-b" in capsys.readouterr().out


def test_a_fleet_reads_each_projects_evidence_once(fleet: FakeFleet) -> None:
    """Two projects, three audited clusters: three timeSeries.list calls per project, no more."""
    worlds = [server.world for server in fleet.projects.values()]
    for world in worlds:
        steady_traffic(world, DEMO_NOW - timedelta(hours=1), DEMO_NOW, per_minute=10)
    with FakeMonitoring(*worlds) as monitoring:
        report = _audit(fleet, monitoring_endpoint=monitoring.endpoint)
        asked = sorted(r.name for r in monitoring.requests)
    assert asked == ["projects/team-a"] * 3 + ["projects/team-b"] * 3
    assert sum(n for call, n in report.fleet_calls.items() if call.startswith("monitoring.")) == 6
    assert not any(c.startswith("monitoring.") for r in report.reports for c in r.api_calls)
    shop = report.report(SHOP).ingress("shop/web")
    assert shop.traffic is not None
    assert shop.traffic.requests == 60 * 10
