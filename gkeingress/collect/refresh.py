"""Re-read one Ingress and its load balancer by name: the cheap round of ``gkeingress wait``.

A full audit lists whole kinds; a wait round only needs what one Ingress is made of, so it gets
each object by name (never a project-wide list) and merges the answers into the last snapshot:

- Kubernetes: the Ingress, its Events, and per backend Service the Service, its EndpointSlices
  and its pods (label-selected lists in its namespace): ``2 + 3·S`` calls for ``S`` Services.
- Compute: the forwarding rules, target proxies and URL map the Ingress's annotations (or
  ingress-gce's naming scheme) name (at most 5), then each backend service the URL map and the
  Ingress route to, each one's health check, each zonal NEG attached to it, and getHealth per
  backend group: ``5 + 2·B + 2·G`` calls at most for ``B`` backend services with ``G`` groups.

:func:`round_budget` is that bound for a paired Ingress. A resource a get answers 404 for is gone
from the new snapshot; any other failure is recorded as a :class:`~gkeingress.snapshot.CollectionError`
and the last known state is kept. An object read again that cannot be parsed is left out and
recorded, as in a full audit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.client_options import ClientOptions
from google.auth.credentials import Credentials
from google.cloud import compute_v1
from kubernetes import client as k8s

from gkeingress.collect.compute import to_json
from gkeingress.collect.gate import ApiGate, status_of
from gkeingress.collect.health import GroupCollector
from gkeingress.collect.kubernetes import api_error, read_json
from gkeingress.model.naming import FrontendNames, Namer
from gkeingress.model.topology import PairedIngress
from gkeingress.resources.gce import BackendService
from gkeingress.resources.k8s import Ingress, Pod
from gkeingress.resources.refs import RefReader, ResourceRef
from gkeingress.snapshot import (
    POLLED_KINDS,
    CollectionError,
    DataKind,
    Parsed,
    Snapshot,
    parse_compute,
    parse_kube,
    with_backend_health,
)

JSON = dict[str, Any]

_PREFIX = "ingress.kubernetes.io/"
_FRONTEND: tuple[tuple[str, str, Callable[[FrontendNames], str], str], ...] = (
    ("urlMaps", "url-map", lambda n: n.url_map, ""),
    ("forwardingRules", "forwarding-rule", lambda n: n.http_rule, "http"),
    ("targetHttpProxies", "target-proxy", lambda n: n.http_proxy, "http"),
    ("forwardingRules", "https-forwarding-rule", lambda n: n.https_rule, "https"),
    ("targetHttpsProxies", "https-target-proxy", lambda n: n.https_proxy, "https"),
)
"""Each frontend resource: its collection, the annotation naming it, its scheme name, its protocol."""


def round_budget(paired: PairedIngress) -> int:
    """The most API calls one wait round makes for ``paired``: ``7 + 3·S + 2·B + 2·G``.

    ``S`` is the Ingress's backend Services (GKE's default backend included), ``B`` its backend
    services and ``G`` their backend groups (one NEG per zone, or one instance group per zone).
    """
    services = len({b.service_key for b in paired.backends})
    backend_services = paired.backend_services
    groups = sum(len(bs.backends) for bs in backend_services)
    # Backend services the Ingress expects but that do not exist yet are asked for too.
    expected = {b.backend_service_name for b in paired.backends if b.backend_service_name}
    count = len(expected | {bs.name for bs in backend_services})
    return 7 + 3 * services + 2 * count + 2 * groups


@dataclass(frozen=True, slots=True)
class _Getter:
    """How to get one Compute resource by name, globally and in a region."""

    collection: str
    kind: DataKind
    field: str
    client: type[Any]
    regional_client: type[Any] | None
    name_argument: str


_GETTERS = {
    g.collection: g
    for g in (
        _Getter(
            "urlMaps",
            DataKind.URL_MAPS,
            "url_maps",
            compute_v1.UrlMapsClient,
            compute_v1.RegionUrlMapsClient,
            "url_map",
        ),
        _Getter(
            "targetHttpProxies",
            DataKind.TARGET_PROXIES,
            "target_proxies",
            compute_v1.TargetHttpProxiesClient,
            compute_v1.RegionTargetHttpProxiesClient,
            "target_http_proxy",
        ),
        _Getter(
            "targetHttpsProxies",
            DataKind.TARGET_PROXIES,
            "target_proxies",
            compute_v1.TargetHttpsProxiesClient,
            compute_v1.RegionTargetHttpsProxiesClient,
            "target_https_proxy",
        ),
        _Getter(
            "forwardingRules",
            DataKind.FORWARDING_RULES,
            "forwarding_rules",
            compute_v1.GlobalForwardingRulesClient,
            compute_v1.ForwardingRulesClient,
            "forwarding_rule",
        ),
        _Getter(
            "backendServices",
            DataKind.BACKEND_SERVICES,
            "backend_services",
            compute_v1.BackendServicesClient,
            compute_v1.RegionBackendServicesClient,
            "backend_service",
        ),
        _Getter(
            "healthChecks",
            DataKind.HEALTH_CHECKS,
            "health_checks",
            compute_v1.HealthChecksClient,
            compute_v1.RegionHealthChecksClient,
            "health_check",
        ),
        _Getter(
            "networkEndpointGroups",
            DataKind.NEGS,
            "negs",
            compute_v1.NetworkEndpointGroupsClient,
            None,
            "network_endpoint_group",
        ),
    )
}


@dataclass
class _Round:
    """What one round read, parsed: the views, and which reads succeeded (a failed one keeps the old).

    ``compute`` holds each resource asked for and its view, None when it is gone or unreadable.
    """

    kube: dict[DataKind, list[Any]] = field(default_factory=dict)
    compute: dict[str, list[tuple[ResourceRef, Any]]] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)
    ingress_read: bool = False
    events_read: bool = False
    services: set[str] = field(default_factory=set)
    slices_of: set[str] = field(default_factory=set)
    pods_of: set[str] = field(default_factory=set)
    selectors: list[tuple[str, Mapping[str, str]]] = field(default_factory=list)

    def keep(self, kind: DataKind, items: Iterable[object]) -> tuple[Any, ...]:
        """``items`` of ``kind`` parsed and kept; one that cannot be read is recorded, as in an audit."""
        views = self._views(parse_kube(kind, items))
        self.kube.setdefault(kind, []).extend(views)
        return views

    def keep_compute(
        self, refs: RefReader, collection: str, ref: ResourceRef, found: object
    ) -> Any:
        """The resource ``ref`` read, parsed and kept; None when it cannot be read (recorded)."""
        views = self._views(parse_compute(refs, collection, [found]))
        view = views[0] if views else None
        self.compute.setdefault(collection, []).append((ref, view))
        return view

    def _views(self, parsed: Parsed) -> tuple[Any, ...]:
        """The views of one kind; the objects that could not be read go to the round's errors."""
        self.errors.extend(parsed.errors)
        (views,) = parsed.views.values()
        return views


