"""Read-only views of the Compute Engine resources behind a GKE Ingress.

Each view is built from the resource's JSON form (camelCase keys, as the REST API returns it) and keeps
only what the audit reasons about. Missing optional fields take the API's documented defaults.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gkeingress.resources.refs import RefReader, ResourceRef, parse_time

JSON = Mapping[str, Any]


def _description_json(description: str) -> dict[str, Any]:
    """Parse the JSON ingress-gce writes into ``description``; plain text yields ``{}``."""
    if not description.startswith("{"):
        return {}
    try:
        value = json.loads(description)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class ComputeResource:
    """Fields every Compute resource shares."""

    ref: ResourceRef
    description: str = ""
    created: datetime | None = None
    described: Mapping[str, Any] = field(init=False, repr=False, compare=False)
    """The JSON ingress-gce writes into ``description``, read once; ``{}`` for plain text."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "described", _description_json(self.description))

    @property
    def name(self) -> str:
        """The resource name, e.g. ``k8s2-um-adl25tto-shop-web-ingress-sna8v605``."""
        return self.ref.name

    @property
    def self_link(self) -> str:
        """The full API URL of the resource."""
        return self.ref.self_link

    @property
    def location(self) -> str:
        """``global``, a region or a zone."""
        return self.ref.location


def _common(data: JSON, refs: RefReader, collection: str) -> dict[str, Any]:
    return {
        "ref": refs.own(data, collection),
        "description": str(data.get("description", "")),
        "created": parse_time(data.get("creationTimestamp")),
    }


@dataclass(frozen=True, slots=True)
class ForwardingRule(ComputeResource):
    """A forwarding rule: the load balancer's address and port."""

    ip_address: str = ""
    port_range: str = ""
    target: ResourceRef | None = None
    load_balancing_scheme: str = ""

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> ForwardingRule:
        """Build from a ``compute#forwardingRule``."""
        target = data.get("target")
        return cls(
            **_common(data, refs, "forwardingRules"),
            ip_address=str(data.get("IPAddress", "")),
            port_range=str(data.get("portRange", "")),
            target=refs.parse(str(target)) if target else None,
            load_balancing_scheme=str(data.get("loadBalancingScheme", "")),
        )

    @property
    def ingress_name(self) -> str | None:
        """The ``namespace/name`` ingress-gce wrote into the description, if any."""
        value = self.described.get("kubernetes.io/ingress-name")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class TargetProxy(ComputeResource):
    """A target HTTP or HTTPS proxy."""

    url_map: ResourceRef | None = None

    @property
    def https(self) -> bool:
        """True for a target HTTPS proxy."""
        return self.ref.collection == "targetHttpsProxies"

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader, collection: str) -> TargetProxy:
        """Build from a ``compute#targetHttpProxy`` or ``compute#targetHttpsProxy``."""
        url_map = data.get("urlMap")
        return cls(
            **_common(data, refs, collection),
            url_map=refs.parse(str(url_map)) if url_map else None,
        )

    @property
    def ingress_name(self) -> str | None:
        """The ``namespace/name`` ingress-gce wrote into the description, if any."""
        value = self.described.get("kubernetes.io/ingress-name")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class PathRule:
    """One path rule of a URL map path matcher."""

    paths: tuple[str, ...]
    service: ResourceRef | None


@dataclass(frozen=True, slots=True)
class PathMatcher:
    """A named set of path rules with its fallback service."""

    name: str
    default_service: ResourceRef | None
    path_rules: tuple[PathRule, ...]


@dataclass(frozen=True, slots=True)
class HostRule:
    """Hosts routed to one path matcher."""

    hosts: tuple[str, ...]
    path_matcher: str


