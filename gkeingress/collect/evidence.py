"""The load balancer's own evidence: what it answered and when, read once per project.

Evidence is read over a :class:`~gkeingress.resources.monitoring.TimeWindow` that ends at the audit's
``now``, through the same :class:`~gkeingress.collect.gate.ApiGate` as the other calls. Each source
(Cloud Monitoring's request counts; more may follow) adds its answers under its own
:class:`~gkeingress.snapshot.DataKind`, and each call that failed as a
:class:`~gkeingress.snapshot.CollectionError`, so the checks that needed it report
``CHECK_INCOMPLETE`` instead of "no errors". A fleet reads a project's evidence once for all its
clusters and hands the :class:`EvidenceResult` to each cluster's audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gkeingress.collect.gate import ApiGate
from gkeingress.collect.monitoring import MonitoringReader
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.resources.monitoring import TimeWindow
from gkeingress.snapshot import CollectionError, DataKind, Snapshot, with_evidence

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient


@dataclass(frozen=True)
class EvidenceClients:
    """The clients evidence is read with (each built from the caller's credentials, or given)."""

    monitoring: MetricServiceClient


@dataclass
class EvidenceResult:
    """A project's evidence over ``window``: raw answers by kind, and the calls that failed."""

    window: TimeWindow
    answers: dict[DataKind, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)

    def into(self, snapshot: Snapshot) -> Snapshot:
        """``snapshot`` with this evidence parsed into it."""
        return with_evidence(snapshot, self.window, self.answers, self.errors)


def read_evidence(
    project: str,
    *,
    window: TimeWindow,
    clients: EvidenceClients,
    gate: ApiGate,
    progress: Progress = NO_PROGRESS,
) -> EvidenceResult:
    """Every kind of evidence of ``project`` over ``window``: one query per kind, never per Ingress."""
    result = EvidenceResult(window)
    series, errors = MonitoringReader(clients.monitoring, gate, progress).request_counts(
        project, window
    )
    result.answers[DataKind.REQUEST_COUNTS] = series
    result.errors += errors
    return result


__all__ = ["EvidenceClients", "EvidenceResult", "read_evidence"]
