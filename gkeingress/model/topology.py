"""Pair every Ingress with the Compute resources ingress-gce made for it.

Pairing follows the controller's own bookkeeping, most reliable first:

1. the annotations ingress-gce writes on the Ingress (``ingress.kubernetes.io/url-map``, …);
2. the URL map's backend services, the backend services' health checks and NEGs, the NEG names in the
   Service's ``cloud.google.com/neg-status``, and the JSON ingress-gce writes into ``description``;
3. the controller's naming scheme, for Ingresses whose annotations are missing or stale.

Each link is kept as a :class:`Reference` saying where it came from and whether the resource exists,
so checks can tell "never created" from "deleted" from "not yet synced".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar

from gkeingress.display import HtmlView
from gkeingress.findings import Finding, Verdict
from gkeingress.model.naming import Namer
from gkeingress.model.probe import THC_PATH, ServingExpectation, expect
from gkeingress.model.traffic import Traffic, traffic_of
from gkeingress.reads import derived_from
from gkeingress.resources.controller_annotations import name_problem
from gkeingress.resources.gce import (
    BackendService,
    ComputeResource,
    ForwardingRule,
    HealthCheck,
    NetworkEndpointGroup,
    TargetProxy,
    UrlMap,
)
from gkeingress.resources.k8s import (
    BACKENDS_ANNOTATION,
    SYSTEM_DEFAULT_BACKEND,
    BackendConfig,
    BackendRef,
    EndpointSlice,
    Event,
    Ingress,
    JsonAnnotation,
    NegEndpoint,
    Pod,
    Service,
    ServiceNetworkEndpointGroup,
    ServicePort,
    neg_endpoints_in,
    uses_negs,
)
from gkeingress.resources.monitoring import RequestCounts, metric_of_class
from gkeingress.resources.refs import ResourceRef
from gkeingress.snapshot import DataKind, Snapshot

R = TypeVar("R", bound=ComputeResource)

ANNOTATION_PREFIX = "ingress.kubernetes.io/"


@dataclass(frozen=True, slots=True)
class Reference:
    """A link to a Compute resource: what names it, and the resource if it exists."""

    kind: str
    name: str
    source: str
    resource: ComputeResource | None

    @property
    def found(self) -> bool:
        """True when the referenced resource exists."""
        return self.resource is not None


@dataclass(frozen=True, slots=True)
class Activity:
    """A dated change to an Ingress or one of its backends: when, and what."""

    at: datetime
    what: str


@dataclass(frozen=True, slots=True)
class ServiceBackend:
    """One Service port an Ingress routes to, seen from both sides.

    Attributes:
        ref: the Service and port as the Ingress names them.
        namespace: the Service namespace.
        is_default: True for the Ingress's default backend (``spec.defaultBackend`` or GKE's).
        service: the Service, or None when it does not exist.
        port: the Service port the Ingress designates, or None.
        pods: pods the Service selector matches.
        endpoint_slices: the Service's EndpointSlices.
        backend_config: the BackendConfig the Service's annotation names for this port, if found.
        backend_config_name: the BackendConfig name from the annotation, found or not.
        uses_neg: True for container-native (NEG) load balancing, False for instance groups.
        backend_service_name: the name ingress-gce gives this port's backend service.
        backend_service: the backend service, if found.
        health_check: the backend service's health check, if found.
        negs: the NEGs for this port, one per zone, that exist.
        neg_zones: zones ``cloud.google.com/neg-status`` lists for this port's NEG.
        svcneg: the NEG controller's ServiceNetworkEndpointGroup, if found.
        health_state: the state ingress-gce last wrote for this backend in the ``backends`` annotation.
        expectation: what the health check should probe, derived from the pods.
        events: Events about the Service.
        changes: when the Service last changed and its backend service, health check and NEGs were
            created, as ``(time, what)``: plain tuples of a time and a string, which the garbage
            collector stops tracking, where :class:`Activity` objects would stay in its way.
    """

    ref: BackendRef
    namespace: str
    is_default: bool
    service: Service | None
    port: ServicePort | None
    pods: tuple[Pod, ...]
    endpoint_slices: tuple[EndpointSlice, ...]
    backend_config: BackendConfig | None
    backend_config_name: str | None
    uses_neg: bool
    backend_service_name: str | None
    backend_service: BackendService | None
    health_check: HealthCheck | None
    negs: tuple[NetworkEndpointGroup, ...]
    neg_zones: tuple[str, ...]
    svcneg: ServiceNetworkEndpointGroup | None
    health_state: str | None
    expectation: ServingExpectation | None
    events: tuple[Event, ...]
    changes: tuple[tuple[datetime, str], ...]

    @property
    def service_key(self) -> str:
        """``namespace/name`` of the Service."""
        return f"{self.namespace}/{self.ref.service}"

    @property
    def is_system_default(self) -> bool:
        """True for GKE's own default backend (``kube-system/default-http-backend``)."""
        return self.namespace == "kube-system" and self.ref == SYSTEM_DEFAULT_BACKEND

    @property
    def transparent_health_check(self) -> bool:
        """True when the health check probes GKE's transparent health-check agent, not the app.

        Its description says ``TransparentHC``, or the Service asks for transparent health checks
        and the check has their shape (a fixed port, ``/api/podhealth``): it then follows the
        pods' readiness wherever they serve, and its port and path are no mismatch.
        """
        hc = self.health_check
        if hc is None:
            return False
        return hc.is_transparent or (
            self.service is not None
            and self.service.wants_transparent_health_checks
            and hc.port_specification == "USE_FIXED_PORT"
            and hc.request_path == THC_PATH
        )

    def neg_endpoints_in(self, zone: str) -> tuple[NegEndpoint, ...]:
        """The endpoints the NEG controller puts in this port's NEG in ``zone``.

        The controller's rule is :func:`gkeingress.resources.k8s.neg_endpoints_in`: IPv4 endpoints of
        the slices whose port is named like the Service port, not terminating, ready or not.
        """
        return neg_endpoints_in(self.endpoint_slices, self.port.name, zone) if self.port else ()


