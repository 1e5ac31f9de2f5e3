"""Worlds of any size, for benchmarks and for tests that the audit's cost does not grow with them."""

from __future__ import annotations

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.world import World


def _populate(builder: WorldBuilder, ingresses: int, zones: int) -> World:
    for i in range(ingresses):
        namespace = f"team-{i // 50:03d}"
        web, api = f"web-{i:04d}", f"api-{i:04d}"
        builder.service(namespace, web, replicas=zones)
        builder.service(namespace, api, replicas=zones)
        builder.ingress(
            namespace,
            f"app-{i:04d}",
            rules=[Rule(f"app-{i:04d}.example.com", [Path("/api", api), Path("/", web)])],
        )
    return builder.world


def world_of(ingresses: int, *, zones: int = 3) -> World:
    """``ingresses`` healthy Ingresses, each routing to two NEG-backed Services spread over ``zones``."""
    return builder_of(ingresses, zones=zones).world


def builder_of(ingresses: int, *, zones: int = 3) -> WorldBuilder:
    """The builder of :func:`world_of`, to add to its world (``app-NNNN`` Ingresses)."""
    builder = WorldBuilder(zones=[f"us-central1-{z}" for z in "abcdef"[:zones]])
    _populate(builder, ingresses, zones)
    return builder


def fleet_of(clusters: int, projects: int, ingresses: int, *, zones: int = 3) -> list[World]:
    """``clusters`` worlds like :func:`world_of`, dealt round-robin over ``projects`` projects.

    Cluster ``n`` is ``cluster-NN`` in ``fleet-project-(n % projects)``, region us-central1, with
    its own cluster and kube-system UIDs, so the load balancers of a project's clusters never share
    a name. Serve them with :class:`~gkeingress.testing.FakeFleet`.
    """
    worlds = []
    for n in range(clusters):
        builder = WorldBuilder(
            project=f"fleet-project-{n % projects}",
            cluster_name=f"cluster-{n:02d}",
            cluster_uid=f"{n:04x}c0ffee{n:06x}",
            kube_system_uid=f"7b1f3a2e-5c4d-4e8f-9a0b-{n:012x}",
            zones=[f"us-central1-{z}" for z in "abcdef"[:zones]],
        )
        builder.cluster("us-central1")
        worlds.append(_populate(builder, ingresses, zones))
    return worlds
