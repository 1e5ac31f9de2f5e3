"""One collection: the lists of both APIs side by side, then the per-group calls they call for."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone

from google.auth.credentials import Credentials
from kubernetes import client as k8s

from gkeingress.collect.compute import ComputeCollector, ComputeResult, PageReader
from gkeingress.collect.evidence import EvidenceResult
from gkeingress.collect.gate import ApiGate
from gkeingress.collect.health import (
    GroupCollector,
    GroupResult,
    endpoint_targets,
    health_targets,
)
from gkeingress.collect.kubernetes import KubernetesCollector
from gkeingress.collect.logs import LogResult
from gkeingress.collect.progress import HEALTH, LISTS, NO_PROGRESS, Progress
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.snapshot import (
    DataKind,
    Snapshot,
    build_snapshot,
    with_backend_health,
    with_neg_endpoints,
)


def collect(
    project: str,
    *,
    kube_client: k8s.ApiClient,
    credentials: Credentials | None,
    compute_endpoint: str | None = None,
    namespace: str | None = None,
    deep: bool = False,
    gate: ApiGate | None = None,
    progress: Progress = NO_PROGRESS,
    compute_lists: ComputeResult | Callable[[], ComputeResult] | None = None,
    evidence: EvidenceResult | Callable[[], EvidenceResult | None] | None = None,
    logs: Callable[[Snapshot], LogResult] | None = None,
    cluster: ClusterInfo | None = None,
) -> Snapshot:
    """Read both APIs, read-only, and return what they said (and every call that failed).

    The Kubernetes and Compute lists (one call per kind, pages aside) run side by side; then
    getHealth for the backend services that are not reported healthy, and listNetworkEndpoints for
    the NEGs whose size differs from the endpoints the NEG controller would attach in the zone
    (all of both with ``deep``).
    ``progress`` hears of each phase and each finished call. ``compute_lists`` are the project's
    Compute lists when they were already read (:func:`list_compute`), or what waits for them
    beside the Kubernetes lists: a fleet reads them once per project, not once per cluster.
    ``evidence`` is the load balancer's evidence, already read, or what reads it (or waits for a
    fleet's, per project) beside the lists; None reads none. ``logs`` reads the
    log evidence of the Ingresses listed (:func:`gkeingress.collect.logs.read_logs`), beside the
    second phase; None reads none. ``cluster`` is the cluster read, when known: its name keeps the
    log queries to its own Kubernetes writes.
    """
    gate = gate or ApiGate()
    kube_collector = KubernetesCollector(kube_client, gate, namespace, progress)
    progress.phase(LISTS)
    # Kubernetes and the evidence there, Compute here, side by side
    with ThreadPoolExecutor(2) as pool:
        kube_job = pool.submit(kube_collector.collect)
        given = evidence if isinstance(evidence, EvidenceResult) else None
        reader = None if isinstance(evidence, EvidenceResult) else evidence
        evidence_job = pool.submit(reader) if reader is not None else None
        compute = (
            list_compute(
                project,
                credentials=credentials,
                compute_endpoint=compute_endpoint,
                gate=gate,
                progress=progress,
            )
            if compute_lists is None
            else compute_lists
            if isinstance(compute_lists, ComputeResult)
            else compute_lists()
        )
        kube = kube_job.result()
        found = evidence_job.result() if evidence_job is not None else given
    first = build_snapshot(
        project,
        datetime.now(timezone.utc),
        parsed=[*kube.parsed, compute.parsed],
        identity=kube.identity,
        errors=[*kube.errors, *compute.errors],
        cluster=cluster,
    )
    progress.phase(HEALTH)
    health, endpoints = health_targets(first, deep=deep), endpoint_targets(first, deep=deep)
    with ThreadPoolExecutor(1) as pool:  # the logs there, the per-group calls here
        logs_job = pool.submit(logs, first) if logs is not None else None
        groups = (
            GroupCollector(
                project,
                credentials=credentials,
                endpoint=compute_endpoint,
                gate=gate,
                progress=progress,
            ).collect(health, endpoints)
            if health or endpoints
            else GroupResult()  # nothing to ask: no clients to build
        )
        logged = logs_job.result() if logs_job is not None else None
    second = with_backend_health(first, groups.answers[DataKind.BACKEND_HEALTH], groups.errors)
    third = with_neg_endpoints(second, groups.answers[DataKind.NEG_ENDPOINTS])
    fourth = found.into(third) if found is not None else third
    return replace(
        logged.into(fourth) if logged is not None else fourth,
        calls=gate.counts(),
        waited=gate.waited,
        retries=gate.retries,
    )


def list_compute(
    project: str,
    *,
    credentials: Credentials | None,
    compute_endpoint: str | None = None,
    gate: ApiGate,
    progress: Progress = NO_PROGRESS,
    reader: PageReader = PageReader.JSON,
) -> ComputeResult:
    """The project's Compute lists (one aggregated list per collection, pages followed).

    ``reader``: read each page as JSON through the client's transport (the default), or through
    the client's methods and their protobuf messages (the slower path the first is tested against).
    """
    return ComputeCollector(
        project,
        credentials=credentials,
        endpoint=compute_endpoint,
        gate=gate,
        progress=progress,
        reader=reader,
    ).collect()
