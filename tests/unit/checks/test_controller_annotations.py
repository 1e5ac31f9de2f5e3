"""CONTROLLER_ANNOTATION_MALFORMED: annotations ingress-gce writes, edited into something unreadable."""

import json
from typing import Any

from gkeingress import analyse
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, demo_world, snapshot_of
from gkeingress.testing.incidents_annotations import neg_status_truncated, url_map_annotation_edited
from tests.unit.conftest import Judge, codes, only

CODE = "CONTROLLER_ANNOTATION_MALFORMED"


def test_truncated_neg_status_is_named_with_its_service(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A neg-status cut in half is reported on the Service, and the NEGs are still paired by name."""
    neg_status_truncated(builder)
    report = judge(builder)
    finding = only(report, "invoices/invoices", CODE)
    assert finding.severity == "warning"
    assert finding.resource == "Service invoices/invoices"
    assert finding.message.startswith(
        "Service invoices/invoices annotation cloud.google.com/neg-status: "
        '\'{"network_endpoint_groups":'
    )
    assert "cannot be read: not valid JSON" in finding.message
    assert finding.message.endswith("its NEGs are paired by ingress-gce's naming scheme instead.")
    assert finding.evidence["annotation"] == "cloud.google.com/neg-status"
    assert "kubectl annotate service -n invoices invoices cloud.google.com/neg-status-" in (
        finding.remediation
    )
    [backend] = [b for b in report.ingress("invoices/invoices").backends if not b.is_default]
    assert {n.zone for n in backend.negs} == {"us-central1-a", "us-central1-b"}
    assert "NEG_MISSING" not in codes(report, "invoices/invoices")


def test_url_map_annotation_holding_a_self_link(builder: WorldBuilder, judge: Judge) -> None:
    """A URL map annotation holding a URL is named, and the URL map is found by its name instead."""
    url_map_annotation_edited(builder)
    report = judge(builder)
    finding = only(report, "wiki/docs", CODE)
    assert finding.resource == "Ingress wiki/docs"
    assert "annotation ingress.kubernetes.io/url-map: 'https://" in finding.message
    assert "is not a Compute resource name" in finding.message
    paired = report.ingress("wiki/docs")
    assert paired.url_map is not None
    [reference] = [r for r in paired.references if r.kind == "url map"]
    assert reference.source == "ingress-gce naming scheme"
    assert "LB_RESOURCE_MISSING" not in codes(report, "wiki/docs")


def _web(builder: WorldBuilder) -> dict[str, Any]:
    builder.service("shop", "web")
    return builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def test_backends_annotation_that_is_a_list(builder: WorldBuilder, judge: Judge) -> None:
    """A backends annotation rewritten as a JSON list says the health states are unknown."""
    ingress = _web(builder)
    annotations = ingress["metadata"]["annotations"]
    states = json.loads(annotations["ingress.kubernetes.io/backends"])
    annotations["ingress.kubernetes.io/backends"] = json.dumps(sorted(states))
    finding = only(judge(builder), "shop/web", CODE)
    assert (
        "cannot be read: it is a JSON list, not an object of backend service states; the report "
        "does not know the backends' health states from it." in finding.message
    )


def test_neg_status_keyed_by_port_name(builder: WorldBuilder, judge: Judge) -> None:
    """neg-status keys are Service port numbers; a port name there is not what the controller writes."""
    _web(builder)
    service = builder.kube_object("services", "shop", "web")
    annotations = service["metadata"]["annotations"]
    status = json.loads(annotations["cloud.google.com/neg-status"])
    status["network_endpoint_groups"] = {"http": status["network_endpoint_groups"]["80"]}
    annotations["cloud.google.com/neg-status"] = json.dumps(status)
    finding = only(judge(builder), "shop/web", CODE)
    assert (
        "network_endpoint_groups key 'http' is not a Service port number"
        in finding.evidence["problem"]
    )


def test_the_controller_own_annotations_are_clean() -> None:
    """Every annotation the demo world carries as ingress-gce writes it is readable, but the one cut."""
    report = analyse(snapshot_of(demo_world(), DEMO_NOW), now=DEMO_NOW)
    assert len(report.ingresses) > 20
    assert [f.resource for f in report.findings if f.code == CODE] == ["Service invoices/invoices"]
