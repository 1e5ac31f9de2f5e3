"""HEALTH_CHECK_PATH_MISMATCH and HEALTH_CHECK_PORT_MISMATCH, incident by incident."""

from datetime import timedelta
from typing import Any

from gkeingress.testing import Path, Rule, WorldBuilder
from gkeingress.testing.incidents_accuracy import (
    backend_config_port_undeclared,
    backend_config_port_undeclared_yet_healthy,
    nginx_shares_service,
    transparent_health_check,
)
from gkeingress.testing.scenarios import health_check_port_edited, probe_on_other_port
from tests.unit.conftest import Judge, codes, faults, only


def _web(b: WorldBuilder, **service: Any) -> None:
    b.service("shop", "web", **service)
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def test_health_check_following_the_readiness_probe_is_clean(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A health check created from a qualifying readinessProbe raises nothing."""
    _web(builder, probe_path="/healthz")
    report = judge(builder)
    assert codes(report, "shop/web") == []
    health_check = report.ingress("shop/web").backends[1].health_check
    assert health_check is not None
    assert health_check.request_path == "/healthz"


def test_probe_on_another_port_leaves_the_check_on_slash(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The probe checks the admin port, so ingress-gce probes `/` and the finding says why."""
    probe_on_other_port(builder)
    finding = only(judge(builder), "checkout/checkout", "HEALTH_CHECK_PATH_MISMATCH")
    assert finding.severity == "error"
    assert "probes path '/'" in finding.message
    assert "answer on '/ready'" in finding.message
    assert "probes port 9090, not the serving port 8080" in finding.message
    assert "requestPath: /ready" in finding.remediation
    assert finding.evidence["health_check_path"] == "/"


def test_undeclared_container_port_is_named_as_the_reason(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A container that does not declare the targetPort makes ingress-gce ignore its probe."""
    _web(
        builder,
        probe_path="/ready",
        container_port=8080,
        target_port="web",
        container_port_name="http",
    )
    builder.health_check("shop", "web", 80)["httpHealthCheck"]["requestPath"] = "/"
    finding = only(judge(builder), "shop/web", "HEALTH_CHECK_PATH_MISMATCH")
    assert "does not declare a containerPort for the Service targetPort 'web'" in finding.message


def test_probe_added_after_the_health_check_was_created(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The health check predates the pods' probe; ingress-gce never copies a later probe."""
    _web(builder, probe_path="/ready", age=timedelta(days=1))
    hc = builder.health_check("shop", "web", 80)
    hc["httpHealthCheck"]["requestPath"] = "/"
    hc["creationTimestamp"] = "2026-10-01T08:00:00.000-08:00"
    [finding] = faults(judge(builder), "shop/web")
    assert finding.code == "HEALTH_CHECK_PATH_MISMATCH"
    assert "never updates an existing health check" in finding.message


def test_backend_config_path_wins_over_the_probe(builder: WorldBuilder, judge: Judge) -> None:
    """With a BackendConfig requestPath, the health check must use it, whatever the probe says."""
    _web(builder, probe_path="/healthz")
    svc = builder.kube_object("services", "shop", "web")
    svc["metadata"]["annotations"]["cloud.google.com/backend-config"] = '{"default": "web-hc"}'
    builder.world.kube_objects("backendconfigs").append(
        {
            "apiVersion": "cloud.google.com/v1",
            "kind": "BackendConfig",
            "metadata": {"name": "web-hc", "namespace": "shop"},
            "spec": {"healthCheck": {"requestPath": "/status", "type": "HTTP"}},
        }
    )
    [finding] = faults(judge(builder), "shop/web")
    assert (
        "answer on '/status' (BackendConfig shop/web-hc healthCheck.requestPath)" in finding.message
    )
    assert "BackendConfig shop/web-hc" in finding.remediation


def test_health_check_pinned_to_a_port_the_pods_do_not_serve(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A hand-edited fixed port on a NEG health check misses the pods' serving port."""
    health_check_port_edited(builder)
    finding = only(judge(builder), "payments/payments", "HEALTH_CHECK_PORT_MISMATCH")
    assert "probes port 8080" in finding.message
    assert "reached on port 9000" in finding.message
    assert finding.evidence["expected_port"] == 9000


def test_instance_group_health_check_on_another_node_port(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An instance-group backend whose health check probes a different nodePort is reported."""
    builder.service("blog", "blog", neg=False, probe_path="/")
    builder.ingress("blog", "blog", default_backend=("blog", 80), v2=False)
    node_port = builder.kube_object("services", "blog", "blog")["spec"]["ports"][0]["nodePort"]
    assert codes(judge(builder), "blog/blog") == []
    builder.health_check("blog", "blog", 80)["httpHealthCheck"]["port"] = node_port + 1
    [finding] = faults(judge(builder), "blog/blog")
    assert finding.code == "HEALTH_CHECK_PORT_MISMATCH"
    assert f"reached on port {node_port} (the nodePort of Service blog/blog)" in finding.message


def test_serving_port_check_is_clean_whatever_the_target_port(
    builder: WorldBuilder, judge: Judge
) -> None:
    """`USE_SERVING_PORT` probes each endpoint on its own port, so it always matches."""
    _web(builder, target_port=9000, container_port=9000)
    assert codes(judge(builder), "shop/web") == []


def test_backend_config_port_no_container_declares(builder: WorldBuilder, judge: Judge) -> None:
    """A BackendConfig port 9090 applied faithfully, while the pods declare only 8080, is the cause."""
    backend_config_port_undeclared(builder)
    report = judge(builder)
    finding = only(report, "inventory/inventory", "HEALTH_CHECK_PORT_MISMATCH")
    assert finding.severity == "error"
    assert (
        "probes port 9090, as BackendConfig inventory/inventory-bc healthCheck.port asks, but no "
        "container of the pods of Service inventory/inventory declares port 9090: they declare "
        "8080; the Service targetPort reaches them on 8080." in finding.message
    )
    assert finding.evidence["declared_ports"] == [8080]
    assert codes(report, "inventory/inventory") == [
        "BACKEND_UNHEALTHY",
        "HEALTH_CHECK_PORT_MISMATCH",
    ]
    [unhealthy] = [
        f for f in report.findings_for("inventory/inventory") if f.code == "BACKEND_UNHEALTHY"
    ]
    assert unhealthy.caused_by == (finding.id,)


def test_undeclared_backend_config_port_on_a_healthy_backend_is_a_warning(
    builder: WorldBuilder, judge: Judge
) -> None:
    """When the load balancer reports the backend healthy, something answers: declare the port."""
    backend_config_port_undeclared_yet_healthy(builder)
    finding = only(judge(builder), "inventory/inventory", "HEALTH_CHECK_PORT_MISMATCH")
    assert finding.severity == "warning"
    assert "something answers there undeclared" in finding.message


def test_backend_config_port_a_container_declares_is_clean(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A BackendConfig port on the container's declared admin port is no mismatch."""
    backend_config_port_undeclared(builder)
    for pod in builder.world.kube_objects("pods"):
        if pod["metadata"]["namespace"] == "inventory":
            pod["spec"]["containers"][0]["ports"].append(
                {"name": "admin", "containerPort": 9090, "protocol": "TCP"}
            )
    report = judge(builder)
    assert "HEALTH_CHECK_PORT_MISMATCH" not in codes(report, "inventory/inventory")


def test_nginx_ingress_sharing_the_service_gets_no_health_check_finding(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Only the GKE Ingress answers for the Service's health check, not the nginx one beside it."""
    nginx_shares_service(builder)
    report = judge(builder)
    assert "HEALTH_CHECK_PATH_MISMATCH" in codes(report, "portal/portal")
    assert [
        f.code for f in report.findings_for("portal/portal-nginx") if f.code.startswith("HEALTH")
    ] == []


def test_transparent_health_check_is_no_mismatch(builder: WorldBuilder, judge: Judge) -> None:
    """A THC on port 7877 and /api/podhealth answers for the pods: neither port nor path mismatch."""
    transparent_health_check(builder)
    report = judge(builder)
    assert codes(report, "reviews/reviews") == []
    [view] = [
        h
        for i in report.to_dict()["ingresses"]
        for h in i["health_checks"]
        if h["name"] == builder.backend_name("reviews", "reviews", 80)
    ]
    assert view["settings_from"] == "TransparentHC"
    assert view["service"] == "reviews/reviews"


def test_thc_shape_with_the_annotation_but_a_plain_description(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With the Service's THC annotation, a 7877 /api/podhealth check is transparent even undescribed."""
    transparent_health_check(builder)
    builder.health_check("reviews", "reviews", 80)["description"] = ""
    assert codes(judge(builder), "reviews/reviews") == []


def test_thc_annotation_without_the_feature_still_compares(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The annotation alone changes nothing when ingress-gce made an ordinary check (feature off)."""
    _web(builder, probe_path="/ready")
    service = builder.kube_object("services", "shop", "web")
    service["metadata"]["annotations"]["networking.gke.io/transparent-health-checker"] = (
        '{"enabled":true}'
    )
    builder.health_check("shop", "web", 80)["httpHealthCheck"]["requestPath"] = "/"
    finding = only(judge(builder), "shop/web", "HEALTH_CHECK_PATH_MISMATCH")
    assert finding.evidence["settings_from"] == "ReadinessProbe"
    assert finding.message.endswith(
        "Its description says ingress-gce made it from a readinessProbe."
    )


def test_finding_says_the_settings_came_from_a_backend_config(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The JSON description's config BackendConfig is named in the message and the evidence."""
    backend_config_port_undeclared(builder)
    finding = only(judge(builder), "inventory/inventory", "HEALTH_CHECK_PORT_MISMATCH")
    assert finding.evidence["settings_from"] == "BackendConfig"
    assert "Its description says ingress-gce made it from a BackendConfig." in finding.message


def test_health_check_paired_by_its_description_when_no_backend_service_links_it(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A backend service that lost its health-check link still finds the check its JSON names."""
    backend_config_port_undeclared(builder)
    builder.backend_service("inventory", "inventory", 80)["healthChecks"] = []
    backend = judge(builder).ingress("inventory/inventory").backends[1]
    assert backend.health_check is not None
    assert backend.health_check.name == builder.backend_name("inventory", "inventory", 80)
    assert backend.health_check.described_service == "inventory/inventory"


def test_described_health_check_of_another_cluster_is_not_taken(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Unlinked and renamed, the check is found by its description only in its own cluster."""
    builder.cluster("us-central1")
    backend_config_port_undeclared(builder)
    builder.backend_service("inventory", "inventory", 80)["healthChecks"] = []
    check = builder.health_check("inventory", "inventory", 80)
    check["name"] = "inventory-hc"
    check["selfLink"] = check["selfLink"].rsplit("/", 1)[0] + "/inventory-hc"
    backend = judge(builder).ingress("inventory/inventory").backends[1]
    assert backend.health_check is not None
    assert backend.health_check.name == "inventory-hc"
    check["description"] = check["description"].replace("clusters/demo", "clusters/other")
    assert judge(builder).ingress("inventory/inventory").backends[1].health_check is None
