"""What the load balancer logged: three Cloud Logging queries per project, whatever its size.

One ``entries.list`` query (followed page by page) per kind of evidence, each covering every
Ingress of the audit in one filter with an explicit ``timestamp`` range that ends at the audit's
``now``:

- request logs: ``resource.type`` of the three Application Load Balancers GKE Ingress makes,
  ``httpRequest.status>=400``, the Ingresses' URL maps;
- health-check logs: ``logName`` ``.../logs/compute.googleapis.com%2Fhealthchecks``, the
  Ingresses' NEGs (by id) and instance groups (by name);
- Admin Activity audit logs: ``logName`` ``.../logs/cloudaudit.googleapis.com%2Factivity``, the
  Compute methods on the load balancer's kinds of resource and the Kubernetes methods on Ingresses,
  Services, BackendConfigs, FrontendConfigs and Deployments of the audited cluster. NEG endpoint
  attach and detach calls, which the NEG controller makes for every pod that comes and goes, are
  left out.

Cloud Logging allows a project 60 ``entries.list`` requests a minute, so pages are the API's
largest (1,000 entries) and each query stops after ``max_entries`` (newest first), saying so. A
filter longer than the query language's 20,000 characters drops its list of names: the query
then reads the kind's entries for the whole project, and the checks keep those of the audited
Ingresses. A failed query is recorded as a :class:`CollectionError` of its kind (a permission
denial names ``logging.logEntries.list``); the others still run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from google.auth.credentials import Credentials
from google.protobuf.json_format import MessageToDict

from gkeingress.collect.gate import RATE_LIMIT_REASONS, ApiGate, google_reasons, status_of
from gkeingress.collect.grpc_client import grpc_client
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.model.naming import Namer
from gkeingress.permissions import LOGGING_PERMISSION
from gkeingress.resources.k8s import JsonAnnotation
from gkeingress.resources.logs import LogRead
from gkeingress.resources.monitoring import TimeWindow
from gkeingress.snapshot import CollectionError, DataKind, Snapshot, with_evidence

if TYPE_CHECKING:
    from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2Client

LOGGING_READ = "https://www.googleapis.com/auth/logging.read"
"""The OAuth scope for reading Cloud Logging."""
PAGE_SIZE = 1000
"""``entries.list`` rejects a larger ``page_size``."""
DEFAULT_MAX_ENTRIES = 5000
DEFAULT_WINDOW = timedelta(hours=6)
"""How far back the request and health-check logs are read, by default."""
CHANGES_BEFORE = timedelta(hours=2)
"""How much further back the audit logs are read: the widest window ``CHANGE_BEFORE_ERRORS``
looks back from an onset (rollouts, widened), so an onset at the window's start still has its
changes."""
FILTER_LIMIT = 20_000
"""The longest query the Logging query language accepts, in characters."""

LB_RESOURCE_TYPES = (
    "http_load_balancer",
    "internal_http_lb_rule",
    "http_external_regional_lb_rule",
)
"""Request-log resource types of the classic external, internal and regional external ALBs."""
PROBE_RESOURCE_TYPES = ("gce_network_endpoint_group", "gce_instance_group")
COMPUTE_COLLECTIONS = (
    "urlMaps",
    "regionUrlMaps",
    "backendServices",
    "regionBackendServices",
    "healthChecks",
    "regionHealthChecks",
    "firewalls",
    "networkEndpointGroups",
    "forwardingRules",
    "globalForwardingRules",
    "targetHttpProxies",
    "regionTargetHttpProxies",
    "targetHttpsProxies",
    "regionTargetHttpsProxies",
    "sslCertificates",
    "regionSslCertificates",
)
"""The Compute collections whose writes can change what an Ingress's load balancer does."""
KUBE_METHODS = (
    "io.k8s.networking.v1.ingresses.",
    "io.k8s.core.v1.services.",
    "com.google.cloud.v1.backendconfigs.",
    "io.gke.networking.v1beta1.frontendconfigs.",
    "io.k8s.apps.v1.deployments.",
)
"""Audit-log method prefixes of the Kubernetes kinds behind an Ingress (the API group reversed)."""
FRONTEND_ANNOTATIONS = (
    "ingress.kubernetes.io/url-map",
    "ingress.kubernetes.io/forwarding-rule",
    "ingress.kubernetes.io/https-forwarding-rule",
    "ingress.kubernetes.io/target-proxy",
    "ingress.kubernetes.io/https-target-proxy",
)


