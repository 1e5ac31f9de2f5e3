"""The least access an audit needs: IAM permissions on the project, RBAC rules in the cluster.

``roles/compute.viewer`` on the project grants every Compute permission below, and
``roles/container.clusterViewer`` the two Container API permissions an audit by cluster name needs,
``roles/monitoring.viewer`` and ``roles/logging.viewer`` the evidence permissions (the load
balancers' request counts; their request, health-check and audit logs);
the Kubernetes rules are a read-only ClusterRole (:func:`cluster_role_yaml`). Without one of them
the audit still runs, and the checks that needed the data report ``CHECK_INCOMPLETE`` naming the
missing permission.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPUTE_PERMISSIONS: tuple[str, ...] = (
    "compute.urlMaps.list",
    "compute.targetHttpProxies.list",
    "compute.targetHttpsProxies.list",
    "compute.forwardingRules.list",
    "compute.backendServices.list",
    "compute.healthChecks.list",
    "compute.networkEndpointGroups.list",
    "compute.addresses.list",
    "compute.firewalls.list",
    "compute.backendServices.get",  # backendServices.getHealth
    "compute.regionBackendServices.get",  # regionBackendServices.getHealth (internal Ingresses)
    "compute.networkEndpointGroups.get",  # networkEndpointGroups.listNetworkEndpoints
)
"""Compute Engine IAM permissions, one per call the audit makes (aggregated lists need ``list``)."""

WAIT_PERMISSIONS: tuple[str, ...] = (
    "compute.urlMaps.get",
    "compute.regionUrlMaps.get",
    "compute.targetHttpProxies.get",
    "compute.regionTargetHttpProxies.get",
    "compute.targetHttpsProxies.get",
    "compute.regionTargetHttpsProxies.get",
    "compute.globalForwardingRules.get",
    "compute.forwardingRules.get",
    "compute.healthChecks.get",
    "compute.regionHealthChecks.get",
)
"""What ``gkeingress wait`` adds: its rounds get the load balancer's resources by name (backend
services and NEGs are got with the audit's ``get`` permissions). In the cluster it lists by name
with the audit's ``list`` rules, so it needs no other RBAC."""

CONTAINER_PERMISSIONS: tuple[str, ...] = (
    "container.clusters.get",  # audit(cluster=...): the cluster's endpoint, CA and facts
    "container.clusters.list",  # audit_fleet / --all-clusters: every cluster of a project
)
"""GKE IAM permissions for connecting through the Container API (``roles/container.clusterViewer``)."""

LOGGING_PERMISSION = "logging.logEntries.list"
"""The one Cloud Logging permission the audit needs (``roles/logging.viewer`` grants it): request,
health-check and Admin Activity audit logs. ``logging.privateLogEntries.list`` is not needed: it
guards Data Access audit logs, which the audit does not read."""

EVIDENCE_PERMISSIONS: tuple[str, ...] = (
    "monitoring.timeSeries.list",  # the load balancers' request counts (roles/monitoring.viewer)
    LOGGING_PERMISSION,  # request, health-check and audit logs (roles/logging.viewer)
)
"""IAM permissions for reading the load balancers' own evidence (skipped with ``evidence=False``)."""


@dataclass(frozen=True, slots=True)
class KubeRule:
    """One RBAC rule: API group, resources, verbs, and optionally the only names allowed."""

    group: str
    resources: tuple[str, ...]
    verbs: tuple[str, ...]
    names: tuple[str, ...] = ()
    why: str = ""


KUBERNETES_RULES: tuple[KubeRule, ...] = (
    KubeRule("networking.k8s.io", ("ingresses",), ("list",), why="the Ingresses to audit"),
    KubeRule("", ("services", "pods", "events"), ("list",), why="backends, their pods and events"),
    KubeRule(
        "",
        ("secrets",),
        ("list",),
        why="which TLS secrets exist; listed as metadata only, secret data is never read",
    ),
    KubeRule("", ("configmaps",), ("get",), ("ingress-uid",), why="the cluster UID in names"),
    KubeRule("", ("namespaces",), ("get",), ("kube-system",), why="the UID in v2 names"),
    KubeRule("discovery.k8s.io", ("endpointslices",), ("list",), why="endpoints per zone"),
    KubeRule("apps", ("replicasets",), ("list",), why="rollouts for the change timeline"),
    KubeRule("cloud.google.com", ("backendconfigs",), ("list",), why="health-check settings"),
    KubeRule(
        "networking.gke.io",
        ("servicenetworkendpointgroups", "frontendconfigs"),
        ("list",),
        why="NEG sync status, frontend settings",
    ),
)
"""Kubernetes RBAC rules of a read-only ClusterRole for the audit."""


def kubernetes_permissions() -> frozenset[str]:
    """The rules as ``"<verb> <resource>[.<group>]"`` strings (``"list ingresses.networking.k8s.io"``)."""
    return frozenset(
        f"{verb} {resource}{'.' + rule.group if rule.group else ''}"
        for rule in KUBERNETES_RULES
        for resource in rule.resources
        for verb in rule.verbs
    )


def cluster_role_yaml(name: str = "gkeingress-auditor") -> str:
    """The ClusterRole granting exactly :data:`KUBERNETES_RULES`, as YAML."""
    lines = [
        "apiVersion: rbac.authorization.k8s.io/v1",
        "kind: ClusterRole",
        "metadata:",
        f"  name: {name}",
        "rules:",
    ]
    for rule in KUBERNETES_RULES:
        lines.append(f'  - apiGroups: ["{rule.group}"]  # {rule.why}')
        lines.append(f"    resources: [{', '.join(rule.resources)}]")
        if rule.names:
            lines.append(f"    resourceNames: [{', '.join(rule.names)}]")
        lines.append(f"    verbs: [{', '.join(rule.verbs)}]")
    return "\n".join(lines) + "\n"
