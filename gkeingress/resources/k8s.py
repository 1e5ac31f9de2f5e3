"""Read-only views of the Kubernetes objects behind a GKE Ingress.

Views are built from the objects' JSON as the API server sends it. Parsing is tolerant: a missing
optional field takes Kubernetes' default, and an annotation that is not valid JSON is kept with its
parse error so a check can report it instead of the audit failing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from gkeingress.resources.refs import parse_time

JSON = Mapping[str, Any]
H = TypeVar("H", bound=Hashable)

# Annotations read or written by ingress-gce (pkg/annotations).
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
NEG_ANNOTATION = "cloud.google.com/neg"
NEG_STATUS_ANNOTATION = "cloud.google.com/neg-status"
THC_ANNOTATION = "networking.gke.io/transparent-health-checker"  # {"enabled": true}
BACKENDS_ANNOTATION = "ingress.kubernetes.io/backends"  # backend service name → its health
FRONTEND_CONFIG_ANNOTATION = "networking.gke.io/v1beta1.FrontendConfig"  # its name
BACKEND_CONFIG_ANNOTATIONS = (
    "cloud.google.com/backend-config",
    "beta.cloud.google.com/backend-config",
)
V2_FINALIZER = "networking.gke.io/ingress-finalizer-V2"
GCE_CLASSES = frozenset({"gce", "gce-internal", "gce-regional-external"})
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True, slots=True)
class JsonAnnotation:
    """An annotation whose value is JSON: its parsed value, or why it could not be parsed."""

    key: str
    raw: str | None
    value: Any = None
    error: str | None = None

    @property
    def present(self) -> bool:
        """True when the object carries the annotation at all."""
        return self.raw is not None

    @classmethod
    def read(cls, annotations: Mapping[str, str], *keys: str) -> JsonAnnotation:
        """Read the first of ``keys`` present in ``annotations``."""
        key = next((k for k in keys if k in annotations), keys[0])
        raw = annotations.get(key)
        if raw is None:
            return _absent(key)
        try:
            return cls(key, raw, json.loads(raw))
        except ValueError as exc:
            return cls(key, raw, error=f"not valid JSON ({exc})")


def _owned(tree: object) -> tuple[str, ...]:
    """The field names a ``fieldsV1`` node owns (``f:`` keys), without their prefix."""
    if not isinstance(tree, Mapping):
        return ()
    return tuple(str(k)[2:] for k in tree if str(k).startswith("f:"))


@dataclass(frozen=True, slots=True)
class FieldWrite:
    """One ``metadata.managedFields`` entry: the fields a manager owns, and when it last wrote.

    The API server keeps one entry per manager, operation and subresource, and moves its ``time``
    whenever that manager changes the object: ``time`` dates the manager's latest write, not which of
    its fields that write changed.

    Attributes:
        manager: the field manager, e.g. ``kubectl-client-side-apply`` or ``glbc``.
        operation: ``Update`` or ``Apply``.
        time: when the manager last changed the object, if recorded.
        subresource: ``status`` for writes through the status subresource, else empty.
        fields: the top-level fields it owns, e.g. ``("metadata", "spec")``.
        spec: the fields under ``spec`` it owns, e.g. ``("rules", "tls")``.
        annotations: the annotation keys it owns.
    """

    manager: str
    operation: str
    time: datetime | None
    subresource: str = ""
    fields: tuple[str, ...] = ()
    spec: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: JSON) -> FieldWrite:
        """Build from a ``ManagedFieldsEntry``; an unreadable ``fieldsV1`` owns nothing."""
        raw = data.get("fieldsV1")
        owned: JSON = raw if isinstance(raw, Mapping) else {}
        metadata = owned.get("f:metadata")
        return cls(
            manager=str(data.get("manager", "")),
            operation=str(data.get("operation", "")),
            time=parse_time(data.get("time")),
            subresource=str(data.get("subresource", "")),
            fields=_owned(owned),
            spec=_owned(owned.get("f:spec")),
            annotations=_owned(
                metadata.get("f:annotations") if isinstance(metadata, Mapping) else None
            ),
        )


@dataclass(frozen=True, slots=True)
class ObjectMeta:
    """Identity and bookkeeping fields of any Kubernetes object."""

    namespace: str
    name: str
    uid: str = ""
    created: datetime | None = None
    deleted: datetime | None = None
    generation: int = 0
    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None
    finalizers: tuple[str, ...] = ()
    spec_changed: datetime | None = None
    writes: tuple[FieldWrite, ...] = ()

    @classmethod
    def from_json(cls, data: JSON, *, writes: bool = True) -> ObjectMeta:
        """Build from ``metadata``; ``writes=False`` leaves ``managedFields`` unread.

        Only an Ingress's and a Service's writes date a change (:mod:`gkeingress.model.timeline`);
        pods, slices and events leave theirs (two to five entries each) out of the snapshot.
        """
        meta: JSON = data.get("metadata") or {}
        managed = (meta.get("managedFields") or ()) if writes else ()
        spec_writes = [
            parse_time(m.get("time")) for m in managed if "f:spec" in (m.get("fieldsV1") or {})
        ]
        return cls(
            namespace=str(meta.get("namespace", "")),
            name=str(meta.get("name", "")),
            uid=str(meta.get("uid", "")),
            created=parse_time(meta.get("creationTimestamp")),
            deleted=parse_time(meta.get("deletionTimestamp")),
            generation=int(meta.get("generation") or 0),
            labels=dict(meta.get("labels") or {}),
            annotations=dict(meta.get("annotations") or {}),
            finalizers=tuple(meta.get("finalizers") or ()),
            spec_changed=max((t for t in spec_writes if t is not None), default=None),
            writes=tuple(FieldWrite.from_json(m) for m in managed if isinstance(m, Mapping)),
        )

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @property
    def last_change(self) -> datetime | None:
        """The latest spec write recorded in managedFields, else the creation time."""
        return self.spec_changed or self.created


def _labels(meta: ObjectMeta) -> Mapping[str, str]:
    return meta.labels or {}


def _annotations(meta: ObjectMeta) -> Mapping[str, str]:
    return meta.annotations or {}


@dataclass(frozen=True, slots=True)
class BackendRef:
    """An Ingress backend: a Service and its port, by number or by name."""

    service: str
    port: int | str

    @classmethod
    def from_json(cls, data: JSON | None) -> BackendRef | None:
        """Build from an ``IngressBackend``; resource backends yield None."""
        service: JSON = (data or {}).get("service") or {}
        if not service.get("name"):
            return None
        port: JSON = service.get("port") or {}
        number = port.get("number")
        return cls(str(service["name"]), int(number) if number else str(port.get("name", "")))

    def __str__(self) -> str:
        return f"{self.service}:{self.port}"


SYSTEM_DEFAULT_BACKEND = BackendRef("default-http-backend", "http")
"""GKE's default backend, ``kube-system/default-http-backend`` port ``http`` (404 for every request)."""