@dataclass(frozen=True, slots=True)
class LogScope:
    """What one project's queries cover, and when.

    Attributes:
        project: the project whose logs are read.
        start: the first instant of the window.
        end: the last instant (the audit's ``now``).
        url_maps: URL maps whose request logs are read.
        negs: ids of the NEGs whose health-check logs are read.
        instance_groups: names of the instance groups whose health-check logs are read.
        resources: names of the Compute resources whose audit logs matter (deleted ones too).
        clusters: names of the clusters whose Kubernetes audit logs are read; empty reads them all.
    """

    project: str
    start: datetime
    end: datetime
    url_maps: frozenset[str] = frozenset()
    negs: frozenset[str] = frozenset()
    instance_groups: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    clusters: frozenset[str] = frozenset()

    def merged(self, other: LogScope) -> LogScope:
        """Both scopes in one (a fleet's clusters of one project), over the wider window."""
        return LogScope(
            self.project,
            min(self.start, other.start),
            max(self.end, other.end),
            self.url_maps | other.url_maps,
            self.negs | other.negs,
            self.instance_groups | other.instance_groups,
            self.resources | other.resources,
            self.clusters | other.clusters,
        )


def log_scope(snapshot: Snapshot, start: datetime, end: datetime) -> LogScope:
    """The URL maps, NEGs, instance groups and resources the snapshot's Ingresses use.

    Names come from ingress-gce's own bookkeeping, so a resource deleted since still counts: the
    Ingress annotations (frontend and ``ingress.kubernetes.io/backends``, whose backend service
    names health checks share), the Services' ``neg-status`` and the L7 firewall rule's name.
    """
    url_maps = {
        i.annotations["ingress.kubernetes.io/url-map"]
        for i in snapshot.ingresses
        if i.annotations.get("ingress.kubernetes.io/url-map")
    }
    names = {
        i.annotations[a]
        for i in snapshot.ingresses
        for a in FRONTEND_ANNOTATIONS
        if i.annotations.get(a)
    }
    for ingress in snapshot.ingresses:
        states = JsonAnnotation.read(ingress.annotations, "ingress.kubernetes.io/backends").value
        if isinstance(states, dict):
            names.update(str(n) for n in states)
    names.update(n for s in snapshot.services for n in s.neg_names.values())
    if snapshot.identity.uid or snapshot.identity.kube_system_uid:
        names.add(Namer(snapshot.identity.uid, snapshot.identity.kube_system_uid).firewall)
    used = {
        ref for url_map in snapshot.url_maps if url_map.name in url_maps for ref in url_map.services
    }
    groups = [b.group for bs in snapshot.backend_services if bs.ref in used for b in bs.backends]
    neg_ids = {neg.ref: neg.id for neg in snapshot.negs}
    return LogScope(
        snapshot.project,
        start.astimezone(timezone.utc),
        end.astimezone(timezone.utc),
        url_maps=frozenset(url_maps),
        negs=frozenset(neg_ids[g] for g in groups if neg_ids.get(g)),
        instance_groups=frozenset(g.name for g in groups if g.collection == "instanceGroups"),
        resources=frozenset(names),
        clusters=frozenset({snapshot.cluster.name} if snapshot.cluster else ()),
    )


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def any_of(field_name: str, values: Iterable[str], op: str = "=") -> str:
    """``(f="a" OR f="b")``; the empty string for no values."""
    terms = [f"{field_name}{op}{_quoted(v)}" for v in sorted(values)]
    return f"({' OR '.join(terms)})" if terms else ""


def _window(scope: LogScope, before: timedelta = timedelta(0)) -> str:
    start = (scope.start - before).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = scope.end.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f'timestamp>="{start}" AND timestamp<="{end}"'


