"""What a health check should probe, by ingress-gce's rules (``GetProbe``, ``ApplyProbeSettingsToHC``).

- A BackendConfig ``healthCheck.requestPath`` / ``port`` always wins.
- Otherwise the first qualifying readinessProbe of the Service's pods (oldest pod first) gives the
  path: ``httpGet``, no ``host``, no headers but ``Host``, on a declared container port that the
  Service ``targetPort`` designates.
- Otherwise ``/`` (the system default backend uses ``/healthz``).

The path the pods *answer* on is their HTTP readinessProbe's even when ingress-gce would not copy
it; :class:`ServingExpectation` keeps that path and, separately, why the controller skipped it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gkeingress.resources.k8s import BackendConfig, Container, HTTPGetProbe, Pod, ServicePort

DEFAULT_PATH = "/"
DEFAULT_BACKEND_PATH = "/healthz"  # --default-backend-health-check-path
THC_PATH = "/api/podhealth"  # thcRequestPath: a transparent health check asks the THC agent


@dataclass(frozen=True, slots=True)
class ProbeSource:
    """The readinessProbe ingress-gce would copy: which pod and container, and its path."""

    pod: str
    container: str
    path: str
    pod_created: datetime | None


@dataclass(frozen=True, slots=True)
class ServingExpectation:
    """The path and port a health check should probe, and where each comes from.

    Attributes:
        path: the request path the pods answer health checks on.
        path_source: a human description of where ``path`` comes from.
        probe: the readinessProbe the path comes from, when there is one.
        probe_skipped: why ingress-gce would not copy that probe into the health check (it then
            probes ``/``), or None when the probe qualifies.
        serving_port: the container port the pods serve on (NEG endpoints carry this port).
        fixed_port: a BackendConfig ``healthCheck.port``, which the check must probe.
    """

    path: str
    path_source: str
    probe: ProbeSource | None = None
    probe_skipped: str | None = None
    serving_port: int | None = None
    fixed_port: int | None = None


def _skip_reason(
    container: Container, probe: HTTPGetProbe, port: ServicePort, pod: str
) -> str | None:
    """Why ``container``'s readinessProbe does not qualify, or None when it does."""
    where = f"container {container.name!r} of pod {pod}"
    declared = container.declared_port(port.target_port)
    if declared is None:
        return (
            f"{where} does not declare a containerPort for the Service targetPort "
            f"{port.target_port!r}; ingress-gce only reads probes on declared ports"
        )
    if probe.port not in (declared.container_port, declared.name or None):
        return (
            f"the readinessProbe of {where} probes port {probe.port!r}, not the serving port "
            f"{declared.container_port} the Service targetPort {port.target_port!r} designates"
        )
    if probe.host:
        return f"the readinessProbe of {where} sets host {probe.host!r}"
    if any(h.lower() != "host" for h in probe.header_names):
        return f"the readinessProbe of {where} sends custom headers"
    if probe.scheme.upper() != "HTTP":
        return f"the readinessProbe of {where} uses scheme {probe.scheme}, the backend uses HTTP"
    return None


def serving_port(pods: tuple[Pod, ...], port: ServicePort) -> int | None:
    """The container port the Service ``targetPort`` resolves to on the pods."""
    if isinstance(port.target_port, int):
        return port.target_port
    for pod in pods:
        for container in pod.containers:
            declared = container.declared_port(port.target_port)
            if declared:
                return declared.container_port
    return None


def expect(
    port: ServicePort,
    pods: tuple[Pod, ...],
    backend_config: BackendConfig | None,
    *,
    system_default: bool = False,
) -> ServingExpectation:
    """What the health check of this Service port should probe."""
    fixed = backend_config.port if backend_config else None
    target = serving_port(pods, port)
    if backend_config and backend_config.request_path:
        return ServingExpectation(
            path=backend_config.request_path,
            path_source=f"BackendConfig {backend_config.meta.key} healthCheck.requestPath",
            serving_port=target,
            fixed_port=fixed,
        )
    if system_default:
        return ServingExpectation(
            path=DEFAULT_BACKEND_PATH,
            path_source="ingress-gce's default-backend health-check path",
            serving_port=target,
            fixed_port=fixed,
        )
    skipped: tuple[ProbeSource, str] | None = None
    ordered = sorted(pods, key=lambda p: (p.meta.created is None, p.meta.created, p.meta.name))
    for pod in ordered:
        for container in pod.containers:
            probe = container.readiness_http
            if probe is None:
                continue
            raw = probe.path
            source = ProbeSource(
                pod.meta.name,
                container.name,
                raw if raw.startswith("/") else "/" + raw,
                pod.meta.created,
            )
            reason = _skip_reason(container, probe, port, pod.meta.name)
            if reason is None:
                return ServingExpectation(
                    path=source.path,
                    path_source=f"readinessProbe of pod {pod.meta.name} container {container.name}",
                    probe=source,
                    serving_port=target,
                    fixed_port=fixed,
                )
            skipped = skipped or (source, reason)
    if skipped is not None:
        source, reason = skipped
        return ServingExpectation(
            path=source.path,
            path_source=f"readinessProbe of pod {source.pod} container {source.container}",
            probe=source,
            probe_skipped=reason,
            serving_port=target,
            fixed_port=fixed,
        )
    return ServingExpectation(
        path=DEFAULT_PATH,
        path_source="ingress-gce's default health-check path",
        probe_skipped=skipped,
        serving_port=target,
        fixed_port=fixed,
    )
