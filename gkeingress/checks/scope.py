"""Which Ingresses and backends a check looks at."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.model.topology import PairedIngress, ServiceBackend, Topology
from gkeingress.resources.k8s import Service


def managed(topology: Topology) -> Iterator[PairedIngress]:
    """Ingresses GKE's controller handles."""
    return (p for p in topology.ingresses if p.managed)


def user_backends(topology: Topology) -> Iterator[tuple[PairedIngress, ServiceBackend]]:
    """Each Service port of each managed Ingress once, without GKE's own default backend."""
    for paired in managed(topology):
        seen: set[tuple[str, int | str]] = set()
        for backend in paired.backends:
            if backend.is_system_default:
                continue
            key = (backend.service_key, backend.ref.port)
            if key not in seen:
                seen.add(key)
                yield paired, backend


def user_services(
    topology: Topology,
) -> Iterator[tuple[PairedIngress, ServiceBackend, Service]]:
    """Each existing Service of each managed Ingress once (its first backend port stands for it)."""
    for paired in managed(topology):
        seen: set[str] = set()
        for backend in paired.backends:
            service = backend.service
            if backend.is_system_default or service is None:
                continue
            key = backend.service_key
            if key not in seen:
                seen.add(key)
                yield paired, backend, service
