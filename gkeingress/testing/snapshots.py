"""Turn a fake world straight into a snapshot, for unit tests of checks that need no HTTP."""

from __future__ import annotations

from datetime import datetime

from gkeingress.collect.snapshot import ClusterIdentity, DataKind, Snapshot, build_snapshot
from gkeingress.testing.world import World

_KUBE_PLURALS = {
    DataKind.INGRESSES: "ingresses",
    DataKind.SERVICES: "services",
    DataKind.ENDPOINT_SLICES: "endpointslices",
    DataKind.PODS: "pods",
    DataKind.EVENTS: "events",
    DataKind.BACKEND_CONFIGS: "backendconfigs",
    DataKind.SVCNEGS: "servicenetworkendpointgroups",
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


def snapshot_of(world: World, collected_at: datetime) -> Snapshot:
    """The snapshot a perfect collection of ``world`` would produce, without any HTTP."""
    return build_snapshot(
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