@dataclass(frozen=True, slots=True)
class PairedIngress(HtmlView):
    """One Ingress and everything ingress-gce made for it.

    Attributes:
        ingress: the Ingress.
        managed: True when GKE's controller handles this Ingress (its class is a GKE class).
        url_map: the URL map, if found.
        forwarding_rules: forwarding rules found (HTTP and HTTPS).
        target_proxies: target proxies found (HTTP and HTTPS).
        backends: every Service port the Ingress routes to, default backend first.
        references: every link followed, found or not.
        events: Events about the Ingress.
        backend_states: the ``ingress.kubernetes.io/backends`` annotation.
        changes: when the Ingress, its Services and their load balancer resources last changed, as
            ``(time, what)`` (plain tuples, as :attr:`ServiceBackend.changes`).
        findings: this Ingress's findings; filled in by the audit after the checks ran, empty while
            checks run.
        cluster: ``projects/P/locations/L/clusters/C`` of the Ingress's cluster, when known.
        traffic: what its load balancer answered over the evidence window (Cloud Monitoring), or
            None when the evidence was not read or holds no request for its URL map.
        verdict: does it serve, and if not why, in one sentence; filled in by the audit after the
            checks ran (None while checks run).
    """

    ingress: Ingress
    managed: bool
    url_map: UrlMap | None
    forwarding_rules: tuple[ForwardingRule, ...]
    target_proxies: tuple[TargetProxy, ...]
    backends: tuple[ServiceBackend, ...]
    references: tuple[Reference, ...]
    events: tuple[Event, ...]
    backend_states: JsonAnnotation
    changes: tuple[tuple[datetime, str], ...]
    findings: tuple[Finding, ...] = ()
    cluster: str | None = None
    traffic: Traffic | None = None
    verdict: Verdict | None = None

    @property
    def name(self) -> str:
        """``namespace/name``."""
        return self.ingress.key

    @property
    def activity(self) -> tuple[Activity, ...]:
        """:attr:`changes` as :class:`Activity` values."""
        return tuple(Activity(at, what) for at, what in self.changes)

    def __repr__(self) -> str:
        state = f" {self.verdict.state.value}" if self.verdict else ""
        return (
            f"<PairedIngress {self.name}{state}: {len(self.findings)} findings, "
            f"{len(self.backends)} backends>"
        )

    @property
    def backend_services(self) -> tuple[BackendService, ...]:
        """The backend services of the Ingress: its backends', then any other the URL map uses."""
        return _unique(
            [b.backend_service for b in self.backends]
            + [r.resource for r in self.references if isinstance(r.resource, BackendService)]
        )

    @property
    def health_checks(self) -> tuple[HealthCheck, ...]:
        """The health checks of the Ingress's backend services."""
        return _unique(
            [b.health_check for b in self.backends]
            + [r.resource for r in self.references if isinstance(r.resource, HealthCheck)]
        )

    @property
    def negs(self) -> tuple[NetworkEndpointGroup, ...]:
        """Every NEG serving the Ingress's backends, one per zone.

        ingress-gce makes one zonal NEG per zone under the same name, so a name appears once for
        each zone it is in; ``neg.zone`` tells them apart and no (zone, name) pair appears twice.
        """
        return _unique([n for b in self.backends for n in b.negs])

    @property
    def has_controller_annotations(self) -> bool:
        """True when ingress-gce has written its resource annotations on the Ingress."""
        return any(k.startswith(ANNOTATION_PREFIX) for k in self.ingress.annotations)


