"""The second, targeted phase: ``backendServices.getHealth`` where it adds information.

getHealth is one call per (backend service, group), so it is not run for everything. The
``ingress.kubernetes.io/backends`` annotation, which ingress-gce refreshes on every sync, is the cheap
first signal: only backend services it does not report ``HEALTHY`` (or that no annotation covers)
are queried, unless a deep audit asks for all. Calls run concurrently in a bounded pool.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from google.api_core.client_options import ClientOptions
from google.auth.credentials import Credentials
from google.cloud import compute_v1

from gkeingress.collect.compute import to_json
from gkeingress.collect.gate import ApiGate, google_reasons, status_of
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.collect.snapshot import CollectionError, DataKind, Snapshot
from gkeingress.model.gce import Backend, BackendService
from gkeingress.model.k8s import JsonAnnotation

BACKENDS_ANNOTATION = "ingress.kubernetes.io/backends"


def health_targets(snapshot: Snapshot, *, deep: bool) -> list[BackendService]:
    """Backend services worth a getHealth call: not reported HEALTHY, or all when ``deep``."""
    by_name: dict[str, list[BackendService]] = {}
    for bs in snapshot.backend_services:
        by_name.setdefault(bs.name, []).append(bs)
    wanted: dict[str, BackendService] = {}
    for ingress in snapshot.ingresses:
        states = JsonAnnotation.read(ingress.annotations, BACKENDS_ANNOTATION).value
        if not isinstance(states, dict):
            continue
        for name, state in states.items():
            if deep or str(state).upper() != "HEALTHY":
                for bs in by_name.get(str(name), ()):
                    wanted.setdefault(bs.self_link, bs)
    return list(wanted.values())


@dataclass
class HealthResult:
    """getHealth answers (raw, with their backend service and group) and failed calls."""

    answers: list[dict[str, Any]] = field(default_factory=list)
    errors: list[CollectionError] = field(default_factory=list)


class HealthCollector:
    """Asks Compute for the health of each group of the given backend services."""

    def __init__(
        self,
        project: str,
        *,
        credentials: Credentials | None,
        endpoint: str | None,
        gate: ApiGate,
        progress: Progress = NO_PROGRESS,
    ) -> None:
        options = ClientOptions(api_endpoint=endpoint) if endpoint else None
        self._progress = progress
        self._project = project
        self._global = compute_v1.BackendServicesClient(
            credentials=credentials, client_options=options
        )
        self._regional = compute_v1.RegionBackendServicesClient(
            credentials=credentials, client_options=options
        )
        self._gate = gate

    def _one(self, bs: BackendService, backend: Backend) -> dict[str, Any]:
        reference = compute_v1.ResourceGroupReference(group=backend.group.self_link)
        if bs.location == "global":
            answer = self._gate.call(
                "compute getHealth backendServices",
                self._global.get_health,
                project=self._project,
                backend_service=bs.name,
                resource_group_reference_resource=reference,
                retry=None,  # the gate retries
                timeout=self._gate.timeout,
            )
        else:
            answer = self._gate.call(
                "compute getHealth regionBackendServices",
                self._regional.get_health,
                project=self._project,
                region=bs.location,
                backend_service=bs.name,
                resource_group_reference_resource=reference,
                retry=None,  # the gate retries
                timeout=self._gate.timeout,
            )
        return {
            "backendService": bs.self_link,
            "group": backend.group.self_link,
            "health": to_json(answer),
        }

    def collect(self, targets: Iterable[BackendService]) -> HealthResult:
        """Query every group of every target concurrently; failures are recorded per group."""
        jobs = [(bs, b) for bs in targets for b in bs.backends]
        result = HealthResult()
        with self._global, self._regional, ThreadPoolExecutor(self._gate.workers) as pool:
            futures = [(bs, b, pool.submit(self._one, bs, b)) for bs, b in jobs]
            for bs, backend, future in futures:
                call = f"compute.backendServices.getHealth {bs.name} {backend.group}"
                try:
                    answer = future.result()
                except Exception as exc:  # noqa: BLE001 - every failure is recorded as data
                    error = CollectionError(
                        DataKind.BACKEND_HEALTH,
                        call,
                        str(getattr(exc, "message", None) or exc),
                        status_of(exc),
                        ",".join(sorted(google_reasons(exc))) or type(exc).__name__,
                    )
                    result.errors.append(error)
                    self._progress.call_done(call, None, error.message)
                    continue
                result.answers.append(answer)
                statuses = answer["health"].get("healthStatus") or ()
                self._progress.call_done(call, len(statuses), None)
        return result
