"""The fake GKE world's data: Kubernetes objects and Compute resources as their APIs' JSON.

A :class:`World` is plain mutable data. Scenario code builds it (see :mod:`gkeingress.testing.builder`),
breaks one thing, and :class:`gkeingress.testing.FakeGKE` serves it over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class KubeResource:
    """How the API server exposes one kind: URL prefix, plural, list kind, namespaced or not."""

    api_prefix: str  # "/api/v1" or "/apis/<group>/<version>"
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        """``v1`` or ``<group>/<version>``."""
        return self.api_prefix.removeprefix("/api/").removeprefix("/apis/")


KUBE_RESOURCES: dict[str, KubeResource] = {
    r.plural: r
    for r in (
        KubeResource("/apis/networking.k8s.io/v1", "ingresses", "Ingress"),
        KubeResource("/api/v1", "services", "Service"),
        KubeResource("/api/v1", "pods", "Pod"),
        KubeResource("/api/v1", "events", "Event"),
        KubeResource("/api/v1", "configmaps", "ConfigMap"),
        KubeResource("/api/v1", "secrets", "Secret"),
        KubeResource("/api/v1", "namespaces", "Namespace", namespaced=False),
        KubeResource("/api/v1", "nodes", "Node", namespaced=False),
        KubeResource("/apis/discovery.k8s.io/v1", "endpointslices", "EndpointSlice"),
        KubeResource("/apis/apps/v1", "replicasets", "ReplicaSet"),
        KubeResource("/apis/apps/v1", "deployments", "Deployment"),
        KubeResource("/apis/cloud.google.com/v1", "backendconfigs", "BackendConfig"),
        KubeResource("/apis/networking.gke.io/v1beta1", "frontendconfigs", "FrontendConfig"),
        KubeResource(
            "/apis/networking.gke.io/v1beta1",
            "servicenetworkendpointgroups",
            "ServiceNetworkEndpointGroup",
        ),
    )
}
"""The Kubernetes kinds the fake API server serves, by plural."""

COMPUTE_COLLECTIONS: tuple[str, ...] = (
    "urlMaps",
    "targetHttpProxies",
    "targetHttpsProxies",
    "forwardingRules",
    "backendServices",
    "healthChecks",
    "networkEndpointGroups",
    "instanceGroups",
    "firewalls",
    "addresses",
    "sslCertificates",
)
"""The Compute collections the fake Compute API serves."""


@dataclass
class World:
    """Everything the fake APIs serve.

    Attributes:
        project: the GCP project id.
        kube: objects by plural (``"ingresses"``), each a full object with ``apiVersion``,
            ``kind`` and ``metadata``.
        compute: resources by collection, then by scope (``"global"``, ``"regions/us-central1"``,
            ``"zones/us-central1-a"``), each a Compute JSON resource with ``selfLink``.
        backend_health: ``getHealth`` answers (``compute#backendServiceGroupHealth``), keyed by
            (backend service path, group path), paths as ``projects/P/<scope>/<collection>/<name>``.
        network_endpoints: ``listNetworkEndpoints`` items by NEG path.
        clusters: the project's GKE clusters as the Container API v1 returns them (``Cluster``).
        time_series: Cloud Monitoring series as the load balancers write them (``TimeSeries``
            JSON, one-minute ``DELTA`` points, every label), served by
            :class:`~gkeingress.testing.FakeMonitoring`.
        log_entries: Cloud Logging entries as LogEntry JSON (camelCase, ``logName`` naming the
            project), served by :class:`gkeingress.testing.fake_logging.FakeLogging`.
    """

    project: str = "demo-project"
    kube: dict[str, list[JSONDict]] = field(default_factory=dict)
    compute: dict[str, dict[str, list[JSONDict]]] = field(default_factory=dict)
    backend_health: dict[tuple[str, str], JSONDict] = field(default_factory=dict)
    network_endpoints: dict[str, list[JSONDict]] = field(default_factory=dict)
    clusters: list[JSONDict] = field(default_factory=list)
    time_series: list[JSONDict] = field(default_factory=list)
    log_entries: list[JSONDict] = field(default_factory=list)

    def kube_objects(self, plural: str) -> list[JSONDict]:
        """The (mutable) list of objects of one kind."""
        return self.kube.setdefault(plural, [])

    def compute_resources(self, collection: str, scope: str) -> list[JSONDict]:
        """The (mutable) list of resources of one collection in one scope."""
        return self.compute.setdefault(collection, {}).setdefault(scope, [])
