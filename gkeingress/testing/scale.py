"""Worlds of any size, for benchmarks and for tests that the audit's cost does not grow with them."""

from __future__ import annotations

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.world import World


def world_of(ingresses: int, *, zones: int = 3) -> World:
    """``ingresses`` healthy Ingresses, each routing to two NEG-backed Services spread over ``zones``."""
    builder = WorldBuilder(zones=[f"us-central1-{z}" for z in "abcdef"[:zones]])
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
