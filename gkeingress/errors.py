"""Exceptions raised when an audit cannot run at all (bad configuration, no credentials)."""

from __future__ import annotations


class GkeIngressError(Exception):
    """Base class of gkeingress's exceptions."""


class AuditError(GkeIngressError):
    """The audit could not start: no cluster connection or no Google credentials.

    Failures of individual API calls do not raise: they become ``report.errors`` and
    ``CHECK_INCOMPLETE`` findings.
    """


class MissingDependencyError(GkeIngressError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


class ClusterUnreachable(AuditError):  # noqa: N818 - reads as what happened
    """The cluster's Kubernetes API could not be used.

    Attributes:
        cluster: the cluster's path.
        reason: ``tls``, ``auth``, ``timeout``, ``connection``, ``endpoint`` or ``api``.
    """

    def __init__(self, cluster: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.cluster = cluster
        self.reason = reason
