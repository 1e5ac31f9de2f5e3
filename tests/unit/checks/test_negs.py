"""NEG_EMPTY, NEG_MISSING and NEG_NOT_ATTACHED, incident by incident."""

from datetime import timedelta
from typing import Any

from gkeingress.testing import Path, Rule, WorldBuilder
from gkeingress.testing.scenarios import neg_deleted, neg_detached, selector_typo
from tests.unit.conftest import Judge, codes, faults


def _web(b: WorldBuilder, **ingress: Any) -> None:
    b.service("shop", "web")
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])], **ingress)


def test_selector_typo_leaves_every_neg_empty(builder: WorldBuilder, judge: Judge) -> None:
    """A selector that matches no pod empties the NEGs in every zone: an error per zone."""
    selector_typo(builder)
    findings = [f for f in faults(judge(builder), "search/search") if f.code == "NEG_EMPTY"]
    assert len(findings) == 2
    assert {f.evidence["zone"] for f in findings} == {"us-central1-a", "us-central1-b"}
    assert all(f.severity == "error" for f in findings)
    assert "has no endpoints in us-central1-a: no selected pod" in findings[0].message
    assert "Every NEG of this backend is empty" in findings[0].message


def test_empty_neg_beside_ready_pods_blames_the_neg_controller(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Ready pods in a zone whose NEG is empty point at a failing NEG sync, with its condition."""
    _web(builder)
    neg = builder.backend_name("shop", "web", 80)
    builder.compute_resource_at("networkEndpointGroups", "zones/us-central1-b", neg)["size"] = 0
    svcneg = builder.kube_object("servicenetworkendpointgroups", "shop", neg)
    svcneg["status"]["conditions"][1].update(
        status="False", reason="NegSyncFailed", message="googleapi: Error 400: Invalid value"
    )
    [finding] = faults(judge(builder), "shop/web")
    assert finding.code == "NEG_EMPTY"
    assert finding.severity == "warning"
    assert "has 1 ready endpoint(s) in us-central1-b" in finding.message
    assert "Synced=False (NegSyncFailed): googleapi: Error 400" in finding.message


def test_zone_without_pods_is_not_a_fault(builder: WorldBuilder, judge: Judge) -> None:
    """A NEG is made in every zone; one without pods while others serve is normal."""
    builder.service("shop", "web", replicas=1)
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    assert codes(judge(builder), "shop/web") == []


def test_deleted_neg_is_named_once_with_everything_that_names_it(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A NEG deleted by hand is reported once, citing the backend service and neg-status."""
    neg_deleted(builder)
    [finding] = faults(judge(builder), "media/media")
    assert finding.code == "NEG_MISSING"
    assert finding.resource.startswith(
        "zones/us-central1-b/networkEndpointGroups/k8s1-1a2b3c4d-media-media-80-"
    )
    assert "backend service k8s1-1a2b3c4d-media-media-80-" in finding.message
    assert "cloud.google.com/neg-status of Service media/media" in finding.message


def test_neg_removed_from_the_backend_service(builder: WorldBuilder, judge: Judge) -> None:
    """A zone's NEG that the backend service no longer lists gets no traffic."""
    neg_detached(builder)
    [finding] = faults(judge(builder), "catalog/catalog")
    assert finding.code == "NEG_NOT_ATTACHED"
    assert finding.severity == "warning"
    assert "in us-central1-b (1 endpoint(s)) is not a backend of backend service" in finding.message


def test_backend_service_with_no_backends_at_all_is_an_error(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With no NEG attached the backend service serves nothing: one error per NEG."""
    _web(builder)
    builder.backend_service("shop", "web", 80)["backends"] = []
    findings = faults(judge(builder), "shop/web")
    assert [f.code for f in findings] == ["NEG_NOT_ATTACHED", "NEG_NOT_ATTACHED"]
    assert all(f.severity == "error" for f in findings)
    assert "has no backends at all" in findings[0].message


def test_neg_faults_wait_for_the_propagation_window(builder: WorldBuilder, judge: Judge) -> None:
    """Right after the Ingress is created, empty or missing NEGs are pending, not faults."""
    _web(builder, age=timedelta(minutes=2))
    neg = builder.backend_name("shop", "web", 80)
    builder.remove_compute("networkEndpointGroups", neg, scope="zones/us-central1-b")
    builder.compute_resource_at("networkEndpointGroups", "zones/us-central1-a", neg)["size"] = 0
    assert codes(judge(builder), "shop/web") == ["PROPAGATION_PENDING"]
