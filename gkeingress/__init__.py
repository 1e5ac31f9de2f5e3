"""gkeingress: audit GKE Ingress.

Pairs every Ingress with the Google Cloud load balancer GKE's ingress controller made for it
(forwarding rules, target proxies, URL map, backend services, health checks, NEGs) and explains
what is broken and why::

    import gkeingress
    report = gkeingress.audit("my-project")
    for finding in report.findings:
        print(finding.severity, finding.code, finding.ingress, finding.message)

Your own checks run beside the shipped ones: declare them with :func:`check`, add them to a
:class:`Registry` with :data:`REGISTRY`'s, and pass ``registry=`` to :func:`audit`.
"""

import importlib
from typing import TYPE_CHECKING, Any

import gkeingress.render.html  # noqa: F401 - registers the notebook views of the public types
from gkeingress.analysis import analyse
from gkeingress.checks import REGISTRY, AuditOptions, Check, Hit, Registry
from gkeingress.checks.registry import check
from gkeingress.errors import (
    ArgumentError,
    AuditError,
    ClusterUnreachable,
    GkeIngressError,
    MissingDependencyError,
)
from gkeingress.findings import Finding, Severity
from gkeingress.model.routing import Hop, Route
from gkeingress.model.timeline import Change
from gkeingress.model.topology import (
    ComputeIndex,
    PairedIngress,
    Reference,
    ServiceBackend,
    Topology,
)
from gkeingress.report import FleetReport, Report
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.snapshot import CollectionError, DataKind, Snapshot
from gkeingress.version import __version__

if TYPE_CHECKING:
    from gkeingress.api import audit
    from gkeingress.collect.run import collect
    from gkeingress.fleet import FleetProgress, audit_fleet
    from gkeingress.live.wait import wait

_READERS = {
    "audit": "gkeingress.api",
    "audit_fleet": "gkeingress.fleet",
    "FleetProgress": "gkeingress.fleet",
    "collect": "gkeingress.collect.run",
    "wait": "gkeingress.live.wait",
}
"""The names that read the APIs: their modules import the Google and Kubernetes clients, so they
are imported on first use, and ``import gkeingress`` stays light for ``explain`` and notebooks."""


def __getattr__(name: str) -> Any:
    """Import an API-reading name's module on first use."""
    home = _READERS.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "REGISTRY",
    "ArgumentError",
    "AuditError",
    "AuditOptions",
    "Change",
    "Check",
    "ClusterInfo",
    "ClusterUnreachable",
    "CollectionError",
    "ComputeIndex",
    "DataKind",
    "Finding",
    "FleetProgress",
    "FleetReport",
    "GkeIngressError",
    "Hit",
    "Hop",
    "MissingDependencyError",
    "PairedIngress",
    "Reference",
    "Registry",
    "Report",
    "Route",
    "ServiceBackend",
    "Severity",
    "Snapshot",
    "Topology",
    "__version__",
    "analyse",
    "audit",
    "audit_fleet",
    "check",
    "collect",
    "wait",
]
