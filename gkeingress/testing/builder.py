"""Build a consistent fake GKE world the way ingress-gce would have provisioned it.

:class:`WorldBuilder` creates Kubernetes objects (Services, pods, EndpointSlices, Ingresses) and, for
every Ingress, the Compute resources GKE's controller makes for it, with ingress-gce's real names,
annotations, descriptions and events. Scenarios then change one thing to reproduce an incident::

    b = WorldBuilder()
    b.service("shop", "web", probe_path="/healthz")
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    b.health_check("shop", "web", 80)["httpHealthCheck"]["requestPath"] = "/"   # the incident
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from gkeingress.model.naming import Namer, path_matcher_name
from gkeingress.model.translate import translate
from gkeingress.resources.k8s import BackendRef, Ingress
from gkeingress.resources.refs import COMPUTE_URL
from gkeingress.testing.world import JSONDict, World

DEMO_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
"""The fixed "now" of the demo world: every timestamp in it is relative to this."""

_PACIFIC = timezone(timedelta(hours=-8))  # Compute returns timestamps with the region's offset

RXLB_CLASS = "gce-regional-external"
"""The ``kubernetes.io/ingress.class`` of a regional external Application Load Balancer Ingress."""

PROXY_ONLY_RANGE = "10.129.0.0/23"
"""The ``REGIONAL_MANAGED_PROXY`` subnet of the cluster's region and network. Regional Application
Load Balancers send from it, so ingress-gce adds it to the L7 firewall rule for regional Ingresses
(``ilbFirewallSrcRange``, ``rxlbFirewallSrcRange`` in ``pkg/firewalls/controller.go``)."""

_SCHEME = {"gce-internal": "INTERNAL_MANAGED", RXLB_CLASS: "EXTERNAL_MANAGED"}
"""``loadBalancingScheme`` of the forwarding rule and backend services, by Ingress class; else
``EXTERNAL`` (``pkg/translator/translator.go``, ``pkg/backends/backends.go``)."""

_X_FEATURES = {"gce-internal": ["L7ILB", "NEG"], RXLB_CLASS: ["L7XLBRegional", "NEG"]}
"""The sorted ``x-features`` ingress-gce writes into a regional backend service's description
(``pkg/backends/features/features.go``). Global NEG backends' ``["NEG"]`` is not modelled."""

_DEFAULT_HC_DESCRIPTION = {
    "gce-internal": "Default kubernetes L7 Loadbalancing health check for ILB.",
    RXLB_CLASS: "Default kubernetes L7 Loadbalancing health check for Regional XLB.",
}
"""Health check descriptions without a readinessProbe, for the regional classes
(``pkg/translator/healthchecks.go``)."""


@dataclass(frozen=True, slots=True)
class Path:
    """An Ingress path: ``Path("/api", "api", 8080, "Prefix")``."""

    path: str
    service: str
    port: int | str = 80
    path_type: str = "Prefix"


@dataclass(frozen=True, slots=True)
class Rule:
    """An Ingress rule: a host (``""`` for every host) and its paths."""

    host: str
    paths: Sequence[Path] = field(default_factory=tuple)


def _merge(into: JSONDict, fields: JSONDict) -> None:
    """Merge a ``fieldsV1`` tree into another, as a field manager's ownership accumulates."""
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def k8s_time(when: datetime) -> str:
    """Kubernetes' timestamp format."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def compute_time(when: datetime) -> str:
    """Compute's timestamp format (milliseconds and a UTC offset)."""
    return when.astimezone(_PACIFIC).isoformat(timespec="milliseconds")


