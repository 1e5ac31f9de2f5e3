"""Read the Kubernetes side: one paginated list call per kind, never one call per Ingress.

Responses are read as the JSON the API server sent (``_preload_content=False``) rather than through
the client's model classes, so one object with an unexpected field cannot fail a whole list. Each
page is parsed into views while it is decoded, item by item (:mod:`gkeingress.collect.pages`), as
soon as it arrives and while the other lists are still being read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client as k8s

from gkeingress.collect.gate import ApiGate
from gkeingress.collect.pages import list_items
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.resources.k8s import Service
from gkeingress.snapshot import ClusterIdentity, CollectionError, DataKind, Parsed, parse_kube

PAGE_SIZE = 2000
"""Items asked for per list page: the API server has no upper bound; 4x kubectl's 500 keeps the
longest chain (pods) a few pages long in large clusters, each page a few MB."""
CONNECTIONS = 16
"""Connections a Kubernetes client built by gkeingress keeps to the API server: enough for every
list and identity read at once (12), so none waits for another's connection."""
DEFAULT_BACKEND = ("kube-system", "default-http-backend")
"""GKE's default backend Service (ingress-gce ``--default-backend-service``)."""
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


@dataclass(frozen=True, slots=True)
class KubeList:
    """How to list one kind: cluster-wide and in one namespace."""

    kind: DataKind
    label: str
    all_namespaces: Callable[..., Any]
    namespaced: Callable[..., Any]
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class KubeResult:
    """The objects read, parsed into views; the cluster identity; and the calls that failed."""

    parsed: list[Parsed] = field(default_factory=list)
    identity: ClusterIdentity = field(default_factory=ClusterIdentity)
    errors: list[CollectionError] = field(default_factory=list)


