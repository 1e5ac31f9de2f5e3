"""Which handler answers which method and path, across the three APIs."""

from __future__ import annotations

import re

from gkeingress.testing.server.compute import (
    compute_aggregated,
    compute_get,
    compute_get_health,
    compute_list,
    compute_list_endpoints,
)
from gkeingress.testing.server.container import container_cluster, container_clusters
from gkeingress.testing.server.kube import kube_discovery, kube_read
from gkeingress.testing.server.protocol import Handler

_CONTAINER = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/clusters"


_PROJECT = r"/compute/v1/projects/(?P<project>[^/]+)"


_SCOPE = r"(?P<scope>global|(?:regions|zones)/[^/]+)"


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in (
        ("GET", rf"{_PROJECT}/aggregated/(?P<collection>\w+)", compute_aggregated),
        ("GET", rf"{_PROJECT}/{_SCOPE}/(?P<collection>\w+)", compute_list),
        ("GET", rf"{_PROJECT}/{_SCOPE}/(?P<collection>\w+)/(?P<name>[^/]+)", compute_get),
        (
            "POST",
            rf"{_PROJECT}/(?P<scope>global|regions/[^/]+)/(?P<collection>backendServices)"
            r"/(?P<name>[^/]+)/getHealth",
            compute_get_health,
        ),
        (
            "POST",
            rf"{_PROJECT}/(?P<scope>zones/[^/]+)/(?P<collection>networkEndpointGroups)"
            r"/(?P<name>[^/]+)/listNetworkEndpoints",
            compute_list_endpoints,
        ),
        ("GET", _CONTAINER, container_clusters),
        ("GET", rf"{_CONTAINER}/(?P<name>[^/]+)", container_cluster),
        ("GET", r"/api|/apis|/version", kube_discovery),
        (
            "GET",
            r"(?P<prefix>/api/v1|/apis/[^/]+/[^/]+)(?:/namespaces/(?P<namespace>[^/]+))?"
            r"/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?",
            kube_read,
        ),
    )
]


def is_read(method: str, path: str) -> bool:
    """GET, or one of the Compute read methods that use POST."""
    return method == "GET" or any(
        m == method and p.fullmatch(path.rstrip("/")) for m, p, _ in ROUTES if m == "POST"
    )
