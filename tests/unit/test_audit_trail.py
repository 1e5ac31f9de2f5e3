"""Who changed what, from the Admin Activity audit logs: deletions, outside edits, ingress-gce's own."""

from datetime import timedelta

from gkeingress import analyse
from gkeingress.model.timeline import ChangeKind, build_timeline
from gkeingress.model.topology import pair
from gkeingress.testing import DEMO_NOW, WorldBuilder, snapshot_of
from gkeingress.testing import incidents_evidence as incidents
from gkeingress.testing.logbook import LogBook
from gkeingress.testing.scenarios import healthy_shop
from tests.unit.conftest import only

ONSET = DEMO_NOW - incidents.ONSET
ROBOT = "service-123456789012@container-engine-robot.iam.gserviceaccount.com"
ALICE = "alice@example.com"


def _audited(builder: WorldBuilder, ingress: str) -> list[tuple[str, str, str, str, bool]]:
    timeline = build_timeline(pair(snapshot_of(builder.world, DEMO_NOW)))
    return [
        (c.at.strftime("%H:%M"), c.kind.value, c.description, c.actor, c.by_controller)
        for c in timeline
        if ingress in c.ingresses and c.source.startswith("Admin Activity audit log")
    ]


def test_a_deleted_service_is_dated_with_who_deleted_it(builder: WorldBuilder) -> None:
    """The Service is gone, so only the audit log keeps its deletion: CI's service account did it."""
    incidents.service_deleted_logged(builder)

    assert _audited(builder, "coupons/coupons") == [
        (
            "09:16",
            "service",
            "Service coupons/coupons deleted by system:serviceaccount:ci:deployer",
            "system:serviceaccount:ci:deployer",
            False,
        ),
        (
            "09:17",
            "cloud-resource",
            "global/urlMaps/k8s2-um-adl25tto-coupons-coupons-kigeh60v updated by ingress-gce "
            f"(GKE's service agent {ROBOT})",
            ROBOT,
            True,
        ),
    ]


def test_the_deletion_is_the_change_before_the_errors(builder: WorldBuilder) -> None:
    """With the onset given, the deletion 4 minutes before is the first suspect, naming who."""
    incidents.service_deleted_logged(builder)
    report = analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW, errors_since=ONSET)

    finding = only(report, "coupons/coupons", "CHANGE_BEFORE_ERRORS")
    first = finding.evidence["changes"][0]
    assert first["subject"] == "Service coupons/coupons"
    assert first["actor"] == "system:serviceaccount:ci:deployer"
    assert first["before_errors_seconds"] == 240
    assert first["source"] == "Admin Activity audit log, io.k8s.core.v1.services.delete"


def test_a_health_check_edited_outside_kubernetes_is_a_cloud_edit_by_a_person(
    builder: WorldBuilder,
) -> None:
    """Alice patched the health check with gcloud: an edit, ranked above ingress-gce's own writes."""
    incidents.probe_404_logged(builder)
    name = builder.backend_name("warehouse", "warehouse", 80)

    assert _audited(builder, "warehouse/warehouse") == [
        (
            "09:19",
            ChangeKind.CLOUD_EDIT.value,
            f"global/healthChecks/{name} patched by alice@example.com",
            "alice@example.com",
            False,
        )
    ]


def test_ingress_gce_bookkeeping_and_failed_or_foreign_writes_are_left_out(
    builder: WorldBuilder,
) -> None:
    """The controller's status write, a refused patch and another team's URL map are left out."""
    incidents.service_deleted_logged(builder)
    book = LogBook(builder)
    refused = book.compute_write(
        "healthChecks",
        builder.backend_name("coupons", "coupons", 80),
        "patch",
        at=ONSET - timedelta(minutes=1),
        principal="mallory@example.com",
    )
    refused["protoPayload"]["status"] = {"code": 7, "message": "PERMISSION_DENIED"}
    book.compute_write(
        "urlMaps", "k8s2-um-other-team-map", "patch", at=ONSET, principal="bob@example.com"
    )

    principals = {actor for _, _, _, actor, _ in _audited(builder, "coupons/coupons")}
    assert principals == {"system:serviceaccount:ci:deployer", ROBOT}


