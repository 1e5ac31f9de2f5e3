"""Which configuration findings explain what the load balancer logged about one backend.

The log checks say *what happened* (no healthy backend, probes failing); the configuration checks
say *why*. :func:`causes` runs the configuration checks that can explain a backend without
endpoints to send to, and files each hit under the backend it names, so a log finding can point
at them. The checks run inside the asking check, so what they read is recorded as its reads: when
their data could not be read, the asking check is reported as not checked, never as "nothing
explains it".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gkeingress.checks import endpoints, firewall, health_checks, negs
from gkeingress.checks.registry import AuditOptions, Check, Hit
from gkeingress.model.topology import Topology

UNREACHABLE_CAUSES: tuple[Check, ...] = (
    health_checks.health_check_path_mismatch,
    health_checks.health_check_port_mismatch,
    firewall.health_check_firewall_missing,
    endpoints.service_selector_matches_no_pods,
    endpoints.service_no_ready_endpoints,
    endpoints.target_port_not_exposed,
    negs.neg_empty,
    negs.neg_missing,
    negs.neg_not_attached,
    negs.neg_endpoints_out_of_sync,
)
"""Configuration checks whose fault leaves a backend with no healthy endpoint."""

CAUSE_READS = frozenset(kind for item in UNREACHABLE_CAUSES for kind in item.requires)
"""What :func:`causes` reads: a check that asks it for explanations reads these too."""


@dataclass(frozen=True, slots=True)
class Cause:
    """A configuration finding that explains a backend's trouble: its code and message."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"code": self.code, "message": self.message}


def _names(hit: Hit, backend_service: str, service: str) -> bool:
    """True when ``hit`` is about this backend, or about its whole Ingress."""
    return (
        (bool(backend_service) and backend_service in hit.resource)
        or hit.resource == f"Service {service}"
        or hit.evidence.get("backend_service") == backend_service
        or hit.resource == f"Ingress {hit.ingress}"
    )


def causes(
    topology: Topology, options: AuditOptions, checks: Sequence[Check] = UNREACHABLE_CAUSES
) -> Mapping[tuple[str, str], tuple[Cause, ...]]:
    """The hits of ``checks`` filed by (Ingress, backend service name) of each backend they name."""
    hits: dict[str, list[tuple[str, Hit]]] = defaultdict(list)
    for item in checks:
        if item.run is None:
            continue
        for hit in item.run(topology, options):
            if hit.ingress is not None:
                hits[hit.ingress].append((item.code, hit))
    found: dict[tuple[str, str], tuple[Cause, ...]] = {}
    for paired in topology.ingresses:
        for backend in paired.backends:
            name = backend.backend_service_name or ""
            found[(paired.name, name)] = tuple(
                dict.fromkeys(
                    Cause(code, hit.message)
                    for code, hit in hits.get(paired.name, ())
                    if _names(hit, name, backend.service_key)
                )
            )
    return found