@dataclass(frozen=True, slots=True)
class IngressPath:
    """One path of an Ingress rule."""

    path: str
    path_type: str
    backend: BackendRef | None


@dataclass(frozen=True, slots=True)
class IngressRule:
    """A host and its paths; an empty host matches every host."""

    host: str
    paths: tuple[IngressPath, ...]
    has_http: bool


@dataclass(frozen=True, slots=True)
class Ingress:
    """A ``networking.k8s.io/v1`` Ingress."""

    meta: ObjectMeta
    class_annotation: str | None
    ingress_class_name: str | None
    default_backend: BackendRef | None
    rules: tuple[IngressRule, ...]
    tls_secrets: tuple[str, ...]
    addresses: tuple[str, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Ingress:
        """Build from an Ingress object."""
        meta = ObjectMeta.from_json(data)
        spec: JSON = data.get("spec") or {}
        status: JSON = (data.get("status") or {}).get("loadBalancer") or {}
        return cls(
            meta=meta,
            class_annotation=_annotations(meta).get(CLASS_ANNOTATION),
            ingress_class_name=spec.get("ingressClassName"),
            default_backend=BackendRef.from_json(spec.get("defaultBackend")),
            rules=tuple(
                IngressRule(
                    host=str(rule.get("host", "")),
                    paths=tuple(
                        IngressPath(
                            path=str(p.get("path", "")),
                            path_type=str(p.get("pathType", "ImplementationSpecific")),
                            backend=BackendRef.from_json(p.get("backend")),
                        )
                        for p in (rule.get("http") or {}).get("paths") or ()
                    ),
                    has_http=rule.get("http") is not None,
                )
                for rule in spec.get("rules") or ()
            ),
            tls_secrets=tuple(
                str(t["secretName"]) for t in spec.get("tls") or () if t.get("secretName")
            ),
            addresses=tuple(
                str(i.get("ip") or i.get("hostname")) for i in status.get("ingress") or ()
            ),
        )

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return self.meta.key

    @property
    def annotations(self) -> Mapping[str, str]:
        """The Ingress annotations."""
        return _annotations(self.meta)

    @property
    def uses_v2_names(self) -> bool:
        """True when ingress-gce names this Ingress's frontend with the v2 (``k8s2-``) scheme."""
        return V2_FINALIZER in self.meta.finalizers

    @property
    def is_internal(self) -> bool:
        """True for an internal (regional) Application Load Balancer Ingress."""
        return self.class_annotation == "gce-internal"

    @property
    def is_regional_external(self) -> bool:
        """True for a regional external Application Load Balancer Ingress."""
        return self.class_annotation == "gce-regional-external"

    @property
    def is_regional(self) -> bool:
        """True when every frontend resource and backend service of this Ingress is regional.

        Both regional classes force NEG backends (``maybeEnableNEG``); ``gce`` is global.
        """
        return self.is_internal or self.is_regional_external

    @property
    def managed(self) -> bool:
        """True when GKE's controller handles this Ingress (its class is a GKE class, or unset)."""
        if self.class_annotation is None:
            return self.ingress_class_name is None
        return self.class_annotation in GCE_CLASSES

    @property
    def service_backends(self) -> tuple[tuple[str, BackendRef, bool], ...]:
        """Every Service port the load balancer sends to: ``(namespace, ref, is_default)``.

        GKE's default backend (in ``kube-system``) comes first when ``spec.defaultBackend`` is unset,
        then :attr:`backend_refs` in the Ingress's namespace.
        """
        namespace = self.meta.namespace
        system = (
            [("kube-system", SYSTEM_DEFAULT_BACKEND, True)] if self.default_backend is None else []
        )
        return (
            *system,
            *((namespace, ref, ref == self.default_backend) for ref in self.backend_refs),
        )

    @property
    def backend_refs(self) -> tuple[BackendRef, ...]:
        """Every Service port this Ingress routes to, without repeats, default backend first."""
        refs: list[BackendRef] = []
        candidates = [self.default_backend]
        candidates += [p.backend for rule in self.rules for p in rule.paths]
        for ref in candidates:
            if ref is not None and ref not in refs:
                refs.append(ref)
        return tuple(refs)


@dataclass(frozen=True, slots=True)
class ServicePort:
    """One port of a Service."""

    name: str
    port: int
    target_port: int | str
    node_port: int | None
    protocol: str = "TCP"

    @classmethod
    def from_json(cls, data: JSON) -> ServicePort:
        """Build from a ``ServicePort``; ``targetPort`` defaults to ``port``."""
        port = int(data.get("port", 0))
        target = data.get("targetPort", port)
        node_port = data.get("nodePort")
        return cls(
            name=str(data.get("name", "")),
            port=port,
            target_port=int(target) if isinstance(target, int) else str(target),
            node_port=int(node_port) if node_port else None,
            protocol=str(data.get("protocol", "TCP")),
        )

    def matches(self, port: int | str) -> bool:
        """True when an Ingress backend port (number or name) designates this port."""
        return self.port == port if isinstance(port, int) else self.name == port


@dataclass(frozen=True, slots=True)
class Service:
    """A core/v1 Service, with the GKE annotations it carries already parsed.

    Attributes:
        neg_annotation: ``cloud.google.com/neg``: the NEG request.
        neg_status: ``cloud.google.com/neg-status``: the NEGs the NEG controller made, and zones.
        backend_config_annotation: ``cloud.google.com/backend-config`` (GA, wins) or its beta
            spelling.
        thc_annotation: ``networking.gke.io/transparent-health-checker``: transparent health
            checks asked for.
    """

    meta: ObjectMeta
    type: str
    selector: Mapping[str, str]
    ports: tuple[ServicePort, ...]
    neg_annotation: JsonAnnotation
    neg_status: JsonAnnotation
    backend_config_annotation: JsonAnnotation
    thc_annotation: JsonAnnotation

    @classmethod
    def from_json(cls, data: JSON, parts: SharedParts | None = None) -> Service:
        """Build from a Service object; ``parts`` shares its ports with its page's equal ones."""
        spec: JSON = data.get("spec") or {}
        meta = ObjectMeta.from_json(data)
        annotations = _annotations(meta)
        ports = tuple(ServicePort.from_json(p) for p in spec.get("ports") or ())
        return cls(
            meta=meta,
            type=str(spec.get("type", "ClusterIP")),
            selector=dict(spec.get("selector") or {}),
            ports=parts.one(ports) if parts else ports,
            neg_annotation=JsonAnnotation.read(annotations, NEG_ANNOTATION),
            neg_status=JsonAnnotation.read(annotations, NEG_STATUS_ANNOTATION),
            backend_config_annotation=JsonAnnotation.read(annotations, *BACKEND_CONFIG_ANNOTATIONS),
            thc_annotation=JsonAnnotation.read(annotations, THC_ANNOTATION),
        )

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return self.meta.key

    def port(self, port: int | str) -> ServicePort | None:
        """The port an Ingress backend designates, or None."""
        return next((p for p in self.ports if p.matches(port)), None)

    @property
    def neg_names(self) -> dict[int, str]:
        """The NEG the NEG controller made for each Service port number, from its neg-status."""
        status = self.neg_status.value
        groups = status.get("network_endpoint_groups") if isinstance(status, dict) else None
        if not isinstance(groups, dict):
            return {}
        return {
            int(port): str(name) for port, name in groups.items() if str(port).isdigit() and name
        }

    @property
    def neg_zones(self) -> tuple[str, ...]:
        """The zones the NEG controller made NEGs in, from its neg-status."""
        status = self.neg_status.value
        zones = status.get("zones") if isinstance(status, dict) else None
        return tuple(str(z) for z in zones) if isinstance(zones, list) else ()

    @property
    def wants_transparent_health_checks(self) -> bool:
        """True when the Service asks for transparent health checks (``{"enabled": true}``)."""
        value = self.thc_annotation.value
        return isinstance(value, dict) and value.get("enabled") is True

    @property
    def wants_ingress_negs(self) -> bool:
        """True when the Service asks for NEGs for Ingress (``{"ingress": true}``)."""
        value = self.neg_annotation.value
        return isinstance(value, dict) and value.get("ingress") is True

    def backend_config_name(self, port: ServicePort) -> str | None:
        """The BackendConfig for ``port``: by port name, then number, then ``default``."""
        value = self.backend_config_annotation.value
        if not isinstance(value, dict):
            return None
        ports = value.get("ports")
        if not isinstance(ports, dict):
            ports = {}
        for key in (port.name, str(port.port)):
            if key and key in ports:
                return str(ports[key])
        default = value.get("default")
        return str(default) if default else None


def uses_negs(service: Service | None, *, regional_ingress: bool) -> bool:
    """True when ingress-gce serves ``service``'s ports through NEGs for an Ingress.

    Always for a regional Ingress (``gce-internal``, ``gce-regional-external``: ``maybeEnableNEG``
    forces NEGs); for a global one when the Service asks for Ingress NEGs.
    """
    return regional_ingress or bool(service and service.wants_ingress_negs)


@functools.cache
def _absent(key: str) -> JsonAnnotation:
    """Annotation ``key`` not set: one value per key (keys are this package's constants), shared."""
    return JsonAnnotation(key, None)


class SharedParts:
    """Equal parts of the objects of one page, kept once.

    The pods of a ReplicaSet declare the same containers, a Service's EndpointSlices the same ports,
    and many Services the same ports: one object each instead of one per object is less for the
    host's garbage collector to walk. Parts are frozen views: sharing them changes nothing a reader
    can see.
    """

    def __init__(self) -> None:
        self._kept: dict[Hashable, Hashable] = {}

    def one(self, part: H) -> H:
        """The part equal to ``part`` kept first, or ``part`` itself."""
        try:
            return cast(H, self._kept.setdefault(part, part))
        except TypeError:  # a malformed field kept as read (a probe port that is a list): unshared
            return part


@dataclass(frozen=True, slots=True)
class HTTPGetProbe:
    """A readinessProbe's ``httpGet``."""

    path: str
    port: int | str
    host: str
    scheme: str
    header_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContainerPort:
    """A declared container port."""

    name: str
    container_port: int


@dataclass(frozen=True, slots=True)
class Container:
    """A container of a pod, with what the health-check inference reads."""

    name: str
    ports: tuple[ContainerPort, ...]
    readiness_http: HTTPGetProbe | None

    @classmethod
    def from_json(cls, data: JSON) -> Container:
        """Build from a ``Container``."""
        probe: JSON = data.get("readinessProbe") or {}
        http: JSON | None = probe.get("httpGet")
        return cls(
            name=str(data.get("name", "")),
            ports=tuple(
                ContainerPort(str(p.get("name", "")), int(p.get("containerPort", 0)))
                for p in data.get("ports") or ()
            ),
            readiness_http=HTTPGetProbe(
                path=str(http.get("path", "/")),
                port=http.get("port", 0),
                host=str(http.get("host", "")),
                scheme=str(http.get("scheme", "HTTP")),
                header_names=tuple(str(h.get("name", "")) for h in http.get("httpHeaders") or ()),
            )
            if http is not None
            else None,
        )

    def declared_port(self, target: int | str) -> ContainerPort | None:
        """The declared port a Service ``targetPort`` (number or name) designates."""
        for port in self.ports:
            if port.container_port == target if isinstance(target, int) else port.name == target:
                return port
        return None


@dataclass(frozen=True, slots=True)
class Pod:
    """A core/v1 Pod."""

    meta: ObjectMeta
    phase: str
    ready: bool
    ip: str
    containers: tuple[Container, ...]

    @classmethod
    def from_json(cls, data: JSON, parts: SharedParts | None = None) -> Pod:
        """Build from a Pod object; ``parts`` shares its containers with its page's equal ones."""
        spec: JSON = data.get("spec") or {}
        status: JSON = data.get("status") or {}
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
        containers = tuple(Container.from_json(c) for c in spec.get("containers") or ())
        return cls(
            meta=ObjectMeta.from_json(data, writes=False),
            phase=str(status.get("phase", "")),
            ready=conditions.get("Ready") == "True",
            ip=str(status.get("podIP", "")),
            containers=parts.one(containers) if parts else containers,
        )

    @property
    def terminating(self) -> bool:
        """True once the pod has a deletion timestamp."""
        return self.meta.deleted is not None

    def matches(self, selector: Mapping[str, str]) -> bool:
        """True when every selector label is on the pod (an empty selector selects nothing)."""
        labels = _labels(self.meta)
        return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint of an EndpointSlice."""

    addresses: tuple[str, ...]
    ready: bool
    terminating: bool
    zone: str
    pod: str


@dataclass(frozen=True, slots=True)
class EndpointPort:
    """A port of an EndpointSlice: the Service port's name and the number the pods serve it on."""

    name: str
    port: int | None


@dataclass(frozen=True, slots=True)
class EndpointSlice:
    """A ``discovery.k8s.io/v1`` EndpointSlice.

    Attributes:
        address_type: ``IPv4``, ``IPv6`` or ``FQDN``; a dual-stack Service has slices of both IP
            types.
        ports: the slice's ports; an unnamed Service port has an unnamed (``""``) slice port.
    """

    meta: ObjectMeta
    service: str
    address_type: str
    ports: tuple[EndpointPort, ...]
    endpoints: tuple[Endpoint, ...]

    @classmethod
    def from_json(cls, data: JSON, parts: SharedParts | None = None) -> EndpointSlice:
        """Build from an EndpointSlice object; ``parts`` shares its ports with its page's equal ones."""
        meta = ObjectMeta.from_json(data, writes=False)
        ports = tuple(
            EndpointPort(
                str(p.get("name") or ""),
                int(p["port"]) if isinstance(p.get("port"), int) else None,
            )
            for p in data.get("ports") or ()
        )
        return cls(
            meta=meta,
            service=_labels(meta).get("kubernetes.io/service-name", ""),
            address_type=str(data.get("addressType", "")),
            ports=parts.one(ports) if parts else ports,
            endpoints=tuple(
                Endpoint(
                    addresses=tuple(e.get("addresses") or ()),
                    # A nil ready condition means ready (discovery.k8s.io/v1 EndpointConditions).
                    ready=(e.get("conditions") or {}).get("ready") is not False,
                    terminating=(e.get("conditions") or {}).get("terminating") is True,
                    zone=str(e.get("zone", "")),
                    pod=str((e.get("targetRef") or {}).get("name", "")),
                )
                for e in data.get("endpoints") or ()
            ),
        )

    def port(self, name: str) -> EndpointPort | None:
        """The slice's port named ``name`` (``""`` for the unnamed port), if it has one."""
        return next((p for p in self.ports if p.name == name), None)


@dataclass(frozen=True, slots=True)
class NegEndpoint:
    """An endpoint the NEG controller attaches to a zonal NEG.

    Attributes:
        ip: the pod's IPv4 address.
        port: the number of the slice port named like the Service port (the pods' targetPort).
        pod: ``namespace/name`` of the pod.
        ready: the endpoint's ``ready`` condition; not-ready pods are attached too.
    """

    ip: str
    port: int | None
    pod: str
    ready: bool


def neg_endpoints_in(
    slices: Iterable[EndpointSlice], port_name: str, zone: str
) -> tuple[NegEndpoint, ...]:
    """The endpoints ingress-gce's NEG controller puts in the ``zone`` NEG of one Service port.

    The rule of ``EndpointsDataFromEndpointSlices`` (``pkg/neg/types/types.go``) and
    ``toZoneNetworkEndpointMap`` (``pkg/neg/syncers/utils.go``), ingress-gce-facts.md §6.2:

    - only slices with a port named ``port_name`` count (an unnamed Service port matches the
      slice's unnamed port); that port's number is the endpoint's port;
    - only ``addressType: IPv4`` slices: the controller skips the others (its dual-stack mode
      reads IPv6 slices only to add the IPv6 address to the same pod's endpoint, so the count
      is one per pod either way);
    - terminating endpoints are dropped; ready and not-ready ones are both kept (``serving`` is
      not read): a starting pod, or one waiting on the NEG readiness gate, belongs in the NEG;
    - endpoints without a pod (``targetRef``) are skipped;
    - each IP once (the controller keeps a set of endpoints).

    Args:
        slices: the EndpointSlices of one Service.
        port_name: the Service port's name.
        zone: the NEG's zone, matched against the endpoint's ``zone`` (the zone of its node).
    """
    found: dict[str, NegEndpoint] = {}
    for eps in slices:
        port = eps.port(port_name)
        if port is None or eps.address_type != "IPv4":
            continue
        for e in eps.endpoints:
            if e.zone == zone and not e.terminating and e.pod and e.addresses:
                pod = f"{eps.meta.namespace}/{e.pod}"
                found.setdefault(
                    e.addresses[0], NegEndpoint(e.addresses[0], port.port, pod, e.ready)
                )
    return tuple(found.values())


@dataclass(frozen=True, slots=True)
class Event:
    """A core/v1 Event about an object."""

    meta: ObjectMeta
    kind: str
    object_namespace: str
    object_name: str
    type: str
    reason: str
    message: str
    component: str
    last_seen: datetime | None
    count: int
    first_seen: datetime | None = None

    @classmethod
    def from_json(cls, data: JSON) -> Event:
        """Build from an Event object, whichever of its time fields are set."""
        involved: JSON = data.get("involvedObject") or {}
        series: JSON = data.get("series") or {}
        last = (
            parse_time(series.get("lastObservedTime"))
            or parse_time(data.get("lastTimestamp"))
            or parse_time(data.get("eventTime"))
            or parse_time(data.get("firstTimestamp"))
        )
        return cls(
            meta=ObjectMeta.from_json(data, writes=False),
            kind=str(involved.get("kind", "")),
            object_namespace=str(involved.get("namespace", "")),
            object_name=str(involved.get("name", "")),
            type=str(data.get("type", "")),
            reason=str(data.get("reason", "")),
            message=str(data.get("message", "")),
            component=str(
                (data.get("source") or {}).get("component") or data.get("reportingComponent") or ""
            ),
            last_seen=last,
            count=int(series.get("count") or data.get("count") or 1),
            first_seen=parse_time(data.get("firstTimestamp"))
            or parse_time(data.get("eventTime"))
            or last,
        )

    @property
    def object_key(self) -> str:
        """``namespace/name`` of the object the event is about."""
        return f"{self.object_namespace}/{self.object_name}"


@dataclass(frozen=True, slots=True)
class BackendConfig:
    """A ``cloud.google.com/v1`` BackendConfig; only its health-check settings matter here."""

    meta: ObjectMeta
    health_check: Mapping[str, Any]

    @classmethod
    def from_json(cls, data: JSON) -> BackendConfig:
        """Build from a BackendConfig object."""
        spec: JSON = data.get("spec") or {}
        return cls(
            meta=ObjectMeta.from_json(data), health_check=dict(spec.get("healthCheck") or {})
        )

    @property
    def request_path(self) -> str | None:
        """``spec.healthCheck.requestPath``, if set."""
        value = self.health_check.get("requestPath")
        return str(value) if value else None

    @property
    def port(self) -> int | None:
        """``spec.healthCheck.port``, if set."""
        value = self.health_check.get("port")
        return int(value) if value else None


@dataclass(frozen=True, slots=True)
class ServiceNetworkEndpointGroup:
    """A ``networking.gke.io/v1beta1`` ServiceNetworkEndpointGroup: the NEG controller's own record."""

    meta: ObjectMeta
    conditions: Mapping[str, tuple[str, str, str]]

    @classmethod
    def from_json(cls, data: JSON) -> ServiceNetworkEndpointGroup:
        """Build from a svcneg object; conditions map type to (status, reason, message)."""
        status: JSON = data.get("status") or {}
        return cls(
            meta=ObjectMeta.from_json(data),
            conditions={
                str(c.get("type")): (
                    str(c.get("status", "")),
                    str(c.get("reason", "")),
                    str(c.get("message", "")),
                )
                for c in status.get("conditions") or ()
            },
        )


@dataclass(frozen=True, slots=True)
class FrontendConfig:
    """A ``networking.gke.io/v1beta1`` FrontendConfig: only its identity is read (does it exist)."""

    meta: ObjectMeta

    @classmethod
    def from_json(cls, data: JSON) -> FrontendConfig:
        """Build from a FrontendConfig object."""
        return cls(meta=ObjectMeta.from_json(data))


@dataclass(frozen=True, slots=True)
class SecretMeta:
    """A Secret's identity only: gkeingress lists Secrets as metadata and never reads their data."""

    meta: ObjectMeta

    @classmethod
    def from_json(cls, data: JSON) -> SecretMeta:
        """Build from a Secret or its PartialObjectMetadata."""
        return cls(meta=ObjectMeta.from_json(data))


@dataclass(frozen=True, slots=True)
class ReplicaSet:
    """An ``apps/v1`` ReplicaSet: its creation marks a Deployment rollout."""

    meta: ObjectMeta
    deployment: str
    pod_labels: Mapping[str, str]
    revision: str

    @classmethod
    def from_json(cls, data: JSON) -> ReplicaSet:
        """Build from a ReplicaSet object."""
        meta = ObjectMeta.from_json(data)
        owners = (data.get("metadata") or {}).get("ownerReferences") or ()
        template: JSON = ((data.get("spec") or {}).get("template") or {}).get("metadata") or {}
        return cls(
            meta=meta,
            deployment=next(
                (str(o.get("name")) for o in owners if o.get("kind") == "Deployment"), ""
            ),
            pod_labels=dict(template.get("labels") or {}),
            revision=_annotations(meta).get("deployment.kubernetes.io/revision", ""),
        )
