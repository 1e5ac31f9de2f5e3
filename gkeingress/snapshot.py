"""The immutable result of collection: everything read from both APIs, and every call that failed."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from itertools import chain
from typing import Any

from gkeingress.reads import derived_from
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.resources.gce import (
    Address,
    BackendService,
    Firewall,
    ForwardingRule,
    GroupHealth,
    HealthCheck,
    NegEndpoints,
    NetworkEndpointGroup,
    TargetProxy,
    UrlMap,
)
from gkeingress.resources.k8s import (
    BackendConfig,
    EndpointSlice,
    Event,
    FrontendConfig,
    Ingress,
    Pod,
    ReplicaSet,
    SecretMeta,
    Service,
    ServiceNetworkEndpointGroup,
    SharedParts,
)
from gkeingress.resources.logs import AuditRecord, LogRead, ProbeLog, RequestLog
from gkeingress.resources.monitoring import RequestCounts, TimeWindow
from gkeingress.resources.refs import RefReader


class DataKind(str, enum.Enum):
    """A collection the audit reads; checks declare the ones they need."""

    INGRESSES = "ingresses"
    SERVICES = "services"
    ENDPOINT_SLICES = "endpointslices"
    PODS = "pods"
    EVENTS = "events"
    BACKEND_CONFIGS = "backendconfigs"
    SVCNEGS = "servicenetworkendpointgroups"
    FRONTEND_CONFIGS = "frontendconfigs"
    SECRETS = "secrets"
    REPLICASETS = "replicasets"
    CLUSTER_IDENTITY = "cluster-identity"
    URL_MAPS = "urlMaps"
    TARGET_PROXIES = "targetProxies"
    FORWARDING_RULES = "forwardingRules"
    BACKEND_SERVICES = "backendServices"
    HEALTH_CHECKS = "healthChecks"
    NEGS = "networkEndpointGroups"
    FIREWALLS = "firewalls"
    ADDRESSES = "addresses"
    BACKEND_HEALTH = "backendHealth"
    NEG_ENDPOINTS = "networkEndpoints"
    CLUSTER = "cluster"
    REQUEST_COUNTS = "requestCounts"
    REQUEST_LOGS = "requestLogs"
    HEALTH_CHECK_LOGS = "healthCheckLogs"
    AUDIT_LOGS = "auditLogs"


EVIDENCE_KINDS = frozenset(
    {
        DataKind.REQUEST_COUNTS,
        DataKind.REQUEST_LOGS,
        DataKind.HEALTH_CHECK_LOGS,
        DataKind.AUDIT_LOGS,
    }
)
"""The load balancer's own evidence: read only when the audit asks for it (``evidence=True``)."""

POLLED_KINDS = frozenset(
    {
        DataKind.INGRESSES,
        DataKind.EVENTS,
        DataKind.SERVICES,
        DataKind.ENDPOINT_SLICES,
        DataKind.PODS,
        DataKind.URL_MAPS,
        DataKind.TARGET_PROXIES,
        DataKind.FORWARDING_RULES,
        DataKind.BACKEND_SERVICES,
        DataKind.HEALTH_CHECKS,
        DataKind.NEGS,
        DataKind.BACKEND_HEALTH,
    }
)
"""What a wait round re-reads for one Ingress, and all that its judgement of serving reads."""


