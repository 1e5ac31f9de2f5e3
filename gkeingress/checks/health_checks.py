"""Health checks that probe a path or port the pods do not serve: the classic cause of 502s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.probe import ServingExpectation
from gkeingress.model.topology import ServiceBackend, Topology
from gkeingress.resources.gce import HealthCheck, HealthCheckConfig
from gkeingress.resources.k8s import ServicePort
from gkeingress.snapshot import DataKind

_REQUIRES = (
    DataKind.INGRESSES,
    DataKind.SERVICES,
    DataKind.PODS,
    DataKind.BACKEND_SERVICES,
    DataKind.HEALTH_CHECKS,
    DataKind.BACKEND_CONFIGS,
    DataKind.CLUSTER_IDENTITY,
)


class _Compared(NamedTuple):
    ingress: str
    backend: ServiceBackend
    hc: HealthCheck
    want: ServingExpectation
    port: ServicePort


def _checked_backends(topology: Topology) -> Iterator[_Compared]:
    """Backends with a health check and pods to compare it with, once per GKE Ingress and check.

    Ingresses of another class (nginx, …) sharing the Service are not the health check's concern,
    and neither is a transparent health check: GKE's agent answers it on the pods' behalf.
    """
    seen: set[tuple[str, str]] = set()
    for paired in managed(topology):
        name = paired.name
        for backend in paired.backends:
            hc, want, port = backend.health_check, backend.expectation, backend.port
            if hc is None or want is None or port is None or (name, hc.name) in seen:
                continue
            if backend.transparent_health_check:
                continue
            seen.add((name, hc.name))
            yield _Compared(name, backend, hc, want, port)


_SETTINGS_FROM = {
    HealthCheckConfig.DEFAULT: "ingress-gce's defaults",
    HealthCheckConfig.READINESS_PROBE: "a readinessProbe",
    HealthCheckConfig.BACKEND_CONFIG: "a BackendConfig",
    HealthCheckConfig.TRANSPARENT: "transparent health checking",
}


def _settings_from(hc: HealthCheck) -> str:
    """Where the health check's description says its settings came from, as a sentence."""
    origin = hc.settings_from
    if origin is None:
        return ""
    return f" Its description says ingress-gce made it from {_SETTINGS_FROM[origin]}."


def _backend_config_fix(backend: ServiceBackend, field: str, value: object) -> str:
    name = backend.backend_config_name or f"{backend.ref.service}-backendconfig"
    attach = (
        ""
        if backend.backend_config_name
        else (
            f" and attach it with the annotation cloud.google.com/backend-config: "
            f'\'{{"default": "{name}"}}\' on Service {backend.service_key}'
        )
    )
    return (
        f"Set spec.healthCheck.{field}: {value} in BackendConfig {backend.namespace}/{name}"
        f"{attach}; ingress-gce then updates the health check within a few minutes."
    )


