"""The Kubernetes-side runbook steps, each as its incident and its healthy counterpart."""

from typing import Any

import pytest

from gkeingress.testing import Path, Rule, WorldBuilder
from gkeingress.testing import scenarios as s
from tests.unit.conftest import Judge, codes, only


def _web(b: WorldBuilder, **service: Any) -> dict[str, Any]:
    b.service("shop", "web", **service)
    return b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def test_ingress_class_name_only_is_never_picked_up(builder: WorldBuilder, judge: Judge) -> None:
    """`spec.ingressClassName: gce` without the annotation is an error that names the fix."""
    s.class_name_only(builder)
    finding = only(judge(builder), "marketing/landing", "INGRESS_CLASS_IGNORED")
    assert finding.severity == "error"
    assert "GKE's controller only reads the annotation" in finding.message
    assert (
        "kubernetes.io/ingress.class=gce --overwrite, and remove spec.ingressClassName"
        in finding.remediation
    )


def test_unknown_class_is_a_warning(builder: WorldBuilder, judge: Judge) -> None:
    """A class no known controller uses may be a typo: a warning, not an error."""
    builder.service("shop", "web")
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("", [Path("/", "web")])],
        ingress_class="internal-lb",
        provision=False,
    )
    assert only(judge(builder), "shop/web", "INGRESS_CLASS_IGNORED").severity == "warning"


def test_missing_service_lists_the_namespace_services(builder: WorldBuilder, judge: Judge) -> None:
    """A backend Service that does not exist is named, with the Services that do."""
    s.service_renamed(builder)
    finding = only(judge(builder), "reports/reports", "SERVICE_NOT_FOUND")
    assert "routes to Service reports/report, which does not exist" in finding.message
    assert "Services in reports: reports" in finding.message


def test_ingress_naming_the_container_port(builder: WorldBuilder, judge: Judge) -> None:
    """Naming the targetPort instead of the Service port is explained."""
    s.target_port_in_ingress(builder)
    finding = only(judge(builder), "docs/docs", "SERVICE_PORT_NOT_FOUND")
    assert "port number 8080" in finding.message
    assert "8080 is the targetPort of port 80" in finding.message


def test_named_port_that_the_service_lacks(builder: WorldBuilder, judge: Judge) -> None:
    """A backend port name the Service does not define is reported with the Service's ports."""
    builder.service("shop", "web")
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/", "web", "https")])],
        provision=False,
    )
    finding = only(judge(builder), "shop/web", "SERVICE_PORT_NOT_FOUND")
    assert "port name 'https'" in finding.message
    assert "which has ports 80 (http)" in finding.message


def test_cluster_ip_service_without_negs(builder: WorldBuilder, judge: Judge) -> None:
    """A ClusterIP Service without NEGs cannot be an external Ingress backend."""
    s.cluster_ip_without_neg(builder)
    finding = only(judge(builder), "admin/admin", "SERVICE_TYPE_INCOMPATIBLE")
    assert 'is type "ClusterIP", expected "NodePort" or "LoadBalancer"' in finding.message
    assert "cloud.google.com/neg" in finding.remediation


@pytest.mark.parametrize("ingress_class", ["gce-internal", "gce-regional-external"])
def test_regional_ingress_needs_neg_annotation(
    builder: WorldBuilder, judge: Judge, ingress_class: str
) -> None:
    """A regional Ingress (internal or external) whose Service lacks the NEG annotation is flagged."""
    builder.service("shop", "web", neg=False)
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("", [Path("/", "web")])],
        ingress_class=ingress_class,
        provision=False,
    )
    finding = only(judge(builder), "shop/web", "SERVICE_TYPE_INCOMPATIBLE")
    assert f"regional Ingress shop/web ({ingress_class}) requires" in finding.message


def test_selector_near_miss_names_the_closest_labels(builder: WorldBuilder, judge: Judge) -> None:
    """`app: web` against `app: web-frontend`: the closest pod labels are shown."""
    builder.service("shop", "web", labels={"app": "web-frontend"}, selector={"app": "web"})
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    finding = only(judge(builder), "shop/web", "SERVICE_SELECTOR_MATCHES_NO_PODS")
    assert "selects app=web, which no pod in namespace shop carries" in finding.message
    assert "closest pods are labelled app=web-frontend" in finding.message


def test_pods_that_never_become_ready(builder: WorldBuilder, judge: Judge) -> None:
    """Pods that exist but fail readiness are counted, with the reason."""
    s.pods_never_ready(builder)
    finding = only(judge(builder), "inventory/inventory", "SERVICE_NO_READY_ENDPOINTS")
    assert (
        "selects 2 pod(s) and none is ready: 2 not ready (phase Running: readiness failing)"
        in finding.message
    )


def test_named_target_port_that_no_container_declares(builder: WorldBuilder, judge: Judge) -> None:
    """A named targetPort missing from the containers means no endpoints at all."""
    s.named_target_port_typo(builder)
    finding = only(judge(builder), "billing/billing", "TARGET_PORT_NOT_EXPOSED")
    assert finding.severity == "error"
    assert (
        "targets named port 'web', which no container of its pods declares (declared: 8080 (http))"
        in finding.message
    )


