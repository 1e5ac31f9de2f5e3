"""Incidents, each reproduced on a healthy world, and the demo world that bundles them.

Every function takes a :class:`WorldBuilder`, adds one Ingress in its own namespace, and breaks it
the way the incident happens in real clusters. :func:`demo_world` holds the healthy Ingresses and one
Ingress per incident, so ``gkeingress demo`` shows every finding next to clean ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.world import World


def healthy_shop(b: WorldBuilder) -> None:
    """``shop/web``: container-native (NEG) load balancing, two Services, v2 names. Healthy."""
    b.service("shop", "web")
    b.service(
        "shop", "api", port=8080, target_port=9000, container_port=9000, probe_path="/api/healthz"
    )
    b.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/api", "api", 8080), Path("/", "web")])],
    )


def healthy_blog(b: WorldBuilder) -> None:
    """``blog/blog``: a NodePort Service behind instance groups, v1 names. Healthy."""
    b.service("blog", "blog", neg=False, probe_path="/")
    b.ingress("blog", "blog", default_backend=("blog", 80), v2=False)


def probe_on_other_port(b: WorldBuilder) -> None:
    """``checkout/checkout``: the readinessProbe checks the admin port, so the health check probes ``/``."""
    b.service("checkout", "checkout", probe_path="/ready", probe_port=9090)
    b.ingress("checkout", "checkout", rules=[Rule("checkout.example.com", [Path("/", "checkout")])])
    b.health_check("checkout", "checkout", 80)["httpHealthCheck"]["requestPath"] = "/"


def health_check_port_edited(b: WorldBuilder) -> None:
    """``payments/payments``: someone pinned the health check to port 8080; the pods serve on 9000."""
    b.service("payments", "payments", target_port=9000, container_port=9000)
    b.ingress("payments", "payments", rules=[Rule("pay.example.com", [Path("/", "payments")])])
    b.health_check("payments", "payments", 80)["httpHealthCheck"].update(
        portSpecification="USE_FIXED_PORT", port=8080
    )


def selector_typo(b: WorldBuilder) -> None:
    """``search/search``: the Service selects ``app: search-api`` but the pods are ``app: search``."""
    b.service("search", "search", labels={"app": "search"}, selector={"app": "search-api"})
    b.ingress("search", "search", rules=[Rule("search.example.com", [Path("/", "search")])])


def neg_deleted(b: WorldBuilder) -> None:
    """``media/media``: a cleanup script deleted the zone-b NEG of the Service."""
    b.service("media", "media")
    b.ingress("media", "media", rules=[Rule("media.example.com", [Path("/", "media")])])
    neg = b.backend_name("media", "media", 80)
    b.remove_compute("networkEndpointGroups", neg, scope=f"zones/{b.zones[1]}")


def neg_detached(b: WorldBuilder) -> None:
    """``catalog/catalog``: the zone-b NEG was removed from the backend service by hand."""
    b.service("catalog", "catalog")
    b.ingress("catalog", "catalog", rules=[Rule("catalog.example.com", [Path("/", "catalog")])])
    backend_service = b.backend_service("catalog", "catalog", 80)
    backend_service["backends"] = [
        g for g in backend_service["backends"] if b.zones[1] not in g["group"]
    ]


def health_check_rejected(b: WorldBuilder) -> None:
    """``orders/orders``: a BackendConfig asks for timeoutSec > checkIntervalSec and GCE rejects it."""
    b.service("orders", "orders")
    ingress = b.ingress(
        "orders", "orders", rules=[Rule("orders.example.com", [Path("/", "orders")])]
    )
    b.event(
        ingress,
        "Sync",
        "Error syncing to GCP: error running backend syncing routine: error ensuring health check: "
        "googleapi: Error 400: Invalid value for field 'resource.timeoutSec': '15'. TimeoutSec "
        "should be less than checkIntervalSec., invalid",
        ago=timedelta(minutes=4),
        count=6,
    )


def just_created(b: WorldBuilder) -> None:
    """``newsletter/newsletter``: created three minutes ago; no address or forwarding rule yet."""
    b.service("newsletter", "newsletter")
    ingress = b.ingress(
        "newsletter",
        "newsletter",
        rules=[Rule("news.example.com", [Path("/", "newsletter")])],
        age=timedelta(minutes=3),
    )
    annotations = ingress["metadata"]["annotations"]
    b.remove_compute("forwardingRules", annotations["ingress.kubernetes.io/forwarding-rule"])
    annotations["ingress.kubernetes.io/backends"] = annotations[
        "ingress.kubernetes.io/backends"
    ].replace("HEALTHY", "Unknown")
    ingress["status"] = {"loadBalancer": {}}


def never_provisioned(b: WorldBuilder) -> None:
    """``legacy/legacy``: two hours old and GKE's controller never touched it."""
    b.service("legacy", "legacy")
    b.ingress(
        "legacy",
        "legacy",
        rules=[Rule("legacy.example.com", [Path("/", "legacy")])],
        age=timedelta(hours=2),
        provision=False,
    )


def proxy_deleted(b: WorldBuilder) -> None:
    """``promo/promo``: the target HTTP proxy was deleted outside Kubernetes."""
    b.service("promo", "promo")
    ingress = b.ingress("promo", "promo", rules=[Rule("promo.example.com", [Path("/", "promo")])])
    b.remove_compute(
        "targetHttpProxies",
        ingress["metadata"]["annotations"]["ingress.kubernetes.io/target-proxy"],
    )


INCIDENTS: dict[str, Callable[[WorldBuilder], None]] = {
    "HEALTH_CHECK_PATH_MISMATCH": probe_on_other_port,
    "HEALTH_CHECK_PORT_MISMATCH": health_check_port_edited,
    "NEG_EMPTY": selector_typo,
    "NEG_MISSING": neg_deleted,
    "NEG_NOT_ATTACHED": neg_detached,
    "SYNC_ERROR": health_check_rejected,
    "PROPAGATION_PENDING": just_created,
    "INGRESS_NOT_PROVISIONED": never_provisioned,
    "LB_RESOURCE_MISSING": proxy_deleted,
}
"""The demo's incidents, by the finding code each one shows."""

HEALTHY = (healthy_shop, healthy_blog)


def demo_world() -> World:
    """The demo: healthy Ingresses and one Ingress per incident."""
    builder = WorldBuilder()
    for scenario in (*HEALTHY, *INCIDENTS.values()):
        scenario(builder)
    return builder.world
