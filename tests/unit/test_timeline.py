"""The timeline: every dated change around each Ingress, from evidence the APIs keep."""

from datetime import timedelta

from gkeingress import analyse
from gkeingress.model.timeline import Change, ChangeKind, build_timeline
from gkeingress.model.topology import pair
from gkeingress.resources.k8s import FieldWrite
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.world import JSONDict

RECENT = timedelta(hours=1)


def _web(b: WorldBuilder, name: str = "web", service: str = "web") -> JSONDict:
    if not any(s["metadata"]["name"] == service for s in b.world.kube_objects("services")):
        b.service("shop", service)
    return b.ingress("shop", name, rules=[Rule(f"{name}.example.com", [Path("/", service)])])


def _timeline(b: WorldBuilder) -> tuple[Change, ...]:
    return build_timeline(pair(snapshot_of(b.world, DEMO_NOW)))


def _recent(b: WorldBuilder) -> list[Change]:
    """The changes of the last hour: the base world's objects are days old."""
    return [c for c in _timeline(b) if c.at > DEMO_NOW - RECENT]


def test_creation_and_load_balancer_resources_are_dated(builder: WorldBuilder) -> None:
    """A new Ingress shows its creation and each resource ingress-gce made for it."""
    builder.service("shop", "web")
    builder.ingress(
        "shop",
        "web",
        rules=[Rule("shop.example.com", [Path("/", "web")])],
        age=timedelta(minutes=20),
    )
    changes = _recent(builder)
    assert changes[0].description == "Ingress shop/web created"
    assert changes[0].source == "creationTimestamp"
    assert changes[0].at == DEMO_NOW - timedelta(minutes=20)
    made = {c.description.split(" k8s")[0] for c in changes if c.kind is ChangeKind.CLOUD_RESOURCE}
    assert made == {
        "URL map",
        "target HTTP proxy",
        "forwarding rule",
        "backend service",
        "health check",
        "NEG",
    }


def test_rules_edit_is_dated_by_managed_fields(builder: WorldBuilder) -> None:
    """New rules applied 12 minutes ago are a spec change by kubectl-client-side-apply."""
    ingress = _web(builder)
    ingress["spec"]["rules"][0]["http"]["paths"].append(
        {
            "path": "/api",
            "pathType": "Prefix",
            "backend": {"service": {"name": "web", "port": {"number": 80}}},
        }
    )
    builder.record_write(
        ingress, "kubectl-client-side-apply", {"f:spec": {"f:rules": {}}}, ago=timedelta(minutes=12)
    )
    [change] = _recent(builder)
    assert change == Change(
        at=DEMO_NOW - timedelta(minutes=12),
        kind=ChangeKind.INGRESS_SPEC,
        subject="Ingress shop/web",
        description="Ingress shop/web rules changed",
        source="managedFields, kubectl-client-side-apply, generation 2",
        ingresses=("shop/web",),
    )


def test_annotation_write_at_generation_one_is_not_a_spec_change(builder: WorldBuilder) -> None:
    """An apply that only adds an annotation leaves generation 1, so its spec ownership is old news."""
    ingress = _web(builder)
    key = "networking.gke.io/v1beta1.FrontendConfig"
    ingress["metadata"]["annotations"][key] = "shop-redirect"
    written: JSONDict = {
        "f:metadata": {
            "f:annotations": {
                "f:kubectl.kubernetes.io/last-applied-configuration": {},
                f"f:{key}": {},
            }
        }
    }
    builder.record_write(ingress, "kubectl-client-side-apply", written, ago=timedelta(minutes=7))
    [change] = _recent(builder)
    assert change.kind is ChangeKind.INGRESS_ANNOTATIONS
    assert change.description == f"Ingress shop/web annotations changed ({key})"


def test_class_change_names_the_class_now_in_effect(builder: WorldBuilder) -> None:
    """Setting spec.ingressClassName on an Ingress without the class annotation is a class change."""
    builder.service("shop", "web")
    ingress = builder.ingress(
        "shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])], ingress_class=None
    )
    ingress["spec"]["ingressClassName"] = "nginx"
    written: JSONDict = {"f:spec": {"f:ingressClassName": {}}}
    builder.record_write(ingress, "kubectl-edit", written, ago=timedelta(minutes=3))
    [change] = _recent(builder)
    assert change.kind is ChangeKind.INGRESS_CLASS
    assert change.description == "Ingress shop/web class changed (now 'nginx')"


