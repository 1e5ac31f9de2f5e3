"""Compute pages read as JSON through compute_v1's transport: the same requests, answers and findings."""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.auth.transport.requests import AuthorizedSession
from google.cloud import compute_v1

from gkeingress import Report, audit
from gkeingress.collect import ApiGate, ComputeResult, PageReader, list_compute
from gkeingress.collect.compute import LISTS, ComputeList
from gkeingress.collect.rest import call_text
from gkeingress.testing import DEMO_NOW, FakeFleet, FakeGKE, WorldBuilder
from gkeingress.testing.scale import world_of
from gkeingress.testing.scenarios import demo_world
from gkeingress.testing.server import google_error
from gkeingress.testing.world import World

# The list methods' HTTP rules, from the Compute REST reference
# (https://cloud.google.com/compute/docs/reference/rest/v1/urlMaps/aggregatedList and siblings).
DOCUMENTED_URLS = {
    "urlMaps": "/compute/v1/projects/{project}/aggregated/urlMaps",
    "targetHttpProxies": "/compute/v1/projects/{project}/aggregated/targetHttpProxies",
    "targetHttpsProxies": "/compute/v1/projects/{project}/aggregated/targetHttpsProxies",
    "forwardingRules": "/compute/v1/projects/{project}/aggregated/forwardingRules",
    "backendServices": "/compute/v1/projects/{project}/aggregated/backendServices",
    "healthChecks": "/compute/v1/projects/{project}/aggregated/healthChecks",
    "networkEndpointGroups": "/compute/v1/projects/{project}/aggregated/networkEndpointGroups",
    "addresses": "/compute/v1/projects/{project}/aggregated/addresses",
    "firewalls": "/compute/v1/projects/{project}/global/firewalls",
}


def _client(listing: ComputeList, endpoint: str = "http://127.0.0.1:9") -> Any:
    return listing.client(
        credentials=AnonymousCredentials(), client_options=ClientOptions(api_endpoint=endpoint)
    )


@pytest.mark.parametrize("listing", LISTS, ids=lambda listing: listing.collection)
def test_the_private_names_call_text_reads_are_still_there(listing: ComputeList) -> None:
    """A google-cloud-compute release that moves the session or the URL rule fails here, not in an audit."""
    transport = _client(listing).transport
    assert transport.kind == "rest"
    assert isinstance(transport._session, AuthorizedSession), (
        f"compute_v1 {compute_v1.__version__}: the REST transport no longer keeps its "
        "AuthorizedSession in _session; update gkeingress/collect/rest.py"
    )
    stub = getattr(transport, listing.method)
    assert stub._get_http_options() == [
        {"method": "get", "uri": DOCUMENTED_URLS[listing.collection]}
    ], (
        f"compute_v1 {compute_v1.__version__}: the {listing.method} stub's _get_http_options() "
        "changed; update gkeingress/collect/rest.py"
    )


def _lists(server: FakeGKE, reader: PageReader, project: str) -> tuple[ComputeResult, list[Any]]:
    before = len(server.requests)
    result = list_compute(
        project,
        credentials=AnonymousCredentials(),
        compute_endpoint=server.compute_endpoint,
        gate=ApiGate(rate=None),
        reader=reader,
    )
    sent = sorted(
        (r.method, r.path, sorted(r.query.items()), r.headers.get("x-goog-request-params"))
        for r in server.requests[before:]
    )
    return result, sent


@pytest.mark.parametrize(
    ("world", "page_size"),
    [(demo_world(), None), (demo_world(), 3), (world_of(30), 40)],
    ids=["demo", "demo-pages-of-3", "bench-30-pages-of-40"],
)
def test_json_pages_hold_what_the_clients_messages_hold(
    world: World, page_size: int | None
) -> None:
    """Both readers send the same requests, page for page, and read the same resources."""
    with FakeGKE(world, page_size=page_size) as server:
        by_json, json_requests = _lists(server, PageReader.JSON, world.project)
        by_messages, message_requests = _lists(server, PageReader.MESSAGES, world.project)
    assert by_json.errors == by_messages.errors == []
    assert by_json.parsed == by_messages.parsed
    assert json_requests == message_requests
    chains = 6 + 3 * 4  # NEGs, backend services and health checks in four chains each
    assert len(json_requests) > chains if page_size else len(json_requests) == chains


def _report(server: FakeGKE, world: World, reader: PageReader) -> Report:
    lists = list_compute(
        world.project,
        credentials=AnonymousCredentials(),
        compute_endpoint=server.compute_endpoint,
        gate=ApiGate(rate=None),
        reader=reader,
    )
    with server.kube_client() as kube_client:
        return audit(
            world.project,
            kube_client=kube_client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.compute_endpoint,
            now=DEMO_NOW,
            compute_lists=lists,
        )


@pytest.mark.parametrize("world", [demo_world(), world_of(60)], ids=["demo", "bench-60"])
def test_findings_are_the_same_through_either_reader(world: World) -> None:
    """The demo's and the benchmark's reports find the same things, Ingress by Ingress."""
    with FakeGKE(world, page_size=50) as server:
        by_json = _report(server, world, PageReader.JSON).to_dict()
        by_messages = _report(server, world, PageReader.MESSAGES).to_dict()
    assert by_json["findings"]
    for part in ("summary", "findings", "ingresses", "errors", "unchecked"):
        assert by_json[part] == by_messages[part], part


def test_an_api_error_is_the_clients_own_exception() -> None:
    """A 403 read as JSON raises the google.api_core exception the client raises, same message."""
    world = World(project="demo-project")
    with FakeGKE(world) as server:
        server.faults.append(lambda req: google_error(403, "forbidden", "Required 'x' permission"))
        listing = LISTS[0]
        request = listing.request(project="demo-project", max_results=500)
        with _client(listing, server.compute_endpoint) as client:
            with pytest.raises(gexc.Forbidden) as by_json:
                call_text(client, listing.method, request, timeout=5)
            with pytest.raises(gexc.Forbidden) as by_client:
                client.aggregated_list(request=request, retry=None, timeout=5)
    assert by_json.value.message == by_client.value.message
    assert by_json.value.message.endswith(": Required 'x' permission")
    assert by_json.value.errors == by_client.value.errors
    assert by_json.value.response.status_code == 403


def test_the_clients_credentials_sign_each_page() -> None:
    """Every page carries the bearer token of the credentials given to the client, as its methods send it."""
    builder = WorldBuilder(project="team-a", cluster_name="shop")
    builder.cluster("us-central1")
    with FakeFleet([builder.world], page_size=1) as fleet:
        server = fleet.projects["team-a"]
        snapshot_lists = list_compute(
            "team-a", credentials=fleet.credentials, compute_endpoint=fleet.url, gate=ApiGate()
        )
        pages = [r for r in server.requests if r.path.startswith("/compute/")]
    assert snapshot_lists.errors == []
    assert pages
    assert {r.headers.get("authorization") for r in pages} == {
        f"Bearer {token}" for token in fleet.credentials.issued
    }
    assert all(
        r.headers["x-goog-api-client"].endswith(f"gapic/{compute_v1.__version__}") for r in pages
    )
