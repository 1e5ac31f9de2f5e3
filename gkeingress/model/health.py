"""How each backend of an Ingress fares, from all the evidence: the findings and the pairing.

The ``ingress.kubernetes.io/backends`` annotation is the controller's last word on a backend, often
minutes old; a backend whose NEGs are all empty, whose pods are not ready or that a finding says
cannot serve is not healthy, whatever the annotation says. The picture (:mod:`gkeingress.model.paths`),
``route`` and the verdict all judge backends here, so they never contradict the findings.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from gkeingress.findings import Finding, Severity
from gkeingress.model.topology import PairedIngress, ServiceBackend


class Health(str, enum.Enum):
    """A backend's state: serving, serving from part of its endpoints, failing, or not known yet."""

    SERVING = "serving"
    PARTIAL = "partial"
    FAILING = "failing"
    UNKNOWN = "unknown"


BACKEND_FAULTS = frozenset(
    {
        "SERVICE_NOT_FOUND",
        "SERVICE_PORT_NOT_FOUND",
        "SERVICE_TYPE_INCOMPATIBLE",
        "SERVICE_SELECTOR_MATCHES_NO_PODS",
        "SERVICE_NO_READY_ENDPOINTS",
        "TARGET_PORT_NOT_EXPOSED",
        "HEALTH_CHECK_PATH_MISMATCH",
        "HEALTH_CHECK_PORT_MISMATCH",
        "HEALTH_CHECK_FIREWALL_MISSING",
        "BACKEND_UNHEALTHY",
        "NEG_EMPTY",
        "NEG_MISSING",
        "NEG_NOT_ATTACHED",
        "NEG_ENDPOINTS_OUT_OF_SYNC",
    }
)
"""Codes whose findings keep a backend from serving: all of it at error severity, part of it (some
zones or endpoints) at warning. ``NEG_MISSING`` is an error even when other zones still serve."""

OBSERVED = "LB_ERRORS_OBSERVED"
"""5xx the load balancer answered from a backend: at least part of it fails."""

OBSERVED_HEALTH = {
    "LB_NO_HEALTHY_BACKEND": Health.FAILING,
    "LB_BACKEND_CONNECTION_CLOSED": Health.PARTIAL,
    "LB_BACKEND_TIMEOUT": Health.PARTIAL,
}
"""What the load balancer's request logs say of a backend: it found no healthy endpoint, or some
requests failed (the connection closed early, no answer within the timeout)."""

OBSERVATIONS = frozenset(
    {OBSERVED, "LB_UNMATCHED_URLS_404", "LB_APPLICATION_404", *OBSERVED_HEALTH}
)
"""Codes that report what the load balancer answered rather than a fault of configuration."""

HEALTH_CODES = frozenset({*BACKEND_FAULTS, *OBSERVED_HEALTH, OBSERVED})
"""The codes :func:`backend_health` judges a backend by; it passes over findings of other codes."""

_ZONAL = frozenset({"NEG_MISSING"})
"""Backend faults about one zone's NEG: partial while another NEG of the backend has endpoints."""

_NAMING_KEYS = ("service", "services", "neg", "backend_service", "health_check", "object", "served")
"""Evidence keys whose values (or whose items' ``backend``) name a backend's Service or resources."""

_QUOTED_SERVICE = re.compile(r'service "([^"/\s]+/[^"\s]+)"')
"""How ingress-gce's event messages name a Service: ``service "namespace/name"``."""


def backend_keys(backend: ServiceBackend) -> frozenset[str]:
    """Every way a finding's resource or evidence names this backend."""
    keys = {backend.service_key, f"Service {backend.service_key}"}
    if backend.backend_service_name:
        keys.add(backend.backend_service_name)
    for resource in (backend.backend_service, backend.health_check, *backend.negs):
        if resource is not None:
            keys |= {resource.name, str(resource.ref)}
    if backend.backend_config_name:
        keys.add(f"BackendConfig {backend.namespace}/{backend.backend_config_name}")
    return frozenset(keys)