def _changes(
    service: Service | None, resources: Iterable[ComputeResource | None]
) -> tuple[tuple[datetime, str], ...]:
    """When a backend's Service last changed and its load balancer resources were created."""
    changes = []
    if service and service.meta.last_change:
        changes.append((service.meta.last_change, f"Service {service.key} changed"))
    for resource in resources:
        if resource is not None and resource.created:
            changes.append((resource.created, f"{resource.ref} was created"))
    return tuple(changes)


def _health_state(states: Mapping[str, object], backend_service: str | None) -> str | None:
    """The state the ``backends`` annotation gives a backend service, if it names it."""
    state = states.get(backend_service or "")
    return str(state) if state is not None else None


def _unique(items: Iterable[R | None]) -> tuple[R, ...]:
    seen: dict[ResourceRef, R] = {}
    for item in items:
        if item is not None:
            seen.setdefault(item.ref, item)
    return tuple(seen.values())


class _Index(Generic[R]):
    """Resources of one kind, by name and by reference."""

    def __init__(self, items: Iterable[R]) -> None:
        self.by_ref: dict[ResourceRef, R] = {}
        self.by_name: dict[str, list[R]] = defaultdict(list)
        for item in items:
            self.by_ref[item.ref] = item
            self.by_name[item.name].append(item)

    def named(self, name: str, scope: str | None = None) -> R | None:
        candidates = self.by_name.get(name, [])
        preferred = [c for c in candidates if scope is None or c.ref.scope == scope]
        found = preferred or candidates
        return found[0] if found else None


class _Port:
    """A Service port's backend as every Ingress of one class that routes to it sees it.

    Built once per class and shared by those Ingresses: the backend itself (one object for each
    default-ness and health state an Ingress gives it) and the references its backend service and
    neg-status add.
    """

    def __init__(
        self,
        backend: ServiceBackend,
        references: tuple[Reference, ...],
    ) -> None:
        self.backend_service_name = backend.backend_service_name
        self.references = references
        self._first = backend
        self._seen = {(backend.is_default, backend.health_state): backend}

    def seen_as(self, is_default: bool, health_state: str | None) -> ServiceBackend:
        """The backend as an Ingress sees it: its default backend or not, in this state."""
        seen = self._seen.get((is_default, health_state))
        if seen is None:
            seen = replace(self._first, is_default=is_default, health_state=health_state)
            self._seen[(is_default, health_state)] = seen
        return seen


