"""Audit a fleet: every GKE cluster of several projects, found through the Container API.

:func:`audit_fleet` lists each project's clusters (``locations/-``), audits them side by side
(bounded), and returns one :class:`FleetReport` whose findings and Ingresses name their cluster.
A cluster that cannot be reached becomes a ``CLUSTER_UNREACHABLE`` finding with the reason; a
cluster whose audit met a bug in gkeingress an ``INTERNAL_ERROR`` finding (and an entry of
``FleetReport.internal_errors``); the rest of the fleet is still reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import reduce
from typing import TYPE_CHECKING, Protocol, TypeVar

from google.auth.credentials import Credentials

from gkeingress.analysis import analyse
from gkeingress.api import google_credentials_for, is_loopback, read_snapshot
from gkeingress.checks import REGISTRY, Registry, internal_error
from gkeingress.checks.cluster import CLUSTER_UNREACHABLE
from gkeingress.checks.registry import Hit
from gkeingress.collect.container import ContainerReader
from gkeingress.collect.evidence import EvidenceClients, EvidenceResult, read_evidence
from gkeingress.collect.gate import DEFAULT_RATE, ApiGate, is_api_failure
from gkeingress.collect.logs import (
    DEFAULT_MAX_ENTRIES,
    LOGGING_READ,
    LogCollector,
    LogResult,
    LogScope,
    build_logging_client,
    log_scope,
)
from gkeingress.collect.monitoring import MONITORING_READ, build_monitoring_client
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.collect.run import list_compute
from gkeingress.connect import GKE_SCOPES
from gkeingress.errors import ArgumentError, AuditError, ClusterUnreachable, InternalError
from gkeingress.findings import Finding
from gkeingress.model.topology import ComputeIndex
from gkeingress.report import FleetReport, Report
from gkeingress.resources.cluster import ClusterInfo, cluster_path
from gkeingress.resources.monitoring import TimeWindow
from gkeingress.snapshot import CollectionError, DataKind, Snapshot

if TYPE_CHECKING:
    from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2Client
    from google.cloud.monitoring_v3 import MetricServiceClient

T = TypeVar("T")


class FleetProgress(Protocol):
    """Hears of each cluster of a fleet audit; calls come from worker threads."""

    def cluster_started(self, cluster: str) -> Progress:
        """A cluster's audit begins; returns the receiver for its collection's progress."""

    def cluster_done(self, cluster: str, error: str | None) -> None:
        """A cluster's audit ended: ``error`` says why it could not be audited, else None."""


class _NoFleetProgress:
    def cluster_started(self, cluster: str) -> Progress:
        del cluster
        return NO_PROGRESS

    def cluster_done(self, cluster: str, error: str | None) -> None:
        """Ignore it."""


def _unreachable(cluster: str, reason: str, message: str) -> Finding:
    finding = CLUSTER_UNREACHABLE.finding(
        Hit(
            ingress=None,
            resource=cluster,
            message=f"Cluster {cluster} was not audited: {message}",
            remediation=CLUSTER_UNREACHABLE.fix,
            evidence={"cluster": cluster, "reason": reason, "error": message},
        )
    )
    return replace(finding, cluster=cluster)


def _guarded(
    cluster: ClusterInfo,
    listener: FleetProgress,
    internal: list[InternalError],
    step: Callable[[], T],
) -> T | Finding:
    """``step`` of the cluster's audit, or the finding that says why it failed.

    A failure is told to ``listener``; a bug in gkeingress is also added to ``internal``.
    """
    try:
        return step()
    except AuditError as exc:  # unreachable, or its project's Compute lists all refused
        listener.cluster_done(cluster.path, str(exc))
        reason = exc.reason if isinstance(exc, ClusterUnreachable) else "api"
        return _unreachable(cluster.path, reason, str(exc))
    except Exception as exc:  # noqa: BLE001 - one cluster must not sink the fleet's report
        listener.cluster_done(cluster.path, str(exc))
        if is_api_failure(exc):
            return _unreachable(cluster.path, "api", f"{type(exc).__name__}: {exc}")
        error, finding = internal_error(f"audit of {cluster.path}", exc)
        internal.append(error)
        return replace(finding, cluster=cluster.path)


