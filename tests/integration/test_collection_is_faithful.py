"""What the audit reads over HTTP is what the world holds: page by page, item by item, chain by chain."""

from __future__ import annotations

from dataclasses import replace

import pytest
from google.auth.credentials import AnonymousCredentials

from gkeingress import Report, analyse
from gkeingress.collect import ApiGate, collect
from gkeingress.snapshot import Snapshot
from gkeingress.testing import DEMO_NOW, FakeGKE, demo_world, snapshot_of
from gkeingress.testing.scale import world_of
from gkeingress.testing.world import World

LISTS = (
    "ingresses",
    "services",
    "endpoint_slices",
    "pods",
    "events",
    "backend_configs",
    "svcnegs",
    "frontend_configs",
    "secrets",
    "replicasets",
    "url_maps",
    "target_proxies",
    "forwarding_rules",
    "backend_services",
    "health_checks",
    "negs",
    "firewalls",
    "addresses",
)


def _over_http(world: World, page_size: int | None) -> Snapshot:
    with FakeGKE(world, page_size=page_size) as server, server.kube_client() as client:
        return collect(
            world.project,
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            gate=ApiGate(rate=None),
        )


def _held(snapshot: Snapshot, name: str) -> list[str]:
    """One list of the snapshot, in an order that does not depend on how it was read."""
    return sorted(map(repr, getattr(snapshot, name)))


def _judged(report: Report) -> list[tuple[str, str | None, str, str]]:
    return [(f.code, f.ingress, f.resource, f.message) for f in report.findings]


@pytest.mark.parametrize(
    ("world", "page_size"),
    [(demo_world(), None), (demo_world(), 7), (world_of(30), None), (world_of(30), 16)],
    ids=["demo", "demo-pages-of-7", "bench-30", "bench-30-pages-of-16"],
)
def test_the_snapshot_read_over_http_holds_the_world(world: World, page_size: int | None) -> None:
    """Every object of every list is read once, whole, and the audit judges it as it judges the world."""
    read = _over_http(world, page_size)
    perfect = replace(snapshot_of(world, DEMO_NOW, errors_window=None), cluster=None)
    assert read.errors == ()
    for name in LISTS:
        assert _held(read, name) == _held(perfect, name), name
    assert _held(read, "backend_health") == _held(perfect, "backend_health")
    assert _held(read, "neg_endpoints") == _held(perfect, "neg_endpoints")
    judged = analyse(read, now=DEMO_NOW)
    assert judged.findings
    assert _judged(judged) == _judged(analyse(perfect, now=DEMO_NOW))
