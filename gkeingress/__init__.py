"""gkeingress: audit GKE Ingress.

Pairs every Ingress with the Google Cloud load balancer GKE's ingress controller made for it
(forwarding rules, target proxies, URL map, backend services, health checks, NEGs) and explains
what is broken and why::

    import gkeingress
    report = gkeingress.audit("my-project")
    for finding in report.findings:
        print(finding.severity, finding.code, finding.ingress, finding.message)
"""

from importlib.metadata import PackageNotFoundError, version

from gkeingress.api import analyse, audit
from gkeingress.checks import REGISTRY, Check
from gkeingress.collect import CollectionError, Snapshot, collect
from gkeingress.connect import ClusterUnreachable
from gkeingress.errors import AuditError, GkeIngressError, MissingDependencyError
from gkeingress.findings import Finding, Severity
from gkeingress.fleet import FleetProgress, audit_fleet
from gkeingress.model.cluster import ClusterInfo
from gkeingress.model.routing import Hop, Route
from gkeingress.model.timeline import Change
from gkeingress.model.topology import PairedIngress, Reference, ServiceBackend
from gkeingress.report import FleetReport, Report

try:
    __version__ = version("gkeingress")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "REGISTRY",
    "AuditError",
    "Change",
    "Check",
    "ClusterInfo",
    "ClusterUnreachable",
    "CollectionError",
    "Finding",
    "FleetProgress",
    "FleetReport",
    "GkeIngressError",
    "Hop",
    "MissingDependencyError",
    "PairedIngress",
    "Reference",
    "Report",
    "Route",
    "ServiceBackend",
    "Severity",
    "Snapshot",
    "__version__",
    "analyse",
    "audit",
    "audit_fleet",
    "collect",
]
