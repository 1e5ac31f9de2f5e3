"""Objects an Ingress names that must exist: FrontendConfig, static IP, TLS secrets."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.resources.k8s import FRONTEND_CONFIG_ANNOTATION
from gkeingress.snapshot import DataKind

GLOBAL_STATIC_IP_ANNOTATION = "kubernetes.io/ingress.global-static-ip-name"
REGIONAL_STATIC_IP_ANNOTATION = "kubernetes.io/ingress.regional-static-ip-name"


@check(
    "FRONTEND_CONFIG_NOT_FOUND",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Ingress names a FrontendConfig that does not exist",
    explanation=(
        "The annotation `networking.gke.io/v1beta1.FrontendConfig` names a FrontendConfig in the "
        "Ingress's namespace (HTTPS redirect, SSL policy). When it is missing ingress-gce reports "
        "`Error: no FrontendConfig for Ingress exists.` and does not apply it."
    ),
    fix="Create the FrontendConfig in the Ingress's namespace, or fix the annotation.",
    evidence=(
        "The Ingress and the FrontendConfig (`namespace/name`) its annotation names; "
        "`frontend_config` holds the name."
    ),
    links=("https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration",),
    requires=(DataKind.INGRESSES, DataKind.FRONTEND_CONFIGS),
)
def frontend_config_not_found(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report FrontendConfig annotations that name nothing."""
    del options
    existing = {f.meta.key for f in topology.snapshot.frontend_configs}
    for paired in managed(topology):
        name = paired.ingress.annotations.get(FRONTEND_CONFIG_ANNOTATION)
        namespace = paired.ingress.meta.namespace
        if not name or f"{namespace}/{name}" in existing:
            continue
        yield Hit(
            ingress=paired.name,
            resource=f"FrontendConfig {namespace}/{name}",
            message=f"Ingress {paired.name} uses FrontendConfig {namespace}/{name}, which does not exist.",
            remediation=f"Create FrontendConfig {name} in namespace {namespace}, or fix the annotation.",
            evidence={"frontend_config": name},
        )


@check(
    "STATIC_IP_NOT_FOUND",
    needs_change=True,
    severity=Severity.ERROR,
    title="The Ingress names a static IP address that is not reserved",
    explanation=(
        "`kubernetes.io/ingress.global-static-ip-name` must name a reserved *global* address "
        "(`kubernetes.io/ingress.regional-static-ip-name` a regional one for the regional "
        "classes `gce-internal` and `gce-regional-external`). "
        "ingress-gce fails with `the given static IP name … doesn't translate to an existing "
        "static IP.`; a regional address given to the global annotation is a common mistake."
    ),
    fix="Reserve the address (`gcloud compute addresses create NAME --global`) or fix the name.",
    evidence=(
        "The Ingress, the annotation, the address name and the scope it must have, and whether "
        "an address of that name exists in the other scope. `annotation` is the annotation key "
        "and `address` the name."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/tutorials/configuring-domain-name-static-ip",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
    ),
    requires=(DataKind.INGRESSES, DataKind.ADDRESSES),
)
def static_ip_not_found(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report static-IP annotations whose address does not exist in the right scope."""
    del options
    addresses = topology.snapshot.addresses
    for paired in managed(topology):
        for key, wants_global in (
            (GLOBAL_STATIC_IP_ANNOTATION, True),
            (REGIONAL_STATIC_IP_ANNOTATION, False),
        ):
            name = paired.ingress.annotations.get(key)
            if not name:
                continue
            same_name = [a for a in addresses if a.name == name]
            if any((a.location == "global") == wants_global for a in same_name):
                continue
            elsewhere = (
                f" An address of that name exists in {same_name[0].location}, the wrong scope."
                if same_name
                else ""
            )
            scope = "global" if wants_global else "regional"
            yield Hit(
                ingress=paired.name,
                resource=f"address {name}",
                message=(
                    f"Ingress {paired.name} asks for {scope} static IP {name!r} ({key}), but the "
                    f"project has no {scope} address of that name.{elsewhere}"
                ),
                remediation=(
                    f"gcloud compute addresses create {name} "
                    + ("--global" if wants_global else "--region REGION")
                    + ", or fix the annotation."
                ),
                evidence={"annotation": key, "address": name},
            )


@check(
    "TLS_SECRET_NOT_FOUND",
    severity=Severity.ERROR,
    title="The Ingress names a TLS secret that does not exist",
    explanation=(
        "Every `spec.tls[].secretName` must be a `kubernetes.io/tls` Secret in the Ingress's "
        "namespace. ingress-gce reports `Could not find TLS certificate` and serves HTTPS without "
        "that certificate (or HTTP only)."
    ),
    fix="Create the TLS Secret in the Ingress's namespace, or fix `spec.tls[].secretName`.",
    evidence=(
        "The Ingress and the Secret (`namespace/name`) that `spec.tls[].secretName` names; "
        "`secret` holds the name. Only the Secret's name and type are read, never its data."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-multi-ssl",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-routing-security",
    ),
    requires=(DataKind.INGRESSES, DataKind.SECRETS),
)
def tls_secret_not_found(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report TLS secret names with no ``kubernetes.io/tls`` Secret behind them."""
    del options
    secrets = {s.meta.key for s in topology.snapshot.secrets}
    for paired in managed(topology):
        namespace = paired.ingress.meta.namespace
        for name in paired.ingress.tls_secrets:
            if f"{namespace}/{name}" in secrets:
                continue
            yield Hit(
                ingress=paired.name,
                resource=f"Secret {namespace}/{name}",
                message=(
                    f"Ingress {paired.name} uses TLS secret {namespace}/{name}, which does not exist "
                    "(or is not of type kubernetes.io/tls)."
                ),
                remediation=(
                    f"kubectl create secret tls {name} -n {namespace} --cert=CERT --key=KEY, "
                    "or fix spec.tls[].secretName."
                ),
                evidence={"secret": name},
            )
