"""Which endpoints belong in a NEG, seen through NEG_EMPTY and NEG_ENDPOINTS_OUT_OF_SYNC.

ingress-gce attaches the IPv4 endpoints of the EndpointSlices that have a port named like the
Service port, ready or not, unless terminating. Services whose slices hold anything else must
neither cost a listNetworkEndpoints call nor be reported out of step.
"""

from datetime import timedelta
from typing import Any

import kubernetes_validate
import pytest

from gkeingress import Report, analyse
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.builder import k8s_time
from tests.unit.conftest import Judge, codes, faults, only

ZONE_A, ZONE_B = "us-central1-a", "us-central1-b"
NEG_CODES = {"NEG_EMPTY", "NEG_ENDPOINTS_OUT_OF_SYNC"}


def _web(b: WorldBuilder, **service: Any) -> None:
    b.service("shop", "web", **service)
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def _deep(builder: WorldBuilder) -> Report:
    return analyse(snapshot_of(builder.world, DEMO_NOW, deep=True), now=DEMO_NOW)


def _neg_codes(report: Report) -> set[str]:
    return {f.code for f in report.findings_for("shop/web")} & NEG_CODES


def test_dual_stack_service_is_in_step_without_listing_its_negs(
    builder: WorldBuilder, judge: Judge
) -> None:
    """IPv6 endpoints beside the IPv4 ones are not NEG endpoints: no call, and no pod "missing"."""
    _web(builder)
    builder.dual_stack("shop", "web")
    assert snapshot_of(builder.world, DEMO_NOW).neg_endpoints == ()
    assert codes(judge(builder), "shop/web") == []
    assert _neg_codes(_deep(builder)) == set()


def test_slices_split_by_port_count_only_the_service_ports_slice(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Pods that serve only the Service's other port sit in their own slice and never in the NEG."""
    _web(builder, target_port="http")
    builder.split_by_port("shop", "web")
    assert snapshot_of(builder.world, DEMO_NOW).neg_endpoints == ()
    assert _neg_codes(judge(builder)) == set()
    assert _neg_codes(_deep(builder)) == set()


def test_missing_pod_is_named_without_the_other_ports_pods(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A web pod left out of its NEG is reported alone: the metrics-only pod beside it is no loss."""
    _web(builder, target_port="http", replicas=4)
    metrics_pods = builder.split_by_port("shop", "web")
    attached, left_out = builder.neg_endpoints("shop", "web", 80, ZONE_A)
    builder.set_neg_endpoints("shop", "web", 80, ZONE_A, [attached])
    finding = only(judge(builder), "shop/web", "NEG_ENDPOINTS_OUT_OF_SYNC")
    assert [m["endpoint"] for m in finding.evidence["missing"]] == [f"{left_out[0]}:8080"]
    for pod in metrics_pods:
        assert pod["metadata"]["name"] not in finding.message


def test_pod_started_a_moment_ago_is_still_being_attached(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A pod created a minute ago and not in its NEG yet is on its way in, not missing."""
    _web(builder, replicas=4)
    attached, left_out = builder.neg_endpoints("shop", "web", 80, ZONE_A)
    builder.set_neg_endpoints("shop", "web", 80, ZONE_A, [attached])
    pod = next(p for p in builder.world.kube["pods"] if p["status"]["podIP"] == left_out[0])
    pod["metadata"]["creationTimestamp"] = k8s_time(DEMO_NOW - timedelta(minutes=1))
    assert "NEG_ENDPOINTS_OUT_OF_SYNC" not in _neg_codes(judge(builder))


def test_slice_port_named_unlike_the_service_port_explains_the_empty_neg(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Slices whose port is not named like the Service port give the NEG nothing: NEG_EMPTY says so."""
    _web(builder)
    builder.kube_object("endpointslices", "shop", "web-abcde")["ports"][0]["name"] = "web"
    for zone in (ZONE_A, ZONE_B):
        builder.set_neg_endpoints("shop", "web", 80, zone, [])
    findings = [f for f in faults(judge(builder), "shop/web") if f.code == "NEG_EMPTY"]
    assert {f.evidence["zone"] for f in findings} == {ZONE_A, ZONE_B}
    assert all(f.severity == "error" for f in findings)
    [zone_a] = [f for f in findings if f.evidence["zone"] == ZONE_A]
    assert f"endpoints in {ZONE_A} have no port named 'http' like the Service port" in (
        zone_a.message
    )
    assert "(their ports: web)" in zone_a.message
    assert "not attaching" not in zone_a.message
    assert zone_a.evidence["endpoints_in_zone"] == 0
    assert "same name" in zone_a.remediation
    assert "NEG_ENDPOINTS_OUT_OF_SYNC" not in _neg_codes(_deep(builder))


def test_ipv6_only_endpoints_explain_the_empty_neg(builder: WorldBuilder, judge: Judge) -> None:
    """With only IPv6 endpoints left the NEG controller has nothing to attach: NEG_EMPTY says why."""
    _web(builder)
    builder.dual_stack("shop", "web")
    builder.kube_object("endpointslices", "shop", "web-abcde")["endpoints"] = []
    for zone in (ZONE_A, ZONE_B):
        builder.set_neg_endpoints("shop", "web", 80, zone, [])
    [zone_a] = [
        f
        for f in faults(judge(builder), "shop/web")
        if f.code == "NEG_EMPTY" and f.evidence["zone"] == ZONE_A
    ]
    assert f"has only IPv6 endpoints in {ZONE_A}: the NEG controller attaches IPv4" in (
        zone_a.message
    )


def test_not_ready_pods_in_their_negs_cost_no_call(builder: WorldBuilder) -> None:
    """The NEG controller attaches pods that are not ready yet: NEGs holding them are in step."""
    _web(builder, ready=False)
    assert snapshot_of(builder.world, DEMO_NOW).neg_endpoints == ()
    assert _neg_codes(_deep(builder)) == set()


def test_empty_neg_beside_pods_that_are_not_ready_counts_them(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An empty NEG while the zone has not-ready pods is the controller's fault, not the pods'."""
    _web(builder, ready=False)
    builder.set_neg_endpoints("shop", "web", 80, ZONE_A, [])
    finding = only(judge(builder), "shop/web", "NEG_EMPTY")
    assert f"has 1 endpoint(s) (0 ready) in {ZONE_A}: the NEG controller is not attaching" in (
        finding.message
    )
    assert finding.evidence["endpoints_in_zone"] == 1
    assert finding.evidence["ready_endpoints_in_zone"] == 0


@pytest.mark.parametrize("plural", ["services", "pods", "endpointslices"])
def test_dual_stack_and_split_slices_are_real_kubernetes_objects(plural: str) -> None:
    """Every Service, pod and EndpointSlice the two builder helpers write validates strictly."""
    builder = WorldBuilder()
    _web(builder, target_port="http")
    builder.dual_stack("shop", "web")
    builder.split_by_port("shop", "web")
    objects = [o for o in builder.world.kube[plural] if o["metadata"].get("namespace") == "shop"]
    assert objects
    for obj in objects:
        kubernetes_validate.validate(
            obj, desired_version=kubernetes_validate.latest_version(), strict=True
        )
