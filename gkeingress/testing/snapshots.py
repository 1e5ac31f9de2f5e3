"""Turn a fake world straight into a snapshot, for unit tests of checks that need no HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gkeingress.collect.health import endpoint_targets, health_targets
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.snapshot import (
    ClusterIdentity,
    DataKind,
    Snapshot,
    build_snapshot,
    with_backend_health,
    with_neg_endpoints,
)
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


def _identity(world: World) -> ClusterIdentity:
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


def snapshot_of(world: World, collected_at: datetime, *, deep: bool = False) -> Snapshot:
    """The snapshot a perfect collection of ``world`` would produce, without any HTTP.

    A world with one cluster (``world.clusters``) is audited as that cluster: ``Snapshot.cluster``.
    """
    first = build_snapshot(
        world.project,
        collected_at,
        kube={kind: world.kube.get(plural, []) for kind, plural in _KUBE_PLURALS.items()},
        compute={
            collection: [r for items in scopes.values() for r in items]
            for collection, scopes in world.compute.items()
            if collection not in ("instanceGroups", "sslCertificates")
        },
        identity=_identity(world),
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
    return replace(with_neg_endpoints(second, endpoints), cluster=cluster)