@check(
    "HEALTH_CHECK_PATH_MISMATCH",
    needs_change=True,
    severity=Severity.ERROR,
    title="Health check probes a path the pods do not answer on",
    explanation=(
        "ingress-gce sets the health check's requestPath from the BackendConfig "
        "healthCheck.requestPath, else from a qualifying readinessProbe (httpGet, no host, on the "
        "declared container port the Service targetPort designates), else `/`. It copies the probe "
        "only when it creates the health check: a probe added or changed later is never applied. "
        "When the path differs from what the pods answer on, every endpoint fails the health check "
        "and the load balancer answers 502."
    ),
    fix=(
        "Declare the path in a BackendConfig `spec.healthCheck.requestPath` attached to the Service "
        "(`cloud.google.com/backend-config`); it always wins and is kept in sync."
    ),
    evidence=(
        "The health check, the path it probes, the path the pods answer on and where that path "
        "comes from (BackendConfig, readinessProbe or the default `/`); when the readinessProbe "
        "was skipped or came after the health check, it says why. `health_check`, "
        "`health_check_path`, `expected_path` and `expected_from` hold these, and "
        "`probe_skipped` the reason a probe was not used (or null). `settings_from` is where the "
        "health check's description says ingress-gce took its settings from (`Default`, "
        "`ReadinessProbe`, `BackendConfig`; null when it does not say), and the message says it. "
        "A transparent health check (`networking.gke.io/transparent-health-checker`, description "
        "`TransparentHC`) probes GKE's agent on `/api/podhealth` and is never a mismatch."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress-health-checks",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration",
        "https://cloud.google.com/load-balancing/docs/health-check-concepts",
    ),
    requires=_REQUIRES,
)
def health_check_path_mismatch(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Compare each backend's health-check path with the path its pods answer on."""
    del options
    for ingress, backend, hc, want, _ in _checked_backends(topology):
        if hc.request_path == want.path:
            continue
        why = ""
        if want.probe_skipped:
            why = f" ingress-gce did not use the readinessProbe because {want.probe_skipped}."
        elif (
            want.probe
            and hc.created
            and want.probe.pod_created
            and want.probe.pod_created > hc.created
        ):
            why = (
                f" The probe appeared after the health check was created ({hc.created:%Y-%m-%d %H:%M} "
                f"UTC; oldest pod with the probe {want.probe.pod_created:%Y-%m-%d %H:%M} UTC): "
                "ingress-gce never updates an existing health check from readiness probes."
            )
        yield Hit(
            ingress=ingress,
            resource=str(hc.ref),
            message=(
                f"Health check {hc.name} probes path {hc.request_path!r}, but the pods of Service "
                f"{backend.service_key} answer on {want.path!r} ({want.path_source}).{why}"
                f"{_settings_from(hc)}"
            ),
            remediation=_backend_config_fix(backend, "requestPath", want.path),
            evidence={
                "health_check": hc.name,
                "health_check_path": hc.request_path,
                "expected_path": want.path,
                "expected_from": want.path_source,
                "probe_skipped": want.probe_skipped,
                "settings_from": hc.settings_from,
            },
        )


def _undeclared_fixed_port(
    ingress: str, backend: ServiceBackend, hc: HealthCheck, want: ServingExpectation
) -> Iterator[Hit]:
    """A BackendConfig port the health check applied, but that no container of the pods declares.

    An error, unless ingress-gce reports the backend ``HEALTHY``: then something answers on the
    port without declaring it, and the finding is a warning to declare it.
    """
    fixed = want.fixed_port
    declared = sorted(
        {p.container_port for pod in backend.pods for c in pod.containers for p in c.ports}
    )
    if fixed is None or not backend.pods or fixed in declared or fixed == want.serving_port:
        return
    healthy = backend.health_state == "HEALTHY"
    serving = (
        f"; the Service targetPort reaches them on {want.serving_port}" if want.serving_port else ""
    )
    yield Hit(
        ingress=ingress,
        resource=str(hc.ref),
        message=(
            f"Health check {hc.name} probes port {fixed}, as BackendConfig "
            f"{backend.namespace}/{backend.backend_config_name} healthCheck.port asks, but no "
            f"container of the pods of Service {backend.service_key} declares port {fixed}: they "
            f"declare {', '.join(map(str, declared)) or 'no port'}{serving}."
            + (
                " ingress-gce reports the backend HEALTHY, so something answers there undeclared."
                if healthy
                else ""
            )
            + _settings_from(hc)
        ),
        remediation=(
            f"Set spec.healthCheck.port in BackendConfig {backend.namespace}/"
            f"{backend.backend_config_name} to the port the pods answer health checks on, or "
            "remove it so the check probes the serving port; if a container does serve port "
            f"{fixed}, declare it in the container's ports."
        ),
        evidence={
            "health_check": hc.name,
            "health_check_port": hc.port,
            "port_specification": hc.port_specification,
            "expected_port": want.serving_port,
            "declared_ports": declared,
            "settings_from": hc.settings_from,
        },
        severity=Severity.WARNING if healthy else None,
    )


@check(
    "HEALTH_CHECK_PORT_MISMATCH",
    needs_change=True,
    severity=Severity.ERROR,
    other_severities=(Severity.WARNING,),
    title="Health check probes a port the pods do not serve on",
    explanation=(
        "For NEG backends the health check should use `USE_SERVING_PORT`, so each pod is probed on "
        "the port it serves (the Service targetPort, resolved to a containerPort). A fixed port "
        "that is not that port, or a BackendConfig `healthCheck.port` that was not applied, makes "
        "every probe fail. A BackendConfig `healthCheck.port` that ingress-gce applied faithfully "
        "but that no container of the pods declares (9090 while they declare 8080) usually fails "
        "too: an error, or a warning when the backend is reported HEALTHY all the same. For "
        "instance-group backends the check must probe the Service nodePort."
    ),
    fix=(
        "Remove the fixed port so the check uses the serving port, or set the port the pods "
        "really answer on in the BackendConfig `spec.healthCheck.port`."
    ),
    evidence=(
        "The health check, the port it probes, the port the pods (or nodes) are reached on and "
        "where that port comes from. `health_check`, `health_check_port`, `port_specification` "
        "(such as `USE_SERVING_PORT`) and `expected_port` hold them; for a BackendConfig port no "
        "container declares, `declared_ports` lists the ports the containers do declare. "
        "`settings_from` is where the health check's description says its settings came from "
        "(or null). A transparent health check (fixed port 7877 by default) is never a mismatch."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress-health-checks",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration",
        "https://cloud.google.com/load-balancing/docs/health-check-concepts",
    ),
    requires=_REQUIRES,
)
def health_check_port_mismatch(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Compare each backend's health-check port with the port its pods (or nodes) serve on."""
    del options
    for ingress, backend, hc, want, port in _checked_backends(topology):
        if want.fixed_port is not None:
            expected, why = (
                want.fixed_port,
                f"BackendConfig {backend.backend_config_name} healthCheck.port",
            )
            actual: object = "the serving port" if hc.uses_serving_port else hc.port
            if hc.port == expected and not hc.uses_serving_port:
                yield from _undeclared_fixed_port(ingress, backend, hc, want)
                continue
        elif backend.uses_neg:
            if hc.uses_serving_port or hc.port is None or want.serving_port in (None, hc.port):
                continue
            expected = want.serving_port
            why = (
                f"the containerPort Service {backend.service_key} "
                f"targetPort {port.target_port!r} designates"
            )
            actual = hc.port
        else:
            if port.node_port is None or hc.port == port.node_port:
                continue
            expected, why, actual = (
                port.node_port,
                f"the nodePort of Service {backend.service_key}",
                hc.port,
            )
        yield Hit(
            ingress=ingress,
            resource=str(hc.ref),
            message=(
                f"Health check {hc.name} probes port {actual}, but the pods are reached on port "
                f"{expected} ({why}).{_settings_from(hc)}"
            ),
            remediation=_backend_config_fix(backend, "port", expected)
            if want.fixed_port is None
            else (
                f"The BackendConfig port {expected} has not been applied to {hc.name}: look for "
                f"Warning events on Service {backend.service_key} and Ingress {ingress}."
            ),
            evidence={
                "health_check": hc.name,
                "health_check_port": hc.port,
                "port_specification": hc.port_specification,
                "expected_port": expected,
                "settings_from": hc.settings_from,
            },
        )
