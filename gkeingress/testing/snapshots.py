"""Turn a fake world straight into a snapshot, for unit tests of checks that need no HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from gkeingress.collect.health import endpoint_targets, health_targets
from gkeingress.collect.logs import DEFAULT_MAX_ENTRIES, QUERIES, log_scope
from gkeingress.collect.monitoring import time_series_request
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.resources.logs import LogRead
from gkeingress.resources.monitoring import REQUEST_METRICS, TimeWindow
from gkeingress.resources.refs import RefReader
from gkeingress.snapshot import (
    ClusterIdentity,
    DataKind,
    Parsed,
    Snapshot,
    build_snapshot,
    parse_compute,
    parse_kube,
    with_backend_health,
    with_evidence,
    with_neg_endpoints,
)
from gkeingress.testing.logfilter import compile_filter
from gkeingress.testing.monitoring import answer
from gkeingress.testing.world import World

_KUBE_PLURALS = {
    DataKind.INGRESSES: "ingresses",
    DataKind.SERVICES: "services",
    DataKind.ENDPOINT_SLICES: "endpointslices",
    DataKind.PODS: "pods",
    DataKind.EVENTS: "events",
    DataKind.BACKEND_CONFIGS: "backendconfigs",
    DataKind.SVCNEGS: "servicenetworkendpointgroups",
    DataKind.FRONTEND_CONFIGS: "frontendconfigs",
    DataKind.SECRETS: "secrets",
    DataKind.REPLICASETS: "replicasets",
}


def identity_of(world: World) -> ClusterIdentity:
    """The cluster's identity as an audit reads it: the ``ingress-uid`` ConfigMap, kube-system."""
    uid = next(
        (
            str(c.get("data", {}).get("uid", ""))
            for c in world.kube.get("configmaps", [])
            if c["metadata"]["name"] == "ingress-uid"
            and c["metadata"].get("namespace") == "kube-system"
        ),
        "",
    )
    kube_system = next(
        (
            str(n["metadata"].get("uid", ""))
            for n in world.kube.get("namespaces", [])
            if n["metadata"]["name"] == "kube-system"
        ),
        "",
    )
    return ClusterIdentity(uid=uid, kube_system_uid=kube_system)


def _read_logs(snapshot: Snapshot, world: World, window: TimeWindow) -> Snapshot:
    """``snapshot`` plus the world's log entries each of the collector's own filters selects."""
    scope = log_scope(snapshot, window.start, snapshot.collected_at)
    entries, reads = {}, []
    for kind, make_filter in QUERIES:
        text = make_filter(scope)
        selected = compile_filter(text)
        found = sorted(
            (e for e in world.log_entries if selected(e)),
            key=lambda e: str(e["timestamp"]),
            reverse=True,
        )
        entries[kind] = found[:DEFAULT_MAX_ENTRIES]
        truncated = len(found) > DEFAULT_MAX_ENTRIES
        reads.append(
            LogRead(kind.value, text, scope.start, scope.end, len(entries[kind]), truncated)
        )
    return with_evidence(snapshot, window, entries, reads=reads)


def parsed_lists(world: World) -> list[Parsed]:
    """Every list of ``world`` the audit reads, parsed as a perfect collection would parse them."""
    refs = RefReader(world.project)
    return [
        *(parse_kube(kind, world.kube.get(plural, [])) for kind, plural in _KUBE_PLURALS.items()),
        *(
            parse_compute(refs, collection, [r for rs in scopes.values() for r in rs])
            for collection, scopes in world.compute.items()
            if collection not in ("instanceGroups", "sslCertificates")
        ),
    ]


def snapshot_of(
    world: World,
    collected_at: datetime,
    *,
    deep: bool = False,
    errors_window: timedelta | None = timedelta(hours=6),
) -> Snapshot:
    """The snapshot a perfect collection of ``world`` would produce, without any HTTP.

    A world with one cluster (``world.clusters``) is audited as that cluster: ``Snapshot.cluster``.
    Its evidence is read over ``errors_window`` before ``collected_at`` as the audit asks for it
    (None: not read, as ``audit(evidence=False)``): the request counts, and the log entries each
    of the collector's own queries selects.
    """
    first = build_snapshot(
        world.project,
        collected_at,
        parsed=parsed_lists(world),
        identity=identity_of(world),
    )
    answers = [
        {"backendService": bs.self_link, "group": b.group.self_link, "health": health}
        for bs in health_targets(first, deep=deep)
        for b in bs.backends
        for health in [world.backend_health.get((bs.ref.path, b.group.path), {})]
    ]
    endpoints = [
        {"neg": neg.self_link, "items": world.network_endpoints.get(neg.ref.path, [])}
        for neg in endpoint_targets(first, deep=deep)
    ]
    cluster = ClusterInfo.from_json(world.clusters[0]) if len(world.clusters) == 1 else None
    second = with_backend_health(first, answers)
    third = replace(with_neg_endpoints(second, endpoints), cluster=cluster)
    if errors_window is None:
        return third
    window = TimeWindow.ending(collected_at, errors_window)
    series = [
        found
        for metric in REQUEST_METRICS
        for found in answer(
            {world.project: world.time_series}, time_series_request(world.project, metric, window)
        )
    ]
    counted = with_evidence(third, window, {DataKind.REQUEST_COUNTS: series})
    return _read_logs(counted, world, window)