@dataclass(frozen=True, slots=True)
class CollectionError:
    """One API call that failed after retries; the data it would have returned is missing."""

    kind: DataKind
    call: str
    message: str
    status: int | None = None
    reason: str = ""

    @property
    def status_text(self) -> str:
        """The HTTP status and the API's reason, as a report shows them (``403 Forbidden``)."""
        return " ".join(str(part) for part in (self.status, self.reason) if part)

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "kind": self.kind.value,
            "call": self.call,
            "status": self.status,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class ClusterIdentity:
    """The names ingress-gce derives resource names from.

    ``uid`` is the ``uid`` key of ``kube-system/ingress-uid`` (16 hex characters; empty on legacy
    clusters), ``kube_system_uid`` the kube-system Namespace UID used by v2 frontend names.
    """

    uid: str = ""
    kube_system_uid: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What both APIs returned at ``collected_at``.

    ``cluster`` is the cluster as the Container API describes it, when the audit read it (None
    otherwise, e.g. a kubeconfig context that does not name a GKE cluster). ``evidence_window`` is
    the window the load balancer's own evidence (``request_counts``, ...) was read over; None when
    the audit did not read evidence, and ``evidence_kinds`` the kinds of it the audit asked for
    (read or failed). ``request_logs``, ``probe_logs`` and ``audit_records`` are
    what Cloud Logging returned, and ``log_reads`` how each query was made (empty when the logs
    were not read).
    """

    project: str
    collected_at: datetime
    identity: ClusterIdentity = ClusterIdentity()
    ingresses: tuple[Ingress, ...] = ()
    services: tuple[Service, ...] = ()
    endpoint_slices: tuple[EndpointSlice, ...] = ()
    pods: tuple[Pod, ...] = ()
    events: tuple[Event, ...] = ()
    backend_configs: tuple[BackendConfig, ...] = ()
    svcnegs: tuple[ServiceNetworkEndpointGroup, ...] = ()
    frontend_configs: tuple[FrontendConfig, ...] = ()
    secrets: tuple[SecretMeta, ...] = ()
    replicasets: tuple[ReplicaSet, ...] = ()
    url_maps: tuple[UrlMap, ...] = ()
    target_proxies: tuple[TargetProxy, ...] = ()
    forwarding_rules: tuple[ForwardingRule, ...] = ()
    backend_services: tuple[BackendService, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    negs: tuple[NetworkEndpointGroup, ...] = ()
    firewalls: tuple[Firewall, ...] = ()
    addresses: tuple[Address, ...] = ()
    backend_health: tuple[GroupHealth, ...] = ()
    neg_endpoints: tuple[NegEndpoints, ...] = ()
    cluster: ClusterInfo | None = None
    evidence_window: TimeWindow | None = None
    evidence_kinds: frozenset[DataKind] = frozenset()
    request_counts: tuple[RequestCounts, ...] = ()
    request_logs: tuple[RequestLog, ...] = ()
    probe_logs: tuple[ProbeLog, ...] = ()
    audit_records: tuple[AuditRecord, ...] = ()
    log_reads: tuple[LogRead, ...] = ()
    errors: tuple[CollectionError, ...] = ()
    calls: Mapping[str, int] = field(default_factory=dict)
    waited: float = 0.0
    retries: int = 0

    def failed(self, kind: DataKind) -> tuple[CollectionError, ...]:
        """The errors that left ``kind`` missing or incomplete."""
        return tuple(e for e in self.errors if e.kind is kind)


_KUBE_VIEWS: dict[DataKind, tuple[str, str, Callable[[Mapping[str, Any]], object]]] = {
    DataKind.INGRESSES: ("ingresses", "Ingress", Ingress.from_json),
    DataKind.SERVICES: ("services", "Service", Service.from_json),
    DataKind.ENDPOINT_SLICES: ("endpoint_slices", "EndpointSlice", EndpointSlice.from_json),
    DataKind.PODS: ("pods", "Pod", Pod.from_json),
    DataKind.EVENTS: ("events", "Event", Event.from_json),
    DataKind.BACKEND_CONFIGS: ("backend_configs", "BackendConfig", BackendConfig.from_json),
    DataKind.SVCNEGS: (
        "svcnegs",
        "ServiceNetworkEndpointGroup",
        ServiceNetworkEndpointGroup.from_json,
    ),
    DataKind.FRONTEND_CONFIGS: ("frontend_configs", "FrontendConfig", FrontendConfig.from_json),
    DataKind.SECRETS: ("secrets", "Secret", SecretMeta.from_json),
    DataKind.REPLICASETS: ("replicasets", "ReplicaSet", ReplicaSet.from_json),
}
"""Each Kubernetes kind: the Snapshot field it fills, its ``kind`` (list items leave it out), its view."""

_COMPUTE_VIEWS: dict[
    str, tuple[DataKind, str, Callable[[Mapping[str, Any], RefReader], object]]
] = {
    "urlMaps": (DataKind.URL_MAPS, "url_maps", UrlMap.from_json),
    "targetHttpProxies": (
        DataKind.TARGET_PROXIES,
        "target_proxies",
        lambda d, p: TargetProxy.from_json(d, p, "targetHttpProxies"),
    ),
    "targetHttpsProxies": (
        DataKind.TARGET_PROXIES,
        "target_proxies",
        lambda d, p: TargetProxy.from_json(d, p, "targetHttpsProxies"),
    ),
    "forwardingRules": (DataKind.FORWARDING_RULES, "forwarding_rules", ForwardingRule.from_json),
    "backendServices": (DataKind.BACKEND_SERVICES, "backend_services", BackendService.from_json),
    "healthChecks": (DataKind.HEALTH_CHECKS, "health_checks", HealthCheck.from_json),
    "networkEndpointGroups": (DataKind.NEGS, "negs", NetworkEndpointGroup.from_json),
    "firewalls": (DataKind.FIREWALLS, "firewalls", Firewall.from_json),
    "addresses": (DataKind.ADDRESSES, "addresses", Address.from_json),
}


def _describe(data: object, kind: str) -> str:
    """An object that could not be read, named as far as it names itself; ``kind`` if it does not."""
    if not isinstance(data, Mapping):
        return f"a {kind} that is not a JSON object"
    meta = data.get("metadata")
    if isinstance(meta, Mapping):
        return f"{data.get('kind') or kind} {meta.get('namespace', '')}/{meta.get('name', '?')}"
    return f"{data.get('kind') or kind} {data.get('name', '?')}"


@dataclass(frozen=True)
class Parsed:
    """API objects parsed into views, and the objects that could not be read.

    ``views`` holds :class:`Snapshot` fields (``pods``, ``negs``, …). A collector parses each page
    as it arrives, so a page's JSON is dropped as soon as it is read; a fleet parses each project's
    Compute resources once, for every cluster audited against them.
    """

    views: Mapping[str, tuple[object, ...]] = field(default_factory=dict)
    errors: tuple[CollectionError, ...] = ()

    def __len__(self) -> int:
        """How many objects were read, readable or not."""
        return sum(map(len, self.views.values())) + len(self.errors)

    @classmethod
    def merge(cls, parts: Iterable[Parsed]) -> Parsed:
        """The parts one after the other: each field's views and the errors, in order.

        A field only one part fills keeps that part's tuple: the clusters of a fleet's project
        share their Compute views.
        """
        views: dict[str, list[tuple[object, ...]]] = {}
        errors: list[CollectionError] = []
        for part in parts:
            for target, found in part.views.items():
                views.setdefault(target, []).append(found)
            errors += part.errors
        return cls(
            {
                t: found[0] if len(found) == 1 else tuple(chain(*found))
                for t, found in views.items()
            },
            tuple(errors),
        )


def _parse(
    kind: DataKind,
    target: str,
    view: Callable[..., object],
    objects: Iterable[object],
    *args: Any,
    name: Callable[[object], str],
) -> Parsed:
    """``view(obj, *args)`` of each object, into ``target``; one that cannot be read is an error.

    ``name(obj)`` says what could not be read.
    """
    views: list[object] = []
    problems: list[CollectionError] = []
    for obj in objects:
        try:
            views.append(view(obj, *args))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(CollectionError(kind, "parse", f"could not read {name(obj)}: {exc!r}"))
    return Parsed({target: tuple(views)}, tuple(problems))


def _always(text: str) -> Callable[[object], str]:
    """Names every object alike: answers that carry no name of their own."""
    return lambda _: text


_SHARING_PARTS = frozenset({DataKind.PODS, DataKind.ENDPOINT_SLICES, DataKind.SERVICES})
"""Kinds whose views take :class:`SharedParts`: the objects of one page repeat parts."""


def parse_kube(kind: DataKind, objects: Iterable[object]) -> Parsed:
    """Kubernetes objects of one kind (such as a list page's ``items``), parsed into views.

    Each is a decoded JSON value; one that is not an object, or not one of ``kind``, is an error.
    """
    target, named, view = _KUBE_VIEWS[kind]
    shared = (SharedParts(),) if kind in _SHARING_PARTS else ()
    return _parse(kind, target, view, objects, *shared, name=partial(_describe, kind=named))


def parse_compute(refs: RefReader, collection: str, resources: Iterable[object]) -> Parsed:
    """Compute resources of one collection (by its JSON name, ``urlMaps``), parsed into views.

    ``refs`` reads their references; one reader for a whole read shares each resource's reference.
    """
    kind, target, view = _COMPUTE_VIEWS[collection]
    return _parse(kind, target, view, resources, refs, name=partial(_describe, kind=collection))


def build_snapshot(
    project: str,
    collected_at: datetime,
    *,
    parsed: Iterable[Parsed],
    identity: ClusterIdentity,
    errors: Sequence[CollectionError] = (),
    calls: Mapping[str, int] | None = None,
    cluster: ClusterInfo | None = None,
) -> Snapshot:
    """A :class:`Snapshot` of the objects ``parsed`` (:func:`parse_kube`, :func:`parse_compute`).

    An object that could not be read is left out and recorded as a :class:`CollectionError`
    naming it, after the failed calls (``errors``): a malformed object never stops the audit and
    never disappears silently.
    """
    whole = Parsed.merge(parsed)
    return Snapshot(
        project=project,
        collected_at=collected_at,
        identity=identity,
        cluster=cluster,
        errors=(*errors, *whole.errors),
        calls=dict(calls or {}),
        **whole.views,  # type: ignore[arg-type]  # by view
    )


def with_backend_health(
    snapshot: Snapshot,
    answers: Sequence[Mapping[str, Any]],
    errors: Sequence[CollectionError] = (),
) -> Snapshot:
    """``snapshot`` plus the getHealth answers of the second collection phase."""
    return _with_answers(snapshot, DataKind.BACKEND_HEALTH, answers, errors)


def with_neg_endpoints(
    snapshot: Snapshot,
    answers: Sequence[Mapping[str, Any]],
    errors: Sequence[CollectionError] = (),
) -> Snapshot:
    """``snapshot`` plus the listNetworkEndpoints answers of the second collection phase."""
    return _with_answers(snapshot, DataKind.NEG_ENDPOINTS, answers, errors)


_SECOND_PHASE: dict[DataKind, tuple[str, str, Callable[[Mapping[str, Any], RefReader], object]]] = {
    DataKind.BACKEND_HEALTH: ("backend_health", "getHealth", GroupHealth.from_json),
    DataKind.NEG_ENDPOINTS: ("neg_endpoints", "listNetworkEndpoints", NegEndpoints.from_json),
}
"""Per-group answers: the Snapshot field they fill, the call, and the view that reads one."""


def _with_answers(
    snapshot: Snapshot,
    kind: DataKind,
    answers: Sequence[Mapping[str, Any]],
    errors: Sequence[CollectionError],
) -> Snapshot:
    """``snapshot`` with one kind of per-group answers parsed; unreadable ones become errors."""
    target, call, view = _SECOND_PHASE[kind]
    refs = RefReader(snapshot.project)
    parsed = _parse(kind, target, view, answers, refs, name=_always(f"{call} answer"))
    return replace(
        snapshot,
        errors=(*snapshot.errors, *errors, *parsed.errors),
        **parsed.views,  # type: ignore[arg-type]  # the field of that kind
    )


_EVIDENCE_VIEWS: dict[DataKind, tuple[str, Callable[[Mapping[str, Any]], object]]] = {
    DataKind.REQUEST_COUNTS: ("request_counts", RequestCounts.from_json),
    DataKind.REQUEST_LOGS: ("request_logs", RequestLog.from_json),
    DataKind.HEALTH_CHECK_LOGS: ("probe_logs", ProbeLog.from_json),
    DataKind.AUDIT_LOGS: ("audit_records", AuditRecord.from_json),
}
"""Evidence answers: the Snapshot field each kind fills and the view that reads one item."""


def with_evidence(
    snapshot: Snapshot,
    window: TimeWindow,
    answers: Mapping[DataKind, Sequence[Mapping[str, Any]]],
    errors: Sequence[CollectionError] = (),
    reads: Sequence[LogRead] = (),
) -> Snapshot:
    """``snapshot`` plus the load balancer's evidence read over ``window``.

    An item that cannot be read is left out and recorded as a :class:`CollectionError`.
    ``reads`` say how each Cloud Logging query was made.
    """
    parsed = Parsed.merge(
        _parse(kind, *_EVIDENCE_VIEWS[kind], items, name=_always(kind.value))
        for kind, items in answers.items()
    )
    asked = {*answers, *(e.kind for e in errors)}
    return replace(
        snapshot,
        evidence_window=window,
        evidence_kinds=snapshot.evidence_kinds | asked,
        errors=(*snapshot.errors, *errors, *parsed.errors),
        log_reads=(*snapshot.log_reads, *reads),
        **parsed.views,  # type: ignore[arg-type]  # by view
    )


_SECOND_PHASE_INPUTS: dict[str, tuple[DataKind, ...]] = {
    # getHealth is asked for the backend services the Ingresses' annotation does not call healthy.
    "backend_health": (DataKind.BACKEND_HEALTH, DataKind.INGRESSES, DataKind.BACKEND_SERVICES),
    # listNetworkEndpoints for the NEGs of the Services' ports whose size differs from the slices.
    "neg_endpoints": (
        DataKind.NEG_ENDPOINTS,
        DataKind.NEGS,
        DataKind.INGRESSES,
        DataKind.SERVICES,
        DataKind.ENDPOINT_SLICES,
        DataKind.CLUSTER_IDENTITY,
    ),
}
"""The second phase's answers, and the lists that chose which groups were asked."""

derived_from(
    Snapshot,
    {
        **{target: (kind,) for kind, (target, _, _) in _KUBE_VIEWS.items()},
        **{target: (kind,) for kind, target, _ in _COMPUTE_VIEWS.values()},
        **_SECOND_PHASE_INPUTS,
        **{target: (kind,) for kind, (target, _) in _EVIDENCE_VIEWS.items()},
        "identity": (DataKind.CLUSTER_IDENTITY,),
        "cluster": (DataKind.CLUSTER,),
    },
    plain=(
        "project",
        "collected_at",
        "evidence_window",
        "evidence_kinds",
        "log_reads",
        "errors",
        "calls",
        "waited",
        "retries",
    ),
)
