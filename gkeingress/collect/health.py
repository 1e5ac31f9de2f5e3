"""The second, targeted phase: per-group calls, made only where they add information.

Two calls are one per group rather than one per collection, so neither is run for everything:

- ``backendServices.getHealth``, per (backend service, group). The ``ingress.kubernetes.io/backends``
  annotation, which ingress-gce refreshes on every sync, is the cheap first signal: only backend
  services it does not report ``HEALTHY`` (or that no annotation covers) are queried.
- ``networkEndpointGroups.listNetworkEndpoints``, per zonal NEG of an Ingress backend. The NEG's
  ``size`` from the aggregated list is the cheap first signal: only non-empty NEGs holding a
  different number of endpoints than the NEG controller would attach in that zone are listed.

A deep audit asks for all of both. The calls run concurrently in one bounded pool, each retried
by the gate; a failed call is recorded per group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from google.api_core.client_options import ClientOptions
from google.auth.credentials import Credentials
from google.cloud import compute_v1

from gkeingress.collect.compute import PAGE_SIZE, to_json
from gkeingress.collect.gate import RATE_LIMIT_REASONS, ApiGate, google_reasons, status_of
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.resources.gce import Backend, BackendService, NetworkEndpointGroup
from gkeingress.resources.k8s import (
    BACKENDS_ANNOTATION,
    EndpointSlice,
    JsonAnnotation,
    neg_endpoints_in,
    uses_negs,
)
from gkeingress.resources.refs import ResourceRef
from gkeingress.snapshot import CollectionError, DataKind, Snapshot

Answer = dict[str, Any]


def health_targets(snapshot: Snapshot, *, deep: bool) -> list[BackendService]:
    """Backend services worth a getHealth call: not reported HEALTHY, or all when ``deep``."""
    by_name: dict[str, list[BackendService]] = {}
    for bs in snapshot.backend_services:
        by_name.setdefault(bs.name, []).append(bs)
    wanted: dict[str, BackendService] = {}
    for ingress in snapshot.ingresses:
        states = JsonAnnotation.read(ingress.annotations, BACKENDS_ANNOTATION).value
        if not isinstance(states, dict):
            continue
        for name, state in states.items():
            if deep or str(state).upper() != "HEALTHY":
                for bs in by_name.get(str(name), ()):
                    wanted.setdefault(bs.self_link, bs)
    return list(wanted.values())


def _routed_ports(snapshot: Snapshot) -> set[tuple[str, str, int]]:
    """``(namespace, service, port number)`` of every Service port a GKE Ingress sends to a NEG."""
    services = {s.key: s for s in snapshot.services}
    routed = set()
    for ingress in snapshot.ingresses:
        if not ingress.managed:
            continue
        for namespace, ref, _ in ingress.service_backends:
            service = services.get(f"{namespace}/{ref.service}")
            port = service.port(ref.port) if service else None
            if port is not None and uses_negs(service, regional_ingress=ingress.is_regional):
                routed.add((namespace, ref.service, port.port))
    return routed


def _neg_owners(snapshot: Snapshot) -> dict[ResourceRef, tuple[str, str, int]]:
    """The Service port of each zonal NEG of this cluster: ``(namespace, service, port number)``.

    From the description ingress-gce writes into the NEG, else from the NEG names in the
    Services' ``cloud.google.com/neg-status``. A description naming another cluster (its
    ``cluster-uid`` is the kube-system UID) leaves the NEG out.
    """
    by_status = {
        name: (service.meta.namespace, service.meta.name, port)
        for service in snapshot.services
        for port, name in service.neg_names.items()
    }
    cluster = snapshot.identity.kube_system_uid
    owners = {}
    for neg in snapshot.negs:
        if not neg.ref.scope.startswith("zones/"):
            continue
        owner = neg.owner
        port = str(owner.get("port", ""))
        if owner.get("service-name") and port.isdigit():
            if cluster and owner.get("cluster-uid", cluster) != cluster:
                continue
            owners[neg.ref] = (
                str(owner.get("namespace", "")),
                str(owner["service-name"]),
                int(port),
            )
        elif neg.name in by_status:
            owners[neg.ref] = by_status[neg.name]
    return owners


def endpoint_targets(snapshot: Snapshot, *, deep: bool) -> list[NetworkEndpointGroup]:
    """Zonal NEGs of GKE Ingresses' backends worth a listNetworkEndpoints call.

    Those whose ``size`` differs from the number of endpoints the NEG controller would put in
    them (:func:`~gkeingress.resources.k8s.neg_endpoints_in`), or all of them when ``deep``. An empty
    NEG is not listed unless ``deep``: its size says all there is. Read from the lists alone.
    """
    routed = _routed_ports(snapshot)
    services = {s.key: s for s in snapshot.services}
    slices: dict[str, list[EndpointSlice]] = {}
    for eps in snapshot.endpoint_slices:
        slices.setdefault(f"{eps.meta.namespace}/{eps.service}", []).append(eps)
    owners = _neg_owners(snapshot)
    wanted = []
    for neg in snapshot.negs:
        owner = owners.get(neg.ref)
        if owner is None or owner not in routed:
            continue
        if deep:
            wanted.append(neg)
            continue
        namespace, name, number = owner
        key = f"{namespace}/{name}"
        port = services[key].port(number)
        expected = neg_endpoints_in(slices.get(key, ()), port.name, neg.zone) if port else ()
        if 0 < neg.size != len(expected):
            wanted.append(neg)
    return wanted


@dataclass(frozen=True, slots=True)
class _GroupCall:
    """One per-group call: what it reads, its name in the report, and the permission it needs."""

    kind: DataKind
    call: str
    permission: str
    run: Callable[[], tuple[Answer, int]]


@dataclass
class GroupResult:
    """The raw answers by kind (each with the group it is about) and the calls that failed."""

    answers: dict[DataKind, list[Answer]] = field(
        default_factory=lambda: {DataKind.BACKEND_HEALTH: [], DataKind.NEG_ENDPOINTS: []}
    )
    errors: list[CollectionError] = field(default_factory=list)


class GroupCollector:
    """Asks Compute about single groups: the health of a backend service's groups, a NEG's endpoints."""

    def __init__(
        self,
        project: str,
        *,
        credentials: Credentials | None,
        endpoint: str | None,
        gate: ApiGate,
        progress: Progress = NO_PROGRESS,
    ) -> None:
        options = ClientOptions(api_endpoint=endpoint) if endpoint else None
        self._progress = progress
        self._project = project
        self._global = compute_v1.BackendServicesClient(
            credentials=credentials, client_options=options
        )
        self._regional = compute_v1.RegionBackendServicesClient(
            credentials=credentials, client_options=options
        )
        self._negs = compute_v1.NetworkEndpointGroupsClient(
            credentials=credentials, client_options=options
        )
        self._gate = gate

    def _health(self, bs: BackendService, backend: Backend) -> tuple[Answer, int]:
        reference = compute_v1.ResourceGroupReference(group=backend.group.self_link)
        if bs.location == "global":
            answer = self._gate.call(
                "compute getHealth backendServices",
                self._global.get_health,
                project=self._project,
                backend_service=bs.name,
                resource_group_reference_resource=reference,
                retry=None,  # the gate retries
                timeout=self._gate.timeout,
            )
        else:
            answer = self._gate.call(
                "compute getHealth regionBackendServices",
                self._regional.get_health,
                project=self._project,
                region=bs.location,
                backend_service=bs.name,
                resource_group_reference_resource=reference,
                retry=None,  # the gate retries
                timeout=self._gate.timeout,
            )
        health = to_json(answer)
        return (
            {"backendService": bs.self_link, "group": backend.group.self_link, "health": health},
            len(health.get("healthStatus") or ()),
        )

    def _endpoints(self, neg: NetworkEndpointGroup) -> tuple[Answer, int]:
        """Every endpoint of ``neg``, one page per call so that each page is retried on its own."""
        request = compute_v1.ListNetworkEndpointsNetworkEndpointGroupsRequest(
            project=self._project,
            zone=neg.zone,
            network_endpoint_group=neg.name,
            network_endpoint_groups_list_endpoints_request_resource=(
                compute_v1.NetworkEndpointGroupsListEndpointsRequest(health_status="SKIP")
            ),
            max_results=PAGE_SIZE,
        )
        items: list[Answer] = []
        while True:
            page = self._gate.call(
                "compute listNetworkEndpoints networkEndpointGroups",
                self._negs.list_network_endpoints,
                request=request,
                retry=None,  # the gate retries
                timeout=self._gate.timeout,
            )
            items.extend(to_json(item) for item in page.items)
            if not page.next_page_token:
                return {"neg": neg.self_link, "items": items}, len(items)
            request.page_token = page.next_page_token

    def collect(
        self, health: Iterable[BackendService], endpoints: Iterable[NetworkEndpointGroup] = ()
    ) -> GroupResult:
        """Ask for the health of every group of ``health`` and the endpoints of every NEG of ``endpoints``."""
        calls = [
            _GroupCall(
                DataKind.BACKEND_HEALTH,
                f"compute.backendServices.getHealth {bs.name} {b.group}",
                "compute.backendServices.get"
                if bs.location == "global"
                else "compute.regionBackendServices.get",
                partial(self._health, bs, b),
            )
            for bs in health
            for b in bs.backends
        ]
        calls += [
            _GroupCall(
                DataKind.NEG_ENDPOINTS,
                f"compute.networkEndpointGroups.listNetworkEndpoints {neg.ref}",
                "compute.networkEndpointGroups.get",
                partial(self._endpoints, neg),
            )
            for neg in endpoints
        ]
        result = GroupResult()
        with (
            self._global,
            self._regional,
            self._negs,
            ThreadPoolExecutor(self._gate.workers) as pool,
        ):
            futures = [(call, pool.submit(call.run)) for call in calls]
            for call, future in futures:
                try:
                    answer, items = future.result()
                except Exception as exc:  # noqa: BLE001 - every failure is recorded as data
                    error = _error(call, exc)
                    result.errors.append(error)
                    self._progress.call_done(call.call, None, error.message)
                    continue
                result.answers[call.kind].append(answer)
                self._progress.call_done(call.call, items, None)
        return result


def _error(call: _GroupCall, exc: Exception) -> CollectionError:
    status, reasons = status_of(exc), google_reasons(exc)
    message = str(getattr(exc, "message", None) or exc)
    if status == 403 and not reasons & RATE_LIMIT_REASONS:
        message = f"permission denied (needs {call.permission}): {message}"
    return CollectionError(
        call.kind, call.call, message, status, ",".join(sorted(reasons)) or type(exc).__name__
    )
