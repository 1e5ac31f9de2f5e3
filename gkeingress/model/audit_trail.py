"""Who changed what around an Ingress, from the Admin Activity audit logs: deletions included.

The objects themselves date a change only while they exist; the audit logs also keep what was
deleted, and who did it. A write is the first audit entry of its operation that succeeded:

- Compute writes (``v1.compute.healthChecks.patch``, ``v1.compute.firewalls.delete``, ...) to a
  load balancer resource of the Ingress, found by name: the names ingress-gce recorded for it
  (annotations, neg-status, its backend service names) outlive the resources, so a deleted one
  still counts. Writes by GKE's service agent (``service-<project number>@container-engine-robot``
  ``.iam.gserviceaccount.com``), as which ingress-gce changes the load balancer, are told apart
  from people's and pipelines' edits outside Kubernetes.
- Kubernetes writes (``resource.type="k8s_cluster"``) to the Ingress, its Services, their
  BackendConfigs, its FrontendConfig and the Deployments behind its Services. ingress-gce's own
  writes (as ``system:controller:glbc`` or ``system:l7-lb-controller``) are its bookkeeping after
  a sync, never the change itself, and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from gkeingress.model.topology import PairedIngress
from gkeingress.resources.k8s import FRONTEND_CONFIG_ANNOTATION, ReplicaSet
from gkeingress.resources.logs import AuditRecord
from gkeingress.resources.refs import ResourceRef

GKE_ROBOT = re.compile(r"^service-\d+@container-engine-robot\.iam\.gserviceaccount\.com$")
"""GKE's service agent: ingress-gce creates, changes and deletes load balancer resources as it."""
CONTROLLER_USERS = frozenset({"system:controller:glbc", "system:l7-lb-controller"})
"""The Kubernetes users GKE's ingress controller writes Ingress status and annotations as."""
SSL_CERT_ANNOTATION = "ingress.kubernetes.io/ssl-cert"
"""Where ingress-gce records the SSL certificates of an Ingress's HTTPS proxy."""

_PAST = {
    "insert": "created",
    "create": "created",
    "patch": "patched",
    "update": "updated",
    "delete": "deleted",
    "deletecollection": "deleted",
}
_KUBE_NAMES = {
    "ingresses": "Ingress",
    "services": "Service",
    "backendconfigs": "BackendConfig",
    "frontendconfigs": "FrontendConfig",
    "deployments": "Deployment",
}
_KUBE_PATH = re.compile(
    r"(?:^|/)namespaces/(?P<namespace>[^/]+)/(?P<plural>[a-z]+)/(?P<name>[^/]+)$"
)


@dataclass(frozen=True, slots=True)
class Write:
    """One audited write that can affect an Ingress.

    Attributes:
        record: the audit log entry.
        area: what it touched: ``ingress``, ``service``, ``backendconfig``, ``frontendconfig``,
            ``deployment`` or ``cloud``.
        subject: the object written, e.g. ``Service shop/web`` or ``global/healthChecks/hc``.
        description: the write in words, with who made it.
        by_controller: True for ingress-gce's own writes (as GKE's service agent).
    """

    record: AuditRecord
    area: str
    subject: str
    description: str
    by_controller: bool


def _done(verb: str) -> str:
    return _PAST.get(verb.lower(), f"changed ({verb})")


def _compute_names(paired: PairedIngress, firewall: str) -> set[str]:
    """Every Compute resource name ingress-gce gave (or gives) this Ingress's load balancer."""
    names = {r.name for r in paired.references}
    names.update(
        r.name
        for r in (
            *([paired.url_map] if paired.url_map else []),
            *paired.target_proxies,
            *paired.forwarding_rules,
            *paired.backend_services,
            *paired.health_checks,
            *paired.negs,
        )
    )
    certificates = paired.ingress.annotations.get(SSL_CERT_ANNOTATION, "")
    names.update(c.strip() for c in certificates.split(",") if c.strip())
    for backend in paired.backends:
        names.update(n for n in (backend.backend_service_name,) if n)
        if backend.service is not None:
            names.update(backend.service.neg_names.values())
    if firewall:
        names.add(firewall)
    return names


def _kube_objects(
    paired: PairedIngress, replicasets: Sequence[ReplicaSet]
) -> dict[tuple[str, str, str], str]:
    """The Kubernetes objects behind the Ingress, ``(plural, namespace, name)`` → area."""
    ingress = paired.ingress
    objects = {("ingresses", ingress.meta.namespace, ingress.meta.name): "ingress"}
    frontend = ingress.annotations.get(FRONTEND_CONFIG_ANNOTATION)
    if frontend:
        objects[("frontendconfigs", ingress.meta.namespace, frontend)] = "frontendconfig"
    for backend in paired.backends:
        if backend.is_system_default:
            continue
        objects[("services", backend.namespace, backend.ref.service)] = "service"
        if backend.backend_config_name:
            objects[("backendconfigs", backend.namespace, backend.backend_config_name)] = (
                "backendconfig"
            )
        selector = backend.service.selector.items() if backend.service else None
        for rs in replicasets:
            if (
                selector
                and rs.deployment
                and rs.meta.namespace == backend.namespace
                and selector <= rs.pod_labels.items()
            ):
                objects[("deployments", backend.namespace, rs.deployment)] = "deployment"
    return objects


def _compute_write(record: AuditRecord, names: set[str]) -> Write | None:
    try:
        ref = ResourceRef.parse(record.resource_name, "")
    except ValueError:
        return None
    if ref.name not in names:
        return None
    robot = bool(GKE_ROBOT.match(record.principal))
    who = f"ingress-gce (GKE's service agent {record.principal})" if robot else record.principal
    subject = str(ref)
    return Write(
        record,
        "cloud",
        subject,
        f"{subject} {_done(record.verb)} by {who}",
        robot,
    )


def _kube_write(record: AuditRecord, objects: Mapping[tuple[str, str, str], str]) -> Write | None:
    match = _KUBE_PATH.search(record.resource_name)
    if match is None or record.principal in CONTROLLER_USERS:
        return None
    key = (match["plural"], match["namespace"], match["name"])
    area = objects.get(key)
    if area is None:
        return None
    subject = f"{_KUBE_NAMES[key[0]]} {key[1]}/{key[2]}"
    return Write(
        record, area, subject, f"{subject} {_done(record.verb)} by {record.principal}", False
    )


def writes_of(
    paired: PairedIngress,
    records: Iterable[AuditRecord],
    *,
    firewall: str,
    replicasets: Sequence[ReplicaSet],
) -> Iterator[Write]:
    """The audited writes that can affect ``paired``, succeeded and once per operation."""
    names = _compute_names(paired, firewall)
    objects = _kube_objects(paired, replicasets)
    for record in records:
        if not record.succeeded or not record.first:
            continue
        found = (
            _kube_write(record, objects)
            if record.resource_type == "k8s_cluster"
            else _compute_write(record, names)
        )
        if found is not None:
            yield found
