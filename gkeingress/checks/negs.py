"""Network endpoint groups that are empty, missing, not attached, or out of step with the pods."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.propagation import FRONTEND_READS, RECENT_CHANGE_READS, recent_change
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.findings import Severity
from gkeingress.model.topology import PairedIngress, ServiceBackend, Topology
from gkeingress.resources.gce import NetworkEndpoint
from gkeingress.resources.k8s import NegEndpoint, Pod, neg_endpoints_in
from gkeingress.snapshot import DataKind


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
    other_severities=(Severity.WARNING,),
    title="NEG of an Ingress backend has no endpoints",
    explanation=(
        "The NEG controller fills each zonal NEG with the IPv4 pod IPs of the Service in that "
        "zone, ready or starting but not terminating, from the EndpointSlices that have a port "
        "named like the Service port. A NEG stays empty when no pod matches the selector, every "
        "pod is terminating, no EndpointSlice has a port of that name, or attaching endpoints "
        "fails (for example on a cluster that is not VPC-native). With every NEG empty the load "
        "balancer has nothing to send traffic to: 502."
    ),
    fix=(
        "If the Service has endpoints in the zone, look at the Service's "
        "`SyncNetworkEndpointGroupFailed` events and its ServiceNetworkEndpointGroup conditions; "
        "otherwise make the Service select running pods, with EndpointSlice ports named like "
        "the Service port."
    ),
    evidence=(
        "The NEG, its zone and how many endpoints the NEG controller should attach there (and how "
        "many of them are ready), with the NEG controller's `Synced=False` condition when it "
        "reports one, or why none qualifies (no slice port of the Service port's name, only IPv6 "
        "endpoints). `neg`, `zone`, `endpoints_in_zone` and `ready_endpoints_in_zone` hold them. "
        "An error when every NEG of the backend is empty, a warning otherwise."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/container-native-load-balancing",
        "https://cloud.google.com/load-balancing/docs/negs",
    ),
    requires=(*RECENT_CHANGE_READS, DataKind.ENDPOINT_SLICES, DataKind.SVCNEGS),
)
def neg_empty(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report empty NEGs, saying whether the Service has endpoints for them in that zone."""
    for paired, backend in _settled_neg_backends(topology, options):
        negs = backend.negs
        if not negs:
            continue
        all_empty = all(n.size == 0 for n in negs)
        port = backend.port
        slices = backend.endpoint_slices if port else ()
        for neg in negs:
            if neg.size > 0:
                continue
            # What the NEG controller should attach: worked out for the empty NEGs only.
            expected = neg_endpoints_in(slices, port.name, neg.zone) if port else ()
            if not expected and not all_empty:
                continue
            ready = sum(e.ready for e in expected)
            if expected:
                count = f"{ready} ready endpoint(s)"
                if ready < len(expected):
                    count = f"{len(expected)} endpoint(s) ({ready} ready)"
                state = (
                    f"yet Service {backend.service_key} has {count} in {neg.zone}: "
                    f"the NEG controller is not attaching them.{_sync_hint(backend)}"
                )
                fix = (
                    f"Check `kubectl describe service -n {backend.namespace} {backend.ref.service}` "
                    "for SyncNetworkEndpointGroupFailed or AttachFailed events and fix the error "
                    "they name."
                )
            else:
                state, fix = _why_no_endpoints(backend, neg.zone)
            if all_empty:
                state += " Every NEG of this backend is empty, so requests to it get 502."
            yield Hit(
                ingress=paired.name,
                resource=str(neg.ref),
                message=f"NEG {neg.name} in {neg.zone} has no endpoints, {state}",
                remediation=fix,
                evidence={
                    "neg": neg.name,
                    "zone": neg.zone,
                    "endpoints_in_zone": len(expected),
                    "ready_endpoints_in_zone": ready,
                },
                severity=Severity.ERROR if all_empty else Severity.WARNING,
            )