def _bounded(parts: Iterable[str], names: str) -> str:
    """The filter of ``parts`` and the ``names`` clause, without the clause if it is too long."""
    base = " AND ".join(p for p in parts if p)
    with_names = f"{base} AND {names}" if names else base
    return with_names if len(with_names) <= FILTER_LIMIT else base


def request_filter(scope: LogScope) -> str:
    """Errors the scope's load balancers answered, in its window."""
    return _bounded(
        [any_of("resource.type", LB_RESOURCE_TYPES), "httpRequest.status>=400", _window(scope)],
        any_of("resource.labels.url_map_name", scope.url_maps),
    )


def health_check_filter(scope: LogScope) -> str:
    """Health-state transitions of the scope's NEGs and instance groups, in its window."""
    groups = [
        any_of("resource.labels.network_endpoint_group_id", scope.negs),
        any_of("resource.labels.instance_group_name", scope.instance_groups),
    ]
    return _bounded(
        [
            f'logName="projects/{scope.project}/logs/compute.googleapis.com%2Fhealthchecks"',
            any_of("resource.type", PROBE_RESOURCE_TYPES),
            _window(scope),
        ],
        f"({' OR '.join(g for g in groups if g)})" if any(groups) else "",
    )


def audit_filter(scope: LogScope) -> str:
    """Admin Activity writes to the load balancer's resources and the cluster's Ingress kinds."""
    methods = any_of(
        "protoPayload.methodName", (f"compute.{c}." for c in COMPUTE_COLLECTIONS), op=":"
    )
    kube = " AND ".join(
        p
        for p in (
            'resource.type="k8s_cluster"',
            any_of("resource.labels.cluster_name", scope.clusters),
            any_of("protoPayload.methodName", KUBE_METHODS, op=":"),
        )
        if p
    )

    def made(compute: str) -> str:
        return " AND ".join(
            [
                f'logName="projects/{scope.project}/logs/cloudaudit.googleapis.com%2Factivity"',
                _window(scope, CHANGES_BEFORE),
                f"({compute} OR ({kube}))",
                'NOT protoPayload.methodName:"NetworkEndpoints"',
            ]
        )

    names = any_of("protoPayload.resourceName", scope.resources, op=":")
    named = made(f"({methods} AND {names})" if names else methods)
    return named if len(named) <= FILTER_LIMIT else made(methods)


QUERIES: tuple[tuple[DataKind, Callable[[LogScope], str]], ...] = (
    (DataKind.REQUEST_LOGS, request_filter),
    (DataKind.HEALTH_CHECK_LOGS, health_check_filter),
    (DataKind.AUDIT_LOGS, audit_filter),
)
"""Each kind of log evidence and the filter that reads it."""


@dataclass
class LogResult:
    """What the queries returned: LogEntry JSON by kind, each query's account, and the failures."""

    window: TimeWindow
    entries: dict[DataKind, list[dict[str, Any]]] = field(default_factory=dict)
    reads: list[LogRead] = field(default_factory=list)
    errors: list[CollectionError] = field(default_factory=list)

    def of_cluster(self, name: str) -> LogResult:
        """These entries but the Kubernetes audit entries of clusters other than ``name``.

        A fleet reads a project's logs once for all its clusters; Kubernetes objects are named
        alike in every cluster, so each cluster keeps the writes its own ``cluster_name`` labels.
        """
        audit = [
            e
            for e in self.entries.get(DataKind.AUDIT_LOGS, ())
            if e.get("resource", {}).get("type") != "k8s_cluster"
            or e.get("resource", {}).get("labels", {}).get("cluster_name") == name
        ]
        entries = self.entries | (
            {DataKind.AUDIT_LOGS: audit} if DataKind.AUDIT_LOGS in self.entries else {}
        )
        return replace(self, entries=entries)

    def into(self, snapshot: Snapshot) -> Snapshot:
        """``snapshot`` with these entries parsed into it."""
        return with_evidence(snapshot, self.window, self.entries, self.errors, self.reads)


def _error(kind: DataKind, call: str, exc: Exception) -> CollectionError:
    status = status_of(exc)
    reasons = sorted(google_reasons(exc))
    message = str(getattr(exc, "message", None) or exc)
    if status == 403 and not set(reasons) & RATE_LIMIT_REASONS:
        message = f"permission denied (needs {LOGGING_PERMISSION}): {message}"
    return CollectionError(kind, call, message, status, ",".join(reasons) or type(exc).__name__)


