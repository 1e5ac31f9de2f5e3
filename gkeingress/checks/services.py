"""Backend Services that do not exist, lack the port, or have a type the load balancer cannot use."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import user_backends
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.resources.k8s import Service
from gkeingress.snapshot import DataKind


def _ports(service: Service) -> str:
    return ", ".join(f"{p.port}" + (f" ({p.name})" if p.name else "") for p in service.ports)


@check(
    "SERVICE_NOT_FOUND",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Ingress routes to a Service that does not exist",
    explanation=(
        "ingress-gce cannot translate an Ingress whose backend Service is missing: it reports "
        '`Translation failed: invalid ingress spec: could not find service "ns/name"` and keeps '
        "the previous load balancer, or creates none."
    ),
    fix="Create the Service, or point the Ingress at the right one (names are per namespace).",
    evidence=(
        "The Ingress, the missing Service and the Services that do exist in that namespace. "
        "`service` is the Service (`namespace/name`) and `namespace_services` the names found."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://kubernetes.io/docs/concepts/services-networking/service/",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES),
)
def service_not_found(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report backend Services that do not exist in the Ingress's namespace."""
    del options
    for paired, backend in user_backends(topology):
        if backend.service is not None:
            continue
        names = sorted(
            s.meta.name for s in topology.snapshot.services if s.meta.namespace == backend.namespace
        )
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=(
                f"Ingress {paired.name} routes to Service {backend.service_key}, which does not "
                f"exist. Services in {backend.namespace}: {', '.join(names) or 'none'}."
            ),
            remediation=f"Create Service {backend.service_key} or fix the backend name in the Ingress.",
            evidence={"service": backend.service_key, "namespace_services": names},
        )


@check(
    "SERVICE_PORT_NOT_FOUND",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Service has no port the Ingress names",
    explanation=(
        "An Ingress backend names a Service port by number (`port.number`, the Service `port`, not "
        "the targetPort) or by name (`port.name`). When the Service has no such port, ingress-gce "
        'fails with `could not find port "…" in service "ns/name"`.'
    ),
    fix="Name a port the Service defines (its `port` number or its `name`).",
    evidence=(
        "The Ingress, the port it names (number or name) and the ports the Service has; when the "
        "number is the targetPort of a Service port, the finding says so. `port` is the port as "
        "the Ingress writes it and `service_ports` the Service's ports."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://kubernetes.io/docs/concepts/services-networking/ingress/",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES),
)
def service_port_not_found(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report Ingress backends whose port the Service does not define."""
    del options
    for paired, backend in user_backends(topology):
        if backend.service is None or backend.port is not None:
            continue
        how = "number" if isinstance(backend.ref.port, int) else "name"
        target_match = [p.port for p in backend.service.ports if p.target_port == backend.ref.port]
        hint = (
            f" {backend.ref.port} is the targetPort of port {target_match[0]}: the Ingress must "
            "name the Service port, not the container port."
            if target_match
            else ""
        )
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=(
                f"Ingress {paired.name} names port {how} {backend.ref.port!r} of Service "
                f"{backend.service_key}, which has ports {_ports(backend.service)}.{hint}"
            ),
            remediation=(
                f"Use one of the Service's ports in the Ingress backend, or add port "
                f"{backend.ref.port!r} to Service {backend.service_key}."
            ),
            evidence={"port": backend.ref.port, "service_ports": _ports(backend.service)},
        )


@check(
    "SERVICE_TYPE_INCOMPATIBLE",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Service type does not fit the load balancer",
    explanation=(
        "Without container-native load balancing (NEGs), the load balancer reaches pods through "
        "node ports, so the Service must be NodePort or LoadBalancer: ingress-gce fails with "
        '`service "ns/name" is type "ClusterIP", expected "NodePort" or "LoadBalancer" when not '
        "using NEGs`. Regional Ingresses (`gce-internal`, `gce-regional-external`) always use NEGs "
        'and need the Service annotation `cloud.google.com/neg: {"ingress": true}`.'
    ),
    fix='Annotate the Service `cloud.google.com/neg: {"ingress": true}` (recommended), or make it NodePort.',
    evidence=(
        "The Service, its type and the Ingress that cannot reach it. `type` is the Service's "
        "`spec.type` and `neg_annotation` its raw `cloud.google.com/neg` annotation (null when "
        "absent)."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-ilb",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES),
)
def service_type_incompatible(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report ClusterIP Services without NEGs, and regional Ingresses' Services without NEG annotation."""
    del options
    for paired, backend in user_backends(topology):
        service = backend.service
        if service is None:
            continue
        fix = (
            f"kubectl annotate service -n {backend.namespace} {service.meta.name} "
            "cloud.google.com/neg='{\"ingress\": true}'"
        )
        if paired.ingress.is_regional and not service.wants_ingress_negs:
            message = (
                f"Service {backend.service_key} has no cloud.google.com/neg annotation with "
                f'"ingress": true, which regional Ingress {paired.name} '
                f"({paired.ingress.class_annotation}) requires."
            )
        elif not backend.uses_neg and service.type not in ("NodePort", "LoadBalancer"):
            message = (
                f'Service {backend.service_key} is type "{service.type}", expected "NodePort" or '
                f'"LoadBalancer" when not using NEGs; Ingress {paired.name} cannot reach it.'
            )
        else:
            continue
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=message,
            remediation=fix,
            evidence={"type": service.type, "neg_annotation": service.neg_annotation.raw},
        )
