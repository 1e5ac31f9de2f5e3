"""Read-only views of what Cloud Monitoring says a load balancer answered, minute by minute.

The audit asks ``projects.timeSeries.list`` for each Application Load Balancer's request count,
aligned per minute (``ALIGN_DELTA`` over 60 s) and summed server-side per URL map, backend, URL-map
path rule and response code; :class:`RequestCounts` is one series of that answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gkeingress.resources.refs import parse_time

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class RequestMetric:
    """One load balancer flavour's request-count metric and the monitored resource it is written on.

    Attributes:
        metric: the metric type, e.g. ``loadbalancing.googleapis.com/https/request_count``.
        resource: the monitored resource type, e.g. ``https_lb_rule``.
        ingress_class: the GKE Ingress class whose load balancers write it.
    """

    metric: str
    resource: str
    ingress_class: str


REQUEST_METRICS: tuple[RequestMetric, ...] = (
    RequestMetric("loadbalancing.googleapis.com/https/request_count", "https_lb_rule", "gce"),
    RequestMetric(
        "loadbalancing.googleapis.com/https/internal/request_count",
        "internal_http_lb_rule",
        "gce-internal",
    ),
    RequestMetric(
        "loadbalancing.googleapis.com/https/external/regional/request_count",
        "http_external_regional_lb_rule",
        "gce-regional-external",
    ),
)
"""The request counts read, one ``timeSeries.list`` call (pages aside) per metric per project."""


def metric_of_class(ingress_class: str | None) -> RequestMetric | None:
    """The request metric of an Ingress class annotation (None, no annotation: ``gce``)."""
    wanted = ingress_class or "gce"
    return next((m for m in REQUEST_METRICS if m.ingress_class == wanted), None)


GROUP_BY: tuple[str, ...] = (
    "resource.label.url_map_name",
    "resource.label.backend_target_name",
    "resource.label.matched_url_path_rule",
    "metric.label.response_code",
)
"""What the server-side sum keeps apart: URL map, backend, path rule and response code."""


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The look-back window of the evidence: whole minutes, ``start`` inclusive, ``end`` exclusive."""

    start: datetime
    end: datetime

    @classmethod
    def ending(cls, now: datetime, span: timedelta) -> TimeWindow:
        """The window of ``span`` that ends at the last whole minute at or before ``now``."""
        end = now.replace(second=0, microsecond=0)
        return cls(end - span, end)

    @property
    def minutes(self) -> tuple[datetime, ...]:
        """The first instant of every minute of the window, oldest first."""
        count = int((self.end - self.start) / MINUTE)
        return tuple(self.start + i * MINUTE for i in range(count))

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _labels(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    part = data.get(key)
    labels = part.get("labels") if isinstance(part, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """Requests one URL map answered with one status code, per minute (a reduced series).

    Attributes:
        metric: the metric type the series was read from.
        url_map: ``resource.label.url_map_name``.
        backend_target: ``resource.label.backend_target_name``: the backend service (or bucket)
            that served the requests; empty or ``NONE`` when the load balancer answered itself.
        path_rule: ``resource.label.matched_url_path_rule``: the URL-map path rule that matched
            (``UNMATCHED`` when none did).
        response_code: the HTTP status returned to the client.
        points: (first instant of the minute, requests), oldest first; minutes without requests
            are absent.
    """

    metric: str
    url_map: str
    backend_target: str
    path_rule: str
    response_code: int
    points: tuple[tuple[datetime, int], ...]

    @property
    def total(self) -> int:
        """Requests over the whole series."""
        return sum(count for _, count in self.points)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RequestCounts:
        """Read one ``TimeSeries`` of the reduced answer, in its JSON form (``int64Value`` strings).

        Raises:
            ValueError: a point without an interval or an integer value, or no response code.
        """
        resource = _labels(data, "resource")
        points: list[tuple[datetime, int]] = []
        for point in data.get("points") or ():
            interval = point.get("interval") or {}
            end = parse_time(interval.get("endTime"))
            start = parse_time(interval.get("startTime")) or (end - MINUTE if end else None)
            value = (point.get("value") or {}).get("int64Value")
            if start is None or value is None:
                raise ValueError(f"a point without a time or an INT64 value: {point!r}")
            points.append((start, int(value)))
        return cls(
            metric=str((data.get("metric") or {}).get("type", "")),
            url_map=str(resource.get("url_map_name", "")),
            backend_target=str(resource.get("backend_target_name", "")),
            path_rule=str(resource.get("matched_url_path_rule", "")),
            response_code=int(_labels(data, "metric")["response_code"]),
            points=tuple(sorted(points)),
        )
