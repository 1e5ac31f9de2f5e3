"""Services that select no pods, no ready pods, or pods that do not expose the target port."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping

from gkeingress.checks.propagation import RECENT_CHANGE_READS, recent_change
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import user_backends, user_services
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.resources.k8s import Pod
from gkeingress.snapshot import DataKind


def _labels(labels: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "no labels"


def _likeness(selector: Mapping[str, str], labels: Mapping[str, str]) -> float:
    """How close a pod's labels come to a selector: 1 per equal label, partial for near values.

    A value that contains the other (``web`` and ``web-frontend``) counts as close: it is the most
    common shape of selector typo.
    """
    score = 0.0
    for key, value in selector.items():
        other = labels.get(key)
        if other is None:
            continue
        contained = 0.75 if value in other or other in value else 0.0
        score += max(difflib.SequenceMatcher(None, value, other).ratio(), contained)
    return score / max(len(selector), 1)


def closest_pods(selector: Mapping[str, str], pods: list[Pod]) -> list[Pod]:
    """Pods whose labels come closest to the selector, best first (none if nothing is close)."""
    scored = sorted(
        ((s, p) for p in pods if (s := _likeness(selector, p.meta.labels or {})) >= 0.5),
        key=lambda sp: (-sp[0], sp[1].meta.name),
    )
    return [p for _, p in scored]


@check(
    "SERVICE_SELECTOR_MATCHES_NO_PODS",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Service selector matches no pod",
    explanation=(
        "A Service sends traffic to the pods its selector matches. When none matches (most often a "
        "label typo such as `app: web` against `app: web-frontend`) the Service has no endpoints, "
        "its NEGs stay empty and the load balancer answers 502."
    ),
    fix="Make the Service selector and the pod template labels agree.",
    evidence=(
        "The Service, its selector, and the labels of the pod in its namespace that comes "
        "closest, with an example pod. `selector` is the selector and `closest_labels` that "
        "pod's labels (null when no pod comes close)."
    ),
    links=(
        "https://kubernetes.io/docs/concepts/services-networking/service/",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES, DataKind.PODS),
)
def service_selector_matches_no_pods(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report Services whose selector matches no pod, naming the closest pod labels."""
    del options
    pods_by_ns: dict[str, list[Pod]] = {}
    for pod in topology.snapshot.pods:
        pods_by_ns.setdefault(pod.meta.namespace, []).append(pod)
    for paired, backend, service in user_services(topology):
        if not service.selector or backend.pods:
            continue
        near = closest_pods(service.selector, pods_by_ns.get(backend.namespace, []))
        hint = (
            f" The closest pods are labelled {_labels(near[0].meta.labels or {})} "
            f"(e.g. pod {near[0].meta.name})."
            if near
            else f" No pod in {backend.namespace} has similar labels."
        )
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=(
                f"Service {backend.service_key} selects {_labels(service.selector)}, which no pod "
                f"in namespace {backend.namespace} carries.{hint}"
            ),
            remediation=(
                "Fix the selector of Service "
                f"{backend.service_key} or the labels of the pod template so they match."
            ),
            evidence={
                "selector": dict(service.selector),
                "closest_labels": dict(near[0].meta.labels or {}) if near else None,
            },
        )


@check(
    "SERVICE_NO_READY_ENDPOINTS",
    severity=Severity.ERROR,
    title="The Service's pods exist but none is ready",
    explanation=(
        "Pods that fail their readinessProbe, or are terminating, get no traffic. When none of a "
        "Service's pods is ready, every request to that backend fails with 502."
    ),
    fix="Find out why the readinessProbe fails (`kubectl describe pod`, the container's logs).",
    evidence=(
        "The Service, how many pods it selects, how many of them are not ready (with their "
        "phases) and how many are terminating, and a pod to describe. `pods` is the number of "
        "pods and `terminating` the number terminating."
    ),
    links=(
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress-health-checks",
    ),
    requires=(*RECENT_CHANGE_READS, DataKind.PODS),
)
def service_no_ready_endpoints(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report Services with selected pods of which none is ready, saying why."""
    for paired, backend, _ in user_services(topology):
        if not backend.pods or recent_change(paired, options):
            continue
        ready = [p for p in backend.pods if p.ready and not p.terminating]
        if ready:
            continue
        terminating = sum(1 for p in backend.pods if p.terminating)
        not_ready = [p for p in backend.pods if not p.terminating]
        reasons = []
        if not_ready:
            phases = sorted({p.phase or "Unknown" for p in not_ready})
            reasons.append(
                f"{len(not_ready)} not ready (phase {', '.join(phases)}: readiness failing)"
            )
        if terminating:
            reasons.append(f"{terminating} terminating")
        example = backend.pods[0].meta.name
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=(
                f"Service {backend.service_key} selects {len(backend.pods)} pod(s) and none is "
                f"ready: {'; '.join(reasons)}."
            ),
            remediation=(
                f"Run `kubectl describe pod -n {backend.namespace} {example}` and read the "
                "readiness-probe failures and container logs."
            ),
            evidence={"pods": len(backend.pods), "terminating": terminating},
        )


@check(
    "TARGET_PORT_NOT_EXPOSED",
    needs_change=True,
    severity=Severity.ERROR,
    other_severities=(Severity.WARNING,),
    title="The Service targetPort is not a port the pods declare",
    explanation=(
        "A named targetPort must match a named containerPort, or the pods get no endpoints at "
        "all. A numeric targetPort that no container declares still carries traffic if the app "
        "listens there, but ingress-gce then ignores the pods' readinessProbe for the health check."
    ),
    fix="Declare the port in the containers (`ports[].containerPort` and `name`) or fix the targetPort.",
    evidence=(
        "The Service, its port and targetPort, and the container ports its pods declare. "
        "`target_port` is the targetPort (number or name) and `declared` the declared container "
        "ports. An error for a named targetPort (no endpoints at all), a warning for a numeric "
        "one."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress-health-checks",
        "https://kubernetes.io/docs/concepts/services-networking/service/",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES, DataKind.PODS),
)
def target_port_not_exposed(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report Service ports whose targetPort no selected pod's container declares."""
    del options
    for paired, backend in user_backends(topology):
        port = backend.port
        if port is None or not backend.pods:
            continue
        if any(c.declared_port(port.target_port) for p in backend.pods for c in p.containers):
            continue
        declared = sorted(
            {
                f"{cp.container_port}" + (f" ({cp.name})" if cp.name else "")
                for p in backend.pods
                for c in p.containers
                for cp in c.ports
            }
        )
        named = isinstance(port.target_port, str)
        consequence = (
            "so the Service has no endpoints for them"
            if named
            else "traffic works only if the app listens there, and ingress-gce ignores the readinessProbe"
        )
        yield Hit(
            ingress=paired.name,
            resource=f"Service {backend.service_key}",
            message=(
                f"Service {backend.service_key} port {port.port} targets "
                f"{'named port' if named else 'port'} {port.target_port!r}, which no container of "
                f"its pods declares (declared: {', '.join(declared) or 'none'}); {consequence}."
            ),
            remediation=(
                f"Set targetPort of Service {backend.service_key} port {port.port} to a declared "
                "containerPort, or declare the port in the pod template."
            ),
            evidence={"target_port": port.target_port, "declared": declared},
            severity=Severity.ERROR if named else Severity.WARNING,
        )
