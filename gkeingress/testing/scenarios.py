"""Incidents, each reproduced on a healthy world, and the demo world that bundles them.

Every function takes a :class:`WorldBuilder`, adds one Ingress in its own namespace, and breaks it
the way the incident happens in real clusters. :func:`demo_world` holds the healthy Ingresses and one
Ingress per incident, so ``gkeingress demo`` shows every finding next to clean ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.incidents_annotations import neg_status_truncated
from gkeingress.testing.incidents_changes import rollout_before_errors
from gkeingress.testing.incidents_evidence import (
    application_404s,
    keepalive_resets,
    probe_404_logged,
    probe_blocked_logged,
    request_logging_off,
    slow_reports,
    unlogged_probes,
    unmatched_paths,
)
from gkeingress.testing.incidents_routing import api_moved_map_stale, bare_ip_404, exact_api_path
from gkeingress.testing.traffic import frontend_of, incident_traffic
from gkeingress.testing.world import JSONDict, World


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
    b.mark_unhealthy("checkout", "checkout", 80)


def health_check_port_edited(b: WorldBuilder) -> None:
    """``payments/payments``: someone pinned the health check to port 8080; the pods serve on 9000.

    The Service moved to target port 9000 at 09:32; from 09:33 every request gets a 502.
    """
    service = b.service("payments", "payments", target_port=9000, container_port=9000)
    b.record_write(
        service, "kubectl-client-side-apply", {"f:spec": {"f:ports": {}}}, ago=timedelta(minutes=28)
    )
    b.ingress("payments", "payments", rules=[Rule("pay.example.com", [Path("/", "payments")])])
    b.health_check("payments", "payments", 80)["httpHealthCheck"].update(
        portSpecification="USE_FIXED_PORT", port=8080
    )
    b.mark_unhealthy("payments", "payments", 80)
    frontend = frontend_of(b, "payments", "payments", "payments")
    since = b.now - timedelta(minutes=27)
    incident_traffic(b, frontend, per_minute=80, errors=80, code=502, since=since)


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
    """``orders/orders``: a BackendConfig asks for timeoutSec > checkIntervalSec; GCE rejects it."""
    b.service("orders", "orders")
    ingress = b.ingress(
        "orders", "orders", rules=[Rule("orders.example.com", [Path("/", "orders")])]
    )
    backend_config(b, "orders", "orders", {"timeoutSec": 15, "checkIntervalSec": 10})
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


def _translate_error(b: WorldBuilder, ingress: JSONDict, error: str) -> None:
    b.event(
        ingress,
        "Translate",
        f"Translation failed: invalid ingress spec: {error}",
        ago=timedelta(minutes=1),
        count=40,
    )


def backend_config(
    b: WorldBuilder, namespace: str, service: str, health_check: dict[str, object] | None = None
) -> None:
    """Attach a BackendConfig named ``<service>-bc`` (created only when ``health_check`` is given)."""
    svc = b.kube_object("services", namespace, service)
    svc["metadata"]["annotations"]["cloud.google.com/backend-config"] = (
        f'{{"default": "{service}-bc"}}'
    )
    if health_check is not None:
        b.world.kube_objects("backendconfigs").append(
            {
                "apiVersion": "cloud.google.com/v1",
                "kind": "BackendConfig",
                "metadata": {"name": f"{service}-bc", "namespace": namespace},
                "spec": {"healthCheck": {"type": "HTTP", **health_check}},
            }
        )


def class_name_only(b: WorldBuilder) -> None:
    """``marketing/landing``: only ``spec.ingressClassName: gce`` is set, which GKE does not read."""
    b.service("marketing", "landing")
    ingress = b.ingress(
        "marketing",
        "landing",
        rules=[Rule("landing.example.com", [Path("/", "landing")])],
        ingress_class=None,
        provision=False,
        age=timedelta(hours=1),
    )
    ingress["spec"]["ingressClassName"] = "gce"


def service_renamed(b: WorldBuilder) -> None:
    """``reports/reports``: the Ingress routes to Service ``report``; the Service is ``reports``."""
    b.service("reports", "reports")
    ingress = b.ingress(
        "reports",
        "reports",
        rules=[Rule("reports.example.com", [Path("/", "report")])],
        provision=False,
        age=timedelta(hours=2),
    )
    _translate_error(b, ingress, 'could not find service "reports/report"')


def target_port_in_ingress(b: WorldBuilder) -> None:
    """``docs/docs``: the Ingress names port 8080, the container port, not the Service port 80."""
    b.service("docs", "docs")
    ingress = b.ingress(
        "docs",
        "docs",
        rules=[Rule("docs.example.com", [Path("/", "docs", 8080)])],
        provision=False,
        age=timedelta(hours=2),
    )
    _translate_error(
        b,
        ingress,
        'could not find port "&ServiceBackendPort{Name:,Number:8080,}" in service "docs/docs"',
    )


def cluster_ip_without_neg(b: WorldBuilder) -> None:
    """``admin/admin``: a plain ClusterIP Service, without NEGs, behind an external Ingress."""
    svc = b.service("admin", "admin", neg=False)
    svc["spec"]["type"] = "ClusterIP"
    del svc["spec"]["ports"][0]["nodePort"]
    ingress = b.ingress(
        "admin",
        "admin",
        rules=[Rule("admin.example.com", [Path("/", "admin")])],
        provision=False,
        age=timedelta(hours=2),
    )
    _translate_error(
        b,
        ingress,
        'service "admin/admin" is type "ClusterIP", expected "NodePort" or "LoadBalancer" '
        "when not using NEGs",
    )


def pods_never_ready(b: WorldBuilder) -> None:
    """``inventory/inventory``: the pods run but fail their readinessProbe (a bad config push)."""
    b.service("inventory", "inventory", ready=False)
    b.ingress(
        "inventory", "inventory", rules=[Rule("inventory.example.com", [Path("/", "inventory")])]
    )
    b.mark_unhealthy("inventory", "inventory", 80)


def named_target_port_typo(b: WorldBuilder) -> None:
    """``billing/billing``: the Service targets port name ``web``; the containers call it ``http``."""
    b.service("billing", "billing", target_port="web", container_port_name="http")
    b.ingress("billing", "billing", rules=[Rule("billing.example.com", [Path("/", "billing")])])


def backend_config_missing(b: WorldBuilder) -> None:
    """``profile/profile``: the Service names BackendConfig ``profile-bc``, never created."""
    b.service("profile", "profile")
    ingress = b.ingress(
        "profile", "profile", rules=[Rule("profile.example.com", [Path("/", "profile")])]
    )
    backend_config(b, "profile", "profile")
    _translate_error(
        b,
        ingress,
        'error getting BackendConfig for port "&ServiceBackendPort{Name:,Number:80,}" on service '
        '"profile/profile", err: no BackendConfig for service port exists.',
    )


def backend_config_annotation_typo(b: WorldBuilder) -> None:
    """``wiki/wiki``: the backend-config annotation was written as YAML, not JSON."""
    b.service("wiki", "wiki")
    ingress = b.ingress("wiki", "wiki", rules=[Rule("wiki.example.com", [Path("/", "wiki")])])
    svc = b.kube_object("services", "wiki", "wiki")
    svc["metadata"]["annotations"]["cloud.google.com/backend-config"] = "default: wiki-bc"
    _translate_error(
        b,
        ingress,
        'error getting BackendConfig for port "&ServiceBackendPort{Name:,Number:80,}" on service '
        '"wiki/wiki", err: BackendConfig annotation is invalid json',
    )


def frontend_config_missing(b: WorldBuilder) -> None:
    """``store/store``: the Ingress asks for FrontendConfig ``store-redirect``, which is missing."""
    b.service("store", "store")
    ingress = b.ingress("store", "store", rules=[Rule("store.example.com", [Path("/", "store")])])
    ingress["metadata"]["annotations"]["networking.gke.io/v1beta1.FrontendConfig"] = (
        "store-redirect"
    )
    b.event(
        ingress, "Sync", "Error: no FrontendConfig for Ingress exists.", ago=timedelta(minutes=2)
    )


def app_protocol_unknown(b: WorldBuilder) -> None:
    """``grpc/grpc``: the Service declares app protocol ``GRPC``, which the load balancer lacks."""
    b.service("grpc", "grpc")
    ingress = b.ingress("grpc", "grpc", rules=[Rule("grpc.example.com", [Path("/", "grpc")])])
    svc = b.kube_object("services", "grpc", "grpc")
    svc["metadata"]["annotations"]["cloud.google.com/app-protocols"] = '{"http": "GRPC"}'
    _translate_error(
        b,
        ingress,
        'could not parse "service.alpha.kubernetes.io/app-protocols" annotation on service '
        '"grpc/grpc", err: invalid port application protocol: GRPC',
    )


def regional_address_for_global_ip(b: WorldBuilder) -> None:
    """``events/events``: the static IP was reserved in us-central1, but the Ingress is global."""
    b.service("events", "events")
    b.address("events-ip", region="us-central1")
    ingress = b.ingress(
        "events",
        "events",
        rules=[Rule("events.example.com", [Path("/", "events")])],
        provision=False,
        age=timedelta(hours=2),
    )
    ingress["metadata"]["annotations"]["kubernetes.io/ingress.global-static-ip-name"] = "events-ip"
    b.event(
        ingress,
        "Sync",
        "Error syncing to GCP: error running load balancer syncing routine: loadbalancer "
        "adl25tto-events-events-w0a1xkdv does not exist: the given static IP name events-ip doesn't "
        "translate to an existing static IP.",
        ago=timedelta(minutes=3),
        count=25,
    )


def tls_secret_missing(b: WorldBuilder) -> None:
    """``secure/secure``: spec.tls names secret ``secure-tls``, which was never created."""
    b.service("secure", "secure")
    ingress = b.ingress(
        "secure", "secure", rules=[Rule("secure.example.com", [Path("/", "secure")])]
    )
    ingress["spec"]["tls"] = [{"hosts": ["secure.example.com"], "secretName": "secure-tls"}]
    b.event(
        ingress,
        "Sync",
        'Could not find TLS certificate: secrets "secure-tls" not found',
        ago=timedelta(minutes=6),
        count=3,
    )


def host_split_over_two_rules(b: WorldBuilder) -> None:
    """``portal/portal``: ``/api`` and ``/`` for portal.example.com are written as two rules."""
    b.service("portal", "web")
    b.service("portal", "api")
    b.ingress(
        "portal",
        "portal",
        rules=[
            Rule("portal.example.com", [Path("/api", "api")]),
            Rule("portal.example.com", [Path("/", "web")]),
        ],
    )


def blue_green_overlap(b: WorldBuilder) -> None:
    """``blue/app`` and ``green/app``: both serve app.example.com/ during a half-done migration."""
    for color in ("blue", "green"):
        b.service(color, "app")
        b.ingress(color, "app", rules=[Rule("app.example.com", [Path("/", "app")])])


def shared_vpc_firewall(b: WorldBuilder) -> None:
    """``partner/partner``: on a Shared VPC the controller could not open port 8443 for health checks."""
    b.service("partner", "partner", target_port=8443, container_port=8443)
    ingress = b.ingress(
        "partner", "partner", rules=[Rule("partner.example.com", [Path("/", "partner")])]
    )
    b.close_l7_firewall("8443")
    b.mark_unhealthy("partner", "partner", 80)
    b.event(
        ingress,
        "XPN",
        "Firewall change required by security admin: `gcloud compute firewall-rules update "
        f"{b.namer.firewall} --allow tcp:8443 --project host-project`",
        type="Normal",
        ago=timedelta(minutes=30),
    )


def neg_attach_failing(b: WorldBuilder) -> None:
    """``reviews/reviews``: the NEG controller cannot attach the zone-b pod; its NEG stays empty."""
    svc = b.service("reviews", "reviews")
    b.ingress("reviews", "reviews", rules=[Rule("reviews.example.com", [Path("/", "reviews")])])
    neg = b.backend_name("reviews", "reviews", 80)
    b.set_neg_endpoints("reviews", "reviews", 80, b.zones[1], [])
    error = (
        "googleapi: Error 400: Invalid value for field 'resource.ipAddress': '10.8.0.9'. Specified "
        "IP address 10.8.0.9 doesn't belong to the (sub)network default or to the instance "
        f"{b.zones[1]}, invalid"
    )
    condition = b.kube_object("servicenetworkendpointgroups", "reviews", neg)["status"][
        "conditions"
    ][1]
    condition.update(status="False", reason="NegSyncFailed", message=error)
    b.event(
        svc,
        "SyncNetworkEndpointGroupFailed",
        f'Failed to sync NEG "{neg}" (will retry): {error}',
        component="neg-controller",
        ago=timedelta(minutes=2),
        count=15,
    )


def neg_detach_failing(b: WorldBuilder) -> None:
    """``cart/cart``: a big rollout hit the NEG write quota; the zone-a NEG kept a deleted pod's IP.

    The old pod is gone, its replacement is attached, but detaching the old IP:port failed, so the
    NEG holds two endpoints for one ready pod and the load balancer still sends it requests: 502.
    """
    svc = b.service("cart", "cart")
    b.ingress("cart", "cart", rules=[Rule("cart.example.com", [Path("/", "cart")])])
    zone = b.zones[0]
    held = b.neg_endpoints("cart", "cart", 80, zone)
    b.set_neg_endpoints("cart", "cart", 80, zone, [(b.unused_pod_ip(), 8080), *held])
    neg = b.backend_name("cart", "cart", 80)
    b.event(
        svc,
        "DetachFailed",
        f'Failed to Detach 1 network endpoint(s) (NEG "{neg}" in zone "{zone}"): googleapi: '
        "Error 403: Quota exceeded for quota metric 'Network endpoint write requests' and limit "
        "'Network endpoint write requests per minute per region' of service "
        "'compute.googleapis.com' for consumer 'project_number:123456789012'., rateLimitExceeded",
        component="neg-controller",
        ago=timedelta(minutes=25),
        count=4,
    )


@dataclass(frozen=True, slots=True)
class Incident:
    """A reproduced incident: the scenario, the code of its root cause, every code it shows."""

    scenario: Callable[[WorldBuilder], None]
    cause: str
    also: frozenset[str] = frozenset()

    @property
    def codes(self) -> frozenset[str]:
        """The root cause's code and the symptoms' codes."""
        return self.also | {self.cause}


AMBIENT = frozenset({"DEFAULT_BACKEND_404"})
"""Info codes true of most real Ingresses (no ``spec.defaultBackend``), incident or not."""


INCIDENTS: tuple[Incident, ...] = (
    Incident(probe_on_other_port, "HEALTH_CHECK_PATH_MISMATCH", frozenset({"BACKEND_UNHEALTHY"})),
    Incident(
        health_check_port_edited,
        "HEALTH_CHECK_PORT_MISMATCH",
        frozenset({"BACKEND_UNHEALTHY", "LB_ERRORS_OBSERVED", "CHANGE_BEFORE_ERRORS"}),
    ),
    Incident(selector_typo, "SERVICE_SELECTOR_MATCHES_NO_PODS", frozenset({"NEG_EMPTY"})),
    Incident(neg_attach_failing, "NEG_EMPTY", frozenset({"SYNC_ERROR"})),
    Incident(neg_deleted, "NEG_MISSING"),
    Incident(neg_detached, "NEG_NOT_ATTACHED"),
    Incident(neg_detach_failing, "NEG_ENDPOINTS_OUT_OF_SYNC", frozenset({"SYNC_ERROR"})),
    Incident(health_check_rejected, "HEALTH_CHECK_TIMEOUT_INVALID", frozenset({"SYNC_ERROR"})),
    Incident(just_created, "PROPAGATION_PENDING"),
    Incident(never_provisioned, "INGRESS_NOT_PROVISIONED"),
    Incident(proxy_deleted, "LB_RESOURCE_MISSING"),
    Incident(class_name_only, "INGRESS_CLASS_IGNORED"),
    Incident(
        service_renamed, "SERVICE_NOT_FOUND", frozenset({"SYNC_ERROR", "INGRESS_NOT_PROVISIONED"})
    ),
    Incident(
        target_port_in_ingress,
        "SERVICE_PORT_NOT_FOUND",
        frozenset({"SYNC_ERROR", "INGRESS_NOT_PROVISIONED"}),
    ),
    Incident(
        cluster_ip_without_neg,
        "SERVICE_TYPE_INCOMPATIBLE",
        frozenset({"SYNC_ERROR", "INGRESS_NOT_PROVISIONED"}),
    ),
    Incident(pods_never_ready, "SERVICE_NO_READY_ENDPOINTS", frozenset({"BACKEND_UNHEALTHY"})),
    Incident(named_target_port_typo, "TARGET_PORT_NOT_EXPOSED", frozenset({"NEG_EMPTY"})),
    Incident(backend_config_missing, "BACKEND_CONFIG_NOT_FOUND", frozenset({"SYNC_ERROR"})),
    Incident(backend_config_annotation_typo, "BACKEND_CONFIG_INVALID", frozenset({"SYNC_ERROR"})),
    Incident(frontend_config_missing, "FRONTEND_CONFIG_NOT_FOUND", frozenset({"SYNC_ERROR"})),
    Incident(app_protocol_unknown, "APP_PROTOCOL_INVALID", frozenset({"SYNC_ERROR"})),
    Incident(
        regional_address_for_global_ip,
        "STATIC_IP_NOT_FOUND",
        frozenset({"SYNC_ERROR", "INGRESS_NOT_PROVISIONED"}),
    ),
    Incident(tls_secret_missing, "TLS_SECRET_NOT_FOUND", frozenset({"SYNC_ERROR"})),
    Incident(host_split_over_two_rules, "RULE_HOST_DUPLICATE"),
    Incident(blue_green_overlap, "INGRESS_HOST_CONFLICT"),
    Incident(
        shared_vpc_firewall, "HEALTH_CHECK_FIREWALL_MISSING", frozenset({"BACKEND_UNHEALTHY"})
    ),
    Incident(rollout_before_errors, "CHANGE_BEFORE_ERRORS", frozenset({"LB_ERRORS_OBSERVED"})),
    Incident(api_moved_map_stale, "URL_MAP_OUT_OF_SYNC"),
    Incident(exact_api_path, "PATH_SUBPATHS_NOT_ROUTED", frozenset({"LB_ERRORS_OBSERVED"})),
    Incident(bare_ip_404, "DEFAULT_BACKEND_404"),
    Incident(neg_status_truncated, "CONTROLLER_ANNOTATION_MALFORMED"),
    # Seen in what the load balancer logged (keepalive_resets: only there).
    Incident(keepalive_resets, "LB_BACKEND_CONNECTION_CLOSED"),
    Incident(
        probe_404_logged,
        "HEALTH_CHECK_PROBE_FAILING",
        frozenset(
            {
                "HEALTH_CHECK_PATH_MISMATCH",
                "BACKEND_UNHEALTHY",
                "LB_NO_HEALTHY_BACKEND",
                "LB_ERRORS_OBSERVED",
                "CHANGE_BEFORE_ERRORS",
            }
        ),
    ),
    Incident(
        probe_blocked_logged,
        "LB_NO_HEALTHY_BACKEND",
        frozenset(
            {
                "HEALTH_CHECK_FIREWALL_MISSING",
                "BACKEND_UNHEALTHY",
                "HEALTH_CHECK_PROBE_FAILING",
                "LB_ERRORS_OBSERVED",
            }
        ),
    ),
    Incident(
        unlogged_probes,
        "HEALTH_CHECK_LOGGING_DISABLED",
        frozenset({"BACKEND_UNHEALTHY", "LB_NO_HEALTHY_BACKEND"}),
    ),
    Incident(slow_reports, "LB_BACKEND_TIMEOUT"),
    Incident(unmatched_paths, "LB_UNMATCHED_URLS_404"),
    Incident(application_404s, "LB_APPLICATION_404"),
    Incident(request_logging_off, "LB_LOGGING_DISABLED", frozenset({"LB_ERRORS_OBSERVED"})),
)
"""The demo's incidents; together they show every finding code. Those with load balancer traffic
show when their errors began, from which ``CHANGE_BEFORE_ERRORS`` looks back."""

HEALTHY = (healthy_shop, healthy_blog)


def demo_world() -> World:
    """The demo: healthy Ingresses and one Ingress per incident."""
    builder = WorldBuilder()
    for scenario in (*HEALTHY, *(incident.scenario for incident in INCIDENTS)):
        scenario(builder)
    return builder.world
