"""Read-only views of the Cloud Logging entries the audit reads: what the load balancer logged.

Each view is built from a ``LogEntry`` in its JSON form (camelCase, as the REST API and
``MessageToDict`` show it) and keeps only what the checks reason about:

- :class:`RequestLog`: one request the load balancer answered with an error (``httpRequest`` and
  ``jsonPayload.statusDetails``, or ``proxyStatus`` on regional and internal load balancers);
- :class:`ProbeLog`: one health-state transition of one endpoint (``healthCheckProbeResult``);
- :class:`AuditRecord`: one Admin Activity audit log entry (``protoPayload``, a ``AuditLog``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

JSON = Mapping[str, Any]

_FRACTION = re.compile(r"(\.\d{6})\d+")
_PROXY_ERROR = re.compile(r'error=("?)(?P<error>[a-z_]+)\1')


def log_time(value: object) -> datetime:
    """An entry's RFC 3339 timestamp (nanoseconds allowed) as aware UTC.

    Raises:
        ValueError: not a timestamp.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a timestamp: {value!r}")
    parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(
        timezone.utc
    )


def _seconds(duration: object) -> float | None:
    """A protobuf Duration in JSON (``"0.523s"``) as seconds."""
    if isinstance(duration, str) and duration.endswith("s"):
        try:
            return float(duration[:-1])
        except ValueError:
            return None
    return None


def proxy_error(proxy_status: str) -> str:
    """The error type of an RFC 9209 ``Proxy-Status`` value (``destination_unavailable``).

    Regional and internal Application Load Balancers log ``proxyStatus`` in that form, for example
    ``envoy; error=destination_unavailable; details="..."``; a bare type is returned as is.
    """
    match = _PROXY_ERROR.search(proxy_status)
    if match:
        return match["error"]
    return proxy_status.split(";", 1)[0].strip()


@dataclass(frozen=True, slots=True)
class RequestLog:
    """One request the load balancer logged.

    Attributes:
        at: when the load balancer logged it.
        status: the HTTP status it answered.
        method: the request method.
        url: the request URL.
        latency: seconds from the first byte received to the last byte sent, if logged.
        server_ip: the backend endpoint that answered, if any (``httpRequest.serverIp``).
        details: ``statusDetails`` (classic load balancer) or the ``proxyStatus`` error type.
        url_map: the URL map that routed it.
        forwarding_rule: the forwarding rule that received it.
        backend_service: the backend service it was sent to.
        resource_type: ``http_load_balancer``, ``internal_http_lb_rule`` or
            ``http_external_regional_lb_rule``.
    """

    at: datetime
    status: int
    method: str
    url: str
    latency: float | None
    server_ip: str
    details: str
    url_map: str
    forwarding_rule: str
    backend_service: str
    resource_type: str

    @classmethod
    def from_json(cls, data: JSON) -> RequestLog:
        """Build from a request-log ``LogEntry``."""
        http = data.get("httpRequest") or {}
        payload = data.get("jsonPayload") or {}
        resource = data.get("resource") or {}
        labels = resource.get("labels") or {}
        details = str(
            payload.get("statusDetails") or proxy_error(str(payload.get("proxyStatus", "")))
        )
        return cls(
            at=log_time(data.get("timestamp")),
            status=int(http.get("status", 0)),
            method=str(http.get("requestMethod", "")),
            url=str(http.get("requestUrl", "")),
            latency=_seconds(http.get("latency")),
            server_ip=str(http.get("serverIp", "")),
            details=details,
            url_map=str(labels.get("url_map_name", "")),
            forwarding_rule=str(labels.get("forwarding_rule_name", "")),
            backend_service=str(
                labels.get("backend_service_name") or labels.get("backend_target_name", "")
            ),
            resource_type=str(resource.get("type", "")),
        )


