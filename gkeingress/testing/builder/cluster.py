"""The cluster as the Container API describes it (``clusters.list``/``get``)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from gkeingress.testing.builder.base import BuilderBase
from gkeingress.testing.world import JSONDict


class ContainerCluster(BuilderBase):
    """Adds this world's cluster to the Container API."""

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
