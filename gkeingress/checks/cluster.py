"""Faults of the cluster itself, from the Container API: the Ingress add-on, VPC-native networking.

These checks need the cluster's facts (``Snapshot.cluster``), read when the audit reached the
cluster through the Container API (``audit(cluster=…)``, a fleet, or a gcloud kubeconfig context);
without them they stay silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Check, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.snapshot import DataKind

NEG_ATTACH_ERROR = (
    "Failed to Attach … network endpoint(s) … googleapi: Error 400: Invalid value for field "
    "'resource.ipAddress': … Specified IP address … doesn't belong to the (sub)network"
)
"""ingress-gce's NEG attach error on a routes-based cluster (kubernetes/ingress-gce#1463)."""


@check(
    "HTTP_LOAD_BALANCING_DISABLED",
    needs_change=True,
    severity=Severity.ERROR,
    title="The cluster's HTTP load balancing add-on is disabled: no GCE Ingress is provisioned",
    explanation=(
        "GKE's Ingress controller (ingress-gce) runs only when the cluster's HttpLoadBalancing "
        "add-on is enabled (`addonsConfig.httpLoadBalancing.disabled` is false). With the add-on "
        "disabled, nothing in the cluster acts on Ingresses of class `gce`, `gce-internal` or "
        "`gce-regional-external`: no "
        "address, no URL map, no backend services, and no event on the Ingress either, so it "
        "looks stuck on 'Creating ingress' forever. Disabling it is how clusters make room for "
        "another controller (nginx), which is easy to forget when a GCE Ingress is added later."
    ),
    evidence=(
        "The cluster (`cluster`) whose `addonsConfig.httpLoadBalancing.disabled` is true, and "
        "each GCE-class Ingress in it."
    ),
    fix=(
        "Enable the add-on (gcloud container clusters update CLUSTER --location LOCATION "
        "--update-addons=HttpLoadBalancing=ENABLED), or give the Ingress the class of the "
        "controller that does run in the cluster."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/custom-ingress-controller",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://github.com/kubernetes/ingress-gce/issues/605",
    ),
    requires=(DataKind.CLUSTER, DataKind.INGRESSES),
)
def http_load_balancing_disabled(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report every GCE Ingress of a cluster whose HTTP load balancing add-on is disabled."""
    del options
    cluster = topology.snapshot.cluster
    if cluster is None or not cluster.http_load_balancing_disabled:
        return
    for paired in managed(topology):
        yield Hit(
            ingress=paired.name,
            resource=cluster.path,
            message=(
                f"Ingress {paired.name} is a GCE Ingress, but cluster {cluster.path} has its "
                "HTTP load balancing add-on disabled (addonsConfig.httpLoadBalancing.disabled), "
                "so GKE's Ingress controller does not run there: it will never be provisioned and "
                "no event will say why."
            ),
            remediation=(
                f"gcloud container clusters update {cluster.name} --location {cluster.location} "
                f"--project {cluster.project} --update-addons=HttpLoadBalancing=ENABLED, or set "
                "the Ingress's class to the controller that runs in the cluster."
            ),
            evidence={"cluster": cluster.path, "http_load_balancing_disabled": True},
        )


@check(
    "CLUSTER_NOT_VPC_NATIVE",
    needs_change=True,
    severity=Severity.ERROR,
    title="NEG backends on a routes-based cluster: the pods cannot be attached to the NEGs",
    explanation=(
        "Container-native load balancing puts pod IPs into network endpoint groups, which needs "
        "the pods' IPs to be alias IPs of the subnetwork: a VPC-native cluster "
        "(`ipAllocationPolicy.useIpAliases`). On a routes-based cluster the NEG controller still "
        "creates the NEGs, but every attach fails with Compute's 400 `" + NEG_ATTACH_ERROR + "`, "
        "so the NEGs stay empty and the load balancer has no healthy backend (502)."
    ),
    evidence=(
        "The cluster (`cluster`), which is not VPC-native, and the Services of the Ingress that "
        "use NEG backends (`services`)."
    ),
    fix=(
        "Serve these Services through instance groups (remove the `cloud.google.com/neg` "
        "annotation's ingress NEG), or move the workloads to a VPC-native cluster (a cluster "
        "cannot be converted in place)."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/container-native-load-balancing",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips",
        "https://github.com/kubernetes/ingress-gce/issues/1463",
    ),
    requires=(DataKind.CLUSTER, DataKind.INGRESSES, DataKind.SERVICES),
)
def cluster_not_vpc_native(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report each Ingress with NEG backends in a cluster that is not VPC-native."""
    del options
    cluster = topology.snapshot.cluster
    if cluster is None or cluster.vpc_native:
        return
    for paired in managed(topology):
        services = sorted(
            {b.service_key for b in paired.backends if b.uses_neg and not b.is_system_default}
        )
        if not services:
            continue
        yield Hit(
            ingress=paired.name,
            resource=cluster.path,
            message=(
                f"Ingress {paired.name} sends traffic to NEG backends ({', '.join(services)}), "
                f"but cluster {cluster.path} is routes-based, not VPC-native: ingress-gce cannot "
                f"attach the pods to the NEGs (`{NEG_ATTACH_ERROR}`), so the NEGs stay empty and "
                "the load balancer answers 502."
            ),
            remediation=(
                f"Remove the ingress NEG from the cloud.google.com/neg annotation of "
                f"{', '.join(services)} so they are served through instance groups, or run them "
                "on a VPC-native cluster (--enable-ip-alias)."
            ),
            evidence={"cluster": cluster.path, "vpc_native": False, "services": services},
        )


CLUSTER_UNREACHABLE = Check(
    code="CLUSTER_UNREACHABLE",
    severity=Severity.ERROR,
    title="A cluster of the fleet could not be audited",
    explanation=(
        "A fleet audit lists every cluster of the projects and connects to each cluster's "
        "Kubernetes API at the endpoint the Container API gives, verifying TLS with the cluster's "
        "CA (`masterAuth.clusterCaCertificate`) and sending the Google access token. When that "
        "fails (a private endpoint not reachable from here, authorized networks, a certificate "
        "not signed by the cluster's CA, a token refused, a timeout) that cluster's Ingresses are "
        "not audited; the rest of the fleet still is. The same holds for every cluster of a "
        "project whose clusters could not be listed, and for a cluster asked for by name that no "
        "project has."
    ),
    evidence=(
        "The cluster, or `projects/P` when its clusters could not be listed (`cluster`), what "
        "failed (`reason`: tls, auth, timeout, connection, endpoint, api, list or not-found) and "
        "the error."
    ),
    fix=(
        "Audit from a network that reaches the control plane (inside the VPC with "
        "--use-private-endpoint, or an authorized network), grant container.clusters.get and "
        "container.clusters.list on the project and read RBAC on the cluster, and check the "
        "names given with --cluster."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/api-server-authentication",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation",
    ),
    requires=frozenset(),
)
"""Emitted by :func:`gkeingress.audit_fleet` for a cluster it could not connect to."""
