"""Incidents caused by the cluster itself, each on a world of its own: the cluster is the fault.

Each function declares the world's cluster (:meth:`WorldBuilder.cluster`) the way the incident
needs it, so these worlds are not part of the demo world (one world, one cluster).
"""

from __future__ import annotations

from datetime import timedelta

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.scenarios import Incident


def healthy_cluster(b: WorldBuilder) -> None:
    """``shop/web`` on a VPC-native cluster with the HTTP load balancing add-on enabled. Healthy."""
    b.cluster("us-central1")
    b.service("shop", "web")
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def http_load_balancing_disabled(b: WorldBuilder) -> None:
    """``shop/web``: the cluster's HttpLoadBalancing add-on was disabled for nginx; nothing happens."""
    b.cluster("us-central1", http_load_balancing=False)
    b.service("shop", "web")
    b.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/", "web")])],
        age=timedelta(hours=3),
        provision=False,
    )


def routes_based_cluster_negs(b: WorldBuilder) -> None:
    """``shop/web``: NEG backends on a routes-based cluster; every attach fails, the NEGs stay empty."""
    b.cluster("us-central1", vpc_native=False)
    service = b.service("shop", "web")
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    neg_name = b.backend_name("shop", "web", 80)
    for zone in b.zones:
        neg = b.compute_resource_at("networkEndpointGroups", f"zones/{zone}", neg_name)
        neg["size"] = 0
        b.world.network_endpoints[neg["selfLink"].split("/compute/v1/", 1)[1]] = []
        b.event(
            service,
            "SyncNetworkEndpointGroupFailed",
            f'Failed to sync NEG "{neg_name}" (will retry): failed to attach 2 network '
            f'endpoint(s) (NEG "{neg_name}" in zone "{zone}"): googleapi: Error 400: Invalid '
            "value for field 'resource.ipAddress': '10.8.0.12'. Specified IP address 10.8.0.12 "
            f"doesn't belong to the (sub)network default or to the instance "
            f"gke-{b.cluster_name}-default-pool-6c1d2e3f-x7k2., invalid",
            component="neg-controller",
            count=15,
        )


CLUSTER_INCIDENTS: tuple[Incident, ...] = (
    Incident(
        http_load_balancing_disabled,
        "HTTP_LOAD_BALANCING_DISABLED",
        frozenset({"INGRESS_NOT_PROVISIONED"}),
    ),
    Incident(
        routes_based_cluster_negs, "CLUSTER_NOT_VPC_NATIVE", frozenset({"NEG_EMPTY", "SYNC_ERROR"})
    ),
)
"""The incidents whose cause is the cluster, each on a world of its own."""
