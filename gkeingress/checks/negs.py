"""Network endpoint groups that are empty, missing, or not attached to their backend service."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.propagation import recent_change
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.collect.snapshot import DataKind
from gkeingress.findings import Severity
from gkeingress.model.topology import PairedIngress, ServiceBackend, Topology


def _settled_neg_backends(
    topology: Topology, options: AuditOptions
) -> Iterator[tuple[PairedIngress, ServiceBackend]]:
    """NEG backends of Ingresses that are not still rolling out a change."""
    for paired in topology.ingresses:
        if not paired.managed or recent_change(paired, options):
            continue
        for backend in paired.backends:
            if backend.uses_neg:
                yield paired, backend


def _sync_hint(backend: ServiceBackend) -> str:
    condition = backend.svcneg.conditions.get("Synced") if backend.svcneg else None
    if condition and condition[0] == "False":
        return f" The NEG controller reports Synced=False ({condition[1]}): {condition[2]}"
    return ""


@check(
    "NEG_EMPTY",
    severity=Severity.ERROR,
    title="NEG of an Ingress backend has no endpoints",
    explanation=(
        "The NEG controller fills each zonal NEG with the ready-or-starting pod IPs of the Service "
        "in that zone, from the EndpointSlices whose port name matches the Service port. A NEG "
        "stays empty when no pod matches the selector, every pod is terminating, the Service port "
        "name does not match, or attaching endpoints fails (for example on a cluster that is not "
        "VPC-native). With every NEG empty the load balancer has nothing to send traffic to: 502."
    ),
    fix=(
        "If the Service has ready pods in the zone, look at the Service's "
        "`SyncNetworkEndpointGroupFailed` events and its ServiceNetworkEndpointGroup conditions; "
        "otherwise make the Service select ready pods."
    ),
    evidence=(
        "The NEG, its zone and how many ready endpoints the Service has in that zone, with the "
        "NEG controller's `Synced=False` condition when it reports one. `neg`, `zone` and "
        "`ready_endpoints_in_zone` hold them. An error when every NEG of the backend is empty, a "
        "warning otherwise."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/container-native-load-balancing",
        "https://cloud.google.com/load-balancing/docs/negs",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES, DataKind.ENDPOINT_SLICES, DataKind.NEGS),
)
def neg_empty(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report empty NEGs, saying whether the Service has ready pods in that zone."""
    for paired, backend in _settled_neg_backends(topology, options):
        if not backend.negs:
            continue
        all_empty = all(n.size == 0 for n in backend.negs)
        for neg in backend.negs:
            ready = backend.ready_pods_in(neg.zone)
            if neg.size > 0 or (ready == 0 and not all_empty):
                continue
            if ready:
                state = (
                    f"yet Service {backend.service_key} has {ready} ready endpoint(s) in {neg.zone}: "
                    f"the NEG controller is not attaching them.{_sync_hint(backend)}"
                )
                fix = (
                    f"Check `kubectl describe service -n {backend.namespace} {backend.ref.service}` "
                    "for SyncNetworkEndpointGroupFailed or AttachFailed events and fix the error "
                    "they name."
                )
            else:
                state = f"and Service {backend.service_key} has no ready endpoints in {neg.zone}."
                fix = (
                    f"Make Service {backend.service_key} select ready pods: check its selector, "
                    "the pods' readiness, and that the Service port name matches the EndpointSlice port."
                )
            if all_empty:
                state += " Every NEG of this backend is empty, so requests to it get 502."
            yield Hit(
                ingress=paired.name,
                resource=str(neg.ref),
                message=f"NEG {neg.name} in {neg.zone} has no endpoints, {state}",
                remediation=fix,
                evidence={"neg": neg.name, "zone": neg.zone, "ready_endpoints_in_zone": ready},
                severity=Severity.ERROR if all_empty else Severity.WARNING,
            )


@check(
    "NEG_MISSING",
    severity=Severity.ERROR,
    title="A NEG named by neg-status or the backend service does not exist",
    explanation=(
        "The Service annotation `cloud.google.com/neg-status` lists the NEG the controller made for "
        "each port and the zones it should exist in, and the backend service lists the NEGs it "
        "sends traffic to. A NEG named there but absent was deleted by hand or never created."
    ),
    fix=(
        "Look at the Service's events for NEG errors; deleting the ServiceNetworkEndpointGroup "
        "object makes the controller recreate the NEGs."
    ),
    evidence=(
        "The NEG and everything that names it: the Service's `cloud.google.com/neg-status` "
        "annotation, a backend service. `neg` is the name and `named_by` the list of those "
        "sources."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing",
        "https://cloud.google.com/load-balancing/docs/negs",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES, DataKind.BACKEND_SERVICES, DataKind.NEGS),
)
def neg_missing(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report each NEG that is referenced but does not exist, once, with everything naming it."""
    for paired in topology.ingresses:
        if not paired.managed or recent_change(paired, options):
            continue
        missing: dict[str, list[str]] = {}
        for ref in paired.references:
            if ref.kind == "NEG" and not ref.found:
                missing.setdefault(ref.name, []).append(ref.source)
        for name, sources in missing.items():
            yield Hit(
                ingress=paired.name,
                resource=name,
                message=f"NEG {name} is named by {' and by '.join(sources)} but does not exist.",
                remediation=(
                    "Check the Service's events (kubectl describe service) for NEG errors; "
                    "delete its ServiceNetworkEndpointGroup to have the NEG controller recreate "
                    "the NEGs."
                ),
                evidence={"neg": name, "named_by": sources},
            )


@check(
    "NEG_NOT_ATTACHED",
    severity=Severity.ERROR,
    title="A NEG exists for the Service port but the backend service does not use it",
    explanation=(
        "ingress-gce adds each zonal NEG of a Service port to the port's backend service. A NEG "
        "the backend service does not list receives no traffic; when none is listed the backend "
        "service has no backends and its health is `Unknown`."
    ),
    fix="Look for Sync errors on the Ingress; the controller re-adds NEGs on its next sync.",
    evidence=(
        "The NEG, its zone and endpoint count, and the backend service that does not list it. "
        "`neg`, `zone` and `backend_service` hold them. An error when the backend service has no "
        "backends at all, a warning otherwise."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES, DataKind.BACKEND_SERVICES, DataKind.NEGS),
)
def neg_not_attached(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report NEGs of a backend that its backend service does not list."""
    for paired, backend in _settled_neg_backends(topology, options):
        bs = backend.backend_service
        if bs is None:
            continue
        attached = {b.group for b in bs.backends}
        for neg in backend.negs:
            if neg.ref in attached:
                continue
            yield Hit(
                ingress=paired.name,
                resource=str(neg.ref),
                message=(
                    f"NEG {neg.name} in {neg.zone} ({neg.size} endpoint(s)) is not a backend of "
                    f"backend service {bs.name}, so its pods get no traffic"
                    + (
                        " and the backend service has no backends at all."
                        if not bs.backends
                        else "."
                    )
                ),
                remediation=(
                    f"Check Warning events on Ingress {paired.name}; after the cause is fixed "
                    "ingress-gce attaches the NEG on its next sync (every 10 minutes or on any change)."
                ),
                evidence={"neg": neg.name, "zone": neg.zone, "backend_service": bs.name},
                severity=Severity.ERROR if not bs.backends else Severity.WARNING,
            )
