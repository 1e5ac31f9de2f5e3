"""Ingresses GKE's controller will never handle because of their class."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.resources.k8s import CLASS_ANNOTATION, GCE_CLASSES
from gkeingress.snapshot import DataKind

OTHER_CONTROLLERS = frozenset(
    {
        "nginx",
        "traefik",
        "haproxy",
        "alb",
        "istio",
        "kong",
        "contour",
        "ambassador",
        "caddy",
        "gloo",
        "skipper",
        "apisix",
        "cilium",
        "azure-application-gateway",
        "gce-multi-cluster",
    }
)
"""Classes of other well-known controllers: an Ingress with one is not meant for ingress-gce."""


def _severity(value: str) -> Severity:
    """Error when the class looks meant for GKE, info for another controller's, else warning."""
    if value in GCE_CLASSES or any(hint in value.lower() for hint in ("gce", "gke", "google")):
        return Severity.ERROR
    return Severity.INFO if value in OTHER_CONTROLLERS else Severity.WARNING


@check(
    "INGRESS_CLASS_IGNORED",
    needs_change=True,
    severity=Severity.ERROR,
    other_severities=(Severity.WARNING, Severity.INFO),
    title="GKE's controller ignores the Ingress because of its class",
    explanation=(
        "ingress-gce handles an Ingress whose `kubernetes.io/ingress.class` annotation is `gce`, "
        "`gce-internal` or `gce-regional-external`, or that has no class at all. It does not read "
        "`spec.ingressClassName`: an Ingress with only `ingressClassName: gce` is ignored, with no "
        "event and no load balancer. Other classes belong to other controllers."
    ),
    fix=(
        "Set the annotation `kubernetes.io/ingress.class: gce` (or `gce-internal`) and remove "
        "`spec.ingressClassName`."
    ),
    evidence=(
        "The Ingress and the class it asks for. `annotation` holds its "
        "`kubernetes.io/ingress.class` value and `ingressClassName` its `spec.ingressClassName` "
        "(null when unset). An error when the class looks meant for GKE, info for a class of "
        "another well-known controller, a warning otherwise."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-xlb",
        "https://kubernetes.io/docs/concepts/services-networking/ingress/",
    ),
    requires=(DataKind.INGRESSES,),
)
def ingress_class_ignored(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report Ingresses whose class keeps GKE's controller away, an error when meant for GKE."""
    del options
    for paired in topology.ingresses:
        if paired.managed:
            continue
        ingress = paired.ingress
        annotation, class_name = ingress.class_annotation, ingress.ingress_class_name
        value = annotation if annotation is not None else class_name or ""
        severity = _severity(value)
        if annotation is None:
            message = (
                f"Ingress {paired.name} sets spec.ingressClassName: {class_name} but no "
                f"{CLASS_ANNOTATION} annotation; GKE's controller only reads the annotation, so it "
                "will never create a load balancer for it."
            )
        else:
            message = (
                f"Ingress {paired.name} has {CLASS_ANNOTATION}: {annotation}, which GKE's "
                "controller does not handle (it handles gce, gce-internal and gce-regional-external)."
            )
        if severity is Severity.INFO:
            message += f" It is meant for another controller ({value})."
            fix = "Nothing to do for GKE; audit it with that controller's tools."
        else:
            target = value if value in GCE_CLASSES else "gce"
            fix = (
                f"kubectl annotate ingress -n {ingress.meta.namespace} {ingress.meta.name} "
                f"{CLASS_ANNOTATION}={target} --overwrite"
                + (", and remove spec.ingressClassName" if class_name else "")
            )
        yield Hit(
            ingress=paired.name,
            resource=f"Ingress {paired.name}",
            message=message,
            remediation=fix,
            evidence={"annotation": annotation, "ingressClassName": class_name},
            severity=severity,
        )