def _why_no_endpoints(backend: ServiceBackend, zone: str) -> tuple[str, str]:
    """Why the NEG controller has nothing to attach in ``zone``, and the fix, for NEG_EMPTY."""
    key = backend.service_key
    port = backend.port.name if backend.port else ""
    slices = [
        s
        for s in backend.endpoint_slices
        if any(e.zone == zone and not e.terminating for e in s.endpoints)
    ]
    unmatched = [s for s in slices if s.port(port) is None]
    families = {s.address_type for s in slices if s.port(port) is not None}
    if unmatched:
        wanted = f"no port named {port!r}" if port else "no unnamed port"
        names = sorted({p.name or "(unnamed)" for s in unmatched for p in s.ports})
        return (
            f"because the EndpointSlices holding Service {key}'s endpoints in {zone} have "
            f"{wanted} like the Service port (their ports: {', '.join(names) or 'none'}): the "
            "NEG controller only takes endpoints from slices with a port of the Service port's "
            "name.",
            "Give the Service port and the EndpointSlice ports the same name: the EndpointSlice "
            f"controller copies them from Service {key}, so check slices written by hand or by "
            "another controller.",
        )
    if families and "IPv4" not in families:
        return (
            f"because Service {key} has only {'/'.join(sorted(families))} endpoints in {zone}: "
            "the NEG controller attaches IPv4 endpoints only.",
            f"Give Service {key} IPv4 endpoints (ipFamilyPolicy PreferDualStack or "
            "RequireDualStack on a dual-stack cluster).",
        )
    if families:
        return (
            f"because Service {key}'s endpoints in {zone} name no pod (targetRef): the NEG "
            "controller attaches pod endpoints only.",
            f"Check who writes Service {key}'s EndpointSlices: the EndpointSlice controller "
            "always names the pod.",
        )
    return (
        f"and Service {key} has no endpoints in {zone}: no selected pod, or every one terminating.",
        f"Make Service {key} select running pods: check its selector and that the pods declare "
        "the port its targetPort names.",
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
    requires=(*RECENT_CHANGE_READS, *FRONTEND_READS),
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
    other_severities=(Severity.WARNING,),
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
    requires=RECENT_CHANGE_READS,
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


def _same(expected: NegEndpoint, held: NetworkEndpoint) -> bool:
    """True when a NEG endpoint is the expected one (an unknown port matches any)."""
    return expected.ip == held.ip_address and (
        None in (expected.port, held.port) or expected.port == held.port
    )


def _detaching(pod: Pod, options: AuditOptions) -> bool:
    """True for a pod deleted lately: its endpoint is on its way out of the NEG, not stale yet.

    ``deletionTimestamp`` is when the grace period ends; detaching may take the propagation window
    after that.
    """
    deleted = pod.meta.deleted
    return deleted is not None and deleted >= options.now - options.propagation_window


def _attaching(pod: Pod | None, options: AuditOptions) -> bool:
    """True for a pod created within the propagation window: the controller may not have attached it yet."""
    created = pod.meta.created if pod else None
    return created is not None and created >= options.now - options.propagation_window


def _why_stale(
    expected: NegEndpoint | None, pod: Pod | None, backend: ServiceBackend
) -> tuple[str, str]:
    """The state of a stale endpoint's pod (a short word for evidence) and a phrase for the message."""
    if expected is not None:
        return "wrong port", f"pod {expected.pod} serves on port {expected.port}"
    if pod is None:
        return "gone", "no pod has this IP any more"
    if pod.terminating:
        return "terminating", f"pod {pod.meta.key} is terminating"
    if not pod.ready:
        return "not ready", f"pod {pod.meta.key} is not ready"
    return "not an endpoint", f"pod {pod.meta.key} is not an endpoint of {backend.service_key}"


@check(
    "NEG_ENDPOINTS_OUT_OF_SYNC",
    severity=Severity.WARNING,
    other_severities=(Severity.ERROR,),
    title="A NEG holds endpoints of pods that are gone, or lacks pods it should hold",
    explanation=(
        "The NEG controller attaches each pod of the Service to its zone's NEG as IP:port and "
        "detaches it when the pod leaves the Service's EndpointSlices. When an attach or detach "
        "fails (NEG write quota during a large rollout, a controller restart, an API error) the NEG "
        "keeps the IP:port of pods that are gone, so the load balancer sends requests to addresses "
        "no pod serves (502), or ready pods get no traffic; after a targetPort change the NEG can "
        "still point every pod at the old port. The controller attaches every IPv4 endpoint of "
        "the EndpointSlices that have a port named like the Service port, ready or not, unless it "
        "is terminating; a pod deleted or created within the propagation window is still being "
        "detached or attached and is not reported. gkeingress lists a NEG's endpoints only where "
        "its size is not zero and differs from the number of endpoints the controller should "
        "attach in that zone, unless a deep audit is asked for (a NEG with as many stale endpoints "
        "as missing ones is only found by a deep audit; an empty NEG is NEG_EMPTY's case)."
    ),
    fix=(
        "Look at the Service's events from the neg-controller (`AttachFailed`, `DetachFailed`, "
        "`SyncNetworkEndpointGroupFailed`) and fix the error they name; the controller then "
        "re-syncs the NEG from the EndpointSlices."
    ),
    evidence=(
        "Per NEG: the endpoints no serving pod has, each with what became of its pod (gone, "
        "terminating, not ready, not an endpoint of the Service, or serving on another port), and "
        "the pods the NEG lacks (not-ready ones marked so in the message). `neg`, `zone`, "
        "`endpoints` (how many the NEG holds), `stale` (`endpoint` IP:port, `pod` "
        "`namespace/name` or null, `state`) and `missing` (`endpoint`, `pod`) hold them. An "
        "error when every endpoint of the NEG is stale, a warning otherwise."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/container-native-load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
        "https://cloud.google.com/knowledge/kb/502-503-errors-on-external-http-s-load-balancer-000006416",
    ),
    requires=(
        *RECENT_CHANGE_READS,
        DataKind.ENDPOINT_SLICES,
        DataKind.PODS,
        DataKind.NEG_ENDPOINTS,
    ),
)
def neg_endpoints_out_of_sync(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report NEGs whose endpoints were read and hold stale IP:ports or lack pods."""
    held = {n.neg: n.endpoints for n in topology.snapshot.neg_endpoints}
    pods = {p.meta.key: p for p in topology.snapshot.pods}
    pods_by_ip = {p.ip: p for p in topology.snapshot.pods if p.ip}
    for paired, backend in _settled_neg_backends(topology, options):
        for neg in backend.negs:
            endpoints = held.get(neg.ref)
            if not endpoints:
                continue  # not read (its size matched the pods), or empty: NEG_EMPTY's case
            expected = {e.ip: e for e in backend.neg_endpoints_in(neg.zone)}
            stale = []
            for endpoint in endpoints:
                found = expected.get(endpoint.ip_address)
                if found is None or not _same(found, endpoint):
                    pod = pods_by_ip.get(endpoint.ip_address)
                    if pod is not None and _detaching(pod, options):
                        continue
                    state, why = _why_stale(found, pod, backend)
                    stale.append((endpoint, state, why, pod.meta.key if pod else None))
            missing = [
                e
                for e in expected.values()
                if not any(_same(e, held) for held in endpoints)
                and not _attaching(pods.get(e.pod), options)
            ]
            if not stale and not missing:
                continue
            everything = len(stale) == len(endpoints)
            parts = []
            if stale:
                parts.append(
                    f"{len(stale)} of its {len(endpoints)} endpoint(s) are stale: "
                    + ", ".join(f"{e} ({why})" for e, _, why, _ in stale)
                )
            if missing:
                parts.append(
                    f"{len(missing)} pod(s) of the Service in {neg.zone} are missing from it: "
                    + ", ".join(
                        f"{e.pod} ({e.ip}:{e.port}{'' if e.ready else ', not ready'})"
                        for e in missing
                    )
                )
            yield Hit(
                ingress=paired.name,
                resource=str(neg.ref),
                message=(
                    f"NEG {neg.name} in {neg.zone} is out of step with Service "
                    f"{backend.service_key}: "
                    + "; ".join(parts)
                    + (
                        ". Every endpoint is stale: requests this NEG receives get 502."
                        if everything
                        else "."
                    )
                ),
                remediation=(
                    f"Check `kubectl describe service -n {backend.namespace} {backend.ref.service}` "
                    "for AttachFailed, DetachFailed or SyncNetworkEndpointGroupFailed events and fix "
                    "the error they name; `gcloud compute network-endpoint-groups "
                    f"list-network-endpoints {neg.name} --zone {neg.zone}` shows what the NEG holds."
                ),
                evidence={
                    "neg": neg.name,
                    "zone": neg.zone,
                    "endpoints": len(endpoints),
                    "stale": [
                        {"endpoint": str(e), "pod": pod, "state": state}
                        for e, state, _, pod in stale
                    ],
                    "missing": [{"endpoint": f"{e.ip}:{e.port}", "pod": e.pod} for e in missing],
                },
                severity=Severity.ERROR if everything else Severity.WARNING,
            )