@dataclass(frozen=True, slots=True)
class UrlMap(ComputeResource):
    """A URL map: the host and path rules of the load balancer."""

    default_service: ResourceRef | None = None
    host_rules: tuple[HostRule, ...] = ()
    path_matchers: tuple[PathMatcher, ...] = ()
    redirects_to_https: bool = False

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> UrlMap:
        """Build from a ``compute#urlMap``."""

        def ref(value: object) -> ResourceRef | None:
            return refs.parse(str(value)) if value else None

        return cls(
            **_common(data, refs, "urlMaps"),
            default_service=ref(data.get("defaultService")),
            host_rules=tuple(
                HostRule(tuple(h.get("hosts", ())), str(h.get("pathMatcher", "")))
                for h in data.get("hostRules", ())
            ),
            path_matchers=tuple(
                PathMatcher(
                    name=str(pm.get("name", "")),
                    default_service=ref(pm.get("defaultService")),
                    path_rules=tuple(
                        PathRule(tuple(r.get("paths", ())), ref(r.get("service")))
                        for r in pm.get("pathRules", ())
                    ),
                )
                for pm in data.get("pathMatchers", ())
            ),
            redirects_to_https=bool(data.get("defaultUrlRedirect", {}).get("httpsRedirect")),
        )

    @property
    def services(self) -> tuple[ResourceRef, ...]:
        """Every backend service the map routes to, default first, without repeats."""
        refs: list[ResourceRef] = []
        candidates = [self.default_service]
        for pm in self.path_matchers:
            candidates.append(pm.default_service)
            candidates.extend(rule.service for rule in pm.path_rules)
        for candidate in candidates:
            if candidate is not None and candidate not in refs:
                refs.append(candidate)
        return tuple(refs)


@dataclass(frozen=True, slots=True)
class Backend:
    """One backend group (NEG or instance group) of a backend service."""

    group: ResourceRef

    @property
    def is_neg(self) -> bool:
        """True when the group is a network endpoint group."""
        return self.group.collection == "networkEndpointGroups"


@dataclass(frozen=True, slots=True)
class BackendService(ComputeResource):
    """A backend service: the groups that serve a Kubernetes Service port, and their health check."""

    backends: tuple[Backend, ...] = ()
    health_checks: tuple[ResourceRef, ...] = ()
    protocol: str = "HTTP"
    port_name: str = ""
    load_balancing_scheme: str = ""
    timeout_sec: int = 30
    log_enabled: bool = False
    log_sample_rate: float = 1.0

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> BackendService:
        """Build from a ``compute#backendService``."""
        log_config = data.get("logConfig") or {}
        return cls(
            **_common(data, refs, "backendServices"),
            backends=tuple(
                Backend(refs.parse(str(b["group"])))
                for b in data.get("backends", ())
                if b.get("group")
            ),
            health_checks=tuple(refs.parse(str(h)) for h in data.get("healthChecks", ())),
            protocol=str(data.get("protocol", "HTTP")),
            port_name=str(data.get("portName", "")),
            load_balancing_scheme=str(data.get("loadBalancingScheme", "")),
            timeout_sec=int(data.get("timeoutSec", 30)),
            log_enabled=bool(log_config.get("enable", False)),
            log_sample_rate=float(log_config.get("sampleRate", 1.0)),
        )

    @property
    def service_name(self) -> str | None:
        """The ``namespace/name`` of the Kubernetes Service, from ingress-gce's description JSON."""
        value = self.described.get("kubernetes.io/service-name")
        return value if isinstance(value, str) else None

    @property
    def service_port(self) -> str | None:
        """The Service port as ingress-gce described it (e.g. ``&ServiceBackendPort{Name:,Number:80,}``)."""
        value = self.described.get("kubernetes.io/service-port")
        return value if isinstance(value, str) else None


