"""Is a change still rolling out? Load balancer changes take minutes to appear and to turn healthy.

Checks that would report a missing or empty resource ask :func:`recent_change` first and stay quiet
inside the propagation window; ``PROPAGATION_PENDING`` reports the situation instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gkeingress.checks.registry import AuditOptions
from gkeingress.model.topology import PairedIngress


@dataclass(frozen=True, slots=True)
class Change:
    """A recent change: when, and what."""

    at: datetime
    what: str


def _changes(paired: PairedIngress) -> list[Change]:
    changes = []
    if paired.ingress.meta.last_change:
        changes.append(Change(paired.ingress.meta.last_change, f"Ingress {paired.name} changed"))
    for backend in paired.backends:
        if backend.service and backend.service.meta.last_change:
            changes.append(
                Change(backend.service.meta.last_change, f"Service {backend.service_key} changed")
            )
        for resource in (backend.backend_service, backend.health_check, *backend.negs):
            if resource is not None and resource.created:
                changes.append(Change(resource.created, f"{resource.ref} was created"))
    return changes


def recent_change(paired: PairedIngress, options: AuditOptions) -> Change | None:
    """The latest change to the Ingress or its backends inside the propagation window, if any."""
    window_start = options.now - options.propagation_window
    recent = [c for c in _changes(paired) if window_start <= c.at <= options.now]
    return max(recent, key=lambda c: c.at) if recent else None


def minutes_ago(at: datetime, options: AuditOptions) -> str:
    """``"3 minutes ago"``."""
    minutes = int((options.now - at).total_seconds() // 60)
    return "just now" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"
