"""The Compute API: ``list``, ``aggregatedList``, ``get``, ``getHealth`` and ``listNetworkEndpoints``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, overload

from gkeingress.resources.refs import COMPUTE_URL
from gkeingress.testing.server.filters import compute_filter
from gkeingress.testing.server.paging import Page, page_limit, paginate
from gkeingress.testing.server.protocol import IncomingRequest, Served, fail, fail_unknown_url
from gkeingress.testing.world import COMPUTE_COLLECTIONS, JSONDict

# collection: (list kind, aggregatedList kind or None if the API has none, scope kinds served)
_COLLECTIONS: dict[str, tuple[str, str | None, str]] = {
    "urlMaps": ("urlMapList", "urlMapsAggregatedList", "global regions"),
    "targetHttpProxies": ("targetHttpProxyList", "targetHttpProxyAggregatedList", "global regions"),
    "targetHttpsProxies": (
        "targetHttpsProxyList",
        "targetHttpsProxyAggregatedList",
        "global regions",
    ),
    "forwardingRules": ("forwardingRuleList", "forwardingRuleAggregatedList", "global regions"),
    "backendServices": ("backendServiceList", "backendServiceAggregatedList", "global regions"),
    "healthChecks": ("healthCheckList", "healthChecksAggregatedList", "global regions"),
    "networkEndpointGroups": (
        "networkEndpointGroupList",
        "networkEndpointGroupAggregatedList",
        "global regions zones",
    ),
    "instanceGroups": ("instanceGroupList", "instanceGroupAggregatedList", "regions zones"),
    "firewalls": ("firewallList", None, "global"),
    "addresses": ("addressList", "addressAggregatedList", "global regions"),
    "sslCertificates": ("sslCertificateList", "sslCertificateAggregatedList", "global regions"),
}
if set(_COLLECTIONS) != set(COMPUTE_COLLECTIONS):
    raise RuntimeError("_COLLECTIONS is out of step with world.COMPUTE_COLLECTIONS")


def _normalise(link: str) -> str:
    """``projects/P/...`` from a full or partial Compute URL."""
    return link.split("/compute/v1/", 1)[-1].lstrip("/")


def _compute_scope(fake: Served, req: IncomingRequest, m: re.Match[str]) -> tuple[str, str]:
    """Check project and collection; return (collection, scope)."""
    project, collection, scope = m["project"], m["collection"], m.groupdict().get("scope")
    if project != fake.world.project:
        fail(req, 404, f"The resource 'projects/{project}' was not found")
    kinds = _COLLECTIONS.get(collection, ("", None, ""))[2].split()
    if (scope is not None and scope.split("/")[0] not in kinds) or not kinds:
        fail_unknown_url(req)
    return collection, scope or ""


def _compute_page(fake: Served, req: IncomingRequest, items: Sequence[Any]) -> Page:
    limit = page_limit(fake, req, req.query.get("maxResults")) or 500
    return paginate(req, items, req.query.get("pageToken", ""), limit)


def _compute_list_body(kind: str, path: str, page: Page) -> JSONDict:
    body: JSONDict = {"kind": f"compute#{kind}", "id": path}
    if page.items:
        body["items"] = page.items
    body["selfLink"] = COMPUTE_URL + path
    if page.next_token:
        body["nextPageToken"] = page.next_token
    return body


class _ScopedItems(Sequence[tuple[str, JSONDict]]):
    """The (scope, item) pairs of an aggregated list, in order; a page is cut without the rest."""

    def __init__(self, scopes: dict[str, list[JSONDict]]) -> None:
        self._scopes = scopes
        self._len = sum(map(len, scopes.values()))

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> tuple[str, JSONDict]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, JSONDict]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, JSONDict] | list[tuple[str, JSONDict]]:
        if isinstance(index, int):
            found = self[index : index + 1 or None]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, step = index.indices(self._len)
        if step != 1:
            raise ValueError("aggregated pages are contiguous")
        pairs: list[tuple[str, JSONDict]] = []
        offset = 0
        for scope, items in self._scopes.items():
            if offset >= stop:
                break
            pairs.extend((scope, item) for item in items[max(start - offset, 0) : stop - offset])
            offset += len(items)
        return pairs


def compute_aggregated(fake: Served, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``aggregatedList``: pages over (scope, item) pairs, regrouped by scope per page."""
    collection, _ = _compute_scope(fake, req, m)
    kind = _COLLECTIONS[collection][1]
    if kind is None:
        fail_unknown_url(req)
    scopes = fake.world.compute.get(collection, {})
    keep = compute_filter(req)
    if keep is not None:
        scopes = {scope: [item for item in items if keep(item)] for scope, items in scopes.items()}
    page = _compute_page(fake, req, _ScopedItems(scopes))
    grouped: dict[str, JSONDict] = {}
    for scope, item in page.items:
        grouped.setdefault(scope, {collection: []})[collection].append(item)
    for scope in [*scopes, "regions/us-central1"]:
        if scope not in grouped:
            grouped[scope] = {
                "warning": {
                    "code": "NO_RESULTS_ON_PAGE",
                    "message": f"There are no results for scope '{scope}' on this page.",
                    "data": [{"key": "scope", "value": scope}],
                }
            }
    path = f"projects/{fake.world.project}/aggregated/{collection}"
    return {**_compute_list_body(kind, path, page), "items": grouped}


def compute_list(fake: Served, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``list`` in one scope."""
    collection, scope = _compute_scope(fake, req, m)
    kind = _COLLECTIONS[collection][0]
    if collection == "instanceGroups" and scope.startswith("regions/"):
        kind = "regionInstanceGroupList"  # served by the regionInstanceGroups API
    items = fake.world.compute.get(collection, {}).get(scope, [])
    keep = compute_filter(req)
    page = _compute_page(fake, req, items if keep is None else [i for i in items if keep(i)])
    return _compute_list_body(kind, f"projects/{fake.world.project}/{scope}/{collection}", page)


def compute_get(  # noqa: RET503 - fail() raises
    fake: Served, req: IncomingRequest, m: re.Match[str]
) -> JSONDict:
    """``get`` one resource."""
    collection, scope = _compute_scope(fake, req, m)
    for item in fake.world.compute.get(collection, {}).get(scope, []):
        if item.get("name") == m["name"]:
            return item
    path = f"projects/{fake.world.project}/{scope}/{collection}/{m['name']}"
    fail(req, 404, f"The resource '{path}' was not found")


def compute_get_health(fake: Served, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``backendServices.getHealth`` for the group named in the body."""
    resource = compute_get(fake, req, m)
    try:
        group = json.loads(req.body or b"{}").get("group", "")
    except (ValueError, AttributeError):
        fail(req, 400, "Invalid JSON payload received.")
    if not group:
        fail(req, 400, "Required field 'resource.group' not specified")
    key = (_normalise(resource["selfLink"]), _normalise(group))
    return fake.world.backend_health.get(key, {"kind": "compute#backendServiceGroupHealth"})


def compute_list_endpoints(fake: Served, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``networkEndpointGroups.listNetworkEndpoints`` (zonal)."""
    neg = compute_get(fake, req, m)
    page = _compute_page(
        fake, req, fake.world.network_endpoints.get(_normalise(neg["selfLink"]), [])
    )
    body: JSONDict = {"kind": "compute#networkEndpointGroupsListNetworkEndpoints"}
    if page.items:
        body["items"] = page.items
    if page.next_token:
        body["nextPageToken"] = page.next_token
    return body
