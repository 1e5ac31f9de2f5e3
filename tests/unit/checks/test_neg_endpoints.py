"""NEG_ENDPOINTS_OUT_OF_SYNC: NEGs still holding pods that are gone, or lacking ready pods."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from gkeingress import Report, analyse
from gkeingress.snapshot import CollectionError, DataKind
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.builder import k8s_time
from gkeingress.testing.scenarios import neg_detach_failing
from tests.unit.conftest import Judge, codes, only

ZONE_A, ZONE_B = "us-central1-a", "us-central1-b"


def _web(b: WorldBuilder, **service: Any) -> None:
    b.service("shop", "web", **service)
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def _deep(builder: WorldBuilder) -> Report:
    return analyse(snapshot_of(builder.world, DEMO_NOW, deep=True), now=DEMO_NOW)


def test_neg_keeping_a_deleted_pods_ip_names_it(builder: WorldBuilder, judge: Judge) -> None:
    """After a failed detach the zone-a NEG still sends traffic to an IP no pod has: a warning."""
    neg_detach_failing(builder)
    [stale_ip, _] = builder.neg_endpoints("cart", "cart", 80, ZONE_A)
    finding = only(judge(builder), "cart/cart", "NEG_ENDPOINTS_OUT_OF_SYNC")
    assert finding.severity == "warning"
    assert finding.resource.startswith(f"zones/{ZONE_A}/networkEndpointGroups/k8s1-1a2b3c4d-cart")
    assert (
        f"1 of its 2 endpoint(s) are stale: {stale_ip[0]}:8080 (no pod has this IP any more)"
        in (finding.message)
    )
    assert finding.evidence["stale"] == [
        {"endpoint": f"{stale_ip[0]}:8080", "pod": None, "state": "gone"}
    ]
    assert finding.evidence["missing"] == []
    assert "DetachFailed" in finding.remediation


def test_healthy_negs_are_not_listed_and_a_deep_audit_finds_them_in_step(
    builder: WorldBuilder, judge: Judge
) -> None:
    """NEG sizes that match the ready pods cost no call; listing them anyway shows nothing wrong."""
    _web(builder)
    assert snapshot_of(builder.world, DEMO_NOW).neg_endpoints == ()
    deep = snapshot_of(builder.world, DEMO_NOW, deep=True)
    assert {e.neg.location for e in deep.neg_endpoints} >= {ZONE_A, ZONE_B}
    assert codes(judge(builder), "shop/web") == []
    assert codes(_deep(builder), "shop/web") == []


def test_ready_pod_missing_from_its_neg_is_named(builder: WorldBuilder, judge: Judge) -> None:
    """A ready pod the NEG controller never attached gets no traffic: named with its IP and port."""
    _web(builder, replicas=4)
    attached, left_out = builder.neg_endpoints("shop", "web", 80, ZONE_A)
    builder.set_neg_endpoints("shop", "web", 80, ZONE_A, [attached])
    pod = next(p for p in builder.world.kube["pods"] if p["status"]["podIP"] == left_out[0])
    finding = only(judge(builder), "shop/web", "NEG_ENDPOINTS_OUT_OF_SYNC")
    assert finding.severity == "warning"
    name = f"shop/{pod['metadata']['name']}"
    assert f"1 pod(s) of the Service in {ZONE_A} are missing from it: {name} (" in (finding.message)
    assert finding.evidence["missing"] == [{"endpoint": f"{left_out[0]}:8080", "pod": name}]
    assert finding.evidence["stale"] == []


def _terminate(builder: WorldBuilder, zone: str, deleted_ago: timedelta) -> str:
    """Mark the Service's pod in ``zone`` terminating, as Kubernetes shows a pod being deleted."""
    [(ip, _)] = builder.neg_endpoints("shop", "web", 80, zone)
    pod = next(p for p in builder.world.kube["pods"] if p["status"]["podIP"] == ip)
    pod["metadata"]["deletionTimestamp"] = k8s_time(DEMO_NOW - deleted_ago)
    slice_ = builder.kube_object("endpointslices", "shop", "web-abcde")
    for endpoint in slice_["endpoints"]:
        if endpoint["addresses"] == [ip]:
            endpoint["conditions"] = {"ready": False, "serving": True, "terminating": True}
    return f"shop/{pod['metadata']['name']}"