def _absent(exc: Exception) -> bool:
    return status_of(exc) == 404 or isinstance(exc, gexc.NotFound)


class Refresher:
    """Re-reads one Ingress and its load balancer by name, through one :class:`ApiGate` per round."""

    def __init__(
        self,
        project: str,
        *,
        kube_client: k8s.ApiClient,
        credentials: Credentials | None,
        compute_endpoint: str | None,
    ) -> None:
        self._project = project
        self._refs = RefReader(project)
        self._kube = kube_client
        self._credentials = credentials
        self._endpoint = compute_endpoint
        self._options = ClientOptions(api_endpoint=compute_endpoint) if compute_endpoint else None

    # -- Kubernetes -----------------------------------------------------------------------------

    def _kube_call(
        self,
        gate: ApiGate,
        result: _Round,
        kind: DataKind,
        label: str,
        fn: Any,
        *args: Any,
        **kw: Any,
    ) -> Any:
        """One Kubernetes call as JSON; None when the object does not exist or the call failed."""
        try:
            return gate.call(
                f"kubernetes {label}",
                read_json,
                fn,
                *args,
                paced=False,
                _preload_content=False,
                _request_timeout=gate.timeout,
                **kw,
            )
        except Exception as exc:  # noqa: BLE001 - a failed call is recorded as data
            if not _absent(exc):
                result.errors.append(api_error(kind, label, exc))
            return None

    def _read_ingress(
        self, gate: ApiGate, result: _Round, namespace: str, name: str
    ) -> Ingress | None:
        """The Ingress, by a list selecting its name (the ``list`` the audit's ClusterRole grants).

        One that cannot be read keeps its last state: it is the one being waited for.
        """
        net = k8s.NetworkingV1Api(self._kube)
        page = self._kube_call(
            gate,
            result,
            DataKind.INGRESSES,
            f"list ingress {namespace}/{name}",
            net.list_namespaced_ingress,
            namespace,
            field_selector=f"metadata.name={name}",
        )
        if page is None:
            return None
        items: list[JSON] = page.get("items") or []
        fresh = result.keep(DataKind.INGRESSES, items)
        result.ingress_read = len(fresh) == len(items)
        return fresh[0] if fresh else None

    def _read_events(self, gate: ApiGate, result: _Round, namespace: str, name: str) -> None:
        core = k8s.CoreV1Api(self._kube)
        page = self._kube_call(
            gate,
            result,
            DataKind.EVENTS,
            f"list events of ingress {namespace}/{name}",
            core.list_namespaced_event,
            namespace,
            field_selector=f"involvedObject.kind=Ingress,involvedObject.name={name}",
        )
        if page is not None:
            result.events_read = True
            result.keep(DataKind.EVENTS, page.get("items") or ())

    def _read_service(self, gate: ApiGate, result: _Round, namespace: str, name: str) -> None:
        """The Service (by a list selecting its name), its EndpointSlices and the pods it selects."""
        core, disc = k8s.CoreV1Api(self._kube), k8s.DiscoveryV1Api(self._kube)
        key = f"{namespace}/{name}"
        page = self._kube_call(
            gate,
            result,
            DataKind.SERVICES,
            f"list service {key}",
            core.list_namespaced_service,
            namespace,
            field_selector=f"metadata.name={name}",
        )
        service: JSON = next(iter((page or {}).get("items") or ()), {})
        if page is not None:
            result.services.add(key)
            result.keep(DataKind.SERVICES, [service] if service else [])
        slices = self._kube_call(
            gate,
            result,
            DataKind.ENDPOINT_SLICES,
            f"list endpointslices of service {key}",
            disc.list_namespaced_endpoint_slice,
            namespace,
            label_selector=f"kubernetes.io/service-name={name}",
        )
        if slices is not None:
            result.slices_of.add(key)
            result.keep(DataKind.ENDPOINT_SLICES, slices.get("items") or ())
        selector: Mapping[str, str] = (service.get("spec") or {}).get("selector") or {}
        if not selector:
            return
        pods = self._kube_call(
            gate,
            result,
            DataKind.PODS,
            f"list pods of service {key}",
            core.list_namespaced_pod,
            namespace,
            label_selector=",".join(f"{k}={v}" for k, v in sorted(selector.items())),
        )
        if pods is not None:
            result.pods_of.add(key)
            result.selectors.append((namespace, selector))
            result.keep(DataKind.PODS, pods.get("items") or ())

    # -- Compute --------------------------------------------------------------------------------

    def _get(self, gate: ApiGate, result: _Round, collection: str, ref: ResourceRef) -> Any:
        """Get one Compute resource, parsed.

        None when it does not exist or cannot be read (recorded), or when the call failed.
        """
        getter = _GETTERS[collection]
        regional = ref.scope.startswith("regions/")
        zonal = ref.scope.startswith("zones/")
        client_type = getter.regional_client if regional else getter.client
        if client_type is None:
            return None
        arguments: dict[str, Any] = {"project": self._project, getter.name_argument: ref.name}
        if regional:
            arguments["region"] = ref.location
        if zonal:
            arguments["zone"] = ref.location
        label = f"compute.{collection}.get {ref.name}"
        try:
            with client_type(credentials=self._credentials, client_options=self._options) as client:
                answer = gate.call(
                    f"compute get {collection}",
                    client.get,
                    **arguments,
                    retry=None,  # the gate retries
                    timeout=gate.timeout,
                )
        except Exception as exc:  # noqa: BLE001 - a failed call is recorded as data
            if _absent(exc):
                result.compute.setdefault(collection, []).append((ref, None))
            else:
                message = str(getattr(exc, "message", None) or exc)
                result.errors.append(
                    CollectionError(getter.kind, label, message, status_of(exc), type(exc).__name__)
                )
            return None
        return result.keep_compute(self._refs, collection, ref, to_json(answer))

    def _ref(self, collection: str, name: str, scope: str) -> ResourceRef:
        return ResourceRef(self._project, scope, collection, name)

    def _frontend_refs(
        self, ingress: Ingress, scope: str, namer: Namer
    ) -> list[tuple[str, ResourceRef]]:
        """The forwarding rules, target proxies and URL map the Ingress names, or the scheme gives."""
        names = namer.frontend(ingress.meta.namespace, ingress.meta.name, v2=ingress.uses_v2_names)
        annotations = ingress.annotations
        https = bool(
            ingress.tls_secrets
            or annotations.get(f"{_PREFIX}https-forwarding-rule")
            or annotations.get("ingress.gcp.kubernetes.io/pre-shared-cert")
        )
        http = annotations.get("kubernetes.io/ingress.allow-http", "true").lower() != "false"
        served = {"": True, "http": http, "https": https}
        return [
            (
                collection,
                self._ref(collection, annotations.get(_PREFIX + key) or names_of(names), scope),
            )
            for collection, key, names_of, protocol in _FRONTEND
            if served[protocol]
        ]

    def refresh(self, snapshot: Snapshot, paired: PairedIngress, now: datetime) -> Snapshot:
        """``snapshot`` with ``paired``'s Ingress and load balancer read again, by name."""
        gate = ApiGate(rate=None)
        result = _Round()
        namespace, name = paired.ingress.meta.namespace, paired.ingress.meta.name
        namer = Namer(snapshot.identity.uid, snapshot.identity.kube_system_uid)
        scope = _scope(paired)
        with ThreadPoolExecutor(gate.workers) as pool:
            ingress_job = pool.submit(self._read_ingress, gate, result, namespace, name)
            events_job = pool.submit(self._read_events, gate, result, namespace, name)
            fresh = ingress_job.result() or paired.ingress
            frontends = self._frontend_refs(fresh, scope, namer)
            jobs = [pool.submit(self._get, gate, result, c, r) for c, r in frontends]
            services = {(ns, ref.service) for ns, ref, _ in fresh.service_backends}
            jobs += [
                pool.submit(self._read_service, gate, result, ns, svc)
                for ns, svc in sorted(services)
            ]
            for job in jobs:
                job.result()
            events_job.result()
            backend_refs = self._backend_refs(result, paired, scope)
            found = [
                pool.submit(self._get, gate, result, "backendServices", ref) for ref in backend_refs
            ]
            backend_services: list[BackendService] = [
                bs for job in found if (bs := job.result()) is not None
            ]
            groups = [
                pool.submit(self._get, gate, result, c, r)
                for bs in backend_services
                for c, r in _parts_of(bs)
            ]
            for job in groups:
                job.result()
        health = GroupCollector(
            self._project, credentials=self._credentials, endpoint=self._endpoint, gate=gate
        ).collect(backend_services)
        merged = _merge(snapshot, result, paired.ingress.key, now)
        asked = {bs.ref for bs in backend_services}
        kept = tuple(h for h in merged.backend_health if h.backend_service not in asked)
        answered = with_backend_health(
            merged, health.answers[DataKind.BACKEND_HEALTH], health.errors
        )
        return replace(
            answered,
            backend_health=(*kept, *answered.backend_health),
            calls=gate.counts(),
            waited=gate.waited,
            retries=gate.retries,
        )

    def _backend_refs(self, result: _Round, paired: PairedIngress, scope: str) -> list[ResourceRef]:
        """Every backend service the fresh URL map names, and every one the Ingress expects."""
        refs: dict[ResourceRef, None] = {}
        for _, url_map in result.compute.get("urlMaps", ()):
            if url_map is not None:
                refs.update(dict.fromkeys(url_map.services))
        for backend in paired.backends:
            if backend.backend_service_name:
                refs[self._ref("backendServices", backend.backend_service_name, scope)] = None
        for bs in paired.backend_services:
            refs[bs.ref] = None
        unique: dict[tuple[str, str], ResourceRef] = {}
        for ref in refs:
            unique.setdefault((ref.scope, ref.name), ref)
        return list(unique.values())


