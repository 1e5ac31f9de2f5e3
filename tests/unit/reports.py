"""Reports the renderer tests share: the demo, and the demo with failed API calls."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from gkeingress import CollectionError, Report, analyse
from gkeingress.snapshot import DataKind
from gkeingress.testing import DEMO_NOW, demo_world, snapshot_of

PODS_FORBIDDEN = CollectionError(
    DataKind.PODS,
    "list v1 pods",
    'permission denied: pods is forbidden: User "me" cannot list resource "pods"',
    403,
    "Forbidden",
)
INGRESSES_FORBIDDEN = CollectionError(
    DataKind.INGRESSES,
    "list networking.k8s.io/v1 ingresses",
    "permission denied: ingresses.networking.k8s.io is forbidden",
    403,
    "Forbidden",
)


@cache
def demo_report(*errors: CollectionError) -> Report:
    """The demo world's report, as if the given calls had failed."""
    snapshot = snapshot_of(demo_world(), DEMO_NOW)
    return analyse(replace(snapshot, errors=errors), now=DEMO_NOW)