class LogCollector:
    """Reads one project's log evidence through the official ``logging_v2`` client.

    Args:
        client: a ``LoggingServiceV2Client``.
        gate: the audit's gate: every page is one paced, retried and counted call.
        max_entries: the most entries one query reads (newest first).
        progress: told of each finished query.
    """

    CALL = "logging.entries.list"

    def __init__(
        self,
        client: Any,
        gate: ApiGate,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        progress: Progress = NO_PROGRESS,
    ) -> None:
        self._client = client
        self._gate = gate
        self._max = max_entries
        self._progress = progress

    def _pages(self, project: str, text: str) -> Iterator[Any]:
        from google.cloud.logging_v2.types import ListLogEntriesRequest  # noqa: PLC0415

        request = ListLogEntriesRequest(
            resource_names=[f"projects/{project}"],
            filter=text,
            order_by="timestamp desc",
            page_size=min(PAGE_SIZE, self._max),
        )
        while True:
            pager = self._gate.call(
                self.CALL,
                self._client.list_log_entries,
                request=request,
                retry=None,  # the gate retries, and counts
                timeout=self._gate.timeout,
            )
            page = next(pager.pages)  # the response just read; iterating would fetch more
            yield page
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def _read(
        self, scope: LogScope, kind: DataKind, text: str
    ) -> tuple[list[dict[str, Any]], bool]:
        entries: list[dict[str, Any]] = []
        for page in self._pages(scope.project, text):
            entries.extend(MessageToDict(type(e).pb(e)) for e in page.entries)
            if len(entries) >= self._max:
                return entries[: self._max], bool(page.next_page_token) or len(entries) > self._max
        return entries, False

    def collect(self, scope: LogScope, window: TimeWindow | None = None) -> LogResult:
        """Every kind of log evidence for ``scope``; a failed query is recorded, not raised.

        ``window`` is the audit's evidence window the result is filed under (default: the scope's,
        in whole minutes).
        """
        from google.cloud.audit import (  # type: ignore[import-untyped]  # noqa: PLC0415 - no types; lazy
            audit_log_pb2,  # noqa: F401 - registers AuditLog, so protoPayload can be decoded
        )

        result = LogResult(window or TimeWindow.ending(scope.end, scope.end - scope.start))
        for kind, make_filter in QUERIES:
            text = make_filter(scope)
            call = f"{self.CALL} ({kind.value})"
            try:
                entries, truncated = self._read(scope, kind, text)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded as data
                error = _error(kind, call, exc)
                result.errors.append(error)
                self._progress.call_done(call, None, error.message)
                continue
            self._progress.call_done(call, len(entries), None)
            result.entries[kind] = entries
            result.reads.append(
                LogRead(kind.value, text, scope.start, scope.end, len(entries), truncated)
            )
        return result


def build_logging_client(
    credentials: Credentials | None, endpoint: str | None
) -> LoggingServiceV2Client:
    """A ``LoggingServiceV2Client`` with ``credentials``; a loopback ``endpoint`` gets plain gRPC."""
    from google.cloud.logging_v2.services.logging_service_v2 import (  # noqa: PLC0415 - lazy
        LoggingServiceV2Client,
    )
    from google.cloud.logging_v2.services.logging_service_v2.transports import (  # noqa: PLC0415
        LoggingServiceV2GrpcTransport,
    )

    return grpc_client(LoggingServiceV2Client, LoggingServiceV2GrpcTransport, credentials, endpoint)


def read_logs(
    snapshot: Snapshot,
    *,
    window: TimeWindow,
    now: datetime,
    client: Any,
    gate: ApiGate,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    progress: Progress = NO_PROGRESS,
) -> LogResult:
    """The log evidence of ``snapshot``'s Ingresses from the window's start to ``now``."""
    collector = LogCollector(client, gate, max_entries=max_entries, progress=progress)
    return collector.collect(log_scope(snapshot, window.start, now), window)
