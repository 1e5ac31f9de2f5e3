"""A fake Cloud Monitoring over real gRPC: ``MetricService.ListTimeSeries`` served from worlds.

One :class:`FakeMonitoring` listens on 127.0.0.1 and answers the requests the official
``google.cloud.monitoring_v3`` client sends, with its own message types: the raw series of each
:attr:`World.time_series <gkeingress.testing.World.time_series>` (one-minute ``DELTA`` points, as a
load balancer writes them) filtered by ``metric.type`` and ``resource.type``, cut to the
``interval``, aligned (``ALIGN_DELTA`` over ``alignment_period``, buckets ending at the interval's
end), reduced (``REDUCE_SUM`` by ``group_by_fields``, keeping only those labels) and paged
(``page_size`` counts points, as in the ``FULL`` view; a series may continue on the next page),
newest point first. Aligners and reducers other than those, and filters other than
``metric.type = "..." [AND resource.type = "..."]``, are answered ``INVALID_ARGUMENT``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Collection, Mapping, Sequence
from concurrent import futures
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NoReturn

import grpc
from google.cloud import monitoring_v3

from gkeingress.testing.world import JSONDict, World

if TYPE_CHECKING:
    from google.cloud.monitoring_v3 import MetricServiceClient

PERMISSION = "monitoring.timeSeries.list"
MAX_PAGE = 100_000
_SERVICE = "google.monitoring.v3.MetricService"
_TERM = re.compile(r'\s*(metric|resource)\.type\s*=\s*"([^"]*)"\s*')
_Aligner = monitoring_v3.Aggregation.Aligner
_Reducer = monitoring_v3.Aggregation.Reducer


class _AbortError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _fail(code: grpc.StatusCode, message: str) -> NoReturn:
    raise _AbortError(code, message)


def _filter(text: str) -> dict[str, str]:
    """``{"metric": type, "resource": type}`` from the filter; anything else is refused."""
    found: dict[str, str] = {}
    for term in re.split(r"\bAND\b", text):
        match = _TERM.fullmatch(term)
        if match is None:
            _fail(grpc.StatusCode.INVALID_ARGUMENT, f"the fake cannot filter on {term.strip()!r}")
        found[match[1]] = match[2]
    if "metric" not in found:
        _fail(grpc.StatusCode.INVALID_ARGUMENT, "A filter must name a metric.type.")
    return found


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(point: JSONDict) -> int:
    return int(point["value"]["int64Value"])


def _field(series: JSONDict, name: str) -> str:
    """The value of ``resource.label.X`` or ``metric.label.X`` in a raw series."""
    part, _, label = name.partition(".label.")
    if part not in ("resource", "metric") or not label:
        _fail(grpc.StatusCode.INVALID_ARGUMENT, f"cannot group by {name!r}")
    return str(series.get(part, {}).get("labels", {}).get(label, ""))


def _aligned(series: JSONDict, start: datetime, end: datetime, period: timedelta) -> dict[int, int]:
    """Sums of the points ending in (start, end], by bucket (0 is the one ending at ``end``)."""
    buckets: dict[int, int] = {}
    for point in series.get("points", ()):
        at = _time(point["interval"]["endTime"])
        if start < at <= end:
            bucket = int((end - at) / period)
            buckets[bucket] = buckets.get(bucket, 0) + _value(point)
    return buckets


def answer(
    raw_series: Mapping[str, Sequence[JSONDict]], request: monitoring_v3.ListTimeSeriesRequest
) -> list[JSONDict]:
    """Every series the request asks for, aligned and reduced, as ``TimeSeries`` JSON, unpaged.

    ``raw_series`` are the series the load balancers wrote, by project.
    """
    project = request.name.removeprefix("projects/")
    if project not in raw_series:
        _fail(grpc.StatusCode.NOT_FOUND, f"Project {request.name!r} not found.")
    wanted = _filter(request.filter)
    raw = monitoring_v3.ListTimeSeriesRequest.pb(request)
    if not raw.interval.HasField("end_time"):
        _fail(grpc.StatusCode.INVALID_ARGUMENT, "The interval needs an end time.")
    end: datetime = raw.interval.end_time.ToDatetime(tzinfo=timezone.utc)
    start: datetime = (
        raw.interval.start_time.ToDatetime(tzinfo=timezone.utc)
        if raw.interval.HasField("start_time")
        else end
    )
    aggregation = request.aggregation
    if aggregation.per_series_aligner != _Aligner.ALIGN_DELTA:
        _fail(grpc.StatusCode.INVALID_ARGUMENT, "the fake aligns with ALIGN_DELTA only")
    if aggregation.cross_series_reducer not in (_Reducer.REDUCE_NONE, _Reducer.REDUCE_SUM):
        _fail(grpc.StatusCode.INVALID_ARGUMENT, "the fake reduces with REDUCE_SUM only")
    period: timedelta = raw.aggregation.alignment_period.ToTimedelta()
    if period < timedelta(seconds=60):
        _fail(grpc.StatusCode.INVALID_ARGUMENT, "The alignment period must be at least 60s.")
    matching = [
        s
        for s in raw_series[project]
        if s["metric"]["type"] == wanted["metric"]
        and s["resource"]["type"] == wanted.get("resource", s["resource"]["type"])
    ]
    groups: dict[tuple[str, ...], tuple[JSONDict, dict[int, int]]] = {}
    fields = list(aggregation.group_by_fields)
    for series in matching:
        buckets = _aligned(series, start, end, period)
        if not buckets:
            continue
        if aggregation.cross_series_reducer == _Reducer.REDUCE_NONE:
            groups[(str(len(groups)),)] = (series, buckets)
            continue
        key = tuple(_field(series, f) for f in fields)
        _, sums = groups.setdefault(key, (_reduced_header(series, fields), {}))
        for bucket, value in buckets.items():
            sums[bucket] = sums.get(bucket, 0) + value
    return [
        {
            **{k: v for k, v in header.items() if k != "points"},
            "metricKind": "DELTA",
            "valueType": "INT64",
            "points": [
                {
                    "interval": {
                        "startTime": _stamp(end - (b + 1) * period),
                        "endTime": _stamp(end - b * period),
                    },
                    "value": {"int64Value": str(sums[b])},
                }
                for b in sorted(sums)  # bucket 0 is the newest: newest first, as the API answers
            ],
        }
        for header, sums in groups.values()
    ]


def _reduced_header(series: JSONDict, fields: Sequence[str]) -> JSONDict:
    """The metric and resource of a reduced series: their types, and only the grouped labels."""
    header: JSONDict = {}
    for part in ("metric", "resource"):
        kept = {
            f.partition(".label.")[2]: _field(series, f)
            for f in fields
            if f.startswith(f"{part}.label.")
        }
        header[part] = {"type": series[part]["type"], **({"labels": kept} if kept else {})}
    return header


def _page(series: list[JSONDict], token: str, size: int) -> tuple[list[JSONDict], str]:
    """At most ``size`` points from the flat offset ``token``; a series may be cut in two."""
    try:
        offset = int(base64.urlsafe_b64decode(token).decode()) if token else 0
    except ValueError:
        _fail(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid page token {token!r}.")
    page: list[JSONDict] = []
    seen = taken = 0
    for item in series:
        points = item["points"]
        first = max(0, offset - seen)
        seen += len(points)
        if first >= len(points) or taken >= size:
            continue
        chunk = points[first : first + size - taken]
        taken += len(chunk)
        page.append({**item, "points": chunk})
    more = offset + taken < seen
    return page, base64.urlsafe_b64encode(str(offset + taken).encode()).decode() if more else ""


class FakeMonitoring:
    """Cloud Monitoring's ``ListTimeSeries`` for some worlds (one per project), on a loopback port.

    Args:
        worlds: what to serve, each under its ``project`` (several worlds may share one, as the
            clusters of a project share its load balancers); read on every request.
        page_size: if set, no page holds more points than this (nor than the API's 100,000).
        allow: if set, the only permissions the caller has; without ``monitoring.timeSeries.list``
            every call gets ``PERMISSION_DENIED``, as Cloud Monitoring answers it.
    """

    def __init__(
        self,
        *worlds: World,
        page_size: int | None = None,
        allow: Collection[str] | None = None,
    ) -> None:
        self.worlds = list(worlds)
        self.page_size = page_size
        self.allow = frozenset(allow) if allow is not None else None
        self._requests: list[monitoring_v3.ListTimeSeriesRequest] = []
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None
        self._port = 0

    def __enter__(self) -> FakeMonitoring:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        handler = grpc.method_handlers_generic_handler(
            _SERVICE,
            {
                "ListTimeSeries": grpc.unary_unary_rpc_method_handler(
                    self._list_time_series,
                    request_deserializer=monitoring_v3.ListTimeSeriesRequest.deserialize,
                    response_serializer=monitoring_v3.ListTimeSeriesResponse.serialize,
                )
            },
        )
        self._server = grpc.server(futures.ThreadPoolExecutor(4))
        self._server.add_generic_rpc_handlers((handler,))
        self._port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.stop(grace=None)
            self._server = None

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:<port>``: ``audit(monitoring_endpoint=...)``."""
        return f"127.0.0.1:{self._port}"

    def client(self) -> MetricServiceClient:
        """A ``MetricServiceClient`` over an insecure channel to this server."""
        from google.cloud.monitoring_v3.services.metric_service.transports import (  # noqa: PLC0415
            MetricServiceGrpcTransport,
        )

        channel = grpc.insecure_channel(self.endpoint)
        return monitoring_v3.MetricServiceClient(
            transport=MetricServiceGrpcTransport(channel=channel)
        )

    @property
    def requests(self) -> list[monitoring_v3.ListTimeSeriesRequest]:
        """Every ``ListTimeSeries`` request received, in order."""
        with self._lock:
            return list(self._requests)

    def _list_time_series(
        self, request: monitoring_v3.ListTimeSeriesRequest, context: grpc.ServicerContext
    ) -> monitoring_v3.ListTimeSeriesResponse:
        with self._lock:
            self._requests.append(request)
        try:
            if self.allow is not None and PERMISSION not in self.allow:
                _fail(
                    grpc.StatusCode.PERMISSION_DENIED,
                    f"Permission {PERMISSION} denied (or the resource may not exist).",
                )
            size = min(n for n in (request.page_size, self.page_size, MAX_PAGE) if n and n > 0)
            by_project: dict[str, list[JSONDict]] = {}
            for world in self.worlds:
                by_project.setdefault(world.project, []).extend(world.time_series)
            series, token = _page(answer(by_project, request), request.page_token, size)
        except _AbortError as error:
            context.abort(error.code, error.message)
        response = monitoring_v3.ListTimeSeriesResponse(next_page_token=token)
        response.time_series.extend(
            monitoring_v3.TimeSeries.from_json(json.dumps(item)) for item in series
        )
        return response


__all__ = ["FakeMonitoring", "answer"]