def test_numeric_target_port_not_declared_is_a_warning(builder: WorldBuilder, judge: Judge) -> None:
    """An undeclared numeric targetPort may still carry traffic: a warning."""
    _web(builder, target_port=9000, container_port=8080)
    assert only(judge(builder), "shop/web", "TARGET_PORT_NOT_EXPOSED").severity == "warning"


def test_backend_config_problems(builder: WorldBuilder, judge: Judge) -> None:
    """Missing, unparseable and out-of-range BackendConfigs are each named."""
    for incident in (
        s.backend_config_missing,
        s.backend_config_annotation_typo,
        s.health_check_rejected,
    ):
        incident(builder)
    report = judge(builder)
    assert (
        "uses BackendConfig profile/profile-bc, which does not exist"
        in only(report, "profile/profile", "BACKEND_CONFIG_NOT_FOUND").message
    )
    assert (
        "'default: wiki-bc' is invalid: not valid JSON"
        in only(report, "wiki/wiki", "BACKEND_CONFIG_INVALID").message
    )
    assert (
        "timeoutSec 15 > checkIntervalSec 10"
        in only(report, "orders/orders", "HEALTH_CHECK_TIMEOUT_INVALID").message
    )


def test_backend_config_without_default_or_ports(builder: WorldBuilder, judge: Judge) -> None:
    """Valid JSON that names neither `default` nor `ports` is still invalid."""
    _web(builder)
    svc = builder.kube_object("services", "shop", "web")
    svc["metadata"]["annotations"]["cloud.google.com/backend-config"] = '{"web-bc": "default"}'
    assert (
        "names neither `default` nor `ports`"
        in only(judge(builder), "shop/web", "BACKEND_CONFIG_INVALID").message
    )


def test_app_protocol_value_outside_http_https_http2(builder: WorldBuilder, judge: Judge) -> None:
    """`GRPC` is not an app protocol the load balancer speaks."""
    s.app_protocol_unknown(builder)
    finding = only(judge(builder), "grpc/grpc", "APP_PROTOCOL_INVALID")
    assert (
        "invalid protocol(s) {'http': 'GRPC'}, must be one of HTTP, HTTPS, HTTP2" in finding.message
    )


def test_ingress_references(builder: WorldBuilder, judge: Judge) -> None:
    """A missing FrontendConfig, a static IP in the wrong scope and a missing TLS secret are named."""
    for incident in (
        s.frontend_config_missing,
        s.regional_address_for_global_ip,
        s.tls_secret_missing,
    ):
        incident(builder)
    report = judge(builder)
    assert (
        "uses FrontendConfig store/store-redirect, which does not exist"
        in only(report, "store/store", "FRONTEND_CONFIG_NOT_FOUND").message
    )
    static = only(report, "events/events", "STATIC_IP_NOT_FOUND").message
    assert "asks for global static IP 'events-ip'" in static
    assert "exists in us-central1, the wrong scope" in static
    assert (
        "uses TLS secret secure/secure-tls, which does not exist"
        in only(report, "secure/secure", "TLS_SECRET_NOT_FOUND").message
    )


def test_existing_tls_secret_static_ip_and_frontend_config_are_clean(
    builder: WorldBuilder, judge: Judge
) -> None:
    """When the named objects exist, nothing is reported."""
    ingress = _web(builder)
    builder.address("web-ip")
    ingress["metadata"]["annotations"]["kubernetes.io/ingress.global-static-ip-name"] = "web-ip"
    ingress["metadata"]["annotations"]["networking.gke.io/v1beta1.FrontendConfig"] = "web-fc"
    ingress["spec"]["tls"] = [{"secretName": "web-tls"}]
    builder.world.kube_objects("frontendconfigs").append(
        {
            "apiVersion": "networking.gke.io/v1beta1",
            "kind": "FrontendConfig",
            "metadata": {"name": "web-fc", "namespace": "shop"},
            "spec": {"redirectToHttps": {"enabled": True}},
        }
    )
    builder.world.kube_objects("secrets").append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "web-tls", "namespace": "shop"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": "", "tls.key": ""},
        }
    )
    assert codes(judge(builder), "shop/web") == []


def test_host_written_as_two_rules(builder: WorldBuilder, judge: Judge) -> None:
    """The first rule of a repeated host is dropped, and its paths named."""
    s.host_split_over_two_rules(builder)
    finding = only(judge(builder), "portal/portal", "RULE_HOST_DUPLICATE")
    assert "has 2 rules for host portal.example.com" in finding.message
    assert "so /api answer 404" in finding.message


def test_two_ingresses_serving_one_host(builder: WorldBuilder, judge: Judge) -> None:
    """Each of two Ingresses routing app.example.com/ is told about the other and its address."""
    s.blue_green_overlap(builder)
    report = judge(builder)
    blue = only(report, "blue/app", "INGRESS_HOST_CONFLICT")
    green = only(report, "green/app", "INGRESS_HOST_CONFLICT")
    assert "Ingress blue/app and Ingress green/app (34.117." in blue.message
    assert "both route app.example.com/*" in blue.message
    assert "green/app and Ingress blue/app" in green.message
