"""Hops never contradict findings: the picture, the terminal tree and `route` judge from all evidence."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from gkeingress import Report, analyse
from gkeingress.findings import Finding, Severity
from gkeingress.model.paths import OK, request_path
from gkeingress.render.html import report_html
from gkeingress.render.text import TextOptions, render
from gkeingress.testing import DEMO_NOW, WorldBuilder, snapshot_of
from gkeingress.testing.incidents_cluster import CLUSTER_INCIDENTS
from gkeingress.testing.scenarios import INCIDENTS, Incident
from tests.unit.reports import demo_report

EVERY_INCIDENT = INCIDENTS + CLUSTER_INCIDENTS


def _faults(findings: tuple[Finding, ...]) -> list[Finding]:
    return [f for f in findings if f.severity is not Severity.INFO]


def _incident_report(incident: Incident) -> Report:
    builder = WorldBuilder()
    incident.scenario(builder)
    snapshot = snapshot_of(builder.world, DEMO_NOW)
    return analyse(snapshot, now=DEMO_NOW)


@pytest.mark.parametrize("incident", EVERY_INCIDENT, ids=lambda i: i.scenario.__name__)
def test_no_hop_is_healthy_while_a_finding_points_at_it(incident: Incident) -> None:
    """A hop an error or warning points at is not shown working; nor a backend with empty NEGs."""
    report = _incident_report(incident)
    for paired in report.ingresses:
        path = request_path(paired)
        for hop in path.hops:
            pointing = _faults(hop.findings)
            assert not (pointing and hop.state == OK), (paired.name, hop.name, pointing)
        for lane in path.lanes:
            negs = [h for h in lane.groups if h.hop == "neg"]
            if negs and all(h.detail.endswith(": 0 endpoint(s)") for h in negs):
                assert lane.backend_service.state != OK, (paired.name, lane.title)


@pytest.mark.parametrize("incident", EVERY_INCIDENT, ids=lambda i: i.scenario.__name__)
def test_route_shows_no_hop_working_where_a_finding_points(incident: Incident) -> None:
    """For every URL an Ingress's rules name, a Service or backend service a fault is about is ✖."""
    report = _incident_report(incident)
    for paired in report.ingresses:
        if paired.url_map is None:
            continue
        faults = _faults(paired.findings)
        named = {f.resource for f in faults}
        for rule in paired.ingress.rules:
            for path in rule.paths:
                host = rule.host or (paired.ingress.addresses or ("example.com",))[0]
                url = f"http://{host}{path.path.rstrip('*') or '/'}"
                answer = report.route(url, ingress=paired.name)
                for hop in answer.hops:
                    if hop.kind == "Service":
                        key = f"Service {hop.name.rpartition(':')[0]}"
                        assert not (key in named and hop.ok), (url, hop)
                if answer.serves is False:
                    assert not answer.ok, url


def test_billing_backend_is_broken_everywhere_although_annotated_healthy() -> None:
    """Annotated HEALTHY with both NEGs empty: the picture, tree, HTML and route all say broken."""
    report = demo_report()
    billing = report.ingress("billing/billing")
    lane = next(lane for lane in request_path(billing).lanes if "billing" in lane.title)
    assert lane.backend_service.state == "broken"
    console = Console(width=100, record=True, force_terminal=False, file=io.StringIO())
    render(report, console, TextOptions(verbose=True))
    line = next(
        line
        for line in console.export_text().splitlines()
        if "backend service k8s1-1a2b3c4d-billing-billing-80" in line
    )
    assert line.lstrip().startswith("✖ ")
    html = report_html(report)
    hop = re.search(
        r'data-hop="backend-service" data-state="(\w+)" '
        r'data-name="k8s1-1a2b3c4d-billing-billing-80-[0-9a-f]+"',
        html,
    )
    assert hop is not None
    assert hop.group(1) == "broken"
    answer = report.route("http://billing.example.com/")
    [backend] = [h for h in answer.hops if h.kind == "backend service"]
    assert not backend.ok
    assert answer.serves is False
