"""The builder's state and the plumbing every part of it shares: ids, selfLinks, stored objects.

:class:`BuilderBase` holds the :class:`World` being built and the counters that make names, IPs and
ids unique; it stores Kubernetes objects and Compute resources and finds them again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from gkeingress.model.naming import Namer
from gkeingress.resources.refs import COMPUTE_URL
from gkeingress.testing.world import JSONDict, World

DEMO_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
"""The fixed "now" of the demo world: every timestamp in it is relative to this."""

_PACIFIC = timezone(timedelta(hours=-8))  # Compute returns timestamps with the region's offset

RXLB_CLASS = "gce-regional-external"
"""The ``kubernetes.io/ingress.class`` of a regional external Application Load Balancer Ingress."""


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


def k8s_time(when: datetime) -> str:
    """Kubernetes' timestamp format."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def compute_time(when: datetime) -> str:
    """Compute's timestamp format (milliseconds and a UTC offset)."""
    return when.astimezone(_PACIFIC).isoformat(timespec="milliseconds")


class BuilderBase:
    """The world being built, its counters, and how objects are stored and found again."""

    def __init__(
        self,
        *,
        project: str,
        now: datetime,
        cluster_uid: str,
        kube_system_uid: str,
        zones: Sequence[str],
        network: str,
        cluster_name: str,
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
        # GKE tags nodes gke-<cluster>-<first 8 hex of the cluster id>-node; see cluster().
        self.node_tag = f"gke-{cluster_name}-{cluster_uid[:8]}-node"

    # -- identity helpers ----------------------------------------------------------------------

    def _uid(self, *parts: str) -> str:
        digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"

    @staticmethod
    def _next_ip(prefix: str, counter: Iterator[int]) -> str:
        n = next(counter)
        return f"{prefix}.{n // 250}.{n % 250 + 1}"

    @staticmethod
    def _id(link: str) -> str:
        """A Compute resource's numeric id, from its selfLink.

        One per resource of a project, as Compute's are, whichever world or cluster made it.
        """
        digest = hashlib.sha256(link.encode()).hexdigest()
        return str(4_000_000_000_000_000_000 + int(digest[:15], 16))

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
        link = self.link(scope, collection, name)
        resource: JSONDict = {
            "kind": f"compute#{kind}",
            "id": self._id(link),
            "creationTimestamp": compute_time(self.now - body.pop("age", timedelta(days=2))),
            "name": name,
            **body,
            "selfLink": link,
        }
        self.world.compute_resources(collection, scope).append(resource)
        return resource

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

    def compute_resource_at(self, collection: str, scope: str, name: str) -> JSONDict:
        """The stored resource with that name in one scope."""
        return next(r for r in self.world.compute_resources(collection, scope) if r["name"] == name)

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

    def _namespace_objects(self, plural: str, namespace: str) -> list[JSONDict]:
        return self._by_namespace.get((plural, namespace), [])

    def _path(self, link: str) -> str:
        return link.removeprefix(COMPUTE_URL)

    @staticmethod
    def _node(zone: str) -> str:
        return f"gke-demo-default-pool-{zone[-1]}-n1"

    def _zone_of(self, pod: JSONDict) -> str:
        node: str = pod["spec"]["nodeName"]
        return next(z for z in self.zones if node.endswith(f"-{z[-1]}-n1"))