def test_pod_stuck_terminating_in_its_neg_is_an_error(builder: WorldBuilder, judge: Judge) -> None:
    """A NEG whose only endpoint is a pod deleted 20 minutes ago serves nothing: an error."""
    _web(builder)
    pod = _terminate(builder, ZONE_A, timedelta(minutes=20))
    finding = only(judge(builder), "shop/web", "NEG_ENDPOINTS_OUT_OF_SYNC")
    assert finding.severity == "error"
    assert f"(pod {pod} is terminating)" in finding.message
    assert "Every endpoint is stale: requests this NEG receives get 502." in finding.message
    assert finding.evidence["stale"][0]["state"] == "terminating"


def test_pod_deleted_a_moment_ago_is_still_being_detached(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An endpoint of a pod deleted a minute ago is on its way out of the NEG, not stale."""
    _web(builder)
    _terminate(builder, ZONE_A, timedelta(minutes=1))
    assert "NEG_ENDPOINTS_OUT_OF_SYNC" not in codes(judge(builder), "shop/web")


def test_endpoints_left_on_the_old_target_port_take_a_deep_audit(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The targetPort moved to 9000 but the NEGs hold :8080; sizes match, so only deep audits see it."""
    _web(builder, target_port=9000, container_port=9000)
    for zone in (ZONE_A, ZONE_B):
        held = builder.neg_endpoints("shop", "web", 80, zone)
        builder.set_neg_endpoints("shop", "web", 80, zone, [(ip, 8080) for ip, _ in held])
    assert codes(judge(builder), "shop/web") == []
    findings = [f for f in _deep(builder).findings if f.code == "NEG_ENDPOINTS_OUT_OF_SYNC"]
    assert len(findings) == 2
    assert all(f.severity == "error" for f in findings)
    assert "serves on port 9000" in findings[0].message
    assert findings[0].evidence["stale"][0]["state"] == "wrong port"
    assert findings[0].evidence["missing"][0]["endpoint"].endswith(":9000")


def test_stale_endpoints_wait_for_the_propagation_window(builder: WorldBuilder) -> None:
    """Right after the Service changed, a NEG behind its pods is propagation, not a fault."""
    neg_detach_failing(builder)
    service = builder.kube_object("services", "cart", "cart")
    service["metadata"]["creationTimestamp"] = k8s_time(DEMO_NOW - timedelta(minutes=2))
    report = analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW)
    assert "NEG_ENDPOINTS_OUT_OF_SYNC" not in codes(report, "cart/cart")


def test_failed_listing_makes_the_check_incomplete(builder: WorldBuilder) -> None:
    """When listNetworkEndpoints failed the check says so instead of judging half the NEGs."""
    neg_detach_failing(builder)
    snapshot = snapshot_of(builder.world, DEMO_NOW)
    error = CollectionError(
        DataKind.NEG_ENDPOINTS,
        "compute.networkEndpointGroups.listNetworkEndpoints zones/us-central1-a/...",
        "permission denied (needs compute.networkEndpointGroups.get)",
        403,
        "forbidden",
    )
    report = analyse(replace(snapshot, errors=(error,)), now=DEMO_NOW)
    assert "NEG_ENDPOINTS_OUT_OF_SYNC" not in {f.code for f in report.findings}
    [incomplete] = [f for f in report.findings if f.code == "CHECK_INCOMPLETE"]
    assert incomplete.evidence["check"] == "NEG_ENDPOINTS_OUT_OF_SYNC"
    assert "compute.networkEndpointGroups.get" in incomplete.message
