"""The fake GKE server, exercised through the real Compute and Kubernetes clients over HTTP."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from google.cloud import compute_v1
from kubernetes import client as kube
from kubernetes.client import ApiException

from gkeingress.testing.server import FakeGKE, google_error
from gkeingress.testing.world import World

if TYPE_CHECKING:
    from collections.abc import Iterator

PROJECT = "demo-project"
BASE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/"
CREATED = "2026-11-20T09:00:00.000-08:00"
_TYPES: dict[str, Any] = {
    "backendServices": compute_v1.BackendService,
    "networkEndpointGroups": compute_v1.NetworkEndpointGroup,
}


def _body(error: ApiException) -> Any:
    """The JSON body of the API server's error answer."""
    assert error.body is not None
    return json.loads(error.body)


def _names(items: Any) -> list[str]:
    """The names of a list's objects, in order."""
    return [str(item.metadata.name) for item in items]


def compute_resource(world: World, collection: str, scope: str, name: str, **body: Any) -> None:
    """Add a minimal Compute resource that the client's type parses strictly."""
    kind = collection[0].lower() + collection[1:-1]
    resource = {
        "kind": f"compute#{kind}",
        "id": str(1000 + len(world.compute_resources(collection, scope))),
        "creationTimestamp": CREATED,
        "name": name,
        "selfLink": f"{BASE}{scope}/{collection}/{name}",
        **body,
    }
    _TYPES[collection].from_json(json.dumps(resource), ignore_unknown_fields=False)
    world.compute_resources(collection, scope).append(resource)


