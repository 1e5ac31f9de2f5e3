"""Is a change still rolling out? Load balancer changes take minutes to appear and to turn healthy.

Checks that would report a missing or empty resource ask :func:`recent_change` first and stay quiet
inside the propagation window; ``PROPAGATION_PENDING`` reports the situation instead.
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter

from gkeingress.checks.registry import AuditOptions
from gkeingress.model.topology import Activity, PairedIngress
from gkeingress.snapshot import DataKind

RECENT_CHANGE_READS = (
    DataKind.INGRESSES,
    DataKind.SERVICES,
    DataKind.CLUSTER_IDENTITY,
    DataKind.BACKEND_SERVICES,
    DataKind.HEALTH_CHECKS,
    DataKind.NEGS,
)
"""What :func:`recent_change` reads: the Ingress, its Services, and when the backend services,
health checks and NEGs ingress-gce names after them were created."""

FRONTEND_READS = (DataKind.URL_MAPS, DataKind.TARGET_PROXIES, DataKind.FORWARDING_RULES)
"""The frontend of a load balancer: its URL map, found directly or through its proxies and rules."""


def recent_change(paired: PairedIngress, options: AuditOptions) -> Activity | None:
    """The latest change to the Ingress or its backends inside the propagation window, if any."""
    window_start = options.now - options.propagation_window
    recent = [(at, what) for at, what in paired.changes if window_start <= at <= options.now]
    return Activity(*max(recent, key=itemgetter(0))) if recent else None


def minutes_ago(at: datetime, options: AuditOptions) -> str:
    """``"3 minutes ago"``."""
    minutes = int((options.now - at).total_seconds() // 60)
    return "just now" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"