class WorldBuilder:
    """Builds a :class:`World` as ingress-gce would leave it; every method returns the object it made."""

    def __init__(
        self,
        *,
        project: str = "demo-project",
        now: datetime = DEMO_NOW,
        cluster_uid: str = "1a2b3c4d5e6f7a8b",
        kube_system_uid: str = "7b1f3a2e-5c4d-4e8f-9a0b-1c2d3e4f5a6b",
        zones: Sequence[str] = ("us-central1-a", "us-central1-b"),
        network: str = "default",
        cluster_name: str = "demo",
    ) -> None:
        self.world = World(project)
        self.cluster_name = cluster_name
        self.cluster_uid = cluster_uid
        self._by_key: dict[tuple[str, str, str], JSONDict] = {}
        self._by_namespace: dict[tuple[str, str], list[JSONDict]] = {}
        self.now = now
        self.namer = Namer(cluster_uid, kube_system_uid)
        self.zones = tuple(zones)
        self.network = f"{COMPUTE_URL}projects/{project}/global/networks/{network}"
        self._ids = itertools.count(1)
        self._pod_ips = itertools.count(2)
        self._lb_ips = itertools.count(10)
        self._node_ports = itertools.count(30100)
        # GKE installs the BackendConfig and ServiceNetworkEndpointGroup CRDs in every cluster.
        self.world.kube_objects("backendconfigs")
        self.world.kube_objects("servicenetworkendpointgroups")
        self.world.kube_objects("frontendconfigs")
        self.namespace("kube-system", uid=kube_system_uid, age=timedelta(days=400))
        self._kube(
            "configmaps",
            "v1",
            "ConfigMap",
            "kube-system",
            "ingress-uid",
            age=timedelta(days=400),
            data={"uid": cluster_uid, "provider-uid": cluster_uid},
        )
        # GKE tags nodes gke-<cluster>-<first 8 hex of the cluster id>-node; see cluster().
        self.node_tag = f"gke-{cluster_name}-{cluster_uid[:8]}-node"
        self._compute(
            "firewalls",
            "global",
            "firewall",
            f"gke-{cluster_name}-{cluster_uid[:8]}-all",
            age=timedelta(days=400),
            description="",
            network=self.network,
            priority=1000,
            sourceRanges=["10.8.0.0/14"],
            allowed=[{"IPProtocol": "tcp"}, {"IPProtocol": "udp"}, {"IPProtocol": "icmp"}],
            direction="INGRESS",
            targetTags=[self.node_tag],
            disabled=False,
            logConfig={"enable": False},
        )
        self.service(
            "kube-system",
            "default-http-backend",
            probe_path="/healthz",
            labels={"k8s-app": "glbc"},
            age=timedelta(days=400),
        )

    # -- the cluster, as the Container API describes it ----------------------------------------

    def cluster(
        self,
        location: str = "us-central1",
        *,
        vpc_native: bool = True,
        http_load_balancing: bool = True,
        autopilot: bool = False,
        private_endpoint: str | None = None,
        dns_endpoint: str | None = None,
    ) -> JSONDict:
        """Add this world's cluster to the Container API (``world.clusters``) and return it.

        The id starts with the 8 hex characters of the node tag (``gke-<name>-<hash>-node``), as
        on GKE. ``endpoint`` and ``masterAuth.clusterCaCertificate`` are placeholders until a
        server that speaks for the control plane fills them (:class:`~gkeingress.testing.FakeFleet`).
        """
        project, name = self.world.project, self.cluster_name
        path = f"projects/{project}/locations/{location}/clusters/{name}"
        region = location if location.count("-") == 1 else location.rsplit("-", 1)[0]
        subnetwork = (
            f"projects/{project}/regions/{region}/subnetworks/{self.network.rsplit('/', 1)[-1]}"
        )
        version = "1.30.5-gke.1014001"
        node_pool: JSONDict = {
            "name": "default-pool",
            "config": {
                "machineType": "e2-medium",
                "diskSizeGb": 100,
                "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
                "imageType": "COS_CONTAINERD",
                "serviceAccount": "default",
                "diskType": "pd-balanced",
            },
            "initialNodeCount": 1,
            "locations": list(self.zones),
            "selfLink": f"https://container.googleapis.com/v1/{path}/nodePools/default-pool",
            "version": version,
            "instanceGroupUrls": [
                self.link(f"zones/{z}", "instanceGroupManagers", f"gke-{name}-default-pool-grp")
                for z in self.zones
            ],
            "status": "RUNNING",
        }
        cluster: JSONDict = {
            "name": name,
            "nodeConfig": node_pool["config"],
            "masterAuth": {"clusterCaCertificate": "UExBQ0VIT0xERVI="},  # "PLACEHOLDER"
            "loggingService": "logging.googleapis.com/kubernetes",
            "monitoringService": "monitoring.googleapis.com/kubernetes",
            "network": self.network.rsplit("/", 1)[-1],
            "clusterIpv4Cidr": "10.8.0.0/14",
            "addonsConfig": {
                "httpLoadBalancing": {"disabled": not http_load_balancing},
                "networkPolicyConfig": {"disabled": True},
            },
            "subnetwork": self.network.rsplit("/", 1)[-1],
            "nodePools": [] if autopilot else [node_pool],
            "locations": list(self.zones),
            "labelFingerprint": "a9dc16a7",
            "ipAllocationPolicy": (
                {
                    "useIpAliases": True,
                    "clusterIpv4Cidr": "10.8.0.0/14",
                    "servicesIpv4Cidr": "34.118.224.0/20",
                    "clusterIpv4CidrBlock": "10.8.0.0/14",
                    "servicesIpv4CidrBlock": "34.118.224.0/20",
                    "stackType": "IPV4",
                }
                if vpc_native
                else {}
            ),
            "networkConfig": {
                "network": f"projects/{project}/global/networks/{self.network.rsplit('/', 1)[-1]}",
                "subnetwork": subnetwork,
            },
            "selfLink": f"https://container.googleapis.com/v1/{path}",
            "zone": location,
            "endpoint": "34.118.224.10",
            "initialClusterVersion": version,
            "currentMasterVersion": version,
            "currentNodeVersion": version,
            "createTime": (self.now - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "status": "RUNNING",
            "servicesIpv4Cidr": "34.118.224.0/20",
            "location": location,
            "autopilot": {"enabled": True} if autopilot else {},
            "id": self.cluster_uid[:8] + hashlib.sha256(path.encode()).hexdigest()[:56],
            "etag": self._uid(path, "etag"),
        }
        if private_endpoint is not None:
            cluster["privateClusterConfig"] = {
                "enablePrivateNodes": True,
                "masterIpv4CidrBlock": "172.16.0.0/28",
                "privateEndpoint": private_endpoint,
                "publicEndpoint": cluster["endpoint"],
            }
        if dns_endpoint is not None:
            cluster["controlPlaneEndpointsConfig"] = {
                "dnsEndpointConfig": {"endpoint": dns_endpoint, "allowExternalTraffic": True},
                "ipEndpointsConfig": {"enabled": True, "publicEndpoint": cluster["endpoint"]},
            }
        self.world.clusters.append(cluster)
        return cluster

    # -- identity helpers ----------------------------------------------------------------------

    def _uid(self, *parts: str) -> str:
        digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"

    @staticmethod
    def _next_ip(prefix: str, counter: Iterator[int]) -> str:
        n = next(counter)
        return f"{prefix}.{n // 250}.{n % 250 + 1}"

    def _id(self) -> str:
        return str(4_000_000_000_000_000_000 + next(self._ids) * 7919)

    def link(self, scope: str, collection: str, name: str) -> str:
        """The selfLink of a Compute resource in this world's project."""
        return f"{COMPUTE_URL}projects/{self.world.project}/{scope}/{collection}/{name}"

    def _meta(self, namespace: str | None, name: str, age: timedelta, **extra: Any) -> JSONDict:
        created = self.now - age
        meta: JSONDict = {
            "name": name,
            "uid": self._uid(namespace or "", name, extra.pop("kind_hint", "")),
            "resourceVersion": str(next(self._ids)),
            "creationTimestamp": k8s_time(created),
        }
        if namespace:
            meta["namespace"] = namespace
        meta.update(extra)
        return meta

    def _kube(
        self,
        plural: str,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        *,
        age: timedelta,
        meta: JSONDict | None = None,
        **body: Any,
    ) -> JSONDict:
        obj: JSONDict = {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": self._meta(namespace, name, age, kind_hint=kind, **(meta or {})),
            **body,
        }
        self.world.kube_objects(plural).append(obj)
        self._by_key[(plural, namespace or "", name)] = obj
        self._by_namespace.setdefault((plural, namespace or ""), []).append(obj)
        return obj

    def _compute(self, collection: str, scope: str, kind: str, name: str, **body: Any) -> JSONDict:
        if scope.startswith("regions/"):
            body.setdefault("region", f"{COMPUTE_URL}projects/{self.world.project}/{scope}")
        resource: JSONDict = {
            "kind": f"compute#{kind}",
            "id": self._id(),
            "creationTimestamp": compute_time(self.now - body.pop("age", timedelta(days=2))),
            "name": name,
            **body,
            "selfLink": self.link(scope, collection, name),
        }
        self.world.compute_resources(collection, scope).append(resource)
        return resource

    # -- lookups scenarios use to break things -------------------------------------------------

    def kube_object(self, plural: str, namespace: str, name: str) -> JSONDict:
        """The stored object, to edit in place."""
        found = self._by_key.get((plural, namespace, name))
        if found is None:
            raise KeyError(f"{plural} {namespace}/{name}")
        return found

    def compute_resource(self, collection: str, name: str) -> JSONDict:
        """The stored resource with that name in any scope, to edit in place."""
        for items in self.world.compute.get(collection, {}).values():
            for item in items:
                if item["name"] == name:
                    return item
        raise KeyError(f"{collection} {name}")

    def remove_compute(self, collection: str, name: str, scope: str | None = None) -> JSONDict:
        """Delete a resource (in ``scope``, or the first found) as if someone removed it by hand."""
        for where, items in self.world.compute.get(collection, {}).items():
            for item in items:
                if item["name"] == name and scope in (None, where):
                    items.remove(item)
                    return item
        raise KeyError(f"{collection} {name}")

    def backend_name(
        self, namespace: str, service: str, port: int | str, *, ingress_class: str | None = "gce"
    ) -> str:
        """The backend service (and health check) name ingress-gce gives a Service port.

        Behind a ``gce-regional-external`` Ingress it differs from the NEG name (``rxlb_backend``).
        """
        svc = self.kube_object("services", namespace, service)
        spec_port = next(p for p in svc["spec"]["ports"] if port in (p.get("port"), p.get("name")))
        if ingress_class == RXLB_CLASS:
            return self.namer.rxlb_backend(namespace, service, int(spec_port["port"]))
        if json.loads(svc["metadata"].get("annotations", {}).get("cloud.google.com/neg", "{}")).get(
            "ingress"
        ):
            return self.namer.neg(namespace, service, int(spec_port["port"]))
        return self.namer.instance_group_backend(int(spec_port["nodePort"]))

    def health_check(
        self, namespace: str, service: str, port: int | str, *, ingress_class: str | None = "gce"
    ) -> JSONDict:
        """The health check of a Service port's backend (behind an Ingress of ``ingress_class``)."""
        name = self.backend_name(namespace, service, port, ingress_class=ingress_class)
        return self.compute_resource("healthChecks", name)

    def backend_service(
        self, namespace: str, service: str, port: int | str, *, ingress_class: str | None = "gce"
    ) -> JSONDict:
        """The backend service of a Service port (behind an Ingress of ``ingress_class``)."""
        name = self.backend_name(namespace, service, port, ingress_class=ingress_class)
        return self.compute_resource("backendServices", name)

    # -- Kubernetes objects ----------------------------------------------------------------------

    def namespace(
        self, name: str, *, uid: str | None = None, age: timedelta = timedelta(days=90)
    ) -> JSONDict:
        """A Namespace (made once)."""
        for obj in self.world.kube_objects("namespaces"):
            if obj["metadata"]["name"] == name:
                return obj
        ns = self._kube(
            "namespaces", "v1", "Namespace", None, name, age=age, status={"phase": "Active"}
        )
        if uid:
            ns["metadata"]["uid"] = uid
        return ns

    def service(
        self,
        namespace: str,
        name: str,
        *,
        port: int = 80,
        port_name: str = "http",
        target_port: int | str = 8080,
        container_port: int = 8080,
        container_port_name: str = "http",
        probe_path: str | None = "/healthz",
        probe_port: int | str | None = None,
        replicas: int = 2,
        ready: bool = True,
        neg: bool = True,
        labels: dict[str, str] | None = None,
        selector: dict[str, str] | None = None,
        age: timedelta = timedelta(days=30),
    ) -> JSONDict:
        """A Service with its pods (spread over the zones) and EndpointSlice.

        ``neg=True`` annotates the Service ``cloud.google.com/neg: {"ingress": true}`` (container-native
        load balancing); otherwise it is a NodePort Service served through instance groups.
        """
        self.namespace(namespace)
        labels = labels or {"app": name}
        service_port: JSONDict = {
            "name": port_name,
            "protocol": "TCP",
            "port": port,
            "targetPort": target_port,
        }
        annotations = {}
        if neg:
            annotations["cloud.google.com/neg"] = '{"ingress":true}'
        else:
            service_port["nodePort"] = next(self._node_ports)
        svc = self._kube(
            "services",
            "v1",
            "Service",
            namespace,
            name,
            age=age,
            meta={"annotations": annotations} if annotations else None,
            spec={
                "type": "ClusterIP" if neg else "NodePort",
                "selector": selector if selector is not None else labels,
                "ports": [service_port],
            },
        )
        container: JSONDict = {
            "name": name,
            "image": f"us-docker.pkg.dev/{self.world.project}/apps/{name}:1.0",
            "ports": [
                {"name": container_port_name, "containerPort": container_port, "protocol": "TCP"}
            ],
        }
        if probe_path is not None:
            container["readinessProbe"] = {
                "httpGet": {
                    "path": probe_path,
                    "port": probe_port if probe_port is not None else container_port,
                    "scheme": "HTTP",
                },
                "periodSeconds": 10,
                "timeoutSeconds": 1,
                "successThreshold": 1,
                "failureThreshold": 3,
            }
        endpoints = []
        # The EndpointSlice controller skips pods the selector misses, and pods that do not
        # declare a named targetPort.
        selected = selector is None or selector.items() <= labels.items()
        selected = selected and (isinstance(target_port, int) or target_port == container_port_name)
        for i in range(replicas):
            zone = self.zones[i % len(self.zones)]
            pod = self.pod(
                namespace,
                f"{name}-7d4b9c8f5-{i:05x}",
                labels=labels,
                container=container,
                zone=zone,
                ready=ready,
                age=age,
            )
            if not selected:
                continue
            endpoints.append(self._endpoint(pod, pod["status"]["podIP"], zone, ready=ready))
        self._endpoint_slice(
            namespace,
            name,
            f"{name}-abcde",
            address_type="IPv4",
            ports=[{"name": port_name, "port": container_port, "protocol": "TCP"}],
            endpoints=endpoints,
            age=age,
        )
        return svc

    @staticmethod
    def _endpoint(pod: JSONDict, address: str, zone: str, *, ready: bool) -> JSONDict:
        """The EndpointSlice endpoint of a running ``pod`` at ``address``."""
        return {
            "addresses": [address],
            "conditions": {"ready": ready, "serving": ready, "terminating": False},
            "nodeName": pod["spec"]["nodeName"],
            "zone": zone,
            "targetRef": {
                "kind": "Pod",
                "namespace": pod["metadata"]["namespace"],
                "name": pod["metadata"]["name"],
                "uid": pod["metadata"]["uid"],
            },
        }

    def _endpoint_slice(
        self,
        namespace: str,
        service: str,
        name: str,
        *,
        address_type: str,
        ports: list[JSONDict],
        endpoints: list[JSONDict],
        age: timedelta,
    ) -> JSONDict:
        """An EndpointSlice of ``service`` as the EndpointSlice controller writes it."""
        return self._kube(
            "endpointslices",
            "discovery.k8s.io/v1",
            "EndpointSlice",
            namespace,
            name,
            age=age,
            meta={
                "labels": {
                    "kubernetes.io/service-name": service,
                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                }
            },
            addressType=address_type,
            ports=ports,
            endpoints=endpoints,
        )

    def dual_stack(self, namespace: str, service: str) -> JSONDict:
        """Make a Service dual-stack: IPv6 pod IPs too, and an IPv6 EndpointSlice beside the IPv4 one.

        Returns the IPv6 slice. ingress-gce's Ingress NEGs still hold only the IPv4 endpoints.
        """
        svc = self.kube_object("services", namespace, service)
        svc["spec"].update(ipFamilyPolicy="PreferDualStack", ipFamilies=["IPv4", "IPv6"])
        ipv4 = self.kube_object("endpointslices", namespace, f"{service}-abcde")
        pods = {p["metadata"]["name"]: p for p in self._namespace_objects("pods", namespace)}
        endpoints = []
        for endpoint in ipv4["endpoints"]:
            pod = pods[endpoint["targetRef"]["name"]]
            v4 = pod["status"]["podIP"]
            v6 = "fd00:10:8::" + ":".join(v4.split(".")[2:])
            pod["status"]["podIPs"] = [{"ip": v4}, {"ip": v6}]
            ready = endpoint["conditions"]["ready"]
            endpoints.append(self._endpoint(pod, v6, endpoint["zone"], ready=ready))
        return self._endpoint_slice(
            namespace,
            service,
            f"{service}-v6xyz",
            address_type="IPv6",
            ports=ipv4["ports"],
            endpoints=endpoints,
            age=timedelta(days=30),
        )

    def split_by_port(
        self, namespace: str, service: str, *, port_name: str = "metrics", port: int = 9090
    ) -> list[JSONDict]:
        """Give a Service a second port that only a second set of pods serves (one per zone).

        The new pods declare only ``port_name``, so the EndpointSlice controller puts them in a slice
        of their own whose one port is ``port_name``; the Service's NEG for its first port must not
        hold them. Returns the new pods.
        """
        svc = self.kube_object("services", namespace, service)
        svc["spec"]["ports"].append(
            {"name": port_name, "protocol": "TCP", "port": port, "targetPort": port_name}
        )
        container: JSONDict = {
            "name": f"{service}-{port_name}",
            "image": f"us-docker.pkg.dev/{self.world.project}/apps/{service}-{port_name}:1.0",
            "ports": [{"name": port_name, "containerPort": port, "protocol": "TCP"}],
        }
        pods = [
            self.pod(
                namespace,
                f"{service}-{port_name}-5f6c7d8b9-{i:05x}",
                labels=dict(svc["spec"]["selector"]),
                container=container,
                zone=zone,
                ready=True,
                age=timedelta(days=30),
            )
            for i, zone in enumerate(self.zones)
        ]
        self._endpoint_slice(
            namespace,
            service,
            f"{service}-{port_name}-fghij",
            address_type="IPv4",
            ports=[{"name": port_name, "port": port, "protocol": "TCP"}],
            endpoints=[
                self._endpoint(p, p["status"]["podIP"], zone, ready=True)
                for p, zone in zip(pods, self.zones, strict=True)
            ],
            age=timedelta(days=30),
        )
        return pods

    def pod(
        self,
        namespace: str,
        name: str,
        *,
        labels: dict[str, str],
        container: JSONDict,
        zone: str,
        ready: bool,
        age: timedelta,
    ) -> JSONDict:
        """A running pod on a node in ``zone``."""
        status = "True" if ready else "False"
        started = k8s_time(self.now - age)
        return self._kube(
            "pods",
            "v1",
            "Pod",
            namespace,
            name,
            age=age,
            meta={"labels": dict(labels)},
            spec={"containers": [container], "nodeName": self._node(zone)},
            status={
                "phase": "Running",
                "podIP": self._next_ip("10.8", self._pod_ips),
                "conditions": [
                    {"type": "Ready", "status": status, "lastTransitionTime": started},
                    {"type": "ContainersReady", "status": status, "lastTransitionTime": started},
                ],
            },
        )

    def event(
        self,
        obj: JSONDict,
        reason: str,
        message: str,
        *,
        type: str = "Warning",
        component: str = "loadbalancer-controller",
        ago: timedelta = timedelta(minutes=5),
        count: int = 1,
    ) -> JSONDict:
        """An Event about ``obj`` from a GKE controller, as ``kubectl describe`` shows it."""
        meta = obj["metadata"]
        when = k8s_time(self.now - ago)
        return self._kube(
            "events",
            "v1",
            "Event",
            meta["namespace"],
            f"{meta['name']}.{next(self._ids):016x}",
            age=ago,
            involvedObject={
                "kind": obj["kind"],
                "namespace": meta["namespace"],
                "name": meta["name"],
                "uid": meta["uid"],
                "apiVersion": obj["apiVersion"],
            },
            reason=reason,
            message=message,
            source={"component": component},
            firstTimestamp=when,
            lastTimestamp=when,
            count=count,
            type=type,
            reportingComponent=component,
            reportingInstance="",
        )

    def record_write(
        self,
        obj: JSONDict,
        manager: str,
        fields: JSONDict,
        *,
        ago: timedelta,
        operation: str = "Update",
        subresource: str | None = None,
    ) -> JSONDict:
        """Record in ``metadata.managedFields`` that ``manager`` wrote ``fields`` (a ``fieldsV1`` tree).

        As the API server does, the manager's entry takes the new time and owns the union of its old
        and new fields, and a write under ``spec`` bumps ``metadata.generation`` on objects that have
        one. The caller edits the written fields themselves. Returns the entry.
        """
        meta = obj["metadata"]
        entries: list[JSONDict] = meta.setdefault("managedFields", [])
        key = (manager, operation, subresource)
        entry = next(
            (e for e in entries if (e["manager"], e["operation"], e.get("subresource")) == key),
            None,
        )
        if entry is None:
            entry = {
                "manager": manager,
                "operation": operation,
                "apiVersion": obj["apiVersion"],
                "fieldsType": "FieldsV1",
                "fieldsV1": {},
            }
            if subresource:
                entry["subresource"] = subresource
            entries.append(entry)
        entry["time"] = k8s_time(self.now - ago)
        _merge(entry["fieldsV1"], fields)
        if "f:spec" in fields and "generation" in meta:
            meta["generation"] += 1
        return entry

    def deployment(
        self,
        namespace: str,
        name: str,
        *,
        labels: dict[str, str] | None = None,
        age: timedelta = timedelta(days=30),
    ) -> JSONDict:
        """A Deployment of the pods labelled ``labels`` (made by :meth:`service`) and its first ReplicaSet.

        The pod template copies those pods' containers; the pods become the ReplicaSet's.
        """
        labels = labels or {"app": name}
        pods = self._pods_of(namespace, labels)
        containers = pods[0]["spec"]["containers"] if pods else [{"name": name, "image": name}]
        deployment = self._kube(
            "deployments",
            "apps/v1",
            "Deployment",
            namespace,
            name,
            age=age,
            meta={
                "generation": 1,
                "labels": dict(labels),
                "annotations": {"deployment.kubernetes.io/revision": "1"},
            },
            spec={
                "replicas": len(pods),
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"containers": copy.deepcopy(containers)},
                },
            },
            status={"observedGeneration": 1, "replicas": len(pods), "readyReplicas": len(pods)},
        )
        self._replicaset(deployment, age)
        return deployment

    def rollout(
        self,
        deployment: JSONDict,
        *,
        ago: timedelta,
        readiness_probe: JSONDict | None = None,
    ) -> JSONDict:
        """Roll ``deployment`` out to a new revision ``ago``: a new ReplicaSet, and the pods replaced.

        ``readiness_probe`` holds readinessProbe settings the new revision changes in every container.
        Returns the new ReplicaSet.
        """
        spec = deployment["spec"]
        for container in spec["template"]["spec"]["containers"]:
            if readiness_probe is not None:
                container.setdefault("readinessProbe", {}).update(copy.deepcopy(readiness_probe))
        meta = deployment["metadata"]
        meta["generation"] += 1
        revision = str(int(meta["annotations"]["deployment.kubernetes.io/revision"]) + 1)
        meta["annotations"]["deployment.kubernetes.io/revision"] = revision
        deployment["status"]["observedGeneration"] = meta["generation"]
        for old in self.world.kube_objects("replicasets"):
            owners = old["metadata"].get("ownerReferences", ())
            if any(o["uid"] == meta["uid"] for o in owners):
                old["spec"]["replicas"] = 0
                old["status"] = {"replicas": 0, "observedGeneration": 2}
        return self._replicaset(deployment, ago)

    def _pods_of(self, namespace: str, labels: dict[str, str]) -> list[JSONDict]:
        return [
            p
            for p in self.world.kube_objects("pods")
            if p["metadata"]["namespace"] == namespace
            and labels.items() <= p["metadata"].get("labels", {}).items()
        ]

    def _replicaset(self, deployment: JSONDict, age: timedelta) -> JSONDict:
        """The ReplicaSet of ``deployment``'s current template, made ``age`` ago; it takes the pods."""
        meta, spec = deployment["metadata"], deployment["spec"]
        revision = meta["annotations"]["deployment.kubernetes.io/revision"]
        template = copy.deepcopy(spec["template"])
        digest = hashlib.sha256(
            json.dumps([meta["uid"], revision, template], sort_keys=True).encode()
        ).hexdigest()
        pod_hash = digest[:10]
        labels = {**spec["selector"]["matchLabels"], "pod-template-hash": pod_hash}
        template["metadata"]["labels"] = labels
        pods = self._pods_of(meta["namespace"], spec["selector"]["matchLabels"])
        replicaset = self._kube(
            "replicasets",
            "apps/v1",
            "ReplicaSet",
            meta["namespace"],
            f"{meta['name']}-{pod_hash}",
            age=age,
            meta={
                "generation": 1,
                "labels": dict(labels),
                "annotations": {
                    "deployment.kubernetes.io/revision": revision,
                    "deployment.kubernetes.io/desired-replicas": str(spec["replicas"]),
                    "deployment.kubernetes.io/max-replicas": str(spec["replicas"] + 1),
                },
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            spec={
                "replicas": len(pods),
                "selector": {"matchLabels": dict(labels)},
                "template": template,
            },
            status={"replicas": len(pods), "readyReplicas": len(pods), "observedGeneration": 1},
        )
        rs_meta = replicaset["metadata"]
        for pod in pods:
            pod["metadata"]["labels"]["pod-template-hash"] = pod_hash
            pod["metadata"]["creationTimestamp"] = rs_meta["creationTimestamp"]
            pod["metadata"]["ownerReferences"] = [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": rs_meta["name"],
                    "uid": rs_meta["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ]
            pod["spec"]["containers"] = copy.deepcopy(template["spec"]["containers"])
        return replicaset

    # -- Ingress and its load balancer -----------------------------------------------------------

    def ingress(
        self,
        namespace: str,
        name: str,
        *,
        rules: Sequence[Rule] = (),
        default_backend: tuple[str, int | str] | None = None,
        ingress_class: str | None = "gce",
        v2: bool = True,
        age: timedelta = timedelta(days=2),
        provision: bool = True,
    ) -> JSONDict:
        """An Ingress and, with ``provision``, the load balancer ingress-gce made for it."""
        spec: JSONDict = {"rules": [self._rule(r) for r in rules]}
        if default_backend:
            spec["defaultBackend"] = self._backend(*default_backend)
        annotations = {"kubernetes.io/ingress.class": ingress_class} if ingress_class else {}
        changed = k8s_time(self.now - age)
        ing = self._kube(
            "ingresses",
            "networking.k8s.io/v1",
            "Ingress",
            namespace,
            name,
            age=age,
            meta={
                "generation": 1,
                "annotations": annotations,
                "managedFields": [
                    {
                        "manager": "kubectl-client-side-apply",
                        "operation": "Update",
                        "apiVersion": "networking.k8s.io/v1",
                        "time": changed,
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:spec": {"f:rules": {}}},
                    }
                ],
            },
            spec=spec,
            status={"loadBalancer": {}},
        )
        if provision:
            self.provision(ing, v2=v2, age=age)
        return ing

    def _backend(self, service: str, port: int | str) -> JSONDict:
        ref = {"number": port} if isinstance(port, int) else {"name": port}
        return {"service": {"name": service, "port": ref}}

    def _rule(self, rule: Rule) -> JSONDict:
        body: JSONDict = {
            "http": {
                "paths": [
                    {
                        "path": p.path,
                        "pathType": p.path_type,
                        "backend": self._backend(p.service, p.port),
                    }
                    for p in rule.paths
                ]
            }
        }
        if rule.host:
            body["host"] = rule.host
        return body

    def provision(
        self, ing: JSONDict, *, v2: bool = True, age: timedelta = timedelta(days=2)
    ) -> None:
        """Make the load balancer for ``ing`` and write ingress-gce's annotations, status and events."""
        meta = ing["metadata"]
        namespace, name = meta["namespace"], meta["name"]
        names = self.namer.frontend(namespace, name, v2=v2)
        view = Ingress.from_json(ing)
        scope = self._scope(view)
        default = view.default_backend
        default_bs = (
            self._ensure_backend(namespace, default, view, age)
            if default
            else self._ensure_backend(
                "kube-system", BackendRef("default-http-backend", "http"), view, age
            )
        )
        path_matchers, host_rules = [], []
        for host, routed in translate(view).hosts.items():
            matcher = path_matcher_name(host)
            host_rules.append({"hosts": [host], "pathMatcher": matcher})
            path_matchers.append(
                {
                    "name": matcher,
                    "defaultService": self.link(scope, "backendServices", default_bs),
                    "pathRules": [
                        {
                            "paths": [r.path],
                            "service": self.link(
                                scope,
                                "backendServices",
                                self._ensure_backend(namespace, r.backend, view, age),
                            ),
                        }
                        for r in routed
                        if r.backend is not None
                    ],
                }
            )
        body: JSONDict = {"defaultService": self.link(scope, "backendServices", default_bs)}
        if host_rules:
            body.update(hostRules=host_rules, pathMatchers=path_matchers)
        url_map = self._compute(
            "urlMaps", scope, "urlMap", names.url_map, age=age, fingerprint="nA7yRIDMSb4=", **body
        )
        description = json.dumps({"kubernetes.io/ingress-name": f"{namespace}/{name}"})
        self._compute(
            "targetHttpProxies",
            scope,
            "targetHttpProxy",
            names.http_proxy,
            age=age,
            description=description,
            urlMap=url_map["selfLink"],
            fingerprint="vYGiTl2-GQk=",
        )
        ip = self._next_ip("34.117", self._lb_ips)
        self._compute(
            "forwardingRules",
            scope,
            "forwardingRule",
            names.http_rule,
            age=age,
            description=description,
            IPAddress=ip,
            IPProtocol="TCP",
            portRange="80-80",
            target=self.link(scope, "targetHttpProxies", names.http_proxy),
            loadBalancingScheme=_SCHEME.get(view.class_annotation or "", "EXTERNAL"),
            networkTier="PREMIUM",
            labelFingerprint="42WmSpB8rSM=",
            fingerprint="x7yzs1hWXDo=",
            **({"network": self.network} if view.is_regional else {}),
        )
        if view.is_regional:
            self._open_l7_firewall(sources=[PROXY_ONLY_RANGE])
        backends = sorted({default_bs, *(self._backend_names_in(url_map))})
        annotations = meta.setdefault("annotations", {})
        annotations.update(
            {
                "ingress.kubernetes.io/backends": json.dumps(
                    dict.fromkeys(backends, "HEALTHY"), separators=(",", ":")
                ),
                "ingress.kubernetes.io/forwarding-rule": names.http_rule,
                "ingress.kubernetes.io/target-proxy": names.http_proxy,
                "ingress.kubernetes.io/url-map": names.url_map,
            }
        )
        meta["finalizers"] = [
            "networking.gke.io/ingress-finalizer-V2"
            if v2
            else "networking.gke.io/ingress-finalizer"
        ]
        ing["status"] = {"loadBalancer": {"ingress": [{"ip": ip}]}}
        self.event(
            ing, "Sync", "Scheduled for sync", type="Normal", ago=timedelta(minutes=7), count=12
        )
        self.event(ing, "Sync", f'UrlMap "{names.url_map}" created', type="Normal", ago=age)
        self.event(ing, "IPChanged", f"IP is now {ip}", type="Normal", ago=age)

    def _backend_names_in(self, url_map: JSONDict) -> set[str]:
        links = [url_map["defaultService"]]
        for pm in url_map.get("pathMatchers", ()):
            links.append(pm["defaultService"])
            links.extend(rule["service"] for rule in pm["pathRules"])
        return {link.rsplit("/", 1)[-1] for link in links}

    def _scope(self, ingress: Ingress) -> str:
        """Where ingress-gce puts an Ingress's resources: ``global``, or the cluster's region."""
        return f"regions/{self.zones[0].rsplit('-', 1)[0]}" if ingress.is_regional else "global"

    def _ensure_backend(
        self, namespace: str, ref: BackendRef | None, ingress: Ingress, age: timedelta
    ) -> str:
        """A Service port's backend service for ``ingress``; a new one comes with health check and NEGs."""
        assert ref is not None, "resource backends are not modelled by the builder"
        scope, ingress_class = self._scope(ingress), ingress.class_annotation
        name = self.backend_name(namespace, ref.service, ref.port, ingress_class=ingress_class)
        if any(bs["name"] == name for bs in self.world.compute_resources("backendServices", scope)):
            return name
        svc = self.kube_object("services", namespace, ref.service)
        port = next(p for p in svc["spec"]["ports"] if ref.port in (p.get("port"), p.get("name")))
        pods = [
            p
            for p in self._namespace_objects("pods", namespace)
            if svc["spec"]["selector"]
            and svc["spec"]["selector"].items() <= p["metadata"].get("labels", {}).items()
        ]
        neg = "nodePort" not in port
        assert neg or not ingress.is_regional, "regional Ingresses need NEG Services in the builder"
        probe = next(
            (
                c["readinessProbe"]["httpGet"]
                for p in pods[:1]
                for c in p["spec"]["containers"]
                if "readinessProbe" in c
            ),
            None,
        )
        http_check: JSONDict = {
            "requestPath": probe["path"] if probe else "/",
            "proxyHeader": "NONE",
        }
        if neg:
            http_check["portSpecification"] = "USE_SERVING_PORT"
        else:
            http_check["port"] = port["nodePort"]
        hc_scope = scope
        self._compute(
            "healthChecks",
            hc_scope,
            "healthCheck",
            name,
            age=age,
            description=self._health_check_description(
                ingress_class, probe=probe is not None, neg=neg
            ),
            checkIntervalSec=15 if neg else 60,
            timeoutSec=15 if neg else 60,
            unhealthyThreshold=2 if neg else 10,
            healthyThreshold=1,
            type="HTTP",
            httpHealthCheck=http_check,
        )
        groups = self._ensure_negs(svc, port, pods, age) if neg else self._instance_groups(port)
        description: JSONDict = {
            "kubernetes.io/service-name": f"{namespace}/{ref.service}",
            "kubernetes.io/service-port": str(ref.port),
        }
        if ingress_class in _X_FEATURES:
            description["x-features"] = _X_FEATURES[ingress_class]
        target = port.get("targetPort", port["port"])
        if not neg:
            self._open_l7_firewall("30000-32767")
        elif isinstance(target, int):
            self._open_l7_firewall(str(target))
        elif pods:
            declared = pods[0]["spec"]["containers"][0]["ports"]
            self._open_l7_firewall(
                *(str(p["containerPort"]) for p in declared if p.get("name") == target)
            )
        self._compute(
            "backendServices",
            scope,
            "backendService",
            name,
            age=age,
            description=json.dumps(description, separators=(",", ":")),
            backends=[
                {
                    "group": g,
                    "balancingMode": "RATE",
                    "capacityScaler": 1,
                    "maxRatePerEndpoint" if neg else "maxRatePerInstance": 1,
                }
                for g in groups
            ],
            healthChecks=[self.link(hc_scope, "healthChecks", name)],
            timeoutSec=30,
            port=80,
            protocol="HTTP",
            portName=port["name"] if neg else f"port{port['nodePort']}",
            fingerprint="Rbc3Hpaj3mo=",
            sessionAffinity="NONE",
            affinityCookieTtlSec=0,
            loadBalancingScheme=_SCHEME.get(ingress_class or "", "EXTERNAL"),
            connectionDraining={"drainingTimeoutSec": 0},
            logConfig={"enable": True, "sampleRate": 1},
        )
        served = self._endpoint_pods(svc, pods) if neg else []
        for group in groups:
            zone = group.split("/zones/")[1].split("/")[0]
            if neg:
                statuses = [
                    {
                        "ipAddress": p["status"]["podIP"],
                        "port": p["spec"]["containers"][0]["ports"][0]["containerPort"],
                        "healthState": "HEALTHY",
                    }
                    for p in served
                    if self._zone_of(p) == zone
                ]
            else:  # instance groups are health-checked per node, on the nodePort
                statuses = [
                    {
                        "ipAddress": f"10.128.0.{self.zones.index(zone) + 2}",
                        "port": port["nodePort"],
                        "instance": self.link(f"zones/{zone}", "instances", self._node(zone)),
                        "healthState": "HEALTHY",
                    }
                ]
            self.world.backend_health[
                (self._path(self.link(scope, "backendServices", name)), self._path(group))
            ] = {"kind": "compute#backendServiceGroupHealth", "healthStatus": statuses}
        return name

    @staticmethod
    def _health_check_description(ingress_class: str | None, *, probe: bool, neg: bool) -> str:
        if probe:
            return "Kubernetes L7 health check generated with readiness probe settings."
        if ingress_class in _DEFAULT_HC_DESCRIPTION:
            return _DEFAULT_HC_DESCRIPTION[ingress_class]
        if neg:
            return "Default kubernetes L7 Loadbalancing health check for NEG."
        return "Default kubernetes L7 Loadbalancing health check."

    def mark_unhealthy(
        self, namespace: str, service: str, port: int | str, *, ingress_class: str | None = "gce"
    ) -> None:
        """Make every endpoint of a Service port fail its health check, as the LB would report."""
        name = self.backend_name(namespace, service, port, ingress_class=ingress_class)
        for (bs, _), health in self.world.backend_health.items():
            if bs.endswith(f"/backendServices/{name}"):
                for status in health.get("healthStatus", ()):
                    status["healthState"] = "UNHEALTHY"
        for ingress in self.world.kube_objects("ingresses"):
            annotations = ingress["metadata"].get("annotations", {})
            states = json.loads(annotations.get("ingress.kubernetes.io/backends", "{}"))
            if name in states:
                states[name] = "UNHEALTHY"
                annotations["ingress.kubernetes.io/backends"] = json.dumps(
                    states, separators=(",", ":")
                )

    def address(self, name: str, *, region: str | None = None) -> JSONDict:
        """A reserved static IP address, global or in ``region``."""
        scope = f"regions/{region}" if region else "global"
        body: JSONDict = {
            "address": self._next_ip("34.120", self._lb_ips),
            "status": "RESERVED",
            "addressType": "EXTERNAL",
            "networkTier": "PREMIUM",
        }
        if region:
            body["region"] = f"{COMPUTE_URL}projects/{self.world.project}/regions/{region}"
        else:
            body["ipVersion"] = "IPV4"
        return self._compute("addresses", scope, "address", name, description="", **body)

    def close_l7_firewall(self, port: str) -> None:
        """Remove ``port`` from ingress-gce's health-check rule, as a Shared VPC cluster lacks it."""
        rule = self.compute_resource("firewalls", self.namer.firewall)
        rule["allowed"][0]["ports"].remove(port)

    def _open_l7_firewall(self, *ports: str, sources: Sequence[str] = ()) -> None:
        """Open ``ports`` in ingress-gce's ``k8s-fw-l7--<uid>`` rule; add ``sources`` to its ranges."""
        name = self.namer.firewall
        rules = self.world.compute_resources("firewalls", "global")
        rule = next((r for r in rules if r["name"] == name), None)
        if rule is None:
            rule = self._compute(
                "firewalls",
                "global",
                "firewall",
                name,
                description="GCE L7 firewall rule",
                network=self.network,
                priority=1000,
                sourceRanges=["130.211.0.0/22", "35.191.0.0/16"],
                allowed=[{"IPProtocol": "tcp", "ports": []}],
                direction="INGRESS",
                targetTags=[self.node_tag],
                disabled=False,
            )
        opened = rule["allowed"][0]["ports"]
        opened.extend(p for p in ports if p not in opened)
        allowed = rule["sourceRanges"]
        allowed.extend(r for r in sources if r not in allowed)

    def _namespace_objects(self, plural: str, namespace: str) -> list[JSONDict]:
        return self._by_namespace.get((plural, namespace), [])

    def _endpoint_pods(self, svc: JSONDict, pods: list[JSONDict]) -> list[JSONDict]:
        """The pods the Service's EndpointSlices list and the NEG controller would attach."""
        meta = svc["metadata"]
        ips = {
            address
            for eps in self._namespace_objects("endpointslices", meta["namespace"])
            if eps["metadata"]["labels"].get("kubernetes.io/service-name") == meta["name"]
            for endpoint in eps["endpoints"]
            if not endpoint["conditions"].get("terminating")
            for address in endpoint["addresses"]
        }
        return [p for p in pods if p["status"]["podIP"] in ips]

    def _path(self, link: str) -> str:
        return link.removeprefix(COMPUTE_URL)

    @staticmethod
    def _node(zone: str) -> str:
        return f"gke-demo-default-pool-{zone[-1]}-n1"

    def _zone_of(self, pod: JSONDict) -> str:
        node: str = pod["spec"]["nodeName"]
        return next(z for z in self.zones if node.endswith(f"-{z[-1]}-n1"))

    def _ensure_negs(
        self, svc: JSONDict, port: JSONDict, pods: list[JSONDict], age: timedelta
    ) -> list[str]:
        meta = svc["metadata"]
        name = self.namer.neg(meta["namespace"], meta["name"], int(port["port"]))
        made = [
            neg["selfLink"]
            for zone in self.zones
            for neg in self.world.compute_resources("networkEndpointGroups", f"zones/{zone}")
            if neg["name"] == name
        ]
        if made:  # one NEG per zone serves every Ingress class's backend service of the port
            return made
        groups = []
        for zone in self.zones:
            in_zone = [p for p in self._endpoint_pods(svc, pods) if self._zone_of(p) == zone]
            neg = self._compute(
                "networkEndpointGroups",
                f"zones/{zone}",
                "networkEndpointGroup",
                name,
                age=age,
                description=json.dumps(
                    {
                        "cluster-uid": self.namer.kube_system_uid,
                        "namespace": meta["namespace"],
                        "service-name": meta["name"],
                        "port": str(port["port"]),
                    },
                    separators=(",", ":"),
                ),
                network=self.network,
                subnetwork=f"{COMPUTE_URL}projects/{self.world.project}/regions/{zone[:-2]}/subnetworks/default",
                zone=f"{COMPUTE_URL}projects/{self.world.project}/zones/{zone}",
                networkEndpointType="GCE_VM_IP_PORT",
                size=len(in_zone),
            )
            groups.append(neg["selfLink"])
            self.world.network_endpoints[self._path(neg["selfLink"])] = [
                {
                    "networkEndpoint": {
                        "ipAddress": p["status"]["podIP"],
                        "port": p["spec"]["containers"][0]["ports"][0]["containerPort"],
                        "instance": p["spec"]["nodeName"],
                    }
                }
                for p in in_zone
            ]
        meta.setdefault("annotations", {})["cloud.google.com/neg-status"] = json.dumps(
            {"network_endpoint_groups": {str(port["port"]): name}, "zones": list(self.zones)},
            separators=(",", ":"),
        )
        self._kube(
            "servicenetworkendpointgroups",
            "networking.gke.io/v1beta1",
            "ServiceNetworkEndpointGroup",
            meta["namespace"],
            name,
            age=age,
            meta={
                "labels": {
                    "networking.gke.io/managed-by": "neg-controller",
                    "networking.gke.io/service-name": meta["name"],
                    "networking.gke.io/service-port": str(port["port"]),
                },
                "finalizers": ["networking.gke.io/neg-finalizer"],
            },
            spec={},
            status={
                "networkEndpointGroups": [
                    {"selfLink": g, "networkEndpointType": "GCE_VM_IP_PORT", "id": self._id()}
                    for g in groups
                ],
                "conditions": [
                    {
                        "type": "Initialized",
                        "status": "True",
                        "reason": "NegInitializationSuccessful",
                        "message": "",
                        "lastTransitionTime": k8s_time(self.now - age),
                    },
                    {
                        "type": "Synced",
                        "status": "True",
                        "reason": "NegSyncSuccessful",
                        "message": "",
                        "lastTransitionTime": k8s_time(self.now - age),
                    },
                ],
                "lastSyncTime": k8s_time(self.now - timedelta(minutes=3)),
            },
        )
        return groups

    def _instance_groups(self, port: JSONDict) -> list[str]:
        groups = []
        for zone in self.zones:
            link = self.link(f"zones/{zone}", "instanceGroups", self.namer.instance_group)
            if not any(
                g["selfLink"] == link
                for g in self.world.compute_resources("instanceGroups", f"zones/{zone}")
            ):
                self._compute(
                    "instanceGroups",
                    f"zones/{zone}",
                    "instanceGroup",
                    self.namer.instance_group,
                    zone=f"{COMPUTE_URL}projects/{self.world.project}/zones/{zone}",
                    network=self.network,
                    size=1,
                    namedPorts=[],
                    fingerprint="42WmSpB8rSM=",
                )
            group = self.compute_resource_at(
                "instanceGroups", f"zones/{zone}", self.namer.instance_group
            )
            group["namedPorts"].append(
                {"name": f"port{port['nodePort']}", "port": port["nodePort"]}
            )
            groups.append(link)
        return groups

    def compute_resource_at(self, collection: str, scope: str, name: str) -> JSONDict:
        """The stored resource with that name in one scope."""
        return next(r for r in self.world.compute_resources(collection, scope) if r["name"] == name)

    def neg_endpoints(
        self, namespace: str, service: str, port: int | str, zone: str
    ) -> list[tuple[str, int]]:
        """The (IP, port) endpoints the NEG of a Service port in ``zone`` holds."""
        neg = self.compute_resource_at(
            "networkEndpointGroups", f"zones/{zone}", self.backend_name(namespace, service, port)
        )
        return [
            (e["networkEndpoint"]["ipAddress"], e["networkEndpoint"]["port"])
            for e in self.world.network_endpoints[self._path(neg["selfLink"])]
        ]

    def set_neg_endpoints(
        self,
        namespace: str,
        service: str,
        port: int | str,
        zone: str,
        endpoints: list[tuple[str, int]],
    ) -> None:
        """Make the NEG of a Service port in ``zone`` hold exactly ``endpoints``; its size follows."""
        neg = self.compute_resource_at(
            "networkEndpointGroups", f"zones/{zone}", self.backend_name(namespace, service, port)
        )
        neg["size"] = len(endpoints)
        self.world.network_endpoints[self._path(neg["selfLink"])] = [
            {"networkEndpoint": {"ipAddress": ip, "port": p, "instance": self._node(zone)}}
            for ip, p in endpoints
        ]

    def unused_pod_ip(self) -> str:
        """A pod IP no pod has: the one a pod that has since been deleted had."""
        return self._next_ip("10.8", self._pod_ips)