def _custom(group: str, version: str, plural: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def cluster(api: k8s.CustomObjectsApi, **kw: Any) -> Any:
        return api.list_cluster_custom_object(group, version, plural, **kw)

    def namespaced(api: k8s.CustomObjectsApi, namespace: str, **kw: Any) -> Any:
        return api.list_namespaced_custom_object(group, version, namespace, plural, **kw)

    return cluster, namespaced


def _lists(api: k8s.ApiClient) -> tuple[KubeList, ...]:
    core, net, disc, apps, custom = (
        k8s.CoreV1Api(api),
        k8s.NetworkingV1Api(api),
        k8s.DiscoveryV1Api(api),
        k8s.AppsV1Api(api),
        k8s.CustomObjectsApi(api),
    )
    bc_all, bc_ns = _custom("cloud.google.com", "v1", "backendconfigs")
    neg_all, neg_ns = _custom("networking.gke.io", "v1beta1", "servicenetworkendpointgroups")
    fc_all, fc_ns = _custom("networking.gke.io", "v1beta1", "frontendconfigs")
    return (
        KubeList(
            DataKind.INGRESSES,
            "networking.k8s.io/v1 ingresses",
            net.list_ingress_for_all_namespaces,
            net.list_namespaced_ingress,
        ),
        KubeList(
            DataKind.SERVICES,
            "v1 services",
            core.list_service_for_all_namespaces,
            core.list_namespaced_service,
        ),
        KubeList(
            DataKind.ENDPOINT_SLICES,
            "discovery.k8s.io/v1 endpointslices",
            disc.list_endpoint_slice_for_all_namespaces,
            disc.list_namespaced_endpoint_slice,
        ),
        KubeList(
            DataKind.PODS, "v1 pods", core.list_pod_for_all_namespaces, core.list_namespaced_pod
        ),
        KubeList(
            DataKind.EVENTS,
            "v1 events",
            core.list_event_for_all_namespaces,
            core.list_namespaced_event,
        ),
        KubeList(
            DataKind.BACKEND_CONFIGS,
            "cloud.google.com/v1 backendconfigs",
            lambda **kw: bc_all(custom, **kw),
            lambda namespace, **kw: bc_ns(custom, namespace, **kw),
        ),
        KubeList(
            DataKind.SVCNEGS,
            "networking.gke.io/v1beta1 servicenetworkendpointgroups",
            lambda **kw: neg_all(custom, **kw),
            lambda namespace, **kw: neg_ns(custom, namespace, **kw),
        ),
        KubeList(
            DataKind.FRONTEND_CONFIGS,
            "networking.gke.io/v1beta1 frontendconfigs",
            lambda **kw: fc_all(custom, **kw),
            lambda namespace, **kw: fc_ns(custom, namespace, **kw),
        ),
        KubeList(
            DataKind.SECRETS,
            "v1 secrets (metadata only)",
            core.list_secret_for_all_namespaces,
            core.list_namespaced_secret,
            # Names are all the audit needs: never transfer TLS keys or any other secret data.
            {"_headers": {"Accept": METADATA_ONLY}, "field_selector": "type=kubernetes.io/tls"},
        ),
        KubeList(
            DataKind.REPLICASETS,
            "apps/v1 replicasets",
            apps.list_replica_set_for_all_namespaces,
            apps.list_namespaced_replica_set,
        ),
    )


def api_error(kind: DataKind, call: str, exc: Exception) -> CollectionError:
    """What a failed Kubernetes call says: the API server's own message, and who may not do what."""
    status = getattr(exc, "status", None)
    reason = str(getattr(exc, "reason", "") or type(exc).__name__)
    body = getattr(exc, "body", None)
    message = str(exc)
    if isinstance(body, str | bytes) and body:
        try:
            message = str(json.loads(body).get("message", message))
        except (ValueError, AttributeError):
            message = body.decode(errors="replace") if isinstance(body, bytes) else body
    if status == 403:
        reason = "Forbidden"
        message = f"permission denied: {message}"
    elif status == 404 and kind in (
        DataKind.BACKEND_CONFIGS,
        DataKind.SVCNEGS,
        DataKind.FRONTEND_CONFIGS,
    ):
        reason = "NotInstalled"
        message = f"the {kind.value} custom resource is not installed in this cluster: {message}"
    return CollectionError(kind, call, message, status if isinstance(status, int) else None, reason)


def read_json(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` (with ``_preload_content=False``) and read its body as JSON, in one attempt.

    Reading the body belongs to the call: a body cut short or garbled is retried with it.
    """
    return json.loads(fn(*args, **kwargs).data)


def _parsed_page(
    kind: DataKind, fn: Callable[..., Any], **kwargs: Any
) -> tuple[Parsed, dict[str, Any]]:
    """Call ``fn`` (with ``_preload_content=False``); its page's items parsed, and its other members.

    Reading and decoding the body belong to the call: a body cut short or garbled is retried with it.
    """
    members: dict[str, Any] = {}
    parsed = parse_kube(kind, list_items(fn(**kwargs).data.decode(), members))
    return parsed, members


class KubernetesCollector:
    """Lists the Kubernetes objects the audit needs through an injected ``ApiClient``."""

    def __init__(
        self,
        api: k8s.ApiClient,
        gate: ApiGate,
        namespace: str | None,
        progress: Progress = NO_PROGRESS,
    ) -> None:
        self._api = api
        self._gate = gate
        self._namespace = namespace
        self._progress = progress

    def _pages(self, listing: KubeList, namespace: str | None, **extra: Any) -> Iterator[Parsed]:
        """Each page of the list, parsed."""
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "limit": PAGE_SIZE,
                "_preload_content": False,
                "_request_timeout": self._gate.timeout,
                **listing.extra,
                **extra,
            }
            if token:
                kwargs["_continue"] = token
            if namespace:
                fn: Callable[..., Any] = listing.namespaced
                kwargs["namespace"] = namespace
            else:
                fn = listing.all_namespaces
            parsed, members = self._gate.call(
                f"kubernetes list {listing.label}",
                _parsed_page,
                listing.kind,
                fn,
                paced=False,
                **kwargs,
            )
            yield parsed
            token = (members.get("metadata") or {}).get("continue")
            if not token:
                return

    def collect(self) -> KubeResult:
        """Every kind the audit reads; a kind whose call failed is recorded and left empty.

        Each list and the two identity reads run on a thread of their own, all at once (as many
        as the client's connection pool holds): a fixed number of chains, whatever the cluster.
        """
        result = KubeResult()
        lists = {listing.kind: listing for listing in _lists(self._api)}
        core = k8s.CoreV1Api(self._api)
        chains = len(lists) + 2
        pool_size = self._api.configuration.connection_pool_maxsize
        with ThreadPoolExecutor(max(1, min(chains, pool_size))) as pool:
            config = pool.submit(
                self._read,
                "get configmap kube-system/ingress-uid",
                core.read_namespaced_config_map,
                "ingress-uid",
                "kube-system",
            )
            namespace = pool.submit(
                self._read, "get namespace kube-system", core.read_namespace, "kube-system"
            )
            pages = pool.map(lambda listing: self._list(listing, self._namespace), lists.values())
            for listing, items in zip(lists.values(), pages, strict=True):
                self._merge(result, listing, items)
            identity = (config.result(), namespace.result())
        if self._namespace and self._namespace != "kube-system":
            self._add_default_backend(result, lists)
        (config_map, config_error), (kube_system, namespace_error) = identity
        result.errors += [e for e in (config_error, namespace_error) if e is not None]
        result.identity = ClusterIdentity(
            uid=str((config_map.get("data") or {}).get("uid", "")),
            kube_system_uid=str((kube_system.get("metadata") or {}).get("uid", "")),
        )
        return result

    def _list(
        self, listing: KubeList, namespace: str | None, **extra: Any
    ) -> Parsed | CollectionError:
        call = f"list {listing.label}"
        try:
            items = Parsed.merge(self._pages(listing, namespace, **extra))
        except Exception as exc:  # noqa: BLE001 - every failure is recorded as data
            error = api_error(listing.kind, call, exc)
            self._progress.call_done(call, None, error.message)
            return error
        self._progress.call_done(call, len(items), None)
        return items

    @staticmethod
    def _merge(result: KubeResult, listing: KubeList, items: Parsed | CollectionError) -> None:
        if isinstance(items, CollectionError):
            result.errors.append(items)
        else:
            result.parsed.append(items)

    def _add(
        self, result: KubeResult, listing: KubeList, namespace: str | None, **extra: Any
    ) -> None:
        self._merge(result, listing, self._list(listing, namespace, **extra))

    def _add_default_backend(self, result: KubeResult, lists: Mapping[DataKind, KubeList]) -> None:
        """GKE's default backend lives in kube-system: read it even when auditing one namespace."""
        namespace, name = DEFAULT_BACKEND
        self._add(
            result, lists[DataKind.SERVICES], namespace, field_selector=f"metadata.name={name}"
        )
        services = (s for part in result.parsed for s in part.views.get("services", ()))
        service = next(
            (s for s in services if isinstance(s, Service) and s.key == f"{namespace}/{name}"), None
        )
        selector = service.selector if service is not None else {}
        if selector:
            labels = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
            self._add(result, lists[DataKind.PODS], namespace, label_selector=labels)
        self._add(
            result,
            lists[DataKind.ENDPOINT_SLICES],
            namespace,
            label_selector=f"kubernetes.io/service-name={name}",
        )

    def _read(
        self, label: str, fn: Callable[..., Any], *args: str
    ) -> tuple[dict[str, Any], CollectionError | None]:
        """One object as JSON, or ``{}`` and why it could not be read."""
        try:
            found: dict[str, Any] = self._gate.call(
                f"kubernetes {label}",
                read_json,
                fn,
                *args,
                paced=False,
                _preload_content=False,
                _request_timeout=self._gate.timeout,
            )
        except Exception as exc:  # noqa: BLE001 - recorded as data
            error = api_error(DataKind.CLUSTER_IDENTITY, label, exc)
            self._progress.call_done(label, None, error.message)
            return {}, error
        self._progress.call_done(label, 1, None)
        return found, None
