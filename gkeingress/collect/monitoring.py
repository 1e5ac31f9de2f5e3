"""Read the load balancers' request counts from Cloud Monitoring, one call per metric per project.

Each :data:`~gkeingress.resources.monitoring.REQUEST_METRICS` metric is asked for once with
``projects.timeSeries.list``, aligned per minute and summed server-side by URL map, backend, path
rule and response code (:data:`~gkeingress.resources.monitoring.GROUP_BY`), so the number of calls does
not depend on how many Ingresses there are. Pages are requested one by one through the
:class:`~gkeingress.collect.gate.ApiGate`, so each is counted, paced and retried on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from google.auth.credentials import Credentials
from google.protobuf.json_format import MessageToDict

from gkeingress.collect.gate import ApiGate, google_reasons, status_of
from gkeingress.collect.grpc_client import grpc_client
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.resources.monitoring import GROUP_BY, REQUEST_METRICS, RequestMetric, TimeWindow
from gkeingress.snapshot import CollectionError, DataKind

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient

PERMISSION = "monitoring.timeSeries.list"
"""The IAM permission ``timeSeries.list`` needs (in ``roles/monitoring.viewer``)."""

PAGE_SIZE = 100_000
"""The most points the API returns per page (``page_size`` counts points in the FULL view)."""

MONITORING_READ = "https://www.googleapis.com/auth/monitoring.read"
"""The OAuth scope for reading Cloud Monitoring."""

CALL = "monitoring.timeSeries.list"


def build_monitoring_client(
    credentials: Credentials | None, endpoint: str | None
) -> MetricServiceClient:
    """A ``MetricServiceClient`` with ``credentials``; a loopback ``endpoint`` gets plain gRPC."""
    from google.cloud import monitoring_v3  # noqa: PLC0415 - import gkeingress stays light
    from google.cloud.monitoring_v3.services.metric_service.transports import (  # noqa: PLC0415
        MetricServiceGrpcTransport,
    )

    return grpc_client(
        monitoring_v3.MetricServiceClient, MetricServiceGrpcTransport, credentials, endpoint
    )


def _error(metric: RequestMetric, exc: Exception) -> CollectionError:
    status = status_of(exc)
    message = str(getattr(exc, "message", None) or exc)
    if status == 403 and "SERVICE_DISABLED" in google_reasons(exc) | {message}:
        message = f"the Cloud Monitoring API is not enabled for this project: {message}"
    elif status == 403:
        message = f"permission denied (needs {PERMISSION}): {message}"
    return CollectionError(
        DataKind.REQUEST_COUNTS,
        f"{CALL} {metric.resource}",
        message,
        int(status) if status is not None else None,
        ",".join(sorted(google_reasons(exc))) or type(exc).__name__,
    )


def _timestamp(when: datetime) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp  # noqa: PLC0415 - protobuf, light

    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


def time_series_request(project: str, metric: RequestMetric, window: TimeWindow) -> Any:
    """The ``ListTimeSeriesRequest`` for one metric: per minute, summed by :data:`GROUP_BY`."""
    from google.cloud import monitoring_v3  # noqa: PLC0415 - import gkeingress stays light
    from google.protobuf.duration_pb2 import Duration  # noqa: PLC0415 - protobuf, light

    aggregation = monitoring_v3.Aggregation(
        alignment_period=Duration(seconds=60),
        per_series_aligner=monitoring_v3.Aggregation.Aligner.ALIGN_DELTA,
        cross_series_reducer=monitoring_v3.Aggregation.Reducer.REDUCE_SUM,
        group_by_fields=list(GROUP_BY),
    )
    return monitoring_v3.ListTimeSeriesRequest(
        name=f"projects/{project}",
        filter=f'metric.type = "{metric.metric}" AND resource.type = "{metric.resource}"',
        interval=monitoring_v3.TimeInterval(
            start_time=_timestamp(window.start), end_time=_timestamp(window.end)
        ),
        aggregation=aggregation,
        view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
        page_size=PAGE_SIZE,
    )


class MonitoringReader:
    """Reads request counts through one ``MetricServiceClient`` (the caller's, or one made for it)."""

    def __init__(
        self, client: MetricServiceClient, gate: ApiGate, progress: Progress = NO_PROGRESS
    ) -> None:
        self._client = client
        self._gate = gate
        self._progress = progress

    def _pages(self, project: str, metric: RequestMetric, window: TimeWindow) -> Iterator[Any]:
        request = time_series_request(project, metric, window)
        while True:
            pager = self._gate.call(
                f"{CALL} {metric.resource}",
                self._client.list_time_series,
                request=request,
                retry=None,  # the gate retries; a second, hidden layer would hide throttling
                timeout=self._gate.timeout,
            )
            page = next(pager.pages)
            yield page
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def read(self, project: str, metric: RequestMetric, window: TimeWindow) -> list[dict[str, Any]]:
        """Every reduced series of ``metric`` over ``window``, as ``TimeSeries`` JSON.

        A series the API split over pages is joined back into one.

        Raises:
            Exception: the call failed after the gate's retries.
        """
        joined: dict[str, dict[str, Any]] = {}
        for page in self._pages(project, metric, window):
            for series in type(page).pb(page).time_series:
                data = MessageToDict(series)
                key = repr((data.get("metric"), data.get("resource")))
                if key in joined:
                    joined[key].setdefault("points", []).extend(data.get("points", []))
                else:
                    joined[key] = data
        return list(joined.values())

    def request_counts(
        self, project: str, window: TimeWindow
    ) -> tuple[list[dict[str, Any]], list[CollectionError]]:
        """The series of every request metric, and the calls that failed.

        A 403 ends the reading: every metric needs the same permission.
        """
        series: list[dict[str, Any]] = []
        errors: list[CollectionError] = []
        for metric in REQUEST_METRICS:
            try:
                found = self.read(project, metric, window)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded as data
                error = _error(metric, exc)
                errors.append(error)
                self._progress.call_done(error.call, None, error.message)
                if error.status == 403:  # the other metrics need the same permission
                    break
                continue
            series += found
            self._progress.call_done(f"{CALL} {metric.resource}", len(found), None)
        return series, errors
