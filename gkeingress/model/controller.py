"""What ingress-gce says about its work: which Warning events come from its controllers."""

from __future__ import annotations

from collections.abc import Iterable

from gkeingress.resources.k8s import Event

CONTROLLERS = frozenset(
    {"loadbalancer-controller", "neg-controller", "neg-readiness-reflector", "glbc"}
)
"""Event sources of ingress-gce (``pkg/recorders``, ``pkg/neg``); ``glbc`` on older clusters."""

REASONS = frozenset(
    {
        # On the Ingress (pkg/events, pkg/controller); "GC" and "Sync" also in pre-2020 formats.
        "Sync",
        "Translate",
        "GarbageCollection",
        "GC",
        "WillNotConfigureFrontend",
        "THCAnnotationWithoutFlag",
        # On the Service (pkg/neg).
        "SyncNetworkEndpointGroupFailed",
        "AttachFailed",
        "DetachFailed",
        "EnterDegradedMode",
        "RetryFailed",
        "ProcessServiceFailed",
        "THCAnnotationWithoutNEG",
    }
)


def controller_warnings(events: Iterable[Event]) -> list[Event]:
    """Warning events from ingress-gce, latest of each (reason, message) only, newest first."""
    latest: dict[tuple[str, str, str], Event] = {}
    for event in events:
        if event.type != "Warning":
            continue
        if event.component not in CONTROLLERS and event.reason not in REASONS:
            continue
        key = (event.object_key, event.reason, event.message)
        seen = latest.get(key)
        if seen is None or (
            event.last_seen and (seen.last_seen is None or event.last_seen > seen.last_seen)
        ):
            latest[key] = event
    return sorted(
        latest.values(), key=lambda e: e.last_seen.timestamp() if e.last_seen else 0, reverse=True
    )
