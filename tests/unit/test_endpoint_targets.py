"""endpoint_targets: which NEGs the collector lists, chosen from the first snapshot alone."""

import json

from gkeingress.collect.health import endpoint_targets
from gkeingress.snapshot import Snapshot
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.scenarios import neg_detach_failing

ZONE_A = "us-central1-a"


def _targets(builder: WorldBuilder, *, deep: bool = False) -> set[str]:
    """``zone/service`` of every NEG the collector would list."""
    snapshot: Snapshot = snapshot_of(builder.world, DEMO_NOW)
    return {f"{neg.zone}/{neg.name.split('-')[3]}" for neg in endpoint_targets(snapshot, deep=deep)}


def _negs(builder: WorldBuilder, service: str) -> list[dict[str, object]]:
    name = builder.backend_name(service, service, 80)
    return [
        builder.compute_resource_at("networkEndpointGroups", f"zones/{z}", name)
        for z in builder.zones
    ]


def test_a_neg_holding_a_stale_endpoint_is_the_only_one_listed(builder: WorldBuilder) -> None:
    """The zone-a NEG with one endpoint too many is listed; its in-step twin in zone b is not."""
    neg_detach_failing(builder)
    assert _targets(builder) == {f"{ZONE_A}/cart"}


def test_neg_without_ingress_gce_description_is_found_through_neg_status(
    builder: WorldBuilder,
) -> None:
    """A NEG whose description is not ingress-gce's JSON is tied to its Service by neg-status."""
    neg_detach_failing(builder)
    for neg in _negs(builder, "cart"):
        neg["description"] = "made by hand"
    assert _targets(builder) == {f"{ZONE_A}/cart"}


def test_neg_of_another_cluster_is_not_listed(builder: WorldBuilder) -> None:
    """A NEG whose description names another cluster's kube-system UID is not this audit's."""
    neg_detach_failing(builder)
    for neg in _negs(builder, "cart"):
        owner = json.loads(str(neg["description"]))
        neg["description"] = json.dumps({**owner, "cluster-uid": "another-cluster"})
    assert _targets(builder) == set()


def test_negs_of_an_ingress_of_another_class_are_not_listed(builder: WorldBuilder) -> None:
    """Only Services a GKE Ingress routes to matter: another controller's Ingress costs no call."""
    neg_detach_failing(builder)
    ingress = builder.kube_object("ingresses", "cart", "cart")
    ingress["metadata"]["annotations"]["kubernetes.io/ingress.class"] = "nginx"
    assert _targets(builder) == set()


def test_empty_negs_are_listed_only_when_deep(builder: WorldBuilder) -> None:
    """An empty NEG's size says all there is, unless a deep audit asks for every NEG."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    builder.set_neg_endpoints("shop", "web", 80, ZONE_A, [])
    assert _targets(builder) == set()
    assert {f"{ZONE_A}/web", "us-central1-b/web"} <= _targets(builder, deep=True)
