"""What the load balancer and Cloud Audit Logs would have logged about a test world.

:class:`LogBook` adds Cloud Logging entries to a :class:`~gkeingress.testing.WorldBuilder`'s world,
in the shapes the services write them (LogEntry JSON, camelCase):

- request logs of an Ingress's load balancer (``resource.type="http_load_balancer"``, log
  ``requests``, ``httpRequest`` and ``jsonPayload.statusDetails``);
- health-check logs of a Service port's NEGs or instance groups (``compute.googleapis.com%2Fhealthchecks``,
  ``jsonPayload.healthCheckProbeResult``, one entry per state transition);
- Admin Activity audit logs (``cloudaudit.googleapis.com%2Factivity``, ``protoPayload`` of type
  ``google.cloud.audit.AuditLog``) of Compute and Kubernetes writes.

Every entry parses strictly into ``google.cloud.logging_v2.types.LogEntry``
(``tests/test_fixtures_are_real.py`` checks it).
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta
from typing import Any

from gkeingress.resources.refs import COMPUTE_URL
from gkeingress.testing.builder import WorldBuilder
from gkeingress.testing.world import JSONDict

REQUESTS_LOG = "requests"
HEALTH_CHECKS_LOG = "compute.googleapis.com%2Fhealthchecks"
ACTIVITY_LOG = "cloudaudit.googleapis.com%2Factivity"
LB_ENTRY_TYPE = "type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry"
AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
PROBE_SOURCE_IP = "35.191.10.1"
"""An address of Google's health checkers (35.191.0.0/16)."""
CLIENT_IP = "203.0.113.7"
COMPUTE_RESOURCE_TYPES = {
    "urlMaps": "gce_url_map",
    "backendServices": "gce_backend_service",
    "healthChecks": "gce_health_check",
    "firewalls": "gce_firewall_rule",
    "forwardingRules": "gce_forwarding_rule",
    "targetHttpProxies": "gce_target_http_proxy",
    "targetHttpsProxies": "gce_target_https_proxy",
    "networkEndpointGroups": "gce_network_endpoint_group",
    "sslCertificates": "gce_ssl_certificate",
}
"""The monitored resource type Compute's audit log entries carry, by collection."""
PROJECT_NUMBER = "123456789012"


