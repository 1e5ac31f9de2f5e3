"""Annotations ingress-gce writes and the audit reads: a value it could not have written is a finding."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.resources.controller_annotations import (
    MalformedAnnotation,
    ingress_problems,
    service_problems,
)
from gkeingress.resources.k8s import NEG_STATUS_ANNOTATION
from gkeingress.snapshot import DataKind

_FALLBACK = {
    "ingress.kubernetes.io/backends": "the report does not know the backends' health states from it",
    NEG_STATUS_ANNOTATION: "its NEGs are paired by ingress-gce's naming scheme instead",
}


def _consequence(found: MalformedAnnotation) -> str:
    return _FALLBACK.get(
        found.annotation, "the resource is paired by ingress-gce's naming scheme instead"
    )


@check(
    "CONTROLLER_ANNOTATION_MALFORMED",
    severity=Severity.WARNING,
    title="An annotation ingress-gce writes holds a value it could not have written",
    explanation=(
        "ingress-gce writes `ingress.kubernetes.io/url-map`, `forwarding-rule`, "
        "`https-forwarding-rule`, `target-proxy`, `https-target-proxy` (resource names) and "
        '`ingress.kubernetes.io/backends` (`{"<backend service>": "<state>"}`) on the Ingress, '
        "and the NEG controller writes `cloud.google.com/neg-status` "
        '(`{"network_endpoint_groups": {"<port>": "<NEG>"}, "zones": [...]}`) on the Service. '
        "They are rewritten on every sync: a value that is not JSON, has another shape, or names "
        "no valid resource was edited by hand or by a tool. The audit cannot pair from it and "
        "says what it does instead, rather than ignore it silently."
    ),
    fix=(
        "Remove the annotation (`kubectl annotate ingress|service NAME KEY-`) so the controller "
        "writes it afresh on its next sync, and find out who edited it (`metadata.managedFields`)."
    ),
    evidence=(
        "The object (Ingress or Service), the annotation, its value and what is wrong with it. "
        "`object`, `annotation`, `value` and `problem` hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/standalone-neg",
    ),
    requires=(DataKind.INGRESSES, DataKind.SERVICES),
)
def controller_annotation_malformed(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report controller annotations of each GKE Ingress and of its Services that cannot be read."""
    del options
    for paired in managed(topology):
        services = {s.key: s for s in (b.service for b in paired.backends) if s is not None}
        found = ingress_problems(paired.ingress) + [
            problem for service in services.values() for problem in service_problems(service)
        ]
        for item in found:
            namespace, _, name = item.key.partition("/")
            yield Hit(
                ingress=paired.name,
                resource=f"{item.kind} {item.key}",
                message=(
                    f"{item.kind} {item.key} annotation {item.annotation}: {item.raw!r} cannot be "
                    f"read: {item.problem}; {_consequence(item)}."
                ),
                remediation=(
                    f"Run `kubectl annotate {item.kind.lower()} -n {namespace} {name} "
                    f"{item.annotation}-`: ingress-gce writes it again on its next sync. Find who "
                    "edited it in metadata.managedFields."
                ),
                evidence={
                    "object": f"{item.kind} {item.key}",
                    "annotation": item.annotation,
                    "value": item.raw,
                    "problem": item.problem,
                },
            )