_PROBE_KEYS = ("httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "tcpHealthCheck")


class HealthCheckConfig(str, enum.Enum):
    """Where ingress-gce took a health check's settings from (``HealthcheckConfig``)."""

    DEFAULT = "Default"
    READINESS_PROBE = "ReadinessProbe"
    BACKEND_CONFIG = "BackendConfig"
    TRANSPARENT = "TransparentHC"

    def __str__(self) -> str:
        return self.value


_TEXT_DESCRIPTIONS = {
    "Default kubernetes L7 Loadbalancing health check.": HealthCheckConfig.DEFAULT,
    "Default kubernetes L7 Loadbalancing health check for NEG.": HealthCheckConfig.DEFAULT,
    "Default kubernetes L7 Loadbalancing health check for ILB.": HealthCheckConfig.DEFAULT,
    "Default kubernetes L7 Loadbalancing health check for Regional XLB.": HealthCheckConfig.DEFAULT,
    "Kubernetes L7 health check generated with readiness probe settings.": (
        HealthCheckConfig.READINESS_PROBE
    ),
    "Kubernetes L7 health check generated with BackendConfig CRD.": (
        HealthCheckConfig.BACKEND_CONFIG
    ),
    "Kubernetes L7 transparent health check.": HealthCheckConfig.TRANSPARENT,
}
"""The plain-text descriptions of ``pkg/translator/healthchecks.go`` (``DescriptionFor…``)."""


@dataclass(frozen=True, slots=True)
class HealthCheck(ComputeResource):
    """A health check; for ingress-gce backends it has the backend service's name."""

    type: str = ""
    request_path: str = "/"
    port: int | None = None
    port_specification: str = ""
    host: str = ""
    check_interval_sec: int = 5
    timeout_sec: int = 5
    log_enabled: bool = False

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> HealthCheck:
        """Build from a ``compute#healthCheck``."""
        probe: JSON = next((data[k] for k in _PROBE_KEYS if k in data), {})
        port = probe.get("port")
        return cls(
            **_common(data, refs, "healthChecks"),
            type=str(data.get("type", "")),
            request_path=str(probe.get("requestPath", "/")),
            port=int(port) if port is not None else None,
            port_specification=str(probe.get("portSpecification", "")),
            host=str(probe.get("host", "")),
            check_interval_sec=int(data.get("checkIntervalSec", 5)),
            timeout_sec=int(data.get("timeoutSec", 5)),
            log_enabled=bool((data.get("logConfig") or {}).get("enable", False)),
        )

    @property
    def uses_serving_port(self) -> bool:
        """True when the check probes each endpoint on the port it serves on."""
        return self.port_specification == "USE_SERVING_PORT"

    @property
    def settings_from(self) -> HealthCheckConfig | None:
        """Where ingress-gce took the settings from, as its description says; None if it does not.

        The JSON description (``HealthcheckDesc``) names it in ``config``; the plain-text ones
        ingress-gce writes otherwise (``pkg/translator/healthchecks.go``) say it in words.
        """
        config = self.described.get("config")
        if isinstance(config, str):
            return next((c for c in HealthCheckConfig if c.value == config), None)
        return _TEXT_DESCRIPTIONS.get(self.description)

    @property
    def described_service(self) -> str | None:
        """``namespace/name`` of the Service the JSON description's ``k8sResource`` names."""
        resource = self.described.get("k8sResource")
        parts = resource.split("/") if isinstance(resource, str) else []
        if (
            len(parts) == 5
            and parts[0] == ""
            and parts[1] == "namespaces"
            and parts[3] == "services"
        ):
            return f"{parts[2]}/{parts[4]}"
        return None

    @property
    def described_cluster(self) -> str | None:
        """``/locations/<location>/clusters/<name>`` from the JSON description's ``k8sCluster``."""
        cluster = self.described.get("k8sCluster")
        return cluster if isinstance(cluster, str) else None

    @property
    def is_transparent(self) -> bool:
        """True for a transparent health check: it probes GKE's THC agent, not the application."""
        return self.settings_from is HealthCheckConfig.TRANSPARENT


@dataclass(frozen=True, slots=True)
class NetworkEndpointGroup(ComputeResource):
    """A zonal NEG holding pod IP:port endpoints."""

    size: int = 0
    network: str = ""
    id: str = ""

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> NetworkEndpointGroup:
        """Build from a ``compute#networkEndpointGroup``."""
        return cls(
            **_common(data, refs, "networkEndpointGroups"),
            size=int(data.get("size", 0)),
            network=str(data.get("network", "")),
            id=str(data.get("id", "")),
        )

    @property
    def zone(self) -> str:
        """The zone of the NEG."""
        return self.ref.location

    @property
    def owner(self) -> Mapping[str, Any]:
        """ingress-gce's description: ``cluster-uid``, ``namespace``, ``service-name``, ``port``."""
        return self.described


@dataclass(frozen=True, slots=True)
class Firewall(ComputeResource):
    """A VPC firewall rule."""

    network: str = ""
    direction: str = "INGRESS"
    disabled: bool = False
    source_ranges: tuple[str, ...] = ()
    target_tags: tuple[str, ...] = ()
    allowed: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> Firewall:
        """Build from a ``compute#firewall``."""
        return cls(
            **_common(data, refs, "firewalls"),
            network=str(data.get("network", "")),
            direction=str(data.get("direction", "INGRESS")),
            disabled=bool(data.get("disabled", False)),
            source_ranges=tuple(data.get("sourceRanges", ())),
            target_tags=tuple(data.get("targetTags", ())),
            allowed=tuple(
                (str(a.get("IPProtocol", "")), tuple(str(p) for p in a.get("ports", ())))
                for a in data.get("allowed", ())
            ),
        )


@dataclass(frozen=True, slots=True)
class Address(ComputeResource):
    """A reserved IP address."""

    address: str = ""

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> Address:
        """Build from a ``compute#address``."""
        return cls(**_common(data, refs, "addresses"), address=str(data.get("address", "")))


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """One endpoint's health as the load balancer sees it."""

    ip_address: str
    port: int | None
    health_state: str


@dataclass(frozen=True, slots=True)
class GroupHealth:
    """``backendServices.getHealth`` for one backend group (NEG or instance group)."""

    backend_service: ResourceRef
    group: ResourceRef
    endpoints: tuple[EndpointHealth, ...]

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> GroupHealth:
        """Build from ``{"backendService": url, "group": url, "health": <backendServiceGroupHealth>}``."""
        health: JSON = data.get("health") or {}
        return cls(
            backend_service=refs.parse(str(data["backendService"])),
            group=refs.parse(str(data["group"])),
            endpoints=tuple(
                EndpointHealth(
                    ip_address=str(s.get("ipAddress", "")),
                    port=int(s["port"]) if s.get("port") is not None else None,
                    health_state=str(s.get("healthState", "UNKNOWN")),
                )
                for s in health.get("healthStatus") or ()
            ),
        )

    @property
    def zone(self) -> str:
        """The zone of the group."""
        return self.group.location


@dataclass(frozen=True, slots=True)
class NetworkEndpoint:
    """One endpoint a NEG holds: a pod's IP and port."""

    ip_address: str
    port: int | None

    def __str__(self) -> str:
        """``IP:port`` (the IP alone when the NEG has a default port)."""
        return f"{self.ip_address}:{self.port}" if self.port is not None else self.ip_address


@dataclass(frozen=True, slots=True)
class NegEndpoints:
    """``networkEndpointGroups.listNetworkEndpoints`` for one zonal NEG: the endpoints it holds."""

    neg: ResourceRef
    endpoints: tuple[NetworkEndpoint, ...]

    @classmethod
    def from_json(cls, data: JSON, refs: RefReader) -> NegEndpoints:
        """Build from ``{"neg": url, "items": [<networkEndpointWithHealthStatus>, ...]}``."""
        endpoints = []
        for item in data.get("items") or ():
            endpoint: JSON = item.get("networkEndpoint") or {}
            port = endpoint.get("port")
            endpoints.append(
                NetworkEndpoint(
                    ip_address=str(endpoint.get("ipAddress", "")),
                    port=int(port) if port is not None else None,
                )
            )
        return cls(neg=refs.parse(str(data["neg"])), endpoints=tuple(endpoints))