def finding_keys(finding: Finding) -> frozenset[str]:
    """The names a finding gives of Services and load balancer resources (see :func:`backend_keys`)."""
    keys = {finding.resource}
    for key in _NAMING_KEYS:
        value = finding.evidence.get(key)
        values = value if isinstance(value, (list, tuple)) else [value]
        keys |= {v for v in values if isinstance(v, str)}
        keys |= {v["backend"] for v in values if isinstance(v, Mapping) and "backend" in v}
    message = finding.evidence.get("message")
    if isinstance(message, str):
        keys |= {f"Service {name}" for name in _QUOTED_SERVICE.findall(message)}
    return frozenset(keys | {k.rpartition("/networkEndpointGroups/")[2] for k in keys if k})


def findings_by_backend(paired: PairedIngress, findings: Iterable[Finding]) -> list[list[Finding]]:
    """For each of ``paired.backends`` (same order), the findings that name it.

    A backend fault that names no backend (a firewall blocking every health check of the Ingress)
    concerns every backend but GKE's default one.
    """
    found: list[list[Finding]] = [[] for _ in paired.backends]
    listed = list(findings)
    if not listed:
        return found
    keys = [backend_keys(b) for b in paired.backends]
    for finding in listed:
        named = finding_keys(finding)
        hits = [i for i, k in enumerate(keys) if named & k]
        if not hits and finding.code in BACKEND_FAULTS:
            hits = [i for i, b in enumerate(paired.backends) if not b.is_system_default]
        for index in hits:
            found[index].append(finding)
    return found


def findings_about(paired: PairedIngress, backend: ServiceBackend) -> list[Finding]:
    """``paired.findings`` that concern ``backend``, one of ``paired.backends``."""
    index = next(i for i, b in enumerate(paired.backends) if b is backend or b == backend)
    return findings_by_backend(paired, paired.findings)[index]


def _serving_groups(backend: ServiceBackend) -> bool:
    """True when some NEG of the backend has endpoints and is a backend of its backend service."""
    attached = (
        {g.group for g in backend.backend_service.backends} if backend.backend_service else set()
    )
    return any(n.size > 0 and n.ref in attached for n in backend.negs)


def _fault_health(backend: ServiceBackend, finding: Finding) -> Health:
    if finding.severity is not Severity.ERROR:
        return Health.PARTIAL
    if finding.code in _ZONAL and _serving_groups(backend):
        return Health.PARTIAL
    return Health.FAILING


def _facts(backend: ServiceBackend) -> Iterator[Health]:
    """What the pairing alone says about a backend."""
    if backend.service is None or backend.port is None:
        yield Health.FAILING
    if backend.pods and not any(p.ready and not p.terminating for p in backend.pods):
        yield Health.FAILING
    if backend.uses_neg and backend.negs and not any(n.size for n in backend.negs):
        yield Health.FAILING
    state = (backend.health_state or "").upper()
    if state == "UNHEALTHY":
        yield Health.FAILING
    elif state in ("", "UNKNOWN"):
        yield Health.UNKNOWN


_ORDER = (Health.FAILING, Health.PARTIAL, Health.UNKNOWN)


def backend_health(backend: ServiceBackend, findings: Sequence[Finding]) -> Health:
    """The backend's state from its findings (see :func:`findings_by_backend`) and the pairing.

    Failing when a finding says it cannot serve (an error of :data:`BACKEND_FAULTS`), when the
    Service or its port is missing, no selected pod is ready, every NEG is empty, or the
    controller last saw it ``UNHEALTHY``; partial when a fault covers part of it or the load
    balancer answered 5xx from it; unknown when nothing has health-checked it yet; else serving.
    """
    states = {_fault_health(backend, f) for f in findings if f.code in BACKEND_FAULTS}
    states |= {OBSERVED_HEALTH[f.code] for f in findings if f.code in OBSERVED_HEALTH}
    if any(f.code == OBSERVED and f.evidence.get("error_class") == "5xx" for f in findings):
        states.add(Health.PARTIAL)
    states |= set(_facts(backend))
    return next((s for s in _ORDER if s in states), Health.SERVING)
