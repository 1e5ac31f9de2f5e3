"""Exceptions raised when an audit cannot run at all (bad configuration, no credentials)."""

from __future__ import annotations


class GkeIngressError(Exception):
    """Base class of gkeingress's exceptions."""


class AuditError(GkeIngressError):
    """The audit could not start: no cluster connection or no Google credentials.

    ``str(error)`` speaks Python (``kube_client=``, ``cluster=``); :attr:`cli` says the same for
    the command line (``--kubeconfig``, ``--cluster``). Failures of individual API calls do not
    raise: they become ``report.errors`` and ``CHECK_INCOMPLETE`` findings.
    """

    def __init__(self, message: str, *, cli: str | None = None) -> None:
        super().__init__(message)
        self._cli = cli

    @property
    def cli(self) -> str:
        """The message as the ``gkeingress`` command shows it."""
        return self._cli or str(self)


class ArgumentError(AuditError):
    """An argument of the audit is wrong; found before any credentials are looked for.

    Attributes:
        argument: the Python argument, e.g. ``kubeconfig``; the command line option is
            ``--kubeconfig``.
        value: what was given.
        problem: what is wrong with it.
    """

    def __init__(self, argument: str, value: object, problem: str) -> None:
        super().__init__(
            f"{argument}={value!r}: {problem}",
            cli=f"--{argument.replace('_', '-')} {value}: {problem}",
        )
        self.argument = argument
        self.value = value
        self.problem = problem


class MissingDependencyError(GkeIngressError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


class ClusterUnreachable(AuditError):  # noqa: N818 - reads as what happened
    """The cluster's Kubernetes API could not be used.

    Attributes:
        cluster: the cluster's path.
        reason: ``tls``, ``auth``, ``timeout``, ``connection``, ``endpoint`` or ``api``.
    """

    def __init__(self, cluster: str, reason: str, message: str, *, cli: str | None = None) -> None:
        super().__init__(message, cli=cli)
        self.cluster = cluster
        self.reason = reason