def log_timestamp(when: datetime) -> str:
    """RFC 3339 with nanoseconds and ``Z``, as Cloud Logging writes ``timestamp``."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def gke_robot(project_number: str = PROJECT_NUMBER) -> str:
    """The GKE service agent ingress-gce writes Compute resources as."""
    return f"service-{project_number}@container-engine-robot.iam.gserviceaccount.com"


class LogBook:
    """Adds log entries about ``builder``'s world to ``builder.world.log_entries``."""

    def __init__(self, builder: WorldBuilder) -> None:
        self.builder = builder
        self.project = builder.world.project
        self._ids = itertools.count(1)

    def _entry(self, log: str, at: datetime, resource: JSONDict, **body: Any) -> JSONDict:
        digest = hashlib.sha256(f"{log}/{next(self._ids)}".encode()).hexdigest()
        entry: JSONDict = {
            "insertId": digest[:14],
            "logName": f"projects/{self.project}/logs/{log}",
            "resource": resource,
            "timestamp": log_timestamp(at),
            "receiveTimestamp": log_timestamp(at + timedelta(milliseconds=420)),
            **body,
        }
        self.builder.world.log_entries.append(entry)
        return entry

    # -- request logs ------------------------------------------------------------------------

    def requests(
        self,
        namespace: str,
        ingress: str,
        *,
        url: str,
        status: int,
        details: str,
        since: datetime,
        count: int,
        every: timedelta = timedelta(seconds=20),
        backend: tuple[str, int | str] | None = None,
        server_ip: str = "",
        latency: float = 0.004,
    ) -> list[JSONDict]:
        """``count`` requests to ``url`` through the Ingress's load balancer, from ``since``.

        ``backend`` is the Service port whose backend service answered; None means GKE's
        default backend (``kube-system/default-http-backend``).
        """
        annotations = self.builder.kube_object("ingresses", namespace, ingress)["metadata"][
            "annotations"
        ]
        service = (
            self.builder.backend_name(namespace, *backend)
            if backend
            else self.builder.backend_name("kube-system", "default-http-backend", "http")
        )
        resource = {
            "type": "http_load_balancer",
            "labels": {
                "backend_service_name": service,
                "forwarding_rule_name": annotations["ingress.kubernetes.io/forwarding-rule"],
                "project_id": self.project,
                "target_proxy_name": annotations["ingress.kubernetes.io/target-proxy"],
                "url_map_name": annotations["ingress.kubernetes.io/url-map"],
                "zone": "global",
            },
        }
        http: JSONDict = {
            "requestMethod": "GET",
            "requestUrl": url,
            "requestSize": "92",
            "status": status,
            "responseSize": "1672" if status == 404 else "331",
            "userAgent": "curl/8.5.0",
            "remoteIp": CLIENT_IP,
            "latency": f"{latency:.6f}s",
            "protocol": "HTTP/1.1",
        }
        if server_ip:
            http["serverIp"] = server_ip
        payload = {
            "@type": LB_ENTRY_TYPE,
            "statusDetails": details,
            "backendTargetProjectNumber": f"projects/{PROJECT_NUMBER}",
            "remoteIp": CLIENT_IP,
        }
        return [
            self._entry(
                REQUESTS_LOG,
                since + i * every,
                resource,
                httpRequest=http,
                jsonPayload=payload,
                severity="WARNING" if status >= 400 else "INFO",
                trace=f"projects/{self.project}/traces/{hashlib.sha256(url.encode()).hexdigest()[:32]}",
                spanId=f"{i + 1:016x}",
            )
            for i in range(count)
        ]

    # -- health-check logs -------------------------------------------------------------------

    def probes(
        self,
        namespace: str,
        service: str,
        port: int | str,
        *,
        at: datetime,
        healthy: bool,
        detailed: str,
        previous: str,
        result: str,
    ) -> list[JSONDict]:
        """One transition of every endpoint of the Service port's backend groups, logged at ``at``.

        The endpoints of its NEGs (pod IP and port), or the nodes of its instance groups (node IP
        and node port, as getHealth lists them), each logged under its group's resource.
        """
        name = self.builder.backend_name(namespace, service, port)
        check = self.builder.compute_resource("healthChecks", name)
        probe_http = check.get("httpHealthCheck", {})
        backend_service = self.builder.compute_resource("backendServices", name)
        entries = []
        for backend in backend_service.get("backends", ()):
            group_path = str(backend["group"]).removeprefix(COMPUTE_URL)
            zone, collection, group_name = group_path.split("/", 2)[2].rsplit("/", 2)
            group = self.builder.compute_resource_at(collection, zone, group_name)
            location = zone.removeprefix("zones/")
            if collection == "networkEndpointGroups":
                targets = [
                    (e["networkEndpoint"]["ipAddress"], e["networkEndpoint"]["port"])
                    for e in self.builder.world.network_endpoints.get(group_path, ())
                ]
                resource = {
                    "type": "gce_network_endpoint_group",
                    "labels": {
                        "network_endpoint_group_id": group["id"],
                        "project_id": self.project,
                        "zone": location,
                    },
                }
            else:
                service_path = str(backend_service["selfLink"]).removeprefix(COMPUTE_URL)
                health = self.builder.world.backend_health.get((service_path, group_path), {})
                targets = [(h["ipAddress"], h["port"]) for h in health.get("healthStatus", ())]
                resource = {
                    "type": "gce_instance_group",
                    "labels": {
                        "instance_group_id": group["id"],
                        "instance_group_name": group_name,
                        "location": location,
                        "project_id": self.project,
                    },
                }
            for ip, target_port in targets:
                probe: JSONDict = {
                    "ipAddress": ip,
                    "targetIp": ip,
                    "targetPort": target_port,
                    "healthCheckProtocol": check.get("type", "HTTP"),
                    "probeRequest": probe_http.get("requestPath", "/"),
                    "probeSourceIp": PROBE_SOURCE_IP,
                    "probeCompletionTimestamp": log_timestamp(at - timedelta(seconds=1)),
                    "healthState": "HEALTHY" if healthy else "UNHEALTHY",
                    "previousHealthState": "UNHEALTHY" if healthy else "HEALTHY",
                    "detailedHealthState": detailed,
                    "previousDetailedHealthState": previous,
                    "probeResultText": result,
                    "responseLatency": "0.002103s",
                }
                entries.append(
                    self._entry(
                        HEALTH_CHECKS_LOG,
                        at,
                        resource,
                        jsonPayload={"healthCheckProbeResult": probe},
                        severity="INFO",
                    )
                )
        return entries

    # -- audit logs --------------------------------------------------------------------------

    def _audit(
        self,
        at: datetime,
        resource: JSONDict,
        *,
        service: str,
        method: str,
        resource_name: str,
        principal: str,
        operation: JSONDict,
    ) -> JSONDict:
        payload: JSONDict = {
            "@type": AUDIT_LOG_TYPE,
            "status": {},
            "authenticationInfo": {"principalEmail": principal},
            "requestMetadata": {
                "callerIp": "198.51.100.23",
                "callerSuppliedUserAgent": "google-cloud-sdk gcloud/502.0.0",
            },
            "serviceName": service,
            "methodName": method,
            "resourceName": resource_name,
        }
        return self._entry(
            ACTIVITY_LOG, at, resource, protoPayload=payload, severity="NOTICE", operation=operation
        )

    def compute_write(
        self, collection: str, name: str, verb: str, *, at: datetime, principal: str
    ) -> JSONDict:
        """A Compute write (``v1.compute.<collection>.<verb>``) to a resource of the world.

        Logged as the first entry of its operation, which names the caller.
        """
        scope = next(
            (
                s
                for s, items in self.builder.world.compute.get(collection, {}).items()
                if any(i["name"] == name for i in items)
            ),
            "global",
        )
        digest = hashlib.sha256(f"{collection}/{name}/{at}".encode()).hexdigest()
        return self._audit(
            at,
            {"type": COMPUTE_RESOURCE_TYPES[collection], "labels": {"project_id": self.project}},
            service="compute.googleapis.com",
            method=f"v1.compute.{collection}.{verb}",
            resource_name=f"projects/{self.project}/{scope}/{collection}/{name}",
            principal=principal,
            operation={
                "id": f"operation-{digest[:13]}-{digest[13:26]}",
                "producer": "compute.googleapis.com",
                "first": True,
            },
        )

    def kube_write(
        self,
        api_version: str,
        plural: str,
        namespace: str,
        name: str,
        verb: str,
        *,
        at: datetime,
        principal: str,
    ) -> JSONDict:
        """A Kubernetes write GKE audit-logged: ``io.k8s.networking.v1.ingresses.update`` and so on.

        The method is the API group reversed, the version, the resource and the verb; a group
        of Kubernetes' own without a domain (``core``, ``apps``) is under ``io.k8s``
        (``io.k8s.apps.v1.deployments.patch``). The resource name is
        ``<group>/<version>/namespaces/N/<plural>/<name>``.
        """
        group, _, version = api_version.rpartition("/")
        group = group or "core"
        reverse = ".".join(reversed(group.split("."))) if "." in group else f"io.k8s.{group}"
        digest = hashlib.sha256(f"{plural}/{namespace}/{name}/{at}".encode()).hexdigest()
        return self._audit(
            at,
            {
                "type": "k8s_cluster",
                "labels": {
                    "cluster_name": self.builder.cluster_name,
                    "location": self.builder.zones[0].rsplit("-", 1)[0],
                    "project_id": self.project,
                },
            },
            service="k8s.io",
            method=f"{reverse}.{version}.{plural}.{verb}",
            resource_name=f"{group}/{version}/namespaces/{namespace}/{plural}/{name}",
            principal=principal,
            operation={
                "id": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}",
                "producer": "k8s.io",
                "first": True,
                "last": True,
            },
        )
