"""Read GKE clusters from the Container API v1: one ``get`` per cluster, one ``list`` per project.

The official ``google.cloud.container_v1`` client with its REST transport, every call through the
audit's :class:`~gkeingress.collect.gate.ApiGate` (counted and retried; not paced, the Compute
quota is not involved). Clusters come back as the JSON the API sent (camelCase keys).
"""

from __future__ import annotations

from typing import Any

from google.api_core.client_options import ClientOptions
from google.auth.credentials import Credentials
from google.cloud import container_v1

from gkeingress.collect.compute import to_json
from gkeingress.collect.gate import ApiGate, google_reasons, status_of
from gkeingress.snapshot import CollectionError, DataKind


def describe_error(exc: Exception, call: str, target: str) -> str:
    """A message for a failed Container API call that says what to do about it."""
    status = status_of(exc)
    detail = str(getattr(exc, "message", None) or exc)
    project = target.split("/")[1] if target.startswith("projects/") else target
    if status == 404:
        return (
            f"cluster {target} was not found: no such cluster in project {project} at that "
            f"location ({detail})"
        )
    if status == 403 and "accessNotConfigured" in google_reasons(exc):
        return f"the Kubernetes Engine API is not enabled in project {project}: {detail}"
    if status == 403:
        return (
            f"permission denied on {target}: the caller needs {call} (e.g. role "
            f"roles/container.clusterViewer) in project {project}: {detail}"
        )
    if status == 401:
        return f"the Google credentials were rejected by the Container API: {detail}"
    return f"cannot read {target} from the Container API ({call}): {detail}"


def _error(exc: Exception, call: str, target: str) -> CollectionError:
    return CollectionError(
        DataKind.CLUSTER,
        call,
        describe_error(exc, call, target),
        status_of(exc),
        ",".join(sorted(google_reasons(exc))) or type(exc).__name__,
    )


class ContainerReader:
    """Gets and lists clusters through ``ClusterManagerClient`` (REST).

    Args:
        credentials: Google credentials (ADC by default at the caller).
        endpoint: the Container API endpoint, e.g. ``http://127.0.0.1:8123``; None: Google's.
        gate: the audit's gate.
    """

    def __init__(self, *, credentials: Credentials | None, endpoint: str | None, gate: ApiGate):
        self._credentials = credentials
        self._options = ClientOptions(api_endpoint=endpoint) if endpoint else None
        self._gate = gate

    def _client(self) -> Any:
        return container_v1.ClusterManagerClient(
            credentials=self._credentials, transport="rest", client_options=self._options
        )

    def get(self, path: str) -> dict[str, Any] | CollectionError:
        """The ``Cluster`` at ``projects/P/locations/L/clusters/C``, or why it could not be read."""
        try:
            with self._client() as client:
                cluster = self._gate.call(
                    "container clusters.get",
                    client.get_cluster,
                    name=path,
                    retry=None,  # the gate retries
                    timeout=self._gate.timeout,
                    paced=False,
                )
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its reason
            return _error(exc, "container.clusters.get", path)
        return to_json(cluster)

    def list(self, project: str) -> list[dict[str, Any]] | CollectionError:
        """Every cluster of ``project`` in every location (``locations/-``), or why not."""
        parent = f"projects/{project}/locations/-"
        try:
            with self._client() as client:
                answer = self._gate.call(
                    "container clusters.list",
                    client.list_clusters,
                    parent=parent,
                    retry=None,
                    timeout=self._gate.timeout,
                    paced=False,
                )
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its reason
            return _error(exc, "container.clusters.list", parent)
        return [to_json(c) for c in answer.clusters]
