"""The cost of an audit in API calls does not grow with the number of Ingresses."""

import re

from google.auth.credentials import AnonymousCredentials

from gkeingress import analyse
from gkeingress.collect import ApiGate, collect
from gkeingress.snapshot import Snapshot
from gkeingress.testing import DEMO_NOW, FakeGKE
from gkeingress.testing.scale import world_of
from tests.unit.test_gate import Sleeps


def _collect(ingresses: int, page_size: int | None = None) -> tuple[Snapshot, int]:
    """A snapshot of a healthy fleet, and how many requests the fake served."""
    with FakeGKE(world_of(ingresses), page_size=page_size) as server, server.kube_client() as kc:
        snapshot = collect(
            "demo-project",
            kube_client=kc,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            gate=ApiGate(sleep=Sleeps()),
        )
        return snapshot, len(server.requests)


def test_a_healthy_fleet_costs_the_same_calls_at_any_size() -> None:
    """2 and 40 healthy Ingresses: the same calls of the same kinds, and no getHealth at all."""
    small, small_requests = _collect(2)
    large, large_requests = _collect(40)
    assert len(large.ingresses) == 40
    assert large.errors == ()
    assert dict(large.calls) == dict(small.calls)
    assert large_requests == small_requests == sum(small.calls.values())
    assert not [call for call in large.calls if "getHealth" in call]


def test_more_calls_are_only_more_pages() -> None:
    """With pages of 50 items, a larger fleet costs one call per page of each list, no more."""
    snapshot, _ = _collect(40, page_size=50)
    report = analyse(snapshot, now=DEMO_NOW)
    assert report.errors == []
    assert snapshot.calls["kubernetes list v1 pods"] == -(-len(snapshot.pods) // 50)
    # The NEG list is read as four chains split by the name's last character; each chain costs
    # one call per page of its own, and at least one.
    endings = ("[0-3]", "[4-7]", "[89ab]", "[^0-9ab]")
    chains = [sum(1 for n in snapshot.negs if re.fullmatch(f".*{e}", n.name)) for e in endings]
    assert sum(chains) == len(snapshot.negs)
    assert snapshot.calls["compute aggregatedList networkEndpointGroups"] == sum(
        max(1, -(-n // 50)) for n in chains
    )
    assert snapshot.calls["kubernetes list networking.k8s.io/v1 ingresses"] == 1
    assert {f.code for f in report.findings} == {"DEFAULT_BACKEND_404"}
