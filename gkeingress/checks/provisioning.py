"""Is the load balancer there? Still being provisioned, never provisioned, or partly deleted."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.propagation import (
    FRONTEND_READS,
    RECENT_CHANGE_READS,
    minutes_ago,
    recent_change,
)
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.findings import Severity
from gkeingress.model.topology import PairedIngress, Topology

_FRONTEND = (*RECENT_CHANGE_READS, *FRONTEND_READS)


def outstanding(paired: PairedIngress) -> list[str]:
    """What a finished load balancer would have and this one does not (yet)."""
    gaps = []
    if not paired.ingress.addresses:
        gaps.append("the Ingress has no address yet")
    if not paired.has_controller_annotations:
        gaps.append("ingress-gce has not written its resource annotations yet")
    gaps += [f"{r.kind} {r.name} does not exist yet" for r in paired.references if not r.found]
    for backend in paired.backends:
        if backend.backend_service_name and backend.backend_service is None:
            gaps.append(f"backend service {backend.backend_service_name} does not exist yet")
        if backend.health_state and backend.health_state.upper() == "UNKNOWN":
            gaps.append(
                f"backend {backend.backend_service_name} is Unknown (not health-checked yet)"
            )
        gaps += [
            f"NEG {n.name} in {n.zone} has no endpoints yet" for n in backend.negs if n.size == 0
        ]
    return list(dict.fromkeys(gaps))


@check(
    "PROPAGATION_PENDING",
    severity=Severity.INFO,
    title="A recent change is still rolling out (not a fault yet)",
    explanation=(
        "Creating or changing an Ingress or its backends takes minutes to reach Google's load "
        "balancers: about a minute for the address, five to seven minutes before backends are "
        "health-checked, sometimes more than ten for URL map changes. Meanwhile resources are "
        "missing, NEGs empty, backends `Unknown` and clients may get 404 or 502. gkeingress does "
        "not report these as faults inside the propagation window (10 minutes by default)."
    ),
    fix="Wait, then audit again; what is still missing after the window is reported as a fault.",
    evidence=(
        "What changed and how long ago, what is still outstanding (no address yet, annotations "
        "not written, resources not created, backends `Unknown`, empty NEGs), and when to audit "
        "again. `changed_at`, `change`, `pending` and `look_again_after` hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-xlb",
    ),
    requires=_FRONTEND,
)
def propagation_pending(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Say which Ingresses are still converging after a recent change, and what is outstanding."""
    for paired in topology.ingresses:
        change = recent_change(paired, options) if paired.managed else None
        gaps = outstanding(paired) if change else []
        if change is None or not gaps:
            continue
        settle = change.at + options.propagation_window
        yield Hit(
            ingress=paired.name,
            resource=f"Ingress {paired.name}",
            message=(
                f"{change.what} {minutes_ago(change.at, options)} and the load balancer is still "
                f"converging: {'; '.join(gaps)}. This is not a fault yet."
            ),
            remediation=f"Audit again after {settle:%H:%M} UTC; anything still missing then is a fault.",
            evidence={
                "changed_at": change.at.isoformat(),
                "change": change.what,
                "pending": gaps,
                "look_again_after": settle.isoformat(),
            },
        )


@check(
    "INGRESS_NOT_PROVISIONED",
    severity=Severity.ERROR,
    title="No load balancer was provisioned for the Ingress",
    explanation=(
        "Once GKE's controller has synced an Ingress it writes `ingress.kubernetes.io/*` "
        "annotations naming the load balancer's resources and puts its IP in "
        "`status.loadBalancer`. An Ingress without them long after its last change was never "
        "provisioned: a translation or sync error, a class GKE does not handle, or the HTTP load "
        "balancing add-on disabled."
    ),
    fix=(
        "Read the Ingress's Warning events (`kubectl describe ingress`); check its "
        "`kubernetes.io/ingress.class` annotation and that HTTP load balancing is enabled."
    ),
    evidence=(
        "The Ingress, its age and what is missing: an address in `status.loadBalancer`, the "
        "controller's `ingress.kubernetes.io/*` annotations, or both; `missing` lists them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-xlb",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
    ),
    requires=RECENT_CHANGE_READS,
)
def ingress_not_provisioned(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report GKE Ingresses with no address or no controller annotations past the window."""
    for paired in topology.ingresses:
        if not paired.managed or recent_change(paired, options):
            continue
        missing = []
        if not paired.ingress.addresses:
            missing.append("no address in status.loadBalancer")
        if not paired.has_controller_annotations:
            missing.append("no ingress.kubernetes.io/* annotations from the controller")
        if not missing:
            continue
        created = paired.ingress.meta.created
        age = f"was created {minutes_ago(created, options)} and " if created else ""
        yield Hit(
            ingress=paired.name,
            resource=f"Ingress {paired.name}",
            message=f"Ingress {paired.name} {age}has {' and '.join(missing)}.",
            remediation=(
                f"Run `kubectl describe ingress -n {paired.ingress.meta.namespace} "
                f"{paired.ingress.meta.name}` and fix the Warning events (see SYNC_ERROR findings); "
                "if there are none, check the ingress class and that the cluster's HTTP load "
                "balancing add-on is enabled."
            ),
            evidence={"missing": missing},
        )


@check(
    "LB_RESOURCE_MISSING",
    severity=Severity.ERROR,
    title="A load balancer resource the Ingress refers to does not exist",
    explanation=(
        "The Ingress annotations, the URL map and the backend services name the resources of the "
        "load balancer. One that is named but absent was deleted outside Kubernetes (by hand, "
        "Terraform, a cleanup script) or its creation failed; requests through it fail."
    ),
    fix=(
        "ingress-gce recreates missing resources on its next sync; if they stay missing, its "
        "Warning events say why (quota, permissions)."
    ),
    evidence=(
        "The kind and name of the missing resource, what names it (an Ingress annotation, the "
        "URL map, a backend service or the naming scheme) and the project. `kind`, `name` and "
        "`named_by` hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-xlb",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
    ),
    requires=_FRONTEND,
)
def lb_resource_missing(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report references to Compute resources that do not exist."""
    project = topology.snapshot.project
    for paired in topology.ingresses:
        if not paired.managed or recent_change(paired, options):
            continue
        for ref in paired.references:
            if ref.kind == "NEG" or ref.found:  # a missing NEG is NEG_MISSING's
                continue
            yield Hit(
                ingress=paired.name,
                resource=f"{ref.kind} {ref.name}",
                message=(
                    f"The {ref.kind} {ref.name} named by {ref.source} "
                    f"does not exist in project {project}."
                ),
                remediation=(
                    f"Trigger a sync (any change to Ingress {paired.name}, e.g. an annotation) so "
                    "ingress-gce recreates it, and read its Warning events if it does not."
                ),
                evidence={"kind": ref.kind, "name": ref.name, "named_by": ref.source},
            )