def test_without_the_audit_logs_read_the_timeline_has_only_what_objects_keep(
    builder: WorldBuilder,
) -> None:
    """An audit without evidence finds no trace of the deletion, and claims none."""
    incidents.service_deleted_logged(builder)
    timeline = build_timeline(pair(snapshot_of(builder.world, DEMO_NOW, errors_window=None)))
    assert not [c for c in timeline if c.actor]


def test_a_backendconfig_edit_is_a_change_of_the_services_it_configures(
    builder: WorldBuilder,
) -> None:
    """Turning request logging off in ledger-bc: a Service-level change, method and who included."""
    incidents.request_logging_off(builder)
    LogBook(builder).kube_write(
        "cloud.google.com/v1",
        "backendconfigs",
        "ledger",
        "ledger-bc",
        "update",
        at=DEMO_NOW - timedelta(hours=3, minutes=2),
        principal="bob@example.com",
    )
    timeline = build_timeline(pair(snapshot_of(builder.world, DEMO_NOW)))

    [change] = [c for c in timeline if c.subject == "BackendConfig ledger/ledger-bc"]
    assert change.kind is ChangeKind.SERVICE
    assert change.description == "BackendConfig ledger/ledger-bc updated by bob@example.com"
    assert change.source == ("Admin Activity audit log, com.google.cloud.v1.backendconfigs.update")
    assert change.ingresses == ("ledger/ledger",)


def test_a_deployment_rolled_out_is_a_rollout_of_the_ingress_it_serves(
    builder: WorldBuilder,
) -> None:
    """A Deployment whose pods a backend Service selects: its update is that Ingress's rollout."""
    healthy_shop(builder)
    builder.deployment("shop", "web")
    LogBook(builder).kube_write(
        "apps/v1",
        "deployments",
        "shop",
        "web",
        "patch",
        at=ONSET - timedelta(minutes=3),
        principal=ALICE,
    )

    assert _audited(builder, "shop/web") == [
        ("09:17", "rollout", "Deployment shop/web patched by alice@example.com", ALICE, False)
    ]


def test_a_frontendconfig_deleted_is_a_change_of_the_ingress_that_names_it(
    builder: WorldBuilder,
) -> None:
    """The FrontendConfig is gone; the audit log dates its deletion for the Ingress naming it."""
    healthy_shop(builder)
    annotations = builder.kube_object("ingresses", "shop", "web")["metadata"]["annotations"]
    annotations["networking.gke.io/v1beta1.FrontendConfig"] = "web-frontend"
    LogBook(builder).kube_write(
        "networking.gke.io/v1beta1",
        "frontendconfigs",
        "shop",
        "web-frontend",
        "delete",
        at=ONSET - timedelta(minutes=7),
        principal="bob@example.com",
    )

    assert _audited(builder, "shop/web") == [
        (
            "09:13",
            "ingress-annotations",
            "FrontendConfig shop/web-frontend deleted by bob@example.com",
            "bob@example.com",
            False,
        )
    ]


def test_writes_to_objects_no_ingress_uses_are_left_out(builder: WorldBuilder) -> None:
    """Another team's Deployment and FrontendConfig, written with shop/web's: only the latter counts."""
    healthy_shop(builder)
    builder.deployment("shop", "web")
    book = LogBook(builder)
    for api_version, plural, name in (
        ("apps/v1", "deployments", "batch-runner"),
        ("networking.gke.io/v1beta1", "frontendconfigs", "other-frontend"),
        ("apps/v1", "deployments", "web"),
    ):
        book.kube_write(api_version, plural, "shop", name, "update", at=ONSET, principal=ALICE)

    assert [description for _, _, description, _, _ in _audited(builder, "shop/web")] == [
        "Deployment shop/web updated by alice@example.com"
    ]
