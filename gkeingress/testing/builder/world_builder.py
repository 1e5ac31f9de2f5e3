"""The :class:`WorldBuilder`: a cluster with what GKE installs in every cluster, ready for scenarios."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gkeingress.testing.builder.base import DEMO_NOW
from gkeingress.testing.builder.cluster import ContainerCluster
from gkeingress.testing.builder.ingress_gce import IngressGCE


class WorldBuilder(IngressGCE, ContainerCluster):
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
        super().__init__(
            project=project,
            now=now,
            cluster_uid=cluster_uid,
            kube_system_uid=kube_system_uid,
            zones=zones,
            network=network,
            cluster_name=cluster_name,
        )
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
