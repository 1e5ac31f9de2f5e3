"""What changed around each Ingress, and when, from the evidence the APIs keep.

Every time comes from the objects themselves, never from a guess:

- ``creationTimestamp`` and ``deletionTimestamp`` of the Ingress and of the Services it routes to;
- ``metadata.managedFields``: each field manager's latest write and the fields it owns. The Ingress
  ``generation`` tells a spec change from a metadata-only one: at generation 1 the spec is as created;
- ingress-gce's Warning events, from when each was first seen; a ``could not find service`` event also
  dates a backend Service that is gone;
- ReplicaSet creation: a Deployment rollout of the pods behind a backend Service (a rollback reuses an
  old ReplicaSet, so it leaves no new creation time and is not seen);
- ``creationTimestamp`` of the Compute resources paired with the Ingress.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from gkeingress.model.audit_trail import Write, writes_of
from gkeingress.model.controller import controller_warnings
from gkeingress.model.naming import Namer
from gkeingress.model.topology import ANNOTATION_PREFIX, PairedIngress, ServiceBackend, Topology
from gkeingress.resources.gce import ComputeResource
from gkeingress.resources.k8s import (
    CLASS_ANNOTATION,
    LAST_APPLIED_ANNOTATION,
    NEG_STATUS_ANNOTATION,
    Event,
    FieldWrite,
    Ingress,
    ObjectMeta,
    ReplicaSet,
    Service,
)
from gkeingress.snapshot import DataKind

CONTROLLER_MANAGERS = frozenset(
    {"glbc", "loadbalancer-controller", "neg-controller", "ingress-gce", "l7-lb-controller"}
)
"""Field managers of GKE's ingress controllers. They write the Ingress status, its
``ingress.kubernetes.io/*`` annotations and the Service's ``neg-status`` after every sync: these are
the controller reacting to a change, never the change itself, so their writes are left out."""

BOOKKEEPING_ANNOTATIONS = (ANNOTATION_PREFIX, NEG_STATUS_ANNOTATION, LAST_APPLIED_ANNOTATION)
"""Annotation keys (or prefixes) that record state rather than configure anything: ingress-gce's own
results, and kubectl's copy of the last applied object. Owning only these is not a change."""

_MISSING_SERVICE = re.compile(
    r'could not find service "(?P<key>[^"]+)"|service "(?P<old>[^"]+)" not found'
)
"""How ingress-gce's Translate and Sync warnings name a backend Service that does not exist."""


class ChangeKind(str, enum.Enum):
    """What a change touched, as the runbook groups changes."""

    INGRESS_SPEC = "ingress-spec"
    INGRESS_CLASS = "ingress-class"
    INGRESS_ANNOTATIONS = "ingress-annotations"
    SERVICE = "service"
    ROLLOUT = "rollout"
    SYNC_ERROR = "sync-error"
    CLOUD_RESOURCE = "cloud-resource"
    CLOUD_EDIT = "cloud-edit"
    """A load balancer resource written outside Kubernetes by a person or a pipeline."""


@dataclass(frozen=True, slots=True)
class Change:
    """One dated change to an Ingress, a Service it routes to, their pods or their load balancer.

    Attributes:
        at: when it happened (for a ``could not find service`` warning: when it was first reported).
        kind: what it touched.
        subject: the object changed, e.g. ``Ingress shop/web`` or ``global/urlMaps/k8s2-um-…``.
        description: the change in words, e.g. ``Ingress shop/web rules changed``.
        source: the evidence, e.g. ``managedFields, kubectl-client-side-apply``.
        ingresses: the Ingresses it can affect, ``namespace/name``.
        actor: who made it, when an audit log says (``alice@example.com``).
        by_controller: True for a write ingress-gce made itself (as GKE's service agent).
    """

    at: datetime
    kind: ChangeKind
    subject: str
    description: str
    source: str
    ingresses: tuple[str, ...] = ()
    actor: str = ""
    by_controller: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "at": self.at.isoformat(),
            "kind": self.kind.value,
            "subject": self.subject,
            "description": self.description,
            "source": self.source,
            "ingresses": list(self.ingresses),
            "actor": self.actor,
            "by_controller": self.by_controller,
        }


_KIND_ORDER = {kind: i for i, kind in enumerate(ChangeKind)}

_COMPUTE_NAMES = {
    "urlMaps": "URL map",
    "targetHttpProxies": "target HTTP proxy",
    "targetHttpsProxies": "target HTTPS proxy",
    "forwardingRules": "forwarding rule",
    "backendServices": "backend service",
    "healthChecks": "health check",
    "networkEndpointGroups": "NEG",
}


def _join(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _brief(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _configuring(annotations: Iterable[str]) -> list[str]:
    """The annotation keys that configure something (not bookkeeping), sorted."""
    return sorted(a for a in annotations if not a.startswith(BOOKKEEPING_ANNOTATIONS))


def _user_writes(meta: ObjectMeta) -> Iterator[tuple[datetime, FieldWrite]]:
    """Writes recorded in managedFields after creation, by anyone but the ingress controller."""
    for write in meta.writes:
        if write.time is None or (meta.created is not None and write.time <= meta.created):
            continue
        if write.manager in CONTROLLER_MANAGERS or write.subresource == "status":
            continue
        yield write.time, write


def _lifecycle(meta: ObjectMeta, subject: str, kind: ChangeKind) -> Iterator[Change]:
    if meta.created is not None:
        yield Change(meta.created, kind, subject, f"{subject} created", "creationTimestamp")
    if meta.deleted is not None:
        yield Change(
            meta.deleted, kind, subject, f"{subject} deletion requested", "deletionTimestamp"
        )


def _ingress_write(ingress: Ingress, write: FieldWrite) -> tuple[ChangeKind, str] | None:
    """What a write to the Ingress changed, by the fields its manager owns.

    At generation 1 the spec is still as created, so a later write changed metadata only.
    """
    spec_changed = ingress.meta.generation > 1
    spec = sorted(f for f in write.spec if f != "ingressClassName") if spec_changed else []
    if spec:
        return ChangeKind.INGRESS_SPEC, f"{_join(spec)} changed"
    if (spec_changed and "ingressClassName" in write.spec) or CLASS_ANNOTATION in write.annotations:
        current = (
            ingress.class_annotation
            if ingress.class_annotation is not None
            else ingress.ingress_class_name
        )
        now = f"now {current!r}" if current else "now none"
        return ChangeKind.INGRESS_CLASS, f"class changed ({now})"
    annotations = _configuring(write.annotations)
    if annotations:
        return ChangeKind.INGRESS_ANNOTATIONS, f"annotations changed ({', '.join(annotations)})"
    return None


def _ingress_changes(ingress: Ingress) -> Iterator[Change]:
    subject = f"Ingress {ingress.key}"
    yield from _lifecycle(ingress.meta, subject, ChangeKind.INGRESS_SPEC)
    for at, write in _user_writes(ingress.meta):
        found = _ingress_write(ingress, write)
        if found is not None:
            kind, what = found
            source = f"managedFields, {write.manager}, generation {ingress.meta.generation}"
            yield Change(at, kind, subject, f"{subject} {what}", source)


def _service_changes(service: Service) -> Iterator[Change]:
    subject = f"Service {service.key}"
    yield from _lifecycle(service.meta, subject, ChangeKind.SERVICE)
    for at, write in _user_writes(service.meta):
        owned = list(write.spec)
        annotations = _configuring(write.annotations)
        if annotations:
            owned.append(f"annotations {', '.join(annotations)}")
        if owned:
            yield Change(
                at,
                ChangeKind.SERVICE,
                subject,
                f"{subject} changed ({_join(owned)})",
                f"managedFields, {write.manager}",
            )


def _warnings(events: Sequence[Event]) -> Iterator[tuple[datetime, Event]]:
    """Each distinct ingress-gce warning with when it was first seen (its earliest repeat's start)."""
    for warning in controller_warnings(events):
        key = (warning.object_key, warning.reason, warning.message)
        starts = [
            e.first_seen or e.last_seen
            for e in events
            if (e.object_key, e.reason, e.message) == key
        ]
        at = min((t for t in starts if t is not None), default=None)
        if at is not None:
            yield at, warning


def _missing_service(
    backend: ServiceBackend, warnings: Sequence[tuple[datetime, Event]]
) -> Iterator[Change]:
    """A backend Service that is gone, dated by the first warning that could not find it."""
    reports = [
        at
        for at, event in warnings
        for match in [_MISSING_SERVICE.search(event.message)]
        if match and (match["key"] or match["old"]) == backend.service_key
    ]
    if reports:
        subject = f"Service {backend.service_key}"
        yield Change(
            min(reports),
            ChangeKind.SERVICE,
            subject,
            f"{subject} missing (deleted, or never created): ingress-gce could not find it",
            "Warning event, first seen",
        )


def _sync_errors(warnings: Sequence[tuple[datetime, Event]]) -> Iterator[Change]:
    for at, warning in warnings:
        subject = f"{warning.kind} {warning.object_key}"
        yield Change(
            at,
            ChangeKind.SYNC_ERROR,
            subject,
            f"{warning.component or 'the controller'} began reporting {warning.reason} on "
            f"{subject}: {_brief(warning.message)}",
            f"Event {warning.reason}, first seen",
        )


def _rollouts(service: Service, replicasets: Iterable[ReplicaSet]) -> Iterator[Change]:
    """ReplicaSets whose pods the Service selects: each one's creation is a rollout."""
    selector = service.selector.items()
    for rs in replicasets:
        if not selector or not selector <= rs.pod_labels.items():
            continue
        namespace = rs.meta.namespace
        owner = f"Deployment {namespace}/{rs.deployment}" if rs.deployment else ""
        subject = owner or f"ReplicaSet {rs.meta.key}"
        revision = f" revision {rs.revision}" if rs.revision else ""
        what = (
            f"{owner} rolled out{revision} (ReplicaSet {rs.meta.name})"
            if owner
            else f"{subject} created"
        )
        if rs.meta.created is not None:
            yield Change(
                rs.meta.created,
                ChangeKind.ROLLOUT,
                subject,
                f"{what} behind Service {service.key}",
                "ReplicaSet creationTimestamp",
            )


def _cloud_changes(resources: Iterable[ComputeResource]) -> Iterator[Change]:
    for resource in resources:
        if resource.created is None:
            continue
        name = _COMPUTE_NAMES.get(resource.ref.collection, resource.ref.collection)
        yield Change(
            resource.created,
            ChangeKind.CLOUD_RESOURCE,
            str(resource.ref),
            f"{name} {resource.name} ({resource.location}) created",
            "Compute creationTimestamp",
        )


def _changes_of(
    paired: PairedIngress, replicasets: Mapping[str, Sequence[ReplicaSet]]
) -> Iterator[Change]:
    """Every dated change that can affect one Ingress."""
    yield from _ingress_changes(paired.ingress)
    backends = [b for b in paired.backends if not b.is_system_default]
    warnings = list(_warnings([*paired.events, *(e for b in backends for e in b.events)]))
    for backend in backends:
        if backend.service is None:
            yield from _missing_service(backend, warnings)
            continue
        yield from _service_changes(backend.service)
        yield from _rollouts(backend.service, replicasets.get(backend.namespace, ()))
    yield from _sync_errors(warnings)
    yield from _cloud_changes(
        [
            *([paired.url_map] if paired.url_map else []),
            *paired.target_proxies,
            *paired.forwarding_rules,
            *paired.backend_services,
            *paired.health_checks,
            *paired.negs,
        ]
    )


_AUDITED_KINDS = {
    "ingress": ChangeKind.INGRESS_SPEC,
    "service": ChangeKind.SERVICE,
    "backendconfig": ChangeKind.SERVICE,
    "frontendconfig": ChangeKind.INGRESS_ANNOTATIONS,
    "deployment": ChangeKind.ROLLOUT,
}
_SAME_WRITE = timedelta(seconds=5)
"""An audited Kubernetes write this close to a managedFields write of the same object is that write."""


def _audited(write: Write) -> Change:
    kind = _AUDITED_KINDS.get(write.area) or (
        ChangeKind.CLOUD_RESOURCE if write.by_controller else ChangeKind.CLOUD_EDIT
    )
    return Change(
        write.record.at,
        kind,
        write.subject,
        write.description,
        f"Admin Activity audit log, {write.record.method}",
        actor=write.record.principal,
        by_controller=write.by_controller,
    )


def _audit_changes(
    paired: PairedIngress, topology: Topology, known: Sequence[Change]
) -> Iterator[Change]:
    """The Ingress's audited writes, but for those its objects already date."""
    snapshot = topology.snapshot
    identity = snapshot.identity
    firewall = Namer(identity.uid, identity.kube_system_uid).firewall if identity.uid else ""
    for write in writes_of(
        paired, snapshot.audit_records, firewall=firewall, replicasets=snapshot.replicasets
    ):
        change = _audited(write)
        if (
            write.area != "cloud"
            and write.record.verb != "delete"
            and any(
                c.subject == change.subject and abs(c.at - change.at) <= _SAME_WRITE for c in known
            )
        ):
            continue
        yield change


def build_timeline(topology: Topology) -> tuple[Change, ...]:
    """Every dated change around the collected Ingresses, oldest first.

    A change that can affect several Ingresses (a shared Service, the default backend) is listed once,
    naming them all in ``ingresses``. With the Admin Activity audit logs read, their writes are in
    it too (:mod:`gkeingress.model.audit_trail`): deletions, and who made each change.
    """
    replicasets: dict[str, list[ReplicaSet]] = defaultdict(list)
    for rs in topology.snapshot.replicasets:
        replicasets[rs.meta.namespace].append(rs)
    audited = DataKind.AUDIT_LOGS in topology.snapshot.evidence_kinds
    affected: dict[Change, dict[str, None]] = {}
    for paired in topology.ingresses:
        changes = list(_changes_of(paired, replicasets))
        if audited:
            changes += _audit_changes(paired, topology, changes)
        for change in changes:
            affected.setdefault(change, {})[paired.name] = None
    return tuple(
        sorted(
            (replace(change, ingresses=tuple(names)) for change, names in affected.items()),
            key=lambda c: (c.at, _KIND_ORDER[c.kind], c.subject, c.description),
        )
    )
