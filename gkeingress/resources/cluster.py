"""A GKE cluster as the Container API describes it: where to connect and the facts checks use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_PATH = re.compile(
    r"projects/(?P<project>[^/]+)/(?:locations|zones)/(?P<location>[^/]+)/clusters/(?P<name>[^/]+)"
)
_SHORT = re.compile(r"(?P<location>[a-z0-9-]+)/(?P<name>[a-z0-9-]+)")
_GCLOUD_CONTEXT = re.compile(r"gke_(?P<project>[^_]+)_(?P<location>[^_]+)_(?P<name>.+)")


CLUSTER_FORMS = (
    "not a cluster: give projects/PROJECT/locations/LOCATION/clusters/NAME or LOCATION/NAME "
    "(e.g. us-central1/shop)"
)
"""What :func:`cluster_path` says of a name it cannot read."""


def cluster_path(text: str, project: str) -> str:
    """``projects/P/locations/L/clusters/C`` from that form, ``LOCATION/NAME`` or the zones form.

    ``LOCATION/NAME`` is read in ``project``; the older ``projects/P/zones/Z/clusters/C`` becomes
    the locations form, which the Container API and fleet reports use.

    Raises:
        ValueError: ``text`` is none of these.
    """
    value = text.strip().strip("/")
    full = _PATH.fullmatch(value)
    if full:
        return f"projects/{full['project']}/locations/{full['location']}/clusters/{full['name']}"
    short = _SHORT.fullmatch(value)
    if short:
        return f"projects/{project}/locations/{short['location']}/clusters/{short['name']}"
    raise ValueError(CLUSTER_FORMS)


def path_of_context(context: str) -> str | None:
    """The cluster path of a kubeconfig context ``gcloud`` wrote (``gke_<project>_<location>_<name>``)."""
    found = _GCLOUD_CONTEXT.fullmatch(context)
    if found is None:
        return None
    return f"projects/{found['project']}/locations/{found['location']}/clusters/{found['name']}"


def _short(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """One GKE cluster: how to reach its control plane, and the facts that explain Ingress faults.

    Attributes:
        project: the project the cluster lives in.
        location: its region or zone.
        name: its name.
        id: the cluster id; its first 8 characters are in GKE's node tag and firewall rule names.
        network: its VPC network's name.
        subnetwork: its subnetwork's path (``projects/P/regions/R/subnetworks/S``), or its name.
        node_tags: the network tags on its nodes: GKE's own ``gke-<name>-<id[:8]>-node`` and the
            node pools' ``config.tags``.
        http_load_balancing_disabled: the HTTP load balancing add-on (ingress-gce) is disabled.
        vpc_native: pods get alias IPs from the subnetwork (``ipAllocationPolicy.useIpAliases``).
        autopilot: an Autopilot cluster.
        endpoint: the control plane's public (or only) IP endpoint.
        private_endpoint: the control plane's private IP endpoint, if it has one.
        dns_endpoint: the DNS-based control plane endpoint, if it allows external traffic.
        ca_certificate: ``masterAuth.clusterCaCertificate``: the base64 PEM of the cluster's CA.
        status: ``RUNNING``, ``PROVISIONING``, ``RECONCILING``, …
    """

    project: str
    location: str
    name: str
    id: str = ""
    network: str = ""
    subnetwork: str = ""
    node_tags: tuple[str, ...] = ()
    http_load_balancing_disabled: bool = False
    vpc_native: bool = True
    autopilot: bool = False
    endpoint: str = ""
    private_endpoint: str | None = None
    dns_endpoint: str | None = None
    ca_certificate: str = field(default="", repr=False)
    status: str = ""

    @property
    def path(self) -> str:
        """``projects/P/locations/L/clusters/C``: how findings name the cluster."""
        return f"projects/{self.project}/locations/{self.location}/clusters/{self.name}"

    @classmethod
    def from_json(cls, data: Mapping[str, Any], project: str = "") -> ClusterInfo:
        """Read a Container API v1 ``Cluster`` (camelCase JSON).

        ``project`` is used when the cluster's ``selfLink`` does not name one.
        """
        found = _PATH.search(str(data.get("selfLink", "")))
        name = str(data["name"])
        network_config = data.get("networkConfig") or {}
        pools = data.get("nodePools") or []
        configs = [data.get("nodeConfig") or {}, *((p.get("config") or {}) for p in pools)]
        cluster_id = str(data.get("id", ""))
        tags = {t for c in configs for t in c.get("tags") or ()}
        if cluster_id:
            tags.add(f"gke-{name}-{cluster_id[:8]}-node")
        return cls(
            project=found["project"] if found else project,
            location=str(data.get("location") or data.get("zone") or ""),
            name=name,
            id=cluster_id,
            node_tags=tuple(sorted(str(t) for t in tags)),
            network=_short(str(network_config.get("network") or data.get("network") or "")),
            subnetwork=str(network_config.get("subnetwork") or data.get("subnetwork") or ""),
            http_load_balancing_disabled=bool(
                ((data.get("addonsConfig") or {}).get("httpLoadBalancing") or {}).get("disabled")
            ),
            vpc_native=bool((data.get("ipAllocationPolicy") or {}).get("useIpAliases")),
            autopilot=bool((data.get("autopilot") or {}).get("enabled")),
            endpoint=str(data.get("endpoint", "")),
            private_endpoint=(data.get("privateClusterConfig") or {}).get("privateEndpoint"),
            dns_endpoint=_dns_endpoint(data),
            ca_certificate=str((data.get("masterAuth") or {}).get("clusterCaCertificate", "")),
            status=str(data.get("status", "")),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without the CA certificate)."""
        return {
            "path": self.path,
            "project": self.project,
            "location": self.location,
            "name": self.name,
            "network": self.network,
            "subnetwork": self.subnetwork,
            "node_tags": list(self.node_tags),
            "http_load_balancing_disabled": self.http_load_balancing_disabled,
            "vpc_native": self.vpc_native,
            "autopilot": self.autopilot,
            "status": self.status,
        }


def _dns_endpoint(data: Mapping[str, Any]) -> str | None:
    config = (data.get("controlPlaneEndpointsConfig") or {}).get("dnsEndpointConfig") or {}
    endpoint = config.get("endpoint")
    return str(endpoint) if endpoint and config.get("allowExternalTraffic") else None