class ComputeIndex:
    """A project's load balancer resources, indexed once: by reference, by name, by description.

    The descriptions are what ingress-gce writes into them: the Ingress or Service they serve. The
    clusters of one project in a fleet hold the very same Compute lists, so one index serves them
    all (:func:`gkeingress.analyse` takes it as ``compute_index``).
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self._lists = _compute_lists(snapshot)
        self.url_maps = _Index(snapshot.url_maps)
        self.proxies = _Index(snapshot.target_proxies)
        self.rules = _Index(snapshot.forwarding_rules)
        self.backend_services = _Index(snapshot.backend_services)
        self.health_checks = _Index(snapshot.health_checks)
        self.negs = _Index(snapshot.negs)
        self.described_health_checks: dict[str, list[HealthCheck]] = defaultdict(list)
        for hc in snapshot.health_checks:
            if hc.described_service:
                self.described_health_checks[hc.described_service].append(hc)
        self.described_rules: dict[str, list[ForwardingRule]] = defaultdict(list)
        for rule in snapshot.forwarding_rules:
            if rule.ingress_name:
                self.described_rules[rule.ingress_name].append(rule)
        self.described_proxies: dict[str, list[TargetProxy]] = defaultdict(list)
        for proxy in snapshot.target_proxies:
            if proxy.ingress_name:
                self.described_proxies[proxy.ingress_name].append(proxy)

    def indexes(self, snapshot: Snapshot) -> bool:
        """True when ``snapshot`` holds the very lists (the same objects) this index was built from."""
        return all(a is b for a, b in zip(self._lists, _compute_lists(snapshot), strict=True))


def _compute_lists(snapshot: Snapshot) -> tuple[tuple[ComputeResource, ...], ...]:
    return (
        snapshot.url_maps,
        snapshot.target_proxies,
        snapshot.forwarding_rules,
        snapshot.backend_services,
        snapshot.health_checks,
        snapshot.negs,
    )


class Pairing:
    """Indexes a snapshot once, then pairs each Ingress in constant time per resource."""

    def __init__(self, snapshot: Snapshot, compute: ComputeIndex | None = None) -> None:
        if compute is None or not compute.indexes(snapshot):
            compute = ComputeIndex(snapshot)
        self.snapshot = snapshot
        self.namer = Namer(snapshot.identity.uid, snapshot.identity.kube_system_uid)
        self.url_maps = compute.url_maps
        self.proxies = compute.proxies
        self.rules = compute.rules
        self.backend_services = compute.backend_services
        self.health_checks = compute.health_checks
        self.negs = compute.negs
        self.described_health_checks = compute.described_health_checks
        self.described_rules = compute.described_rules
        self.described_proxies = compute.described_proxies
        self.request_counts: dict[tuple[str, str], list[RequestCounts]] = defaultdict(list)
        for series in snapshot.request_counts:
            self.request_counts[(series.metric, series.url_map)].append(series)
        self.services = {s.key: s for s in snapshot.services}
        self.backend_configs = {b.meta.key: b for b in snapshot.backend_configs}
        self.svcnegs = {n.meta.key: n for n in snapshot.svcnegs}
        self.pods_by_label: dict[tuple[str, str, str], list[Pod]] = defaultdict(list)
        for pod in snapshot.pods:
            for key, value in (pod.meta.labels or {}).items():
                self.pods_by_label[(pod.meta.namespace, key, value)].append(pod)
        self.slices: dict[str, list[EndpointSlice]] = defaultdict(list)
        for eps in snapshot.endpoint_slices:
            self.slices[f"{eps.meta.namespace}/{eps.service}"].append(eps)
        self.events: dict[tuple[str, str], list[Event]] = defaultdict(list)
        for event in snapshot.events:
            self.events[(event.kind, event.object_key)].append(event)
        self._ports: dict[tuple[str, BackendRef, bool, str | None], _Port] = {}

    def pair(self, ingress: Ingress) -> PairedIngress:
        """Pair one Ingress."""
        refs: list[Reference] = []
        scope = self._scope(ingress)
        names = self.namer.frontend(
            ingress.meta.namespace, ingress.meta.name, v2=ingress.uses_v2_names
        )
        annotations = ingress.annotations

        def follow(kind: str, index: _Index[R], annotation: str, computed: str) -> R | None:
            key = ANNOTATION_PREFIX + annotation
            if key in annotations and name_problem(annotations[key]) is None:
                name, source = annotations[key], f"annotation {key}"
            elif index.named(computed, scope) is not None:
                name, source = computed, "ingress-gce naming scheme"
            else:
                return None
            found = index.named(name, scope)
            refs.append(Reference(kind, name, source, found))
            return found

        rules = [
            follow("forwarding rule", self.rules, "forwarding-rule", names.http_rule),
            follow("forwarding rule", self.rules, "https-forwarding-rule", names.https_rule),
            *self.described_rules.get(ingress.key, ()),
        ]
        proxies = [
            follow("target proxy", self.proxies, "target-proxy", names.http_proxy),
            follow("target proxy", self.proxies, "https-target-proxy", names.https_proxy),
            *self.described_proxies.get(ingress.key, ()),
        ]
        proxies += [self.proxies.by_ref.get(r.target) for r in rules if r and r.target]
        url_map = follow("url map", self.url_maps, "url-map", names.url_map)
        for proxy in proxies:
            if url_map is not None:
                break
            if proxy is not None and proxy.url_map is not None:
                candidate = self.url_maps.by_ref.get(proxy.url_map)
                url_map = candidate if candidate and not candidate.redirects_to_https else None

        states = JsonAnnotation.read(annotations, BACKENDS_ANNOTATION)
        ports = self._ports_of(ingress, scope, states)
        backends = tuple(backend for _, backend in ports)
        known = {b.backend_service.ref for b in backends if b.backend_service}
        if url_map is not None:
            for service_ref in url_map.services:
                if service_ref not in known:
                    refs.append(
                        Reference(
                            "backend service",
                            service_ref.name,
                            f"URL map {url_map.name}",
                            self.backend_services.by_ref.get(service_ref),
                        )
                    )
        for port, _ in ports:
            refs.extend(port.references)
        changed = ingress.meta.last_change
        own = ((changed, f"Ingress {ingress.key} changed"),) if changed else ()
        return PairedIngress(
            ingress=ingress,
            managed=ingress.managed,
            url_map=url_map,
            forwarding_rules=_unique(rules),
            target_proxies=_unique(proxies),
            backends=backends,
            references=tuple(refs),
            events=tuple(self.events.get(("Ingress", ingress.key), ())),
            backend_states=states,
            changes=(*own, *(change for backend in backends for change in backend.changes)),
            traffic=self._traffic(ingress, url_map),
        )

    def _traffic(self, ingress: Ingress, url_map: UrlMap | None) -> Traffic | None:
        """The URL map's request counts, from the metric of the Ingress's class."""
        window = self.snapshot.evidence_window
        if window is None or url_map is None:
            return None
        metric = metric_of_class(ingress.class_annotation)
        found = self.request_counts.get((metric.metric if metric else "", url_map.name))
        return traffic_of(found, window) if found else None

    def _scope(self, ingress: Ingress) -> str | None:
        """``global`` for ``gce`` Ingresses; regional ones are matched by name in any region."""
        return None if ingress.is_regional else "global"

    def _ports_of(
        self, ingress: Ingress, scope: str | None, states: JsonAnnotation
    ) -> list[tuple[_Port, ServiceBackend]]:
        """Each Service port the Ingress routes to, with its backend as the Ingress sees it.

        A port's backend is built once for the Ingresses of a class, as the first of them sees it;
        the others see it in their own state (default backend or not, the ``backends`` annotation).
        """
        by_name = states.value if isinstance(states.value, dict) else {}
        found = []
        for namespace, ref, default in ingress.service_backends:
            key = (namespace, ref, ingress.is_regional_external, scope)
            port = self._ports.get(key)
            if port is None:
                port = self._ports[key] = self._backend(
                    namespace,
                    ref,
                    regional=ingress.is_regional,
                    regional_external=ingress.is_regional_external,
                    scope=scope,
                    is_default=default,
                    states=by_name,
                )
            state = _health_state(by_name, port.backend_service_name)
            found.append((port, port.seen_as(default, state)))
        return found

    def _backend(
        self,
        namespace: str,
        ref: BackendRef,
        *,
        regional: bool,
        regional_external: bool,
        scope: str | None,
        is_default: bool,
        states: Mapping[str, object],
    ) -> _Port:
        """A Service port's backend as an Ingress of one class that routes to it sees it.

        ``is_default`` and ``states`` (the Ingress's ``backends`` annotation) are that Ingress's
        view; the rest is the same for every Ingress of the class. The backend service (and
        health check) is named like the NEG, or ``k8s-be-<nodePort>`` in instance-group mode;
        behind a ``gce-regional-external`` Ingress it is ``Namer.rxlb_backend`` and only the NEGs
        keep the NEG name.
        """
        service_key = f"{namespace}/{ref.service}"
        service = self.services.get(service_key)
        port = service.port(ref.port) if service else None
        uses_neg = uses_negs(service, regional_ingress=regional)
        computed_neg = (
            self.namer.neg(namespace, ref.service, port.port)
            if port is not None and uses_neg
            else None
        )
        name: str | None = computed_neg
        if port is not None and regional_external:
            name = self.namer.rxlb_backend(namespace, ref.service, port.port)
        elif port is not None and not uses_neg and port.node_port:
            name = self.namer.instance_group_backend(port.node_port)
        backend_service = self.backend_services.named(name, scope) if name else None
        health_check = None
        if backend_service is not None and backend_service.health_checks:
            health_check = self.health_checks.by_ref.get(backend_service.health_checks[0])
        elif name:
            health_check = self._described_health_check(service_key, name, scope)
        status_name, zones = self._neg_status(service, port)
        neg_name = (status_name if uses_neg else None) or computed_neg
        negs = tuple(
            n for n in self.negs.by_name.get(neg_name or "", []) if n.ref.scope.startswith("zones/")
        )
        pods = self._selected(service)
        config_name = service.backend_config_name(port) if service and port else None
        config = self.backend_configs.get(f"{namespace}/{config_name}") if config_name else None
        system_default = namespace == "kube-system" and ref == SYSTEM_DEFAULT_BACKEND
        backend = ServiceBackend(
            ref=ref,
            namespace=namespace,
            is_default=is_default,
            service=service,
            port=port,
            pods=pods,
            endpoint_slices=tuple(self.slices.get(service_key, ())),
            backend_config=config,
            backend_config_name=config_name,
            uses_neg=uses_neg,
            backend_service_name=name,
            backend_service=backend_service,
            health_check=health_check,
            negs=negs,
            neg_zones=zones if uses_neg else (),
            svcneg=self.svcnegs.get(f"{namespace}/{neg_name}") if neg_name else None,
            health_state=_health_state(states, name),
            expectation=expect(port, pods, config, system_default=system_default) if port else None,
            events=tuple(self.events.get(("Service", service_key), ())),
            changes=_changes(service, (backend_service, health_check, *negs)),
        )
        references = self._backend_references(backend_service, service, status_name, zones, negs)
        return _Port(backend, references)

    def _described_health_check(
        self, service: str, name: str, scope: str | None
    ) -> HealthCheck | None:
        """The health check whose JSON description names ``service``, when no backend service links it.

        ingress-gce names a health check like its backend service and, for BackendConfig and
        transparent checks, writes ``k8sResource: /namespaces/<ns>/services/<name>`` and
        ``k8sCluster: /locations/<location>/clusters/<name>`` into its description: the check of
        that name, else the only one describing the Service in this cluster (when it is known).
        """
        described = [
            hc
            for hc in self.described_health_checks.get(service, ())
            if scope is None or hc.ref.scope == scope
        ]
        named = [hc for hc in described if hc.name == name]
        cluster = self.snapshot.cluster
        here = (
            [
                hc
                for hc in described
                if hc.described_cluster == f"/locations/{cluster.location}/clusters/{cluster.name}"
            ]
            if cluster is not None
            else []
        )
        if named:
            return named[0]
        return here[0] if len(here) == 1 else None

    def _selected(self, service: Service | None) -> tuple[Pod, ...]:
        """Pods a Service selects, found through the label index (an empty selector selects none)."""
        if service is None or not service.selector:
            return ()
        key, value = next(iter(service.selector.items()))
        candidates = self.pods_by_label.get((service.meta.namespace, key, value), ())
        return tuple(p for p in candidates if p.matches(service.selector))

    @staticmethod
    def _neg_status(
        service: Service | None, port: ServicePort | None
    ) -> tuple[str | None, tuple[str, ...]]:
        if service is None or port is None:
            return None, ()
        return service.neg_names.get(port.port), service.neg_zones

    def _backend_references(
        self,
        bs: BackendService | None,
        service: Service | None,
        status_name: str | None,
        zones: tuple[str, ...],
        negs: tuple[NetworkEndpointGroup, ...],
    ) -> tuple[Reference, ...]:
        """References from a backend service and neg-status to health checks and NEGs."""
        refs: list[Reference] = []
        if bs is not None:
            source = f"backend service {bs.name}"
            for hc in bs.health_checks:
                refs.append(
                    Reference("health check", hc.name, source, self.health_checks.by_ref.get(hc))
                )
            for group in (b.group for b in bs.backends if b.is_neg):
                refs.append(Reference("NEG", str(group), source, self.negs.by_ref.get(group)))
        if status_name and service:
            source = f"cloud.google.com/neg-status of Service {service.key}"
            in_zone: dict[str, NetworkEndpointGroup] = {}
            for neg in negs:
                if neg.name == status_name:
                    in_zone.setdefault(neg.zone, neg)
            for zone in zones:
                name = f"zones/{zone}/networkEndpointGroups/{status_name}"
                refs.append(Reference("NEG", name, source, in_zone.get(zone)))
        return tuple(refs)


@dataclass(frozen=True, slots=True)
class Topology:
    """The paired view of a whole snapshot."""

    snapshot: Snapshot
    ingresses: tuple[PairedIngress, ...]

    def ingress(self, name: str) -> PairedIngress:
        """The paired view of ``namespace/name``.

        Raises:
            KeyError: no such Ingress was collected.
        """
        for paired in self.ingresses:
            if paired.name == name:
                return paired
        raise KeyError(f"no Ingress {name!r}; known: {', '.join(p.name for p in self.ingresses)}")


# What each field of the paired view was built from, so that a check reading it is known to have
# read those lists (see gkeingress.reads). Names computed by the Namer depend on the cluster's
# identity; a NEG is found by the name neg-status gives or the Namer computes. A check reaches a
# paired Ingress only through Topology.ingresses, which records INGRESSES: the fields built from
# the Ingress alone need no recording of their own (``implied``).
_K = DataKind
_NAMED_BACKEND = (_K.SERVICES, _K.CLUSTER_IDENTITY)
_FRONTEND = (_K.INGRESSES, _K.FORWARDING_RULES, _K.TARGET_PROXIES, _K.CLUSTER_IDENTITY)
TRAFFIC_READS = (*_FRONTEND, _K.URL_MAPS, _K.REQUEST_COUNTS)
"""What an Ingress's traffic is read from: its URL map's request counts."""
_REFERENCE_KINDS = {
    "forwarding rule": frozenset({_K.FORWARDING_RULES}),
    "target proxy": frozenset({_K.TARGET_PROXIES}),
    "url map": frozenset({_K.URL_MAPS}),
    "backend service": frozenset({_K.BACKEND_SERVICES}),
    "health check": frozenset({_K.HEALTH_CHECKS}),
    "NEG": frozenset({_K.NEGS}),
}
derived_from(
    Reference,
    {"resource": lambda ref: _REFERENCE_KINDS[ref.kind]},
    plain=("kind", "name", "source"),  # part of the references list, which records its sources
)
derived_from(
    ServiceBackend,
    {
        "ref": (_K.INGRESSES,),
        "namespace": (_K.INGRESSES,),
        "is_default": (_K.INGRESSES,),
        "service": (_K.SERVICES,),
        "port": (_K.SERVICES,),
        "pods": (_K.SERVICES, _K.PODS),
        "endpoint_slices": (_K.ENDPOINT_SLICES,),
        "backend_config": (_K.SERVICES, _K.BACKEND_CONFIGS),
        "backend_config_name": (_K.SERVICES,),
        "uses_neg": (_K.SERVICES,),
        "backend_service_name": _NAMED_BACKEND,
        "backend_service": (*_NAMED_BACKEND, _K.BACKEND_SERVICES),
        "health_check": (*_NAMED_BACKEND, _K.BACKEND_SERVICES, _K.HEALTH_CHECKS),
        "negs": (*_NAMED_BACKEND, _K.NEGS),
        "neg_zones": (_K.SERVICES,),
        "svcneg": (*_NAMED_BACKEND, _K.SVCNEGS),
        "health_state": (_K.INGRESSES, *_NAMED_BACKEND),
        "expectation": (_K.SERVICES, _K.PODS, _K.BACKEND_CONFIGS),
        "events": (_K.EVENTS,),
        "changes": (*_NAMED_BACKEND, _K.BACKEND_SERVICES, _K.HEALTH_CHECKS, _K.NEGS),
    },
    implied=(_K.INGRESSES,),  # reached only through a paired Ingress's backends
)
derived_from(
    PairedIngress,
    {
        "ingress": (_K.INGRESSES,),
        "managed": (_K.INGRESSES,),
        "url_map": (*_FRONTEND, _K.URL_MAPS),
        "forwarding_rules": _FRONTEND,
        "target_proxies": _FRONTEND,
        "backends": (_K.INGRESSES,),
        "references": (*_FRONTEND, _K.URL_MAPS, _K.BACKEND_SERVICES, _K.SERVICES),
        "events": (_K.EVENTS,),
        "backend_states": (_K.INGRESSES,),
        "changes": (
            _K.INGRESSES,
            *_NAMED_BACKEND,
            _K.BACKEND_SERVICES,
            _K.HEALTH_CHECKS,
            _K.NEGS,
        ),
        "traffic": TRAFFIC_READS,
    },
    plain=("findings", "cluster", "verdict"),  # filled in after the checks ran
    implied=(_K.INGRESSES,),  # reached only through Topology.ingresses
)
derived_from(Topology, {"ingresses": (_K.INGRESSES,)}, plain=("snapshot",))


def pair(snapshot: Snapshot, compute: ComputeIndex | None = None) -> Topology:
    """Pair every Ingress in ``snapshot`` with its load balancer.

    ``compute`` indexes the snapshot's Compute lists when it was built from the very same lists
    (a fleet's clusters of one project); otherwise they are indexed here.
    """
    pairing = Pairing(snapshot, compute)
    ordered = sorted(snapshot.ingresses, key=lambda i: i.key)
    return Topology(snapshot, tuple(pairing.pair(i) for i in ordered))
