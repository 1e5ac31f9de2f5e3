"""What ingress-gce makes for one Service port.

Its health check, backend service, and the NEGs or instance groups behind it, with the L7 firewall
rule opened for the health checkers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

from gkeingress.resources.k8s import BackendRef, Ingress
from gkeingress.resources.refs import COMPUTE_URL
from gkeingress.testing.builder.base import RXLB_CLASS, k8s_time
from gkeingress.testing.builder.kube import KubernetesFixtures
from gkeingress.testing.world import JSONDict

LB_SCHEME = {"gce-internal": "INTERNAL_MANAGED", RXLB_CLASS: "EXTERNAL_MANAGED"}
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


class BackendPlumbing(KubernetesFixtures):
    """Backend services with their health checks, NEGs and instance groups, as ingress-gce syncs them."""

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
            loadBalancingScheme=LB_SCHEME.get(ingress_class or "", "EXTERNAL"),
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
                    {"selfLink": g, "networkEndpointType": "GCE_VM_IP_PORT", "id": self._id(g)}
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
