"""Kubernetes fixtures, as the API server and its controllers write them.

Namespaces, Services with their pods and EndpointSlices, Events, Deployments and their rollouts,
and the ``managedFields`` of writes.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import timedelta

from gkeingress.testing.builder.base import BuilderBase, k8s_time
from gkeingress.testing.world import JSONDict


def _merge(into: JSONDict, fields: JSONDict) -> None:
    """Merge a ``fieldsV1`` tree into another, as a field manager's ownership accumulates."""
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


class KubernetesFixtures(BuilderBase):
    """Kubernetes objects as their controllers write them; every method returns what it made."""

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
