"""Regional external Ingresses (``gce-regional-external``) pair with their regional load balancer."""

from gkeingress.testing import Path, Rule, WorldBuilder
from gkeingress.testing.builder import PROXY_ONLY_RANGE, RXLB_CLASS
from gkeingress.testing.incidents_regional import healthy_tickets, regional_probe_moved
from tests.unit.conftest import Judge, codes, only

REGION = "regions/us-central1"
WEB_NEG = "k8s1-1a2b3c4d-tickets-web-80-9ae54ab4"


def test_every_resource_is_paired_in_the_region(builder: WorldBuilder, judge: Judge) -> None:
    """Forwarding rule, proxy, URL map, backend services, health checks and NEGs are all found."""
    healthy_tickets(builder)
    tickets = judge(builder).ingress("tickets/tickets")
    assert tickets.url_map is not None
    assert str(tickets.url_map.ref) == f"{REGION}/urlMaps/k8s2-um-adl25tto-tickets-tickets-ncqq114o"
    [rule] = tickets.forwarding_rules
    assert str(rule.ref) == f"{REGION}/forwardingRules/k8s2-fr-adl25tto-tickets-tickets-ncqq114o"
    assert rule.load_balancing_scheme == "EXTERNAL_MANAGED"
    [proxy] = tickets.target_proxies
    assert str(proxy.ref) == f"{REGION}/targetHttpProxies/k8s2-tp-adl25tto-tickets-tickets-ncqq114o"
    assert {str(b.ref) for b in tickets.backend_services} == {
        f"{REGION}/backendServices/k8s1-1a2b3c4d-e-kube-system-default-http-backend-80-66379989",
        f"{REGION}/backendServices/k8s1-1a2b3c4d-e-tickets-api-8080-67f3aa8d",
        f"{REGION}/backendServices/k8s1-1a2b3c4d-e-tickets-web-80-9ae54ab4",
    }
    assert {b.load_balancing_scheme for b in tickets.backend_services} == {"EXTERNAL_MANAGED"}
    assert {
        str(h.ref).replace("healthChecks", "backendServices") for h in tickets.health_checks
    } == {str(b.ref) for b in tickets.backend_services}
    assert sorted((n.name, n.zone) for n in tickets.negs if "tickets-web" in n.name) == [
        (WEB_NEG, "us-central1-a"),
        (WEB_NEG, "us-central1-b"),
    ]
    assert len(tickets.negs) == 6
    assert all(r.found for r in tickets.references)


def test_every_backend_is_container_native(builder: WorldBuilder, judge: Judge) -> None:
    """Each backend uses NEGs named like the Service port, and its ``-e-`` backend service."""
    healthy_tickets(builder)
    for backend in judge(builder).ingress("tickets/tickets").backends:
        assert backend.uses_neg
        assert backend.backend_service_name is not None
        assert backend.backend_service_name.startswith("k8s1-1a2b3c4d-e-")
        assert backend.health_state == "HEALTHY"
        assert {n.name for n in backend.negs} == {
            backend.backend_service_name.replace("-e-", "-", 1)
        }


def test_names_alone_pair_without_the_controller_annotations(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With ingress-gce's annotations gone, the regional frontend is found by name in its region."""
    healthy_tickets(builder)
    annotations = builder.kube_object("ingresses", "tickets", "tickets")["metadata"]["annotations"]
    for key in [k for k in annotations if k.startswith("ingress.kubernetes.io/")]:
        del annotations[key]
    tickets = judge(builder).ingress("tickets/tickets")
    assert tickets.url_map is not None
    assert tickets.url_map.location == "us-central1"
    assert len(tickets.forwarding_rules) == 1
    assert {r.source for r in tickets.references if r.kind == "url map"} == {
        "ingress-gce naming scheme"
    }


def test_healthy_regional_ingress_is_clean(builder: WorldBuilder, judge: Judge) -> None:
    """A healthy regional external Ingress shows only the ambient default-backend note."""
    healthy_tickets(builder)
    report = judge(builder)
    assert [f.code for f in report.findings_for("tickets/tickets")] == ["DEFAULT_BACKEND_404"]


def test_health_check_left_on_the_old_probe_path(builder: WorldBuilder, judge: Judge) -> None:
    """The regional health check still probes ``/healthz``; the pods moved to ``/ready``: 502s."""
    regional_probe_moved(builder)
    report = judge(builder)
    assert sorted(codes(report, "booking/booking")) == [
        "BACKEND_UNHEALTHY",
        "HEALTH_CHECK_PATH_MISMATCH",
    ]
    mismatch = only(report, "booking/booking", "HEALTH_CHECK_PATH_MISMATCH")
    assert mismatch.resource == f"{REGION}/healthChecks/k8s1-1a2b3c4d-e-booking-booking-80-d0ad0bba"
    assert "probes path '/healthz'" in mismatch.message
    assert "answer on '/ready'" in mismatch.message
    unhealthy = only(report, "booking/booking", "BACKEND_UNHEALTHY")
    assert "2 of 2 endpoints UNHEALTHY" in unhealthy.message
    assert "--region us-central1" in unhealthy.remediation


def test_a_service_behind_global_and_regional_ingresses(
    builder: WorldBuilder, judge: Judge
) -> None:
    """One Service port behind both classes has two backend services but one set of NEGs."""
    builder.service("shop", "web")
    builder.ingress(
        "shop",
        "global",
        rules=[Rule("shop.example.com", [Path("/", "web")])],
        default_backend=("web", 80),
    )
    builder.ingress(
        "shop",
        "regional",
        rules=[Rule("eu.shop.example.com", [Path("/", "web")])],
        default_backend=("web", 80),
        ingress_class=RXLB_CLASS,
    )
    report = judge(builder)
    [global_web] = report.ingress("shop/global").backends
    [regional_web] = report.ingress("shop/regional").backends
    assert global_web.backend_service is not None
    assert regional_web.backend_service is not None
    assert global_web.backend_service.location == "global"
    assert (global_web.backend_service.name, regional_web.backend_service.name) == (
        "k8s1-1a2b3c4d-shop-web-80-ce0f3856",
        "k8s1-1a2b3c4d-e-shop-web-80-ce0f3856",
    )
    assert regional_web.negs == global_web.negs
    assert len(regional_web.negs) == 2
    assert codes(report, "shop/global") == codes(report, "shop/regional") == []


def test_service_without_neg_annotation_is_still_a_neg_backend(
    builder: WorldBuilder, judge: Judge
) -> None:
    """ingress-gce forces NEGs for a regional external Ingress whatever the Service says."""
    builder.service("shop", "web", neg=False)
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("", [Path("/", "web")])],
        ingress_class=RXLB_CLASS,
        provision=False,
    )
    [_, web] = judge(builder).ingress("shop/web").backends
    assert web.uses_neg
    assert web.backend_service_name == "k8s1-1a2b3c4d-e-shop-web-80-ce0f3856"


def test_the_firewall_admits_the_proxy_only_subnet(builder: WorldBuilder) -> None:
    """ingress-gce adds the region's proxy-only subnet to its L7 rule for a regional Ingress."""
    healthy_tickets(builder)
    rule = builder.compute_resource("firewalls", builder.namer.firewall)
    assert PROXY_ONLY_RANGE in rule["sourceRanges"]
