"""Endpoints the load balancer's health checks report UNHEALTHY."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.propagation import FRONTEND_READS, RECENT_CHANGE_READS, recent_change
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.resources.gce import GroupHealth
from gkeingress.snapshot import DataKind


@check(
    "BACKEND_UNHEALTHY",
    severity=Severity.ERROR,
    other_severities=(Severity.WARNING,),
    title="The load balancer reports unhealthy endpoints",
    explanation=(
        "`backendServices.getHealth` says which endpoints of each NEG or instance group fail the "
        "health check. Unhealthy endpoints get no traffic; when all are unhealthy the load "
        "balancer answers 502. The usual causes are a health-check path or port the pods do not "
        "serve, a missing firewall rule for the health-check ranges, or failing pods. gkeingress "
        "queries getHealth only where ingress-gce's `backends` annotation is not HEALTHY, unless "
        "a deep audit is asked for."
    ),
    fix=(
        "Compare the health check's path and port with what the pods serve, check the firewall "
        "for 130.211.0.0/22 and 35.191.0.0/16, and look at the pods named in the finding."
    ),
    evidence=(
        "The backend service, how many of its endpoints are UNHEALTHY out of how many, and per "
        "NEG or instance group and zone the failing pods with their IPs. `backend_service`, "
        "`unhealthy`, `endpoints` (the total) and `pods` (`namespace/name`, or the IP when no "
        "pod has it) hold them. An error when every endpoint is unhealthy, a warning otherwise."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress-health-checks",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
        "https://cloud.google.com/load-balancing/docs/health-check-concepts",
    ),
    requires=(*RECENT_CHANGE_READS, *FRONTEND_READS, DataKind.BACKEND_HEALTH, DataKind.PODS),
)
def backend_unhealthy(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report backend services with UNHEALTHY endpoints: counts per group and zone, and the pods."""
    by_service: dict[str, list[GroupHealth]] = {}
    for group in topology.snapshot.backend_health:
        by_service.setdefault(group.backend_service.path, []).append(group)
    pods_by_ip = {p.ip: p.meta.key for p in topology.snapshot.pods if p.ip}
    for paired in managed(topology):
        if recent_change(paired, options):
            continue
        for bs in paired.backend_services:
            groups = by_service.get(bs.ref.path, [])
            bad = [(g, e) for g in groups for e in g.endpoints if e.health_state == "UNHEALTHY"]
            if not bad:
                continue
            total = sum(len(g.endpoints) for g in groups)
            lines = []
            for group in sorted(groups, key=lambda g: g.zone):
                sick = [e for e in group.endpoints if e.health_state == "UNHEALTHY"]
                if sick:
                    who = ", ".join(
                        f"{pods_by_ip.get(e.ip_address, 'unknown pod')} ({e.ip_address}"
                        + (f":{e.port})" if e.port else ")")
                        for e in sick
                    )
                    lines.append(
                        f"{len(sick)}/{len(group.endpoints)} in {group.group.collection} "
                        f"{group.group.name} ({group.zone}): {who}"
                    )
            everything = len(bad) == total
            yield Hit(
                ingress=paired.name,
                resource=str(bs.ref),
                message=(
                    f"Backend service {bs.name} has {len(bad)} of {total} endpoints UNHEALTHY"
                    + (" (all of them: requests to it get 502)" if everything else "")
                    + ": "
                    + "; ".join(lines)
                    + "."
                ),
                remediation=(
                    f"See the health-check findings for {bs.name}; run `gcloud compute "
                    f"backend-services get-health {bs.name} "
                    + ("--global" if bs.location == "global" else f"--region {bs.location}")
                    + "` to watch it recover."
                ),
                evidence={
                    "backend_service": bs.name,
                    "unhealthy": len(bad),
                    "endpoints": total,
                    "pods": sorted({pods_by_ip.get(e.ip_address, e.ip_address) for _, e in bad}),
                },
                severity=Severity.ERROR if everything else Severity.WARNING,
            )
