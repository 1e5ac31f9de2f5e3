"""Pairing: each Ingress gets exactly the Compute resources ingress-gce made for it."""

import pytest

from gkeingress import analyse
from gkeingress.model.topology import ComputeIndex
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder
from gkeingress.testing.scenarios import healthy_blog, healthy_shop
from gkeingress.testing.snapshots import snapshot_of
from tests.unit.conftest import Judge

ANNOTATIONS = (
    "ingress.kubernetes.io/url-map",
    "ingress.kubernetes.io/forwarding-rule",
    "ingress.kubernetes.io/target-proxy",
    "ingress.kubernetes.io/backends",
)


def test_v2_neg_ingress_is_paired_with_every_resource(builder: WorldBuilder, judge: Judge) -> None:
    """A v2, NEG-backed Ingress pairs with its frontend, each backend service, health check and NEG."""
    healthy_shop(builder)
    shop = judge(builder).ingress("shop/web")
    assert shop.url_map is not None
    assert shop.url_map.name == "k8s2-um-adl25tto-shop-web-g2lumzaa"
    assert [r.name for r in shop.forwarding_rules] == ["k8s2-fr-adl25tto-shop-web-g2lumzaa"]
    assert [p.name for p in shop.target_proxies] == ["k8s2-tp-adl25tto-shop-web-g2lumzaa"]
    assert {b.name for b in shop.backend_services} == {
        "k8s1-1a2b3c4d-kube-system-default-http-backend-80-66379989",
        "k8s1-1a2b3c4d-shop-web-80-ce0f3856",
        "k8s1-1a2b3c4d-shop-api-8080-806c299d",
    }
    assert {h.name for h in shop.health_checks} == {b.name for b in shop.backend_services}
    assert sorted((n.name, n.zone) for n in shop.negs if "shop-web" in n.name) == [
        ("k8s1-1a2b3c4d-shop-web-80-ce0f3856", "us-central1-a"),
        ("k8s1-1a2b3c4d-shop-web-80-ce0f3856", "us-central1-b"),
    ]
    assert all(r.found for r in shop.references)
    assert shop.url_map.self_link.startswith(
        "https://www.googleapis.com/compute/v1/projects/demo-project/global/urlMaps/"
    )


def test_the_kubernetes_side_of_each_backend(builder: WorldBuilder, judge: Judge) -> None:
    """Each backend carries its Service, port, pods and the health check it should have."""
    healthy_shop(builder)
    default, api, web = judge(builder).ingress("shop/web").backends
    assert (default.service_key, default.is_default, default.is_system_default) == (
        "kube-system/default-http-backend",
        True,
        True,
    )
    assert api.port is not None
    assert (api.service_key, api.ref.port, api.port.target_port) == ("shop/api", 8080, 9000)
    assert len(web.pods) == 2
    assert web.expectation is not None
    assert web.expectation.path == "/healthz"
    assert web.uses_neg


def test_v1_instance_group_ingress_is_paired(builder: WorldBuilder, judge: Judge) -> None:
    """A v1, instance-group Ingress pairs with its k8s-be-<nodePort>--<uid> backend service."""
    healthy_blog(builder)
    blog = judge(builder).ingress("blog/blog")
    assert blog.url_map is not None
    assert blog.url_map.name == "k8s-um-blog-blog--1a2b3c4d5e6f7a8b"
    [backend] = blog.backends
    assert not backend.uses_neg
    assert backend.backend_service is not None
    assert backend.port is not None
    assert backend.backend_service.name == f"k8s-be-{backend.port.node_port}--1a2b3c4d5e6f7a8b"
    assert blog.negs == ()


