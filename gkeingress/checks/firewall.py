"""Health checks that the VPC firewall does not let reach the pods or nodes."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.firewall import HEALTH_CHECK_RANGES, Reach, node_tags, reach
from gkeingress.model.topology import ServiceBackend, Topology
from gkeingress.reads import unrecorded
from gkeingress.snapshot import DataKind


def probed_port(backend: ServiceBackend) -> int | None:
    """The port health checks connect to: the fixed port, else the pods' serving port."""
    hc = backend.health_check
    if hc is None:
        return None
    if hc.uses_serving_port:
        return backend.expectation.serving_port if backend.expectation else None
    return hc.port


@check(
    "HEALTH_CHECK_FIREWALL_MISSING",
    needs_change=True,
    severity=Severity.ERROR,
    title="No firewall rule lets the health checkers reach the probed port",
    explanation=(
        "Google's health checkers connect from 130.211.0.0/22 and 35.191.0.0/16 to the pods' "
        "serving port (NEG backends) or the Service nodePort (instance groups). ingress-gce opens "
        "them in its rule `k8s-fw-l7--<uid>`, except where it may not manage firewalls (Shared "
        "VPC: it emits an `XPN` event with the gcloud command instead). Without such a rule every "
        "endpoint is UNHEALTHY and the load balancer answers 502."
    ),
    fix=(
        "Allow tcp on the port from 130.211.0.0/22 and 35.191.0.0/16 to the cluster's node tags "
        "on the cluster's network."
    ),
    evidence=(
        "The Ingress and, per probed port, the health-check source ranges that no ingress allow "
        "rule opens; the remediation is a `gcloud compute firewall-rules create` command for the "
        "cluster's node tags. `blocked` maps each port to its missing ranges and `node_tags` "
        "lists the tags."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/firewall-rules",
        "https://cloud.google.com/load-balancing/docs/health-check-concepts",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress-health-checks",
    ),
    requires=(
        DataKind.INGRESSES,
        DataKind.SERVICES,
        DataKind.PODS,
        DataKind.BACKEND_CONFIGS,
        DataKind.CLUSTER_IDENTITY,
        DataKind.BACKEND_SERVICES,
        DataKind.HEALTH_CHECKS,
        DataKind.FIREWALLS,
        DataKind.NEGS,
    ),
)
def health_check_firewall_missing(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report, per Ingress, the probed ports no ingress allow rule opens to both ranges."""
    del options
    firewalls = topology.snapshot.firewalls
    # When known, the cluster's own tags and network, else the project's: read unrecorded, for
    # the check stands without them (as on any kubeconfig audit).
    cluster = unrecorded(lambda: topology.snapshot.cluster)
    tags = frozenset(cluster.node_tags) if cluster and cluster.node_tags else node_tags(firewalls)
    cluster_network = cluster.network if cluster and cluster.network else None
    reached: dict[tuple[int, str | None], Reach] = {}  # shared backends share their answer
    for paired in managed(topology):
        blocked: dict[int, tuple[str, ...]] = {}
        for backend in paired.backends:
            port = probed_port(backend)
            if port is None or port in blocked:
                continue
            negs = backend.negs
            network = negs[0].network if negs and negs[0].network else cluster_network
            result = reached.get((port, network))
            if result is None:
                result = reached[(port, network)] = reach(
                    firewalls, port, network=network, tags=tags
                )
            if not result.allowed:
                blocked[port] = result.missing_ranges
        if not blocked:
            continue
        detail = "; ".join(f"tcp:{p} from {', '.join(r)}" for p, r in sorted(blocked.items()))
        ports = ",".join(str(p) for p in sorted(blocked))
        target = f" --target-tags={','.join(sorted(tags))}" if tags else ""
        yield Hit(
            ingress=paired.name,
            resource=f"Ingress {paired.name}",
            message=(
                f"No firewall rule lets Google's health checkers reach the backends of Ingress "
                f"{paired.name}: {detail}. Every endpoint behind those ports fails its health check."
            ),
            remediation=(
                "gcloud compute firewall-rules create allow-gclb-health-checks --direction=INGRESS "
                f"--allow=tcp:{ports} --source-ranges={','.join(HEALTH_CHECK_RANGES)}{target}"
            ),
            evidence={
                "blocked": {str(p): list(r) for p, r in blocked.items()},
                "node_tags": sorted(tags),
            },
        )
