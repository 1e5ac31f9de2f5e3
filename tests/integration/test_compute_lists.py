"""Compute lists read through compute_v1 over HTTP: every resource once, in a stable order."""

from __future__ import annotations

from typing import cast

import pytest
from google.auth.credentials import AnonymousCredentials

from gkeingress.collect.compute import ComputeCollector, ComputeResult
from gkeingress.collect.gate import ApiGate
from gkeingress.resources.gce import NetworkEndpointGroup
from gkeingress.testing.server import FakeGKE
from gkeingress.testing.world import World
from tests.integration.test_fake_server import PROJECT, compute_resource

# Inserted out of name order, as a project's scopes come in no particular order.
SCOPES = {
    "zones/us-east1-b": ["neg-e"],
    "global": ["neg-a", "neg-b"],
    "zones/europe-west4-a": ["neg-c", "neg-d"],
}
NAMES = ["neg-a", "neg-b", "neg-c", "neg-d", "neg-e"]


def _names(result: ComputeResult) -> list[str]:
    """The names of the NEGs read, in the order read."""
    return [neg.name for neg in cast(tuple[NetworkEndpointGroup, ...], result.parsed.views["negs"])]


def collect_negs(page_size: int | None, gate: ApiGate) -> ComputeResult:
    """Collect a world holding only the NEGs of :data:`SCOPES`, pages cut at ``page_size``."""
    world = World(project=PROJECT)
    for scope, names in SCOPES.items():
        for name in names:
            compute_resource(world, "networkEndpointGroups", scope, name)
    with FakeGKE(world, page_size=page_size) as fake:
        return ComputeCollector(
            PROJECT, credentials=AnonymousCredentials(), endpoint=fake.compute_endpoint, gate=gate
        ).collect()


def test_scopes_of_a_page_come_in_name_order() -> None:
    """Resources of one aggregated page are listed scope by scope in name order, every run."""
    result = collect_negs(None, ApiGate(rate=None))
    assert result.errors == []
    assert _names(result) == NAMES


# NEGs are read as four chains by the name's last character: [0-3], [4-7] and the rest of this
# world's names, neg-a and neg-b in [89ab], neg-c, neg-d and neg-e in none of those. Each chain
# costs one call per page of its own, and one when it is empty.
@pytest.mark.parametrize(("page_size", "calls"), [(1, 1 + 1 + 2 + 3), (2, 1 + 1 + 1 + 2), (4, 4)])
def test_each_resource_once_and_one_call_per_page(page_size: int, calls: int) -> None:
    """However the pages are cut, every resource comes once and each page costs one call."""
    gate = ApiGate(rate=None)
    result = collect_negs(page_size, gate)
    assert result.errors == []
    assert sorted(_names(result)) == NAMES
    assert gate.counts()["compute aggregatedList networkEndpointGroups"] == calls
