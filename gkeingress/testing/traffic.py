"""Load balancer traffic for fake worlds: request counts as Cloud Monitoring stores them.

:func:`record_requests` appends one raw series to :attr:`World.time_series
<gkeingress.testing.World.time_series>`: a one-minute ``DELTA`` point per minute, with the labels
the load balancer writes on its monitored resource and metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gkeingress.resources.monitoring import REQUEST_METRICS, RequestMetric, metric_of_class
from gkeingress.testing.builder import WorldBuilder
from gkeingress.testing.world import JSONDict, World

_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Frontend:
    """The labels that name one load balancer path: its rule, proxy, URL map and backend."""

    url_map: str
    backend: str
    forwarding_rule: str = ""
    target_proxy: str = ""
    path_rule: str = "/"
    metric: RequestMetric = REQUEST_METRICS[0]


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def record_requests(
    world: World, frontend: Frontend, code: int, start: datetime, end: datetime, *, per_minute: int
) -> None:
    """``per_minute`` requests answered ``code`` through ``frontend`` in each minute of [start, end)."""
    if start >= end:
        return
    points = []
    at = start
    while at < end:
        interval = {"startTime": _stamp(at), "endTime": _stamp(at + _MINUTE)}
        points.append({"interval": interval, "value": {"int64Value": str(per_minute)}})
        at += _MINUTE
    series: JSONDict = {
        "metric": {
            "type": frontend.metric.metric,
            "labels": {
                "response_code": str(code),
                "response_code_class": str(code // 100 * 100),
                "proxy_continent": "Europe",
                "cache_result": "DISABLED",
            },
        },
        "resource": {
            "type": frontend.metric.resource,
            "labels": {
                "project_id": world.project,
                "url_map_name": frontend.url_map,
                "forwarding_rule_name": frontend.forwarding_rule,
                "target_proxy_name": frontend.target_proxy,
                "backend_target_name": frontend.backend,
                "backend_target_type": "BACKEND_SERVICE",
                "backend_name": "",
                "backend_type": "NETWORK_ENDPOINT_GROUP",
                "backend_scope": "",
                "matched_url_path_rule": frontend.path_rule,
            },
        },
        "metricKind": "DELTA",
        "valueType": "INT64",
        "points": points[::-1],  # newest first, as the API keeps them
    }
    world.time_series.append(series)


def steady_traffic(world: World, start: datetime, end: datetime, per_minute: int) -> None:
    """Every global URL map of ``world`` answers ``per_minute`` 200s through its default service."""
    for url_map in world.compute.get("urlMaps", {}).get("global", []):
        backend = str(url_map.get("defaultService", "")).rpartition("/")[2]
        frontend = Frontend(url_map["name"], backend, path_rule="/")
        record_requests(world, frontend, 200, start, end, per_minute=per_minute)


def frontend_of(
    b: WorldBuilder,
    namespace: str,
    ingress: str,
    service: str,
    port: int | str = 80,
    *,
    path_rule: str = "/*",
    ingress_class: str | None = "gce",
) -> Frontend:
    """The labels of requests a provisioned Ingress routes to one Service port through a path rule."""
    annotations = b.kube_object("ingresses", namespace, ingress)["metadata"]["annotations"]
    metric = metric_of_class(ingress_class)
    if metric is None:
        raise ValueError(f"no load balancer metric for class {ingress_class!r}")
    return Frontend(
        url_map=annotations["ingress.kubernetes.io/url-map"],
        backend=b.backend_name(namespace, service, port, ingress_class=ingress_class),
        forwarding_rule=annotations.get("ingress.kubernetes.io/forwarding-rule", ""),
        target_proxy=annotations.get("ingress.kubernetes.io/target-proxy", ""),
        path_rule=path_rule,
        metric=metric,
    )


def incident_traffic(
    b: WorldBuilder,
    frontend: Frontend,
    *,
    per_minute: int,
    errors: int,
    code: int,
    since: datetime | None,
) -> None:
    """Six hours of ``per_minute`` requests a minute up to the builder's now.

    From ``since`` (None: all along), ``errors`` of them each minute are answered ``code``.
    """
    start, end = b.now - timedelta(hours=6), b.now
    began = start if since is None else since
    record_requests(b.world, frontend, 200, start, began, per_minute=per_minute)
    record_requests(b.world, frontend, 200, began, end, per_minute=per_minute - errors)
    record_requests(b.world, frontend, code, began, end, per_minute=errors)