def test_controller_status_and_bookkeeping_writes_are_left_out(builder: WorldBuilder) -> None:
    """ingress-gce's own writes, status writes and kubectl's last-applied copy are not changes."""
    ingress = _web(builder)
    service = builder.kube_object("services", "shop", "web")
    minutes = timedelta(minutes=4)
    neg_status: JSONDict = {"f:metadata": {"f:annotations": {"f:cloud.google.com/neg-status": {}}}}
    builder.record_write(service, "glbc", neg_status, ago=minutes)
    backends: JSONDict = {"f:metadata": {"f:annotations": {"f:ingress.kubernetes.io/backends": {}}}}
    builder.record_write(ingress, "some-tool", backends, ago=minutes)
    status: JSONDict = {"f:status": {"f:loadBalancer": {}}}
    builder.record_write(ingress, "kubectl", status, ago=minutes, subresource="status")
    assert _recent(builder) == []


def test_service_edit_and_rollout_of_its_pods(builder: WorldBuilder) -> None:
    """A selector edit and a rollout behind the Service are dated; another app's rollout is not."""
    _web(builder)
    service = builder.kube_object("services", "shop", "web")
    builder.record_write(
        service, "kubectl-edit", {"f:spec": {"f:selector": {}}}, ago=timedelta(minutes=40)
    )
    builder.rollout(builder.deployment("shop", "web"), ago=timedelta(minutes=30))
    builder.service("shop", "worker")
    builder.rollout(builder.deployment("shop", "worker"), ago=timedelta(minutes=20))
    edit, rollout = _recent(builder)
    assert (edit.kind, edit.description) == (
        ChangeKind.SERVICE,
        "Service shop/web changed (selector)",
    )
    assert edit.source == "managedFields, kubectl-edit"
    assert rollout.kind is ChangeKind.ROLLOUT
    assert rollout.subject == "Deployment shop/web"
    assert rollout.description.startswith(
        "Deployment shop/web rolled out revision 2 (ReplicaSet web-"
    )
    assert rollout.description.endswith(") behind Service shop/web")


def test_sync_error_is_dated_from_when_it_was_first_seen(builder: WorldBuilder) -> None:
    """A warning seen 40 times over 9 minutes began 9 minutes ago, not at its latest repeat."""
    ingress = _web(builder)
    event = builder.event(
        ingress, "Sync", "Error syncing to GCP: quota", ago=timedelta(minutes=1), count=40
    )
    event["firstTimestamp"] = "2026-11-20T09:51:00Z"
    [change] = _recent(builder)
    assert change.kind is ChangeKind.SYNC_ERROR
    assert change.at == DEMO_NOW - timedelta(minutes=9)
    assert change.description == (
        "loadbalancer-controller began reporting Sync on Ingress shop/web: Error syncing to GCP: quota"
    )


def test_missing_service_is_dated_only_with_evidence(builder: WorldBuilder) -> None:
    """A Service the Ingress names is "missing" from the first could-not-find warning, and never before."""
    ingress = _web(builder)
    builder.world.kube_objects("services").remove(builder.kube_object("services", "shop", "web"))
    assert [c.kind for c in _recent(builder)] == []
    builder.event(
        ingress,
        "Translate",
        'Translation failed: invalid ingress spec: could not find service "shop/web"',
        ago=timedelta(minutes=6),
    )
    missing, warning = _recent(builder)
    assert (missing.kind, missing.at) == (ChangeKind.SERVICE, DEMO_NOW - timedelta(minutes=6))
    assert missing.description.startswith("Service shop/web missing (deleted, or never created)")
    assert warning.kind is ChangeKind.SYNC_ERROR


def test_shared_service_change_is_listed_once_for_every_ingress(builder: WorldBuilder) -> None:
    """Two Ingresses routing to one Service share its change, listed once naming both."""
    _web(builder, "web")
    _web(builder, "web-canary")
    service = builder.kube_object("services", "shop", "web")
    builder.record_write(
        service, "kubectl-edit", {"f:spec": {"f:ports": {}}}, ago=timedelta(minutes=8)
    )
    [change] = _recent(builder)
    assert change.ingresses == ("shop/web", "shop/web-canary")


def test_report_timeline_is_in_time_order(builder: WorldBuilder) -> None:
    """report.timeline() holds every change, oldest first, the newest ones included."""
    ingress = _web(builder)
    builder.record_write(
        ingress, "kubectl-edit", {"f:spec": {"f:tls": {}}}, ago=timedelta(minutes=2)
    )
    builder.event(ingress, "Sync", "Error syncing to GCP: quota", ago=timedelta(minutes=5))
    timeline = analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW).timeline()
    assert [c.at for c in timeline] == sorted(c.at for c in timeline)
    assert [c.kind for c in timeline[-2:]] == [ChangeKind.SYNC_ERROR, ChangeKind.INGRESS_SPEC]
    assert timeline[0].to_dict()["at"] == timeline[0].at.isoformat()


def test_managed_fields_entry_is_read_tolerantly() -> None:
    """An entry with fields of unexpected shape owns nothing rather than failing the object."""
    write = FieldWrite.from_json({"manager": "x", "operation": "Update", "fieldsV1": "garbage"})
    assert (write.manager, write.time, write.fields, write.spec, write.annotations) == (
        "x",
        None,
        (),
        (),
        (),
    )
