"""The audit report: findings, the paired view of every Ingress, and what could not be read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from gkeingress.checks import CLUSTER_FACTS_UNREAD, unchecked_by_reason
from gkeingress.display import HtmlView
from gkeingress.errors import InternalError
from gkeingress.findings import Finding, Severity, VerdictState
from gkeingress.model import routing
from gkeingress.model.timeline import Change, build_timeline
from gkeingress.model.topology import PairedIngress, ServiceBackend, Topology
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.resources.gce import ComputeResource, HealthCheck
from gkeingress.snapshot import CollectionError

if TYPE_CHECKING:
    import ssl

    import pandas

    from gkeingress.live.probe import ProbeResult, Resolver

SCHEMA_VERSION = 1
"""Version of :meth:`Report.to_dict`'s layout; bumped only on incompatible changes."""


def _resource(resource: ComputeResource | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    return {"name": resource.name, "location": resource.location, "self_link": resource.self_link}


def _health_check(check: HealthCheck | None) -> dict[str, Any] | None:
    """A health check's resource view, with what its description says of its origin."""
    if check is None:
        return None
    return {
        **(_resource(check) or {}),
        "settings_from": check.settings_from.value if check.settings_from else None,
        "service": check.described_service,
    }


def _backend(backend: ServiceBackend) -> dict[str, Any]:
    return {
        "service": backend.service_key,
        "port": backend.ref.port,
        "default": backend.is_default,
        "mode": "NEG" if backend.uses_neg else "INSTANCE_GROUP",
        "service_found": backend.service is not None,
        "pods": len(backend.pods),
        "ready_pods": sum(1 for p in backend.pods if p.ready and not p.terminating),
        "backend_service": _resource(backend.backend_service),
        "expected_backend_service": backend.backend_service_name,
        "health_check": _health_check(backend.health_check),
        "health_state": backend.health_state,
        "negs": [{**(_resource(n) or {}), "size": n.size} for n in backend.negs],
        "backend_config": backend.backend_config_name,
    }


def verdict_counts(ingresses: Iterable[PairedIngress]) -> list[tuple[VerdictState, int]]:
    """How many Ingresses are in each verdict state, worst state first."""
    counts = Counter(p.verdict.state for p in ingresses if p.verdict is not None)
    return sorted(counts.items(), key=lambda item: -item[0].rank)


def state_words(state: VerdictState) -> str:
    """The state as a sentence says it: ``not provisioned``, ``not managed by GKE``."""
    return state.label[0].lower() + state.label[1:]


def _summary_line(name: str, ingresses: Sequence[PairedIngress], counts: Mapping[str, int]) -> str:
    states = ", ".join(f"{n} {state_words(s)}" for s, n in verdict_counts(ingresses))
    return (
        f"<{name}: {len(ingresses)} Ingresses ({states}), {counts['error']} errors, "
        f"{counts['warning']} warnings, {counts['info']} info>"
    )


def ingress_to_dict(paired: PairedIngress) -> dict[str, Any]:
    """JSON form of one paired Ingress; ``cluster`` only when known."""
    data: dict[str, Any] = {
        "name": paired.name,
        "managed": paired.managed,
        "addresses": list(paired.ingress.addresses),
        "url_map": _resource(paired.url_map),
        "forwarding_rules": [_resource(r) for r in paired.forwarding_rules],
        "target_proxies": [_resource(p) for p in paired.target_proxies],
        "backend_services": [_resource(b) for b in paired.backend_services],
        "health_checks": [_health_check(h) for h in paired.health_checks],
        "negs": [_resource(n) for n in paired.negs],
        "backends": [_backend(b) for b in paired.backends],
        "references": [
            {"kind": r.kind, "name": r.name, "source": r.source, "found": r.found}
            for r in paired.references
        ],
    }
    data["verdict"] = paired.verdict.to_dict() if paired.verdict else None
    data["traffic"] = paired.traffic.to_dict() if paired.traffic else None
    if paired.cluster is not None:
        data["cluster"] = paired.cluster
    return data


class _Views(HtmlView):
    """The notebook and DataFrame views shared by :class:`Report` and :class:`FleetReport`."""

    __slots__ = ()

    def _as_report(self) -> Report | FleetReport:
        """This object, typed as the report it is (only the two reports mix this class in)."""
        return cast("Report | FleetReport", self)

    def to_dataframe(self) -> pandas.DataFrame:
        """The findings as a pandas DataFrame, one row per finding.

        Raises:
            MissingDependencyError: pandas is not installed (``pip install 'gkeingress[pandas]'``).
        """
        from gkeingress.frames import findings_frame  # noqa: PLC0415 - pandas is optional

        return findings_frame(self._as_report())

    def ingresses_dataframe(self) -> pandas.DataFrame:
        """Every Ingress with its verdict, worst first, as a pandas DataFrame.

        Raises:
            MissingDependencyError: pandas is not installed (``pip install 'gkeingress[pandas]'``).
        """
        from gkeingress.frames import ingresses_frame  # noqa: PLC0415 - pandas is optional

        return ingresses_frame(self._as_report())

    def resources_dataframe(self) -> pandas.DataFrame:
        """The paired resources of every Ingress as a pandas DataFrame, one row per resource.

        Raises:
            MissingDependencyError: pandas is not installed (``pip install 'gkeingress[pandas]'``).
        """
        from gkeingress.frames import resources_frame  # noqa: PLC0415 - pandas is optional

        return resources_frame(self._as_report())

    def errors_dataframe(self) -> pandas.DataFrame:
        """What each Ingress's load balancer answered, per minute of the evidence window.

        One row per Ingress and minute: requests, 4xx, 5xx and their share, from Cloud Monitoring
        (see :func:`gkeingress.frames.errors_frame`).

        Raises:
            MissingDependencyError: pandas is not installed (``pip install 'gkeingress[pandas]'``).
        """
        from gkeingress.frames import errors_frame  # noqa: PLC0415 - pandas is optional

        return errors_frame(self._as_report())


@dataclass(frozen=True, slots=True)
class Report(_Views):
    """The result of :func:`gkeingress.audit`.

    ``findings`` are sorted most severe first, then by Ingress. ``errors`` lists every API call that
    failed; the checks that needed its data report ``CHECK_INCOMPLETE`` instead of guessing.
    ``unchecked`` names the checks whose data the audit never asked for (the cluster's Container
    API facts, on an audit through a kubeconfig it could not tie to a cluster; the load
    balancers' evidence, when it was not read), and ``unchecked_reasons`` says why, by code.
    ``internal_errors`` are bugs in gkeingress met during the audit (a check that raised), each
    also an ``INTERNAL_ERROR`` finding; API failures are never among them.
    """

    project: str
    generated_at: datetime
    topology: Topology
    _findings: tuple[Finding, ...]
    unchecked: tuple[str, ...] = ()
    unchecked_reasons: Mapping[str, str] = field(default_factory=dict)
    internal_errors: tuple[InternalError, ...] = ()

    def why_unchecked(self, code: str) -> str:
        """Why the check ``code`` did not run (one of :attr:`unchecked`)."""
        return self.unchecked_reasons.get(code, CLUSTER_FACTS_UNREAD)

    def unchecked_by_reason(self) -> dict[str, list[str]]:
        """The unchecked codes grouped by why, each reason once."""
        return unchecked_by_reason({c: self.why_unchecked(c) for c in self.unchecked})

    @property
    def findings(self) -> list[Finding]:
        """Every finding, most severe first."""
        return list(self._findings)

    @property
    def ingresses(self) -> list[PairedIngress]:
        """The paired view of every Ingress, by ``namespace/name``."""
        return list(self.topology.ingresses)

    @property
    def cluster(self) -> ClusterInfo | None:
        """The audited cluster as the Container API describes it, when the audit read it."""
        return self.topology.snapshot.cluster

    @property
    def errors(self) -> list[CollectionError]:
        """API calls that failed, and objects that could not be read."""
        return list(self.topology.snapshot.errors)

    @property
    def api_calls(self) -> dict[str, int]:
        """API calls made, by call."""
        return dict(self.topology.snapshot.calls)

    @property
    def waited(self) -> float:
        """Seconds the audit waited: client-side pacing under the quota, and backoff before retries."""
        return self.topology.snapshot.waited

    @property
    def retries(self) -> int:
        """API calls that were retried (throttling, server errors, dropped connections)."""
        return self.topology.snapshot.retries

    def ingress(self, name: str) -> PairedIngress:
        """The paired view of one Ingress, ``"namespace/name"``.

        Raises:
            KeyError: no such Ingress in the report.
        """
        return self.topology.ingress(name)

    def route(self, url: str, *, ingress: str | None = None) -> routing.Route:
        """Where ``url`` goes: the rule that matches (or why none does), each hop to the pods.

        The Ingress is the one whose URL map has the most specific host rule for the URL's host;
        ``ingress`` (``"namespace/name"``) forces one. See :mod:`gkeingress.model.routing`.

        Raises:
            KeyError: ``ingress`` names no Ingress in the report.
            LookupError: the report has no Ingress.
            ValueError: ``url`` has no host.
        """
        return routing.route(self.topology, url, ingress=ingress)

    def probe(
        self,
        url: str,
        *,
        ingress: str | None = None,
        method: str = "GET",
        connect_to: Mapping[str, str] | None = None,
        resolve: bool | Resolver = False,
        timeout: float = 10.0,
        tls: ssl.SSLContext | None = None,
    ) -> ProbeResult:
        """Send one real request for ``url`` to the Ingress's address and compare with :meth:`route`.

        The only traffic gkeingress sends beyond read-only API calls, and only when called; see
        :func:`gkeingress.live.probe.probe` for the arguments. A different answer than predicted
        is a ``PROBE_DISAGREES`` finding on the result.

        Raises:
            ProbeError: the Ingress has no address yet.
            KeyError: ``ingress`` names no Ingress in the report.
            LookupError: the report has no Ingress.
            ValueError: ``url`` has no host, or ``method`` is neither GET nor HEAD.
        """
        from gkeingress.live.probe import probe  # noqa: PLC0415 - live sends traffic; reports do not

        return probe(
            self.topology,
            url,
            ingress=ingress,
            method=method,
            connect_to=connect_to,
            resolve=resolve,
            timeout=timeout,
            tls=tls,
        )

    def findings_for(self, ingress: str) -> list[Finding]:
        """The findings about one Ingress."""
        return [f for f in self._findings if f.ingress == ingress]

    def timeline(self) -> list[Change]:
        """Every dated change around the Ingresses, oldest first; see :mod:`gkeingress.model.timeline`."""
        return list(build_timeline(self.topology))

    @property
    def counts(self) -> dict[str, int]:
        """Findings by severity: ``{"error": n, "warning": n, "info": n}``."""
        counter = Counter(f.severity.value for f in self._findings)
        return {s.value: counter.get(s.value, 0) for s in Severity}

    def __repr__(self) -> str:
        return _summary_line(f"Report {self.project}", self.topology.ingresses, self.counts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form with stable keys (see ``schema_version``)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "project": self.project,
            **({"cluster": self.cluster.path} if self.cluster else {}),
            "generated_at": self.generated_at.isoformat(),
            "summary": {"ingresses": len(self.topology.ingresses), **self.counts},
            "findings": [f.to_dict() for f in self._findings],
            "ingresses": [ingress_to_dict(p) for p in self.topology.ingresses],
            "errors": [e.to_dict() for e in self.topology.snapshot.errors],
            "unchecked": [{"code": c, "reason": self.why_unchecked(c)} for c in self.unchecked],
            "internal_errors": [e.to_dict() for e in self.internal_errors],
            "api_calls": self.api_calls,
            "waited_seconds": round(self.waited, 3),
            "retries": self.retries,
        }


def _severity_order(finding: Finding) -> tuple[int, str, str, str, str]:
    return (
        -finding.severity.rank,
        finding.cluster or "",
        finding.ingress or "",
        finding.code,
        finding.resource,
    )


@dataclass(frozen=True, slots=True)
class FleetReport(_Views):
    """The result of :func:`audit_fleet`.

    Attributes:
        projects: the projects audited.
        generated_at: the time the audits judged against.
        clusters: every cluster found (and kept by the ``clusters`` filter), audited or not.
        reports: one :class:`~gkeingress.report.Report` per cluster that could be audited.
        fleet_findings: findings about the fleet itself: ``CLUSTER_UNREACHABLE`` for each cluster
            that could not be audited, each project whose clusters could not be listed and each
            cluster asked for but not found.
        fleet_errors: calls that failed outside any cluster's audit (listing a project's clusters).
        fleet_calls: calls made outside any cluster's audit, by call.
        fleet_internal_errors: clusters whose audit raised an exception that is not an API
            failure (a bug in gkeingress); each is also an ``INTERNAL_ERROR`` finding.
    """

    projects: tuple[str, ...]
    generated_at: datetime
    clusters: tuple[ClusterInfo, ...]
    reports: tuple[Report, ...]
    fleet_findings: tuple[Finding, ...] = ()
    fleet_errors: tuple[CollectionError, ...] = ()
    fleet_calls: Mapping[str, int] = field(default_factory=dict)
    fleet_internal_errors: tuple[InternalError, ...] = ()

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
    def internal_errors(self) -> list[InternalError]:
        """Bugs in gkeingress met: the fleet's (a cluster's audit that raised), then each cluster's."""
        return [*self.fleet_internal_errors, *(e for r in self.reports for e in r.internal_errors)]

    @property
    def api_calls(self) -> dict[str, int]:
        """API calls made by the whole fleet audit, by call."""
        calls: Counter[str] = Counter(self.fleet_calls)
        for item in self.reports:
            calls.update(item.api_calls)
        return dict(sorted(calls.items()))

    @property
    def waited(self) -> float:
        """Seconds the clusters' audits waited for the rate limit and for backoff, added up."""
        return sum(r.waited for r in self.reports)

    @property
    def retries(self) -> int:
        """API calls retried by the clusters' audits."""
        return sum(r.retries for r in self.reports)

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

    def __repr__(self) -> str:
        name = f"FleetReport {', '.join(self.projects)}, {len(self.reports)} cluster(s)"
        return _summary_line(name, self.ingresses, self.counts)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: like a report's, with a ``cluster`` key on every finding, Ingress and error."""
        audited = {r.cluster.path for r in self.reports if r.cluster is not None}
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
            "internal_errors": [
                *(e.to_dict() for e in self.fleet_internal_errors),
                *(
                    {**e.to_dict(), "cluster": r.cluster.path if r.cluster else None}
                    for r in self.reports
                    for e in r.internal_errors
                ),
            ],
            "api_calls": self.api_calls,
            "waited_seconds": round(self.waited, 3),
            "retries": self.retries,
        }


AuditResult = Report | FleetReport
"""What an audit returns: one cluster's :class:`Report`, or a fleet's :class:`FleetReport`."""