def test_ingress_without_annotations_is_paired_by_naming_scheme(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With the controller's annotations stripped, names computed from the cluster UID still pair."""
    healthy_shop(builder)
    ingress = builder.kube_object("ingresses", "shop", "web")
    for key in ANNOTATIONS:
        del ingress["metadata"]["annotations"][key]
    shop = judge(builder).ingress("shop/web")
    assert shop.url_map is not None
    assert shop.url_map.name == "k8s2-um-adl25tto-shop-web-g2lumzaa"
    assert {r.source for r in shop.references if r.kind in ("url map", "forwarding rule")} == {
        "ingress-gce naming scheme"
    }
    assert len(shop.backend_services) == 3


def test_frontend_found_by_description_when_names_are_unknown(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Without annotations or cluster UID, the description JSON still ties the frontend to the Ingress."""
    healthy_shop(builder)
    ingress = builder.kube_object("ingresses", "shop", "web")
    for key in ANNOTATIONS:
        del ingress["metadata"]["annotations"][key]
    builder.kube_object("configmaps", "kube-system", "ingress-uid")["data"]["uid"] = (
        "0000000000000000"
    )
    shop = judge(builder).ingress("shop/web")
    assert [r.name for r in shop.forwarding_rules] == ["k8s2-fr-adl25tto-shop-web-g2lumzaa"]
    assert shop.url_map is not None  # followed from the forwarding rule's target proxy
    assert shop.url_map.name == "k8s2-um-adl25tto-shop-web-g2lumzaa"


def test_shared_backends_pair_with_every_ingress_that_uses_them(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Two Ingresses routing to one Service port share its backend service and NEGs."""
    builder.service("shop", "web")
    builder.ingress("shop", "public", rules=[Rule("shop.example.com", [Path("/", "web")])])
    builder.ingress("shop", "internal-tools", rules=[Rule("tools.example.com", [Path("/", "web")])])
    report = judge(builder)
    public, tools = report.ingress("shop/public"), report.ingress("shop/internal-tools")
    assert {b.name for b in public.backend_services} == {b.name for b in tools.backend_services}
    assert public.url_map != tools.url_map
    assert len(builder.world.compute["backendServices"]["global"]) == 2


def test_a_shared_backend_is_seen_in_each_ingress_s_own_state(
    builder: WorldBuilder, judge: Judge
) -> None:
    """One Ingress's default backend is another's rule; one of them has not health-checked it yet."""
    builder.service("shop", "web")
    builder.ingress(
        "shop",
        "public",
        rules=[Rule("shop.example.com", [Path("/", "web")])],
        default_backend=("web", 80),
    )
    tools = builder.ingress(
        "shop", "internal-tools", rules=[Rule("tools.example.com", [Path("/", "web")])]
    )
    annotations = tools["metadata"]["annotations"]
    annotations["ingress.kubernetes.io/backends"] = annotations[
        "ingress.kubernetes.io/backends"
    ].replace("HEALTHY", "Unknown")
    report = judge(builder)
    public, internal = report.ingress("shop/public"), report.ingress("shop/internal-tools")
    [public_web] = [b for b in public.backends if b.service_key == "shop/web"]
    [tools_web] = [b for b in internal.backends if b.service_key == "shop/web"]
    assert (public_web.is_default, public_web.health_state) == (True, "HEALTHY")
    assert (tools_web.is_default, tools_web.health_state) == (False, "Unknown")
    assert public_web.backend_service == tools_web.backend_service


def test_unknown_ingress_name_lists_the_known_ones(builder: WorldBuilder, judge: Judge) -> None:
    """Asking for an Ingress that does not exist says which ones do."""
    healthy_shop(builder)
    report = judge(builder)
    with pytest.raises(KeyError, match="shop/web"):
        report.ingress("shop/nope")


def test_negs_are_listed_once_per_zone_with_their_zone(builder: WorldBuilder, judge: Judge) -> None:
    """A Service routed by three paths has one NEG per zone: each listed once, with its zone."""
    builder.service("shop", "web")
    builder.ingress(
        "shop",
        "web",
        rules=[
            Rule("shop.example.com", [Path("/", "web"), Path("/cart", "web")]),
            Rule("www.shop.example.com", [Path("/", "web")]),
        ],
        default_backend=("web", 80),
    )
    report = judge(builder)
    web = report.ingress("shop/web")
    assert [(n.zone, n.name) for n in web.negs] == [
        ("us-central1-a", "k8s1-1a2b3c4d-shop-web-80-ce0f3856"),
        ("us-central1-b", "k8s1-1a2b3c4d-shop-web-80-ce0f3856"),
    ]
    [listed] = [i for i in report.to_dict()["ingresses"] if i["name"] == "shop/web"]
    assert [(n["location"], n["name"]) for n in listed["negs"]] == [
        ("us-central1-a", "k8s1-1a2b3c4d-shop-web-80-ce0f3856"),
        ("us-central1-b", "k8s1-1a2b3c4d-shop-web-80-ce0f3856"),
    ]


def test_a_shared_compute_index_pairs_as_a_fresh_one(builder: WorldBuilder) -> None:
    """The clusters of a project share its Compute lists and may share their index: same report."""
    healthy_shop(builder)
    snapshot = snapshot_of(builder.world, DEMO_NOW)
    shared = analyse(snapshot, now=DEMO_NOW, compute_index=ComputeIndex(snapshot))
    assert shared.to_dict() == analyse(snapshot, now=DEMO_NOW).to_dict()


def test_an_index_of_another_projects_lists_is_not_used(builder: WorldBuilder) -> None:
    """An index built from other lists is ignored: each Ingress still pairs with its own resources."""
    healthy_shop(builder)
    shop = snapshot_of(builder.world, DEMO_NOW)
    other = WorldBuilder()
    healthy_blog(other)
    blog = snapshot_of(other.world, DEMO_NOW)
    web = analyse(shop, now=DEMO_NOW, compute_index=ComputeIndex(blog)).topology.ingress("shop/web")
    assert web.url_map is not None
    assert web.url_map.name == "k8s2-um-adl25tto-shop-web-g2lumzaa"
    assert all(r.found for r in web.references)
