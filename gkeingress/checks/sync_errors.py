"""Errors GKE's controllers reported as Warning events on an Ingress or its Services."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.propagation import minutes_ago
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.findings import Severity
from gkeingress.model.controller import controller_warnings
from gkeingress.model.topology import Topology
from gkeingress.snapshot import DataKind


@check(
    "SYNC_ERROR",
    severity=Severity.ERROR,
    title="GKE's ingress controller reported an error",
    explanation=(
        "ingress-gce reports what it cannot do as Warning events: `Translate` (the Ingress spec "
        "cannot be turned into a load balancer: missing Service, port or BackendConfig), `Sync` "
        "(`Error syncing to GCP: …`, a Compute API call failed), and on Services "
        "`SyncNetworkEndpointGroupFailed`, `AttachFailed` and similar from the NEG controller. "
        "Events before 2020 read `Error during sync: …` and `error while evaluating the ingress "
        "spec: …`. Until the error is fixed the load balancer keeps its last good configuration, "
        "or is never created."
    ),
    fix="Fix what the event message names; the controller retries on its own.",
    evidence=(
        "The controller component, the event reason, the Ingress or Service it was reported on, "
        "when it was last seen and how often, and the event message as the controller wrote it. "
        "`reason`, `message`, `object`, `last_seen` (ISO 8601, or null) and `count` hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-xlb",
    ),
    requires=(DataKind.INGRESSES, DataKind.EVENTS),
)
def sync_error(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report each distinct controller Warning event on an Ingress or the Services it uses."""
    for paired in topology.ingresses:
        events = list(paired.events)
        for backend in paired.backends:
            if not backend.is_system_default:
                events.extend(backend.events)
        for event in controller_warnings(events):
            when = (
                f"{event.last_seen:%Y-%m-%d %H:%M:%S} UTC ({minutes_ago(event.last_seen, options)})"
                if event.last_seen
                else "at an unknown time"
            )
            repeats = f", seen {event.count} times" if event.count > 1 else ""
            yield Hit(
                ingress=paired.name,
                resource=f"{event.kind} {event.object_key}",
                message=(
                    f"{event.component or 'The controller'} reported {event.reason} on "
                    f"{event.kind} {event.object_key} at {when}{repeats}: {event.message}"
                ),
                remediation=(
                    "Fix the cause the message names; ingress-gce retries with backoff and the "
                    "warning stops once a sync succeeds."
                ),
                evidence={
                    "reason": event.reason,
                    "message": event.message,
                    "object": f"{event.kind} {event.object_key}",
                    "last_seen": event.last_seen.isoformat() if event.last_seen else None,
                    "count": event.count,
                },
            )
