"""Incidents that once fooled the audit, each reproduced on a healthy world, as in :mod:`.scenarios`.

Every function takes a :class:`WorldBuilder`, adds its Ingresses in their own namespace, and sets
the world up the way ingress-gce leaves it in that case.
"""

from __future__ import annotations

import json

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.scenarios import backend_config


def health_check_description(
    b: WorldBuilder, namespace: str, service: str, config: str, location: str = "us-central1"
) -> str:
    """The JSON ingress-gce writes into a health check's description for BackendConfig and THC.

    ``json.MarshalIndent(desc, "", "    ")`` of ``HealthcheckDesc`` (``pkg/utils/healthcheck``).
    """
    return json.dumps(
        {
            "k8sCluster": f"/locations/{location}/clusters/{b.cluster_name}",
            "k8sResource": f"/namespaces/{namespace}/services/{service}",
            "config": config,
        },
        indent=4,
    )


def backend_config_port_undeclared(b: WorldBuilder) -> None:
    """``inventory/inventory``: BackendConfig ``healthCheck.port: 9090``; the pods declare only 8080.

    ingress-gce applied the port faithfully (``USE_FIXED_PORT`` 9090, opened in its L7 firewall
    rule), so the health check matches its BackendConfig, and every endpoint fails it.
    """
    b.service("inventory", "inventory")
    b.ingress(
        "inventory",
        "inventory",
        rules=[Rule("inventory.example.com", [Path("/", "inventory")])],
    )
    backend_config(
        b, "inventory", "inventory", {"port": 9090, "requestPath": "/healthz", "type": "HTTP"}
    )
    check = b.health_check("inventory", "inventory", 80)
    check["httpHealthCheck"].update(portSpecification="USE_FIXED_PORT", port=9090)
    check["description"] = health_check_description(b, "inventory", "inventory", "BackendConfig")
    # The firewall controller opens BackendConfig health-check ports (getCustomHealthCheckPorts).
    b.compute_resource("firewalls", b.namer.firewall)["allowed"][0]["ports"].append("9090")
    b.mark_unhealthy("inventory", "inventory", 80)


def backend_config_port_undeclared_yet_healthy(b: WorldBuilder) -> None:
    """``inventory/inventory`` as above, but the load balancer reports the backend ``HEALTHY``.

    Something answers on 9090 without declaring it: the same finding, as a warning.
    """
    backend_config_port_undeclared(b)
    annotations = b.kube_object("ingresses", "inventory", "inventory")["metadata"]["annotations"]
    states = annotations["ingress.kubernetes.io/backends"]
    annotations["ingress.kubernetes.io/backends"] = states.replace("UNHEALTHY", "HEALTHY")


def nginx_shares_service(b: WorldBuilder) -> None:
    """``portal``: a GKE Ingress and an nginx one route to Service ``portal``, whose check probes ``/``.

    The health check is the GKE Ingress's concern only; the nginx Ingress gets no load balancer.
    """
    b.service("portal", "portal", probe_path="/ready")
    b.ingress("portal", "portal", rules=[Rule("portal.example.com", [Path("/", "portal")])])
    b.ingress(
        "portal",
        "portal-nginx",
        rules=[Rule("portal.internal.example.com", [Path("/", "portal")])],
        ingress_class="nginx",
        provision=False,
    )
    b.health_check("portal", "portal", 80)["httpHealthCheck"]["requestPath"] = "/"
    b.mark_unhealthy("portal", "portal", 80)


def exact_api_under_catch_all(b: WorldBuilder) -> None:
    """``orders/storefront``: ``/api`` Exact to the api beside ``/`` Prefix to the web frontend.

    ``/api/orders`` matches the ``/*`` rule: the web frontend answers it, not the api.
    """
    b.service("orders", "web")
    b.service("orders", "api")
    b.ingress(
        "orders",
        "storefront",
        rules=[
            Rule(
                "orders.example.com",
                [Path("/api", "api", path_type="Exact"), Path("/", "web")],
            )
        ],
    )


def transparent_health_check(b: WorldBuilder) -> None:
    """``reviews/reviews``: the Service asks for transparent health checks, and ingress-gce made one.

    ``OverwriteWithTHC`` (``pkg/translator/healthchecks.go``): HTTP on fixed port 7877, path
    ``/api/podhealth``, every 5 s, timeout 5 s, unhealthy after 10; the description is the JSON
    ``HealthcheckDesc`` with ``config: TransparentHC``; the L7 firewall rule opens 7877. The pods
    serve on 8080: no mismatch.
    """
    b.service("reviews", "reviews")
    annotations = b.kube_object("services", "reviews", "reviews")["metadata"]["annotations"]
    annotations["networking.gke.io/transparent-health-checker"] = '{"enabled":true}'
    b.ingress("reviews", "reviews", rules=[Rule("reviews.example.com", [Path("/", "reviews")])])
    check = b.health_check("reviews", "reviews", 80)
    check.update(
        checkIntervalSec=5,
        timeoutSec=5,
        unhealthyThreshold=10,
        healthyThreshold=1,
        description=health_check_description(b, "reviews", "reviews", "TransparentHC"),
    )
    check["httpHealthCheck"].update(
        portSpecification="USE_FIXED_PORT", port=7877, requestPath="/api/podhealth"
    )
    # The firewall controller opens the THC port too (pkg/firewalls/controller.go).
    b.compute_resource("firewalls", b.namer.firewall)["allowed"][0]["ports"].append("7877")