def _scope(paired: PairedIngress) -> str:
    """``global``, or the region of the Ingress's resources for a regional Ingress."""
    if not paired.ingress.is_regional:
        return "global"
    for resource in (paired.url_map, *paired.forwarding_rules, *paired.backend_services):
        if resource is not None and resource.ref.scope.startswith("regions/"):
            return resource.ref.scope
    return "global"


def _parts_of(bs: BackendService) -> Iterable[tuple[str, ResourceRef]]:
    """A backend service's health checks and zonal NEGs."""
    for ref in bs.health_checks:
        yield "healthChecks", ref
    for backend in bs.backends:
        if backend.is_neg and backend.group.scope.startswith("zones/"):
            yield "networkEndpointGroups", backend.group


def _merge(snapshot: Snapshot, result: _Round, key: str, now: datetime) -> Snapshot:
    """The last snapshot with what this round read in place of what it held about the same objects."""
    kube = result.kube

    def selected(pod: Pod) -> bool:
        return any(pod.meta.namespace == ns and pod.matches(sel) for ns, sel in result.selectors)

    old_selectors = [
        (s.meta.namespace, s.selector)
        for s in snapshot.services
        if s.key in result.pods_of and s.selector
    ]

    def previously_selected(pod: Pod) -> bool:
        return any(pod.meta.namespace == ns and pod.matches(sel) for ns, sel in old_selectors)

    fresh_pods: list[Pod] = kube.get(DataKind.PODS, [])
    fresh_keys = {p.meta.key for p in fresh_pods}
    fields: dict[str, Any] = {
        "ingresses": (
            *(i for i in snapshot.ingresses if i.key != key or not result.ingress_read),
            *kube.get(DataKind.INGRESSES, ()),
        ),
        "events": (
            *(
                e
                for e in snapshot.events
                if not (result.events_read and e.kind == "Ingress" and e.object_key == key)
            ),
            *kube.get(DataKind.EVENTS, ()),
        ),
        "services": (
            *(s for s in snapshot.services if s.key not in result.services),
            *kube.get(DataKind.SERVICES, ()),
        ),
        "endpoint_slices": (
            *(
                e
                for e in snapshot.endpoint_slices
                if f"{e.meta.namespace}/{e.service}" not in result.slices_of
            ),
            *kube.get(DataKind.ENDPOINT_SLICES, ()),
        ),
        "pods": (
            *(
                p
                for p in snapshot.pods
                if p.meta.key not in fresh_keys and not selected(p) and not previously_selected(p)
            ),
            *fresh_pods,
        ),
    }
    for collection, answers in result.compute.items():
        getter = _GETTERS[collection]
        asked = {(ref.scope, ref.name) for ref, _ in answers}
        current = fields.get(getter.field, getattr(snapshot, getter.field))
        kept = [
            r
            for r in current
            if (r.ref.scope, r.ref.name) not in asked or r.ref.collection != collection
        ]
        fields[getter.field] = (
            *kept,
            *(view for _, view in answers if view is not None),
        )
    errors = (*(e for e in snapshot.errors if e.kind not in POLLED_KINDS), *result.errors)
    return replace(snapshot, collected_at=now, errors=errors, **fields)
