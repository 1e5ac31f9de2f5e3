"""Audit a fleet: every GKE cluster of several projects, found through the Container API.

:func:`audit_fleet` lists each project's clusters (``locations/-``), audits them side by side
(bounded), and returns one :class:`FleetReport` whose findings and Ingresses name their cluster.
A cluster that cannot be reached becomes a ``CLUSTER_UNREACHABLE`` finding with the reason; the
rest of the fleet is still reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Protocol

from google.auth.credentials import Credentials

from gkeingress.api import _credentials, audit
from gkeingress.checks.cluster import CLUSTER_UNREACHABLE
from gkeingress.checks.registry import Hit
from gkeingress.collect.container import ContainerReader
from gkeingress.collect.gate import ApiGate
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.collect.snapshot import CollectionError, DataKind
from gkeingress.connect import GKE_SCOPES, ClusterUnreachable
from gkeingress.errors import AuditError
from gkeingress.findings import Finding, Severity
from gkeingress.model.cluster import ClusterInfo, cluster_path
from gkeingress.model.topology import PairedIngress
from gkeingress.report import SCHEMA_VERSION, Report, ingress_to_dict


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


def _severity_order(finding: Finding) -> tuple[int, str, str, str, str]:
    return (
        -finding.severity.rank,
        finding.cluster or "",
        finding.ingress or "",
        finding.code,
        finding.resource,
    )


@dataclass(frozen=True, slots=True)
class FleetReport:
    """The result of :func:`audit_fleet`.

    Attributes:
        projects: the projects audited.
        generated_at: the time the audits judged against.
        clusters: every cluster found (and kept by the ``clusters`` filter), audited or not.
        reports: one :class:`~gkeingress.report.Report` per cluster that could be audited.
        fleet_findings: findings about the fleet itself (``CLUSTER_UNREACHABLE``).
        fleet_errors: calls that failed outside any cluster's audit (listing a project's clusters).
    """

    projects: tuple[str, ...]
    generated_at: datetime
    clusters: tuple[ClusterInfo, ...]
    reports: tuple[Report, ...]
    fleet_findings: tuple[Finding, ...] = ()
    fleet_errors: tuple[CollectionError, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every cluster and of the fleet, most severe first; each names its cluster."""
        every = [*self.fleet_findings, *(f for r in self.reports for f in r.findings)]
        return sorted(every, key=_severity_order)

    @property
    def ingresses(self) -> list[PairedIngress]:
        """Every paired Ingress of every audited cluster; ``PairedIngress.cluster`` says which."""
        return [p for r in self.reports for p in r.ingresses]

    @property
    def errors(self) -> list[CollectionError]:
        """Failed calls: the fleet's, then each cluster's."""
        return [*self.fleet_errors, *(e for r in self.reports for e in r.errors)]

    @property
    def counts(self) -> dict[str, int]:
        """Findings by severity over the whole fleet."""
        counter = Counter(f.severity.value for f in self.findings)
        return {s.value: counter.get(s.value, 0) for s in Severity}

    def report(self, cluster: str) -> Report:
        """The report of one cluster, by path.

        Raises:
            KeyError: the cluster was not audited.
        """
        for item in self.reports:
            if item.cluster is not None and item.cluster.path == cluster:
                return item
        raise KeyError(cluster)

    def findings_for(self, ingress: str, *, cluster: str | None = None) -> list[Finding]:
        """The findings about an Ingress (``namespace/name``), in one cluster or in any."""
        return [
            f
            for f in self.findings
            if f.ingress == ingress and (cluster is None or f.cluster == cluster)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: like a report's, with a ``cluster`` key on every finding, Ingress and error."""
        audited = {r.cluster.path for r in self.reports if r.cluster is not None}
        calls: Counter[str] = Counter()
        for item in self.reports:
            calls.update(item.api_calls)
        return {
            "schema_version": SCHEMA_VERSION,
            "projects": list(self.projects),
            "generated_at": self.generated_at.isoformat(),
            "summary": {
                "clusters": len(self.clusters),
                "audited": len(audited),
                "ingresses": len(self.ingresses),
                **self.counts,
            },
            "clusters": [{**c.to_dict(), "audited": c.path in audited} for c in self.clusters],
            "findings": [f.to_dict() for f in self.findings],
            "ingresses": [ingress_to_dict(p) for p in self.ingresses],
            "errors": [
                *(e.to_dict() for e in self.fleet_errors),
                *(
                    {**e.to_dict(), "cluster": r.cluster.path if r.cluster else None}
                    for r in self.reports
                    for e in r.errors
                ),
            ],
            "api_calls": dict(sorted(calls.items())),
        }


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


def _selected(
    found: Sequence[ClusterInfo], wanted: Iterable[str] | None, projects: Sequence[str]
) -> tuple[list[ClusterInfo], list[CollectionError]]:
    """The clusters ``wanted`` names (full paths or ``LOCATION/NAME``), and the ones not found."""
    if wanted is None:
        return list(found), []
    kept, missing = [], []
    for name in wanted:
        paths = {cluster_path(name, p) for p in projects}
        matches = [c for c in found if c.path in paths]
        if not matches:
            missing.append(
                CollectionError(
                    DataKind.CLUSTER,
                    "container.clusters.list",
                    f"cluster {name} was not found in projects {', '.join(projects)}",
                    404,
                    "notFound",
                )
            )
        kept += [c for c in matches if c not in kept]
    return kept, missing


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
) -> FleetReport:
    """Audit every GKE cluster of ``projects`` with Application Default Credentials alone.

    Each cluster is read from the Container API, connected to over TLS verified with its CA and
    the credentials' access token, and audited against the load balancers of its project.

    Args:
        projects: GCP project ids; each one's clusters are listed in every location.
        clusters: audit only these (``projects/P/locations/L/clusters/C`` or ``LOCATION/NAME``);
            default: all.
        credentials: Google credentials; default: ADC (none for a loopback test endpoint).
        compute_endpoint: Compute API endpoint; default: Google's.
        container_endpoint: Container API endpoint; default: Google's.
        use_private_endpoint: connect to each cluster's private endpoint.
        namespace: audit only this namespace's Ingresses in each cluster.
        now: the time for time-based judgements; default: the current UTC time.
        max_workers: clusters audited at once.
        progress: hears when each cluster starts and ends (see :class:`FleetProgress`).

    Raises:
        AuditError: no projects, a malformed cluster name, or no Google credentials. Clusters that
            cannot be reached do not raise: they are ``CLUSTER_UNREACHABLE`` findings.
    """
    if not projects:
        raise AuditError("audit_fleet needs at least one project")
    try:
        wanted = None if clusters is None else list(clusters)
        if wanted is not None:
            for name in wanted:
                cluster_path(name, projects[0])
    except ValueError as exc:
        raise AuditError(str(exc)) from exc
    google_credentials = _credentials(
        credentials, container_endpoint or compute_endpoint, GKE_SCOPES
    )
    listed: list[ClusterInfo] = []
    errors: list[CollectionError] = []
    reader = ContainerReader(
        credentials=google_credentials, endpoint=container_endpoint, gate=ApiGate()
    )
    for project in dict.fromkeys(projects):
        answer = reader.list(project)
        if isinstance(answer, CollectionError):
            errors.append(answer)
        else:
            listed += [ClusterInfo.from_json(c, project) for c in answer]
    selected, missing = _selected(listed, wanted, list(projects))
    errors += missing
    listener = progress or _NoFleetProgress()
    when = now or datetime.now(timezone.utc)

    def one(cluster: ClusterInfo) -> Report | Finding:
        collection = listener.cluster_started(cluster.path)
        try:
            result = audit(
                cluster.project,
                cluster=cluster,
                credentials=google_credentials,
                compute_endpoint=compute_endpoint,
                container_endpoint=container_endpoint,
                use_private_endpoint=use_private_endpoint,
                namespace=namespace,
                now=when,
                progress=collection,
            )
        except ClusterUnreachable as exc:
            listener.cluster_done(cluster.path, str(exc))
            return _unreachable(cluster.path, exc.reason, str(exc))
        except Exception as exc:  # noqa: BLE001 - one cluster must not sink the fleet's report
            listener.cluster_done(cluster.path, str(exc))
            return _unreachable(cluster.path, "api", f"{type(exc).__name__}: {exc}")
        listener.cluster_done(cluster.path, None)
        return result

    with ThreadPoolExecutor(max(1, max_workers), thread_name_prefix="gkeingress-fleet") as pool:
        outcomes = list(pool.map(one, selected))
    return FleetReport(
        projects=tuple(dict.fromkeys(projects)),
        generated_at=when,
        clusters=tuple(selected),
        reports=tuple(o for o in outcomes if isinstance(o, Report)),
        fleet_findings=tuple(o for o in outcomes if isinstance(o, Finding)),
        fleet_errors=tuple(errors),
    )