@dataclass(frozen=True, slots=True)
class ProbeLog:
    """One health-state transition of one endpoint, as the health check logged it.

    Attributes:
        at: when it was logged.
        group_type: ``gce_network_endpoint_group`` or ``gce_instance_group``.
        group: the NEG's id (``network_endpoint_group_id``) or the instance group's name.
        ip: the endpoint's address (``ipAddress``: the pod IP in a NEG, the node in a group).
        port: the port probed.
        state: ``HEALTHY`` or ``UNHEALTHY``.
        detailed_state: ``HEALTHY``, ``TIMEOUT``, ``UNHEALTHY``, ``UNKNOWN`` or ``DRAINING``.
        previous_detailed_state: the detailed state before this transition.
        result: ``probeResultText``, e.g. ``HTTP response: 404, Error: ...``.
        request: the path probed (``probeRequest``).
    """

    at: datetime
    group_type: str
    group: str
    ip: str
    port: int | None
    state: str
    detailed_state: str
    previous_detailed_state: str
    result: str
    request: str

    @classmethod
    def from_json(cls, data: JSON) -> ProbeLog:
        """Build from a health-check ``LogEntry``."""
        probe = (data.get("jsonPayload") or {})["healthCheckProbeResult"]
        resource = data.get("resource") or {}
        labels = resource.get("labels") or {}
        port = probe.get("targetPort")
        return cls(
            at=log_time(data.get("timestamp")),
            group_type=str(resource.get("type", "")),
            group=str(
                labels.get("network_endpoint_group_id") or labels.get("instance_group_name", "")
            ),
            ip=str(probe.get("ipAddress") or probe.get("targetIp", "")),
            port=int(port) if port is not None else None,
            state=str(probe.get("healthState", "")),
            detailed_state=str(probe.get("detailedHealthState", "")),
            previous_detailed_state=str(probe.get("previousDetailedHealthState", "")),
            result=str(probe.get("probeResultText", "")),
            request=str(probe.get("probeRequest", "")),
        )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One Admin Activity audit log entry: a write to Compute or to the Kubernetes API.

    Attributes:
        at: when it was logged.
        method: ``methodName``, e.g. ``v1.compute.healthChecks.patch`` or
            ``io.k8s.networking.v1.ingresses.update``.
        resource_name: ``resourceName``, e.g. ``projects/p/global/healthChecks/hc`` or
            ``networking.k8s.io/v1/namespaces/shop/ingresses/web``.
        principal: ``authenticationInfo.principalEmail``: who made the call.
        resource_type: the monitored resource, e.g. ``gce_health_check`` or ``k8s_cluster``.
        cluster: the ``cluster_name`` label of a Kubernetes entry.
        succeeded: False when ``status`` carries an error code.
        operation: ``operation.id``; a Compute write logs its start and end under one id.
        first: True for the first entry of an operation (or an entry with no operation).
    """

    at: datetime
    method: str
    resource_name: str
    principal: str
    resource_type: str
    cluster: str
    succeeded: bool
    operation: str
    first: bool

    @classmethod
    def from_json(cls, data: JSON) -> AuditRecord:
        """Build from an audit ``LogEntry`` (``protoPayload`` of type ``AuditLog``)."""
        payload = data["protoPayload"]
        resource = data.get("resource") or {}
        operation = data.get("operation") or {}
        status = payload.get("status") or {}
        return cls(
            at=log_time(data.get("timestamp")),
            method=str(payload.get("methodName", "")),
            resource_name=str(payload.get("resourceName", "")),
            principal=str((payload.get("authenticationInfo") or {}).get("principalEmail", "")),
            resource_type=str(resource.get("type", "")),
            cluster=str((resource.get("labels") or {}).get("cluster_name", "")),
            succeeded=not status.get("code"),
            operation=str(operation.get("id", "")),
            first=bool(operation.get("first", not operation)),
        )

    @property
    def verb(self) -> str:
        """The last part of the method: ``insert``, ``patch``, ``update``, ``delete``, ``create``."""
        return self.method.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class LogRead:
    """One query as it was made, and how much it returned.

    Attributes:
        kind: the kind of evidence (a ``DataKind`` value: ``requestLogs``, ``healthCheckLogs``,
            ``auditLogs``).
        filter: the filter sent.
        start: the window's first instant.
        end: the window's last instant.
        entries: how many entries were read.
        truncated: True when the query stopped at the entry limit with more entries left.
    """

    kind: str
    filter: str
    start: datetime
    end: datetime
    entries: int
    truncated: bool

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "kind": self.kind,
            "filter": self.filter,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "entries": self.entries,
            "truncated": self.truncated,
        }
