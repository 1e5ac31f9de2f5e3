"""PROPAGATION_PENDING, INGRESS_NOT_PROVISIONED and LB_RESOURCE_MISSING."""

from datetime import timedelta

from gkeingress import analyse
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.scenarios import just_created, never_provisioned, proxy_deleted
from tests.unit.conftest import Judge, codes, faults


def test_new_ingress_is_pending_not_broken(builder: WorldBuilder, judge: Judge) -> None:
    """Three minutes after creation, a missing forwarding rule and Unknown backends are expected."""
    just_created(builder)
    [finding] = faults(judge(builder), "newsletter/newsletter")
    assert finding.code == "PROPAGATION_PENDING"
    assert finding.severity == "info"
    assert "changed 3 minutes ago" in finding.message
    assert "the Ingress has no address yet" in finding.message
    assert "is Unknown (not health-checked yet)" in finding.message
    assert "This is not a fault yet" in finding.message
    assert "after 10:07 UTC" in finding.remediation


def test_the_same_ingress_past_the_window_is_a_fault(builder: WorldBuilder) -> None:
    """Once the window has passed, what is still missing is reported as missing."""
    just_created(builder)
    later = DEMO_NOW + timedelta(minutes=30)
    report = analyse(snapshot_of(builder.world, later), now=later)
    assert codes(report, "newsletter/newsletter") == [
        "INGRESS_NOT_PROVISIONED",
        "LB_RESOURCE_MISSING",
    ]


def test_propagation_window_is_configurable(builder: WorldBuilder) -> None:
    """A two-minute window makes a three-minute-old Ingress a fault."""
    just_created(builder)
    report = analyse(
        snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW, propagation_window=timedelta(minutes=2)
    )
    assert "PROPAGATION_PENDING" not in codes(report, "newsletter/newsletter")
    assert "INGRESS_NOT_PROVISIONED" in codes(report, "newsletter/newsletter")


def test_recent_change_with_everything_in_place_says_nothing(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A fresh Ingress whose load balancer is complete has no finding at all."""
    builder.service("shop", "web")
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/", "web")])],
        age=timedelta(minutes=4),
    )
    assert codes(judge(builder), "shop/web") == []


def test_ingress_never_picked_up(builder: WorldBuilder, judge: Judge) -> None:
    """Two hours on, no address and no controller annotations: never provisioned."""
    never_provisioned(builder)
    [finding] = faults(judge(builder), "legacy/legacy")
    assert finding.code == "INGRESS_NOT_PROVISIONED"
    assert "was created 120 minutes ago" in finding.message
    assert "kubectl describe ingress -n legacy legacy" in finding.remediation


def test_ingress_of_another_controller_is_left_alone(builder: WorldBuilder, judge: Judge) -> None:
    """An nginx Ingress has no GKE load balancer, and that is only worth an info line."""
    builder.service("shop", "web")
    builder.ingress(
        "shop", "web", rules=[Rule("", [Path("/", "web")])], ingress_class="nginx", provision=False
    )
    [finding] = faults(judge(builder), "shop/web")
    assert (finding.code, finding.severity) == ("INGRESS_CLASS_IGNORED", "info")
    assert "meant for another controller (nginx)" in finding.message


def test_target_proxy_deleted_by_hand(builder: WorldBuilder, judge: Judge) -> None:
    """A resource named by an annotation but absent from the project is reported by name."""
    proxy_deleted(builder)
    [finding] = faults(judge(builder), "promo/promo")
    assert finding.code == "LB_RESOURCE_MISSING"
    assert finding.resource.startswith("target proxy k8s2-tp-")
    assert "named by annotation ingress.kubernetes.io/target-proxy" in finding.message


def test_url_map_pointing_at_a_deleted_backend_service(builder: WorldBuilder, judge: Judge) -> None:
    """A backend service the URL map routes to, deleted outside Kubernetes, is missing."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    builder.remove_compute("backendServices", builder.backend_name("shop", "web", 80))
    findings = faults(judge(builder), "shop/web")
    assert [f.code for f in findings] == ["LB_RESOURCE_MISSING"]
    assert "named by URL map k8s2-um-" in findings[0].message