def _selected(
    found: Sequence[ClusterInfo], wanted: Iterable[str] | None, projects: Sequence[str]
) -> tuple[list[ClusterInfo], list[str]]:
    """The clusters ``wanted`` names (full paths or ``LOCATION/NAME``), and the names not found."""
    if wanted is None:
        return list(found), []
    kept: list[ClusterInfo] = []
    missing: list[str] = []
    for name in wanted:
        paths = {cluster_path(name, p) for p in projects}
        matches = [c for c in found if c.path in paths]
        if not matches:
            missing.append(name)
        kept += [c for c in matches if c not in kept]
    return kept, missing


def _evidence(
    projects: Sequence[str],
    *,
    evidence: bool,
    window: TimeWindow,
    client: MetricServiceClient | None,
    endpoint: str | None,
    credentials: Credentials,
    test_world: bool,
    gate: ApiGate,
) -> dict[str, EvidenceResult]:
    """Each project's evidence, read once for all its clusters (none for a test world without it)."""
    if not evidence or (client is None and endpoint is None and test_world):
        return {}
    monitoring = client or build_monitoring_client(credentials, endpoint)
    try:
        return {
            project: read_evidence(
                project, window=window, clients=EvidenceClients(monitoring), gate=gate
            )
            for project in projects
        }
    finally:
        if client is None:
            monitoring.transport.close()  # type: ignore[no-untyped-call]  # unannotated client


@contextmanager
def _log_reader(
    *,
    evidence: bool,
    window: TimeWindow,
    now: datetime,
    client: LoggingServiceV2Client | None,
    endpoint: str | None,
    credentials: Credentials,
    test_world: bool,
    gate: ApiGate,
    max_entries: int,
) -> Iterator[Callable[[Sequence[Snapshot]], LogResult | None]]:
    """What reads one project's log evidence, once (three queries) for all its clusters' Ingresses.

    Each query's filter names every cluster's URL maps, NEGs, instance groups and resources (the
    same 20,000-character fallback as one cluster's); each cluster's checks keep their own entries.
    It reads nothing without ``evidence``, or for a test world given no Logging endpoint or client.
    One client serves every project: one built here is closed on leaving; the caller's stays open.
    """
    if not evidence or (client is None and endpoint is None and test_world):
        yield lambda _: None
        return
    logging = client or build_logging_client(credentials, endpoint)
    collector = LogCollector(logging, gate, max_entries=max_entries)

    def read(snapshots: Sequence[Snapshot]) -> LogResult | None:
        scopes = [log_scope(snapshot, window.start, now) for snapshot in snapshots]
        return collector.collect(reduce(LogScope.merged, scopes), window) if scopes else None

    try:
        yield read
    finally:
        if client is None:
            logging.transport.close()  # type: ignore[no-untyped-call]  # unannotated client


def _clusters(
    reader: ContainerReader, projects: Sequence[str], wanted: Iterable[str] | None
) -> tuple[list[ClusterInfo], list[CollectionError], list[Finding]]:
    """The clusters to audit, all projects listed at once; what could not be listed or found."""
    errors: list[CollectionError] = []
    lost: list[Finding] = []
    listed: list[ClusterInfo] = []
    unique = list(dict.fromkeys(projects))
    with ThreadPoolExecutor(len(unique)) as pool:
        answers = list(pool.map(reader.list, unique))
    for project, answer in zip(unique, answers, strict=True):
        if isinstance(answer, CollectionError):
            errors.append(answer)
            message = f"the clusters of project {project} could not be listed: {answer.message}"
            lost.append(_unreachable(f"projects/{project}", "list", message))
        else:
            listed += [ClusterInfo.from_json(c, project) for c in answer]
    selected, missing = _selected(listed, wanted, list(projects))
    for name in missing:
        message = f"cluster {name} was not found in projects {', '.join(projects)}"
        errors.append(
            CollectionError(DataKind.CLUSTER, "container.clusters.list", message, 404, "notFound")
        )
        lost.append(_unreachable(name, "not-found", message))
    return selected, errors, lost


