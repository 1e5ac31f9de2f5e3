"""The fake's aggregated lists cut pages across scope boundaries, read through the real client."""

from __future__ import annotations

import pytest
from google.cloud import compute_v1

from gkeingress.testing.server import FakeGKE
from gkeingress.testing.world import World
from tests.integration.test_fake_server import PROJECT, backend_services, compute_resource

SCOPES = {
    "global": ["bs-a", "bs-b"],
    "regions/europe-west4": ["bs-c"],
    "regions/us-east1": ["bs-d", "bs-e", "bs-f"],
}


@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 6, 500])
def test_every_page_size_yields_each_resource_once(per_page: int) -> None:
    """Whatever the page size, an aggregated list returns every resource of every scope once."""
    world = World(project=PROJECT)
    for scope, names in SCOPES.items():
        for name in names:
            compute_resource(world, "backendServices", scope, name)
    request = compute_v1.AggregatedListBackendServicesRequest(project=PROJECT, max_results=per_page)
    with FakeGKE(world) as fake, backend_services(fake) as client:
        seen = [
            (scope, bs.name)
            for page in client.aggregated_list(request=request).pages
            for scope, scoped in page.items.items()
            for bs in scoped.backend_services
        ]
        calls = fake.calls()[f"GET /compute/v1/projects/{PROJECT}/aggregated/backendServices"]
    assert sorted(seen) == [(scope, name) for scope, names in SCOPES.items() for name in names]
    assert calls == -(-6 // per_page)
