"""The IAM permission (Compute, Container) or RBAC verb (Kubernetes) each read request needs."""

from __future__ import annotations

from gkeingress.testing.server.compute import (
    compute_aggregated,
    compute_get,
    compute_get_health,
    compute_list,
    compute_list_endpoints,
)
from gkeingress.testing.server.container import container_cluster, container_clusters
from gkeingress.testing.server.kube import kube_read
from gkeingress.testing.server.protocol import Handler, IncomingRequest
from gkeingress.testing.server.routes import ROUTES
from gkeingress.testing.world import KUBE_RESOURCES

_GLOBAL_IAM = frozenset({"forwardingRules", "addresses", "networkEndpointGroups"})


_REGIONAL_IAM = frozenset(
    {"backendServices", "healthChecks", "urlMaps", "targetHttpProxies", "targetHttpsProxies"}
)


def _iam_collection(scope: str, collection: str) -> str:
    """Compute's IAM name for a collection in a scope (``regionBackendServices``, …)."""
    cap = collection[0].upper() + collection[1:]
    if scope == "global" and collection in _GLOBAL_IAM:
        return f"global{cap}"
    if scope.startswith("regions/") and collection in _REGIONAL_IAM:
        return f"region{cap}"
    return collection


_CONTAINER_IAM: dict[Handler, str] = {
    container_clusters: "container.clusters.list",
    container_cluster: "container.clusters.get",
}


def permission(req: IncomingRequest) -> str | None:
    """The permission a read request needs, or None for discovery and unknown paths."""
    path = req.path.rstrip("/")
    for method, pattern, handler in ROUTES:
        match = pattern.fullmatch(path)
        if not match or method != req.method:
            continue
        groups = match.groupdict()
        if handler is compute_aggregated:
            return f"compute.{groups['collection']}.list"
        if handler is compute_list:
            return f"compute.{_iam_collection(groups['scope'], groups['collection'])}.list"
        if handler in (compute_get, compute_get_health, compute_list_endpoints):
            return f"compute.{_iam_collection(groups['scope'], groups['collection'])}.get"
        if handler in _CONTAINER_IAM:
            return _CONTAINER_IAM[handler]
        if handler is kube_read:
            resource = KUBE_RESOURCES.get(groups["plural"])
            group = resource.api_version.rpartition("/")[0] if resource else ""
            verb = "get" if groups["name"] else "list"
            return f"{verb} {groups['plural']}{'.' + group if group else ''}"
    return None