def audit_fleet(
    projects: Sequence[str],
    clusters: Iterable[str] | None = None,
    *,
    credentials: Credentials | None = None,
    compute_endpoint: str | None = None,
    container_endpoint: str | None = None,
    use_private_endpoint: bool = False,
    namespace: str | None = None,
    now: datetime | None = None,
    max_workers: int = 4,
    progress: FleetProgress | None = None,
    rate_limit: float | None = DEFAULT_RATE,
    deep: bool = False,
    errors_since: datetime | None = None,
    evidence: bool = True,
    errors_window: timedelta = timedelta(hours=6),
    monitoring_client: MetricServiceClient | None = None,
    monitoring_endpoint: str | None = None,
    registry: Registry = REGISTRY,
    logging_client: LoggingServiceV2Client | None = None,
    logging_endpoint: str | None = None,
    max_log_entries: int = DEFAULT_MAX_ENTRIES,
) -> FleetReport:
    """Audit every GKE cluster of ``projects`` with Application Default Credentials alone.

    Each cluster is read from the Container API, connected to over TLS verified with its CA and
    the credentials' access token, and audited against the load balancers of its project.

    Args:
        projects: GCP project ids; each one's clusters are listed in every location.
        clusters: audit only these (``projects/P/locations/L/clusters/C`` or ``LOCATION/NAME``);
            default: all.
        credentials: Google credentials, sent to every Google API whatever its endpoint;
            default: Application Default Credentials (a test world passes anonymous ones).
        compute_endpoint: Compute API endpoint; default: Google's.
        container_endpoint: Container API endpoint; default: Google's.
        use_private_endpoint: connect to each cluster's private endpoint.
        namespace: audit only this namespace's Ingresses in each cluster.
        now: the time for time-based judgements; default: the current UTC time.
        max_workers: clusters audited at once.
        progress: hears when each cluster starts and ends (see :class:`FleetProgress`).
        rate_limit: Compute API calls per second at most for the whole fleet, shared by the
            clusters audited at once (None: no limit); see :func:`gkeingress.audit`.
        deep: ask Compute about every backend group of every cluster; see :func:`gkeingress.audit`.
        errors_since: when the errors being investigated began; see :func:`gkeingress.audit`.
        evidence: read each project's load balancer evidence, once for all its clusters; see
            :func:`gkeingress.audit`.
        errors_window: how far back before ``now`` the evidence is read.
        monitoring_client: the ``MetricServiceClient`` for every project; default: one built
            with the same credentials.
        monitoring_endpoint: Cloud Monitoring's gRPC ``host:port``; default: Google's.
        registry: the checks to run on every cluster; default: :data:`gkeingress.REGISTRY`.
        logging_client: the ``google.cloud.logging_v2`` ``LoggingServiceV2Client`` for every
            project; default: one built with the same credentials (it stays open when given).
        logging_endpoint: Cloud Logging's gRPC ``host:port``; default: Google's. Each project's
            logs are read once for all its clusters (three queries per project), once all its
            clusters are read, with every cluster's load balancer names in the filters; its
            clusters are judged then, while other projects' clusters may still be being read.
        max_log_entries: the most entries each log query reads (one query serves a project's
            clusters together).

    Raises:
        AuditError: no projects, a malformed cluster name, or no Google credentials. Clusters that
            cannot be reached do not raise: they are ``CLUSTER_UNREACHABLE`` findings (a bug in
            gkeingress met while auditing one is logged and an ``INTERNAL_ERROR`` finding).
    """
    if not projects:
        raise AuditError("audit_fleet needs at least one project")
    wanted = None if clusters is None else list(clusters)
    for name in wanted or ():
        try:
            cluster_path(name, projects[0])
        except ValueError as exc:
            raise ArgumentError("clusters", name, str(exc)) from exc
    google_credentials = google_credentials_for(
        credentials,
        (*GKE_SCOPES, *((MONITORING_READ, LOGGING_READ) if evidence else ())),
    )
    gate = ApiGate(rate=rate_limit)
    reader = ContainerReader(credentials=google_credentials, endpoint=container_endpoint, gate=gate)
    selected, errors, lost = _clusters(reader, projects, wanted)
    listener = progress or _NoFleetProgress()
    when = now or datetime.now(timezone.utc)
    workers = max(1, min(max_workers, len(selected)))
    per_cluster = rate_limit / workers if rate_limit else None
    end = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    window = TimeWindow.ending(end, errors_window)
    internal: list[InternalError] = []
    owners = list(dict.fromkeys(c.project for c in selected))
    # Each project's load balancers and metrics are read once, for all its clusters, there, while
    # the clusters' Kubernetes lists are read here; each cluster waits for its project's only to
    # build its snapshot.
    with (
        ThreadPoolExecutor(max(1, len(owners)) + 1) as projects_pool,
        ThreadPoolExecutor(workers, thread_name_prefix="gkeingress-fleet") as clusters_pool,
        _log_reader(
            evidence=evidence,
            window=window,
            now=end,
            client=logging_client,
            endpoint=logging_endpoint,
            credentials=google_credentials,
            test_world=is_loopback(compute_endpoint),
            gate=gate,
            max_entries=max_log_entries,
        ) as project_logs,
    ):
        lists = {
            project: projects_pool.submit(
                list_compute,
                project,
                credentials=google_credentials,
                compute_endpoint=compute_endpoint,
                gate=gate,
            )
            for project in owners
        }
        found = projects_pool.submit(
            _evidence,
            owners,
            evidence=evidence,
            window=window,
            client=monitoring_client,
            endpoint=monitoring_endpoint,
            credentials=google_credentials,
            test_world=is_loopback(compute_endpoint),
            gate=gate,
        )

        def read(cluster: ClusterInfo) -> Snapshot | Finding:
            return _guarded(
                cluster,
                listener,
                internal,
                lambda: read_snapshot(
                    cluster.project,
                    cluster=cluster,
                    credentials=google_credentials,
                    compute_endpoint=compute_endpoint,
                    container_endpoint=container_endpoint,
                    use_private_endpoint=use_private_endpoint,
                    namespace=namespace,
                    now=when,
                    progress=listener.cluster_started(cluster.path),
                    rate_limit=per_cluster,
                    deep=deep,
                    compute_lists=lists[cluster.project].result,
                    # No evidence read per cluster: the project's metrics are read once above,
                    # its logs below
                    evidence=False,
                    project_evidence=lambda: found.result().get(cluster.project),
                ),
            )

        reads = {cluster.path: clusters_pool.submit(read, cluster) for cluster in selected}

        indexes: dict[str, ComputeIndex] = {}

        def index_of(snapshot: Snapshot) -> ComputeIndex:
            """The project's Compute lists indexed once for all its clusters, which share them."""
            index = indexes.get(snapshot.project)
            if index is None or not index.indexes(snapshot):
                index = indexes[snapshot.project] = ComputeIndex(snapshot)
            return index

        def judge(
            cluster: ClusterInfo, snapshot: Snapshot, logs: LogResult | None
        ) -> Report | Finding:
            result = _guarded(
                cluster,
                listener,
                internal,
                lambda: analyse(
                    logs.of_cluster(cluster.name).into(snapshot) if logs is not None else snapshot,
                    now=when,
                    errors_since=errors_since,
                    registry=registry,
                    compute_index=index_of(snapshot),
                ),
            )
            if isinstance(result, Report):
                listener.cluster_done(cluster.path, None)
            return result

        # A project's clusters are judged once all of them are read and its logs with them, while
        # the next projects' clusters are still being read.
        outcomes: dict[str, Report | Finding] = {}
        for project in owners:
            mine = [c for c in selected if c.project == project]
            collected = {c.path: reads[c.path].result() for c in mine}
            logs = project_logs([s for s in collected.values() if isinstance(s, Snapshot)])
            for cluster in mine:
                outcome = collected[cluster.path]
                outcomes[cluster.path] = (
                    judge(cluster, outcome, logs) if isinstance(outcome, Snapshot) else outcome
                )
    ordered = [outcomes[c.path] for c in selected]
    return FleetReport(
        projects=tuple(dict.fromkeys(projects)),
        generated_at=when,
        clusters=tuple(selected),
        reports=tuple(o for o in ordered if isinstance(o, Report)),
        fleet_findings=(*lost, *(o for o in ordered if isinstance(o, Finding))),
        fleet_errors=tuple(errors),
        fleet_calls=gate.counts(),
        fleet_internal_errors=tuple(internal),
    )
