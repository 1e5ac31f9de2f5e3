"""The fake Compute API filters lists as Compute documents its regular-expression ``filter``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1

from gkeingress.collect.compute import BY_LAST_CHARACTER
from gkeingress.testing.server import FakeGKE
from gkeingress.testing.world import World
from tests.integration.test_fake_server import BASE, PROJECT, compute_resource

NEGS = {
    "zones/us-east1-b": ["k8s1-0a1b2c3d-shop-web-80-5e6f7a80", "legacy-neg"],
    "zones/europe-west4-a": ["k8s1-0a1b2c3d-shop-api-80-9c8d7e6b", "k8s1-0a1b2c3d-x-y-80-12345674"],
    "global": ["k8s1-0a1b2c3d-z-z-80-aaaaaaaf"],
}


@pytest.fixture(name="client")
def _client() -> Iterator[compute_v1.NetworkEndpointGroupsClient]:
    world = World(project=PROJECT)
    for scope, names in NEGS.items():
        for name in names:
            zone = {"zone": f"{BASE}{scope}"} if scope.startswith("zones/") else {}
            compute_resource(world, "networkEndpointGroups", scope, name, **zone)
    with FakeGKE(world) as fake:
        yield compute_v1.NetworkEndpointGroupsClient(
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=fake.compute_endpoint),
        )


def _names(client: compute_v1.NetworkEndpointGroupsClient, text: str) -> list[str]:
    request = compute_v1.AggregatedListNetworkEndpointGroupsRequest(project=PROJECT, filter=text)
    pages = client.aggregated_list(request=request, retry=None)
    return sorted(neg.name for _, scoped in pages for neg in scoped.network_endpoint_groups)


def test_the_audits_four_filters_split_every_name_once(
    client: compute_v1.NetworkEndpointGroupsClient,
) -> None:
    """Each NEG comes back under exactly one of the filters the audit splits long lists by."""
    shards = [_names(client, text) for text in BY_LAST_CHARACTER]
    assert shards == [
        ["k8s1-0a1b2c3d-shop-web-80-5e6f7a80"],
        ["k8s1-0a1b2c3d-x-y-80-12345674"],
        ["k8s1-0a1b2c3d-shop-api-80-9c8d7e6b"],
        ["k8s1-0a1b2c3d-z-z-80-aaaaaaaf", "legacy-neg"],
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("name eq k8s1-.*", 4),
        ("name eq 'k8s1-.*-shop-.*'", 2),
        ('name eq "legacy-neg"', 1),
        ("name eq legacy", 0),  # the expression must match the whole name
        ("name ne k8s1-.*", 1),
        ("(name eq k8s1-.*) (zone eq .*/us-east1-b)", 1),
        ("zone eq .*europe.*", 2),
        ("zone ne .*", 1),  # a global NEG has no zone: only `ne` keeps it
    ],
)
def test_documented_regular_expression_filters(
    client: compute_v1.NetworkEndpointGroupsClient, text: str, names: int
) -> None:
    """``field eq|ne literal``, quoted or not, alone or several in parentheses, as Compute reads them."""
    assert len(_names(client, text)) == names


@pytest.mark.parametrize("text", ["name = legacy-neg", "name eq (", "(name eq a) name eq b"])
def test_a_filter_the_fake_cannot_read_is_a_400(
    client: compute_v1.NetworkEndpointGroupsClient, text: str
) -> None:
    """The AIP-160 form, a bad regular expression and a malformed list are refused, not ignored."""
    with pytest.raises(gexc.BadRequest, match="Invalid value for field 'filter'"):
        _names(client, text)
