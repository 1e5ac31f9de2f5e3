"""Judging a snapshot: pair it, run the checks, and make the report. No I/O."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from gkeingress.checks import (
    CHECK_INCOMPLETE,
    INTERNAL_ERROR,
    REGISTRY,
    AuditOptions,
    Registry,
    run_checks,
)
from gkeingress.checks.causes import link
from gkeingress.findings import Finding
from gkeingress.model.topology import ComputeIndex, Topology, pair
from gkeingress.report import Report
from gkeingress.snapshot import Snapshot
from gkeingress.verdict import judge

NOT_RUN = frozenset({CHECK_INCOMPLETE.code, INTERNAL_ERROR.code})
"""Findings that say a check did not run: no Ingress is called serving while one stands."""


def analyse(
    snapshot: Snapshot,
    *,
    now: datetime | None = None,
    propagation_window: timedelta = timedelta(minutes=10),
    registry: Registry = REGISTRY,
    errors_since: datetime | None = None,
    compute_index: ComputeIndex | None = None,
) -> Report:
    """Pair and check an already collected snapshot; no I/O. Naive times are read as UTC.

    With ``snapshot.cluster`` known, every finding and paired Ingress names its cluster. Findings
    are linked to the findings that explain them (:func:`gkeingress.checks.causes.link`), and each
    Ingress gets its verdict (:func:`gkeingress.verdict.judge`), from what its load balancer
    answered too, when the snapshot holds its request counts.

    ``compute_index`` is the snapshot's Compute lists already indexed, for the clusters of one
    project, which share those lists (:class:`~gkeingress.model.topology.ComputeIndex`); an index
    of other lists is not used.
    """
    when = now or snapshot.collected_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if errors_since is not None and errors_since.tzinfo is None:
        errors_since = errors_since.replace(tzinfo=timezone.utc)
    topology = pair(snapshot, compute_index)
    options = options_for(
        topology, now=when, propagation_window=propagation_window, errors_since=errors_since
    )
    cluster = snapshot.cluster.path if snapshot.cluster else None
    results = run_checks(topology, options, registry)
    findings = sorted(
        (replace(f, cluster=cluster) if cluster else f for f in results.findings),
        key=lambda f: (-f.severity.rank, f.ingress or "", f.code, f.resource),
    )
    findings = list(link(findings, topology))
    by_ingress: dict[str, list[Finding]] = defaultdict(list)
    by_id: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_ingress[finding.ingress or ""].append(finding)
        by_id[finding.id].append(finding)
    not_run = [f for f in by_ingress.get("", ()) if f.code in NOT_RUN]
    topology = replace(
        topology,
        ingresses=tuple(
            replace(
                p,
                findings=tuple(by_ingress.get(p.name, ())),
                cluster=cluster,
                verdict=judge(
                    p, by_ingress.get(p.name, ()), now=when, by_id=by_id, not_run=not_run
                ),
            )
            for p in topology.ingresses
        ),
    )
    return Report(
        snapshot.project,
        when,
        topology,
        tuple(findings),
        tuple(results.unchecked),
        results.unchecked,
        results.internal_errors,
    )


def options_for(
    topology: Topology,
    *,
    now: datetime,
    propagation_window: timedelta = timedelta(minutes=10),
    errors_since: datetime | None = None,
) -> AuditOptions:
    """What the checks judge ``topology`` with: the caller's times and each Ingress's onset."""
    return AuditOptions(
        now=now,
        propagation_window=propagation_window,
        errors_since=errors_since,
        onsets={
            p.name: p.traffic.onset
            for p in topology.ingresses
            if p.traffic is not None and p.traffic.onset is not None
        },
    )