def kube_object(
    world: World, plural: str, api_version: str, kind: str, name: str, **body: Any
) -> None:
    """Add a Kubernetes object; ``namespace`` and ``labels`` go into its metadata."""
    metadata: dict[str, Any] = {"name": name, "resourceVersion": "7"}
    for key in ("namespace", "labels"):
        if key in body:
            metadata[key] = body.pop(key)
    world.kube_objects(plural).append(
        {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
    )


def ingress(world: World, namespace: str, name: str, **labels: str) -> None:
    """Add an Ingress."""
    kube_object(
        world,
        "ingresses",
        "networking.k8s.io/v1",
        "Ingress",
        name,
        namespace=namespace,
        labels=labels,
    )


def event(world: World, name: str, about: str, reason: str, *, type_: str = "Warning") -> None:
    """Add an Event in namespace ``default`` about ``about`` (``"Kind/name"``)."""
    kind, obj = about.split("/")
    involved = {"kind": kind, "name": obj, "namespace": "default"}
    kube_object(
        world, "events", "v1", "Event", name,
        namespace="default", involvedObject=involved, reason=reason, type=type_,
    )  # fmt: skip


@pytest.fixture
def world() -> World:
    """An empty world in the demo project."""
    return World(project=PROJECT)


@pytest.fixture
def fake(world: World) -> Iterator[FakeGKE]:
    """The fake server for ``world``, running."""
    with FakeGKE(world) as server:
        yield server


def backend_services(server: FakeGKE) -> compute_v1.BackendServicesClient:
    """A real BackendServicesClient pointed at the fake."""
    return compute_v1.BackendServicesClient(
        credentials=AnonymousCredentials(), client_options={"api_endpoint": server.compute_endpoint}
    )


# -- Compute --------------------------------------------------------------------------------


def test_aggregated_list_pages_return_every_item_once(world: World, fake: FakeGKE) -> None:
    """Aggregated lists read one item per page yield every resource of every scope once."""
    compute_resource(world, "backendServices", "global", "bs-a")
    compute_resource(world, "backendServices", "global", "bs-b")
    compute_resource(world, "backendServices", "regions/europe-west4", "bs-c")
    compute_resource(world, "networkEndpointGroups", "zones/europe-west4-b", "neg-z")
    compute_resource(world, "networkEndpointGroups", "global", "neg-g")
    seen: list[tuple[str, str]] = []
    warned: set[str] = set()
    request = compute_v1.AggregatedListBackendServicesRequest(project=PROJECT, max_results=1)
    with backend_services(fake) as client:
        for scope, scoped in client.aggregated_list(request=request):
            seen += [(scope, bs.name) for bs in scoped.backend_services]
            if scoped.warning.code == "NO_RESULTS_ON_PAGE":  # type: ignore[attr-defined]  # compute_v1's Warning message, read by mypy as builtins.Warning
                warned.add(scope)
    assert sorted(seen) == [
        ("global", "bs-a"),
        ("global", "bs-b"),
        ("regions/europe-west4", "bs-c"),
    ]
    assert "regions/us-central1" in warned
    assert fake.calls()[f"GET /compute/v1/projects/{PROJECT}/aggregated/backendServices"] == 3
    with compute_v1.NetworkEndpointGroupsClient(
        credentials=AnonymousCredentials(), client_options={"api_endpoint": fake.url}
    ) as negs:
        pager = negs.aggregated_list(project=PROJECT)
        names = {(s, n.name) for s, scoped in pager for n in scoped.network_endpoint_groups}
    assert names == {("zones/europe-west4-b", "neg-z"), ("global", "neg-g")}


def test_get_returns_the_resource_and_missing_raises_not_found(world: World, fake: FakeGKE) -> None:
    """Get returns the stored resource; an unknown name or project is a Google 404."""
    compute_resource(world, "backendServices", "regions/europe-west4", "bs-r", port=80)
    with (
        backend_services(fake) as client,
        compute_v1.RegionBackendServicesClient(
            credentials=AnonymousCredentials(), client_options={"api_endpoint": fake.url}
        ) as regional,
    ):
        got = regional.get(project=PROJECT, region="europe-west4", backend_service="bs-r")
        assert (got.name, got.port) == ("bs-r", 80)
        with pytest.raises(gexc.NotFound, match="global/backendServices/nope' was not found"):
            client.get(project=PROJECT, backend_service="nope")
        with pytest.raises(gexc.NotFound, match="projects/other"):
            client.get(project="other", backend_service="bs-r")


def test_get_health_answers_from_the_world(world: World, fake: FakeGKE) -> None:
    """The getHealth call answers from the world, or with an empty health for unknown groups."""
    compute_resource(world, "backendServices", "global", "bs-a")
    group = f"{BASE}zones/us-east1-b/networkEndpointGroups/neg-1"
    world.backend_health[
        (f"projects/{PROJECT}/global/backendServices/bs-a", group.split("/compute/v1/")[1])
    ] = {
        "kind": "compute#backendServiceGroupHealth",
        "healthStatus": [{"ipAddress": "10.8.0.5", "port": 8080, "healthState": "UNHEALTHY"}],
    }
    with backend_services(fake) as client:
        health = client.get_health(
            project=PROJECT,
            backend_service="bs-a",
            resource_group_reference_resource=compute_v1.ResourceGroupReference(group=group),
        )
        other = client.get_health(
            project=PROJECT,
            backend_service="bs-a",
            resource_group_reference_resource=compute_v1.ResourceGroupReference(group="x/y"),
        )
        with pytest.raises(gexc.NotFound):
            client.get_health(
                project=PROJECT,
                backend_service="missing",
                resource_group_reference_resource=compute_v1.ResourceGroupReference(group=group),
            )
    assert [(h.ip_address, h.health_state) for h in health.health_status] == [
        ("10.8.0.5", "UNHEALTHY")
    ]
    assert not other.health_status
    assert not fake.mutating_requests


def test_list_network_endpoints_paginates_under_page_size(world: World) -> None:
    """The listNetworkEndpoints call pages the stored endpoints by the server's page size."""
    compute_resource(world, "networkEndpointGroups", "zones/us-east1-b", "neg-1")
    world.network_endpoints[f"projects/{PROJECT}/zones/us-east1-b/networkEndpointGroups/neg-1"] = [
        {"networkEndpoint": {"ipAddress": f"10.8.0.{i}", "port": 8080}} for i in range(3)
    ]
    with (
        FakeGKE(world, page_size=2) as server,
        compute_v1.NetworkEndpointGroupsClient(
            credentials=AnonymousCredentials(), client_options={"api_endpoint": server.url}
        ) as client,
    ):
        pager = client.list_network_endpoints(
            project=PROJECT,
            zone="us-east1-b",
            network_endpoint_group="neg-1",
            network_endpoint_groups_list_endpoints_request_resource=(
                compute_v1.NetworkEndpointGroupsListEndpointsRequest(health_status="SHOW")
            ),
        )
        ips = [e.network_endpoint.ip_address for e in pager]
        requests = server.requests
    assert ips == ["10.8.0.0", "10.8.0.1", "10.8.0.2"]
    assert [r.status for r in requests] == [200, 200]
    assert "pageToken" in requests[1].query


def test_fault_reaches_the_client_as_forbidden(world: World, fake: FakeGKE) -> None:
    """A fault answering 403 surfaces as google.api_core Forbidden and is recorded."""
    compute_resource(world, "backendServices", "global", "bs-a")
    denied = google_error(403, "forbidden", "Required 'compute.backendServices.get' permission")
    fake.faults.append(lambda req: denied if "backendServices" in req.path else None)
    with backend_services(fake) as client, pytest.raises(gexc.Forbidden, match=r"compute\.backend"):
        client.get(project=PROJECT, backend_service="bs-a")
    assert [r.status for r in fake.requests] == [403]


def test_mutating_calls_are_refused_and_recorded(world: World, fake: FakeGKE) -> None:
    """A delete through either API gets 405, changes nothing and is listed as mutating."""
    compute_resource(world, "backendServices", "global", "bs-a")
    ingress(world, "default", "web")
    with backend_services(fake) as client, pytest.raises(gexc.MethodNotAllowed, match="read-only"):
        client.delete(project=PROJECT, backend_service="bs-a")
    with fake.kube_client() as api, pytest.raises(ApiException) as caught:
        kube.NetworkingV1Api(api).delete_namespaced_ingress("web", "default")
    assert caught.value.status == 405
    assert _body(caught.value)["reason"] == "MethodNotAllowed"
    assert [(r.method, r.status) for r in fake.mutating_requests] == [
        ("DELETE", 405),
        ("DELETE", 405),
    ]
    assert len(world.compute["backendServices"]["global"]) == 1
    assert len(world.kube["ingresses"]) == 1


# -- Kubernetes -----------------------------------------------------------------------------


def test_kube_list_paginates_with_limit_and_continue(world: World, fake: FakeGKE) -> None:
    """Listing with limit returns continue tokens until every Ingress has been seen once."""
    for ns, name in [("a", "one"), ("b", "two"), ("b", "three")]:
        ingress(world, ns, name)
    names: list[str] = []
    token: str | None = None
    with fake.kube_client() as api:
        networking = kube.NetworkingV1Api(api)
        first = networking.list_ingress_for_all_namespaces(limit=2)
        assert first.metadata is not None
        assert first.metadata.remaining_item_count == 1
        while True:
            page = networking.list_ingress_for_all_namespaces(limit=2, _continue=token)
            names += _names(page.items)
            assert page.metadata is not None
            token = page.metadata._continue
            if not token:
                break
        namespaced = networking.list_namespaced_ingress("b")
        got = networking.read_namespaced_ingress("two", "b")
    assert names == ["one", "two", "three"]
    assert page.kind == "IngressList"
    assert page.items[0].api_version is None  # list items carry no apiVersion/kind
    assert _names(namespaced.items) == ["two", "three"]
    assert (got.api_version, got.kind) == ("networking.k8s.io/v1", "Ingress")


def test_label_selector_filters_by_equality_and_existence(world: World, fake: FakeGKE) -> None:
    """Equality, inequality, existence and absence label requirements are ANDed."""
    ingress(world, "default", "web", app="web", tier="front")
    ingress(world, "default", "api", app="api")
    ingress(world, "default", "bare")
    with fake.kube_client() as api:
        networking = kube.NetworkingV1Api(api)

        def names(selector: str) -> list[str]:
            items = networking.list_ingress_for_all_namespaces(label_selector=selector).items
            return _names(items)

        assert names("app=web") == ["web"]
        assert names("app==api") == ["api"]
        assert names("app!=web") == ["api", "bare"]
        assert names("app") == ["web", "api"]
        assert names("!app") == ["bare"]
        assert names("app,!tier") == ["api"]
        with pytest.raises(ApiException) as caught:
            names("app in (web,api)")
    assert caught.value.status == 400


def test_field_selector_on_events(world: World, fake: FakeGKE) -> None:
    """Events filter by involvedObject and reason; an unsupported field is a 400 BadRequest."""
    event(world, "e1", "Ingress/web", "Sync")
    event(world, "e2", "Ingress/api", "Sync")
    event(world, "e3", "Service/web", "Sync", type_="Normal")
    with fake.kube_client() as api:
        core = kube.CoreV1Api(api)
        found = core.list_event_for_all_namespaces(
            field_selector="involvedObject.kind=Ingress,involvedObject.name=web,reason=Sync"
        )
        normal = core.list_namespaced_event("default", field_selector="type!=Warning")
        with pytest.raises(ApiException) as caught:
            core.list_event_for_all_namespaces(field_selector="source=gce")
    assert [e.metadata.name for e in found.items] == ["e1"]
    assert [e.metadata.name for e in normal.items] == ["e3"]
    assert caught.value.status == 400
    assert _body(caught.value)["reason"] == "BadRequest"


def test_get_missing_object_is_a_kubernetes_404(fake: FakeGKE) -> None:
    """Reading an absent object raises ApiException 404 with the API server's NotFound message."""
    with fake.kube_client() as api, pytest.raises(ApiException) as caught:
        kube.NetworkingV1Api(api).read_namespaced_ingress("web", "default")
    assert caught.value.status == 404
    status = _body(caught.value)
    assert (status["reason"], status["message"]) == (
        "NotFound",
        'ingresses.networking.k8s.io "web" not found',
    )


def test_missing_crd_is_404_but_missing_builtin_is_empty(world: World, fake: FakeGKE) -> None:
    """A CRD absent from the world is a 404 like an uninstalled CRD; absent built-ins list empty."""
    kube_object(
        world, "backendconfigs", "cloud.google.com/v1", "BackendConfig", "bc", namespace="d"
    )
    with fake.kube_client() as api:
        custom = kube.CustomObjectsApi(api)
        configs = custom.list_cluster_custom_object("cloud.google.com", "v1", "backendconfigs")
        with pytest.raises(ApiException) as caught:
            custom.list_cluster_custom_object("networking.gke.io", "v1beta1", "frontendconfigs")
        pods = kube.CoreV1Api(api).list_pod_for_all_namespaces()
        groups = kube.ApisApi(api).get_api_versions()
        version = kube.VersionApi(api).get_code()
    assert isinstance(configs, dict)
    assert [c["metadata"]["name"] for c in configs["items"]] == ["bc"]
    assert caught.value.status == 404
    assert _body(caught.value)["message"] == "the server could not find the requested resource"
    assert pods.items == []
    names = {g.name for g in groups.groups}
    assert {"networking.k8s.io", "cloud.google.com"} <= names
    assert "networking.gke.io" not in names
    assert version.git_version.endswith("-gke.1014001")
