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
