"""Why an audit could not run, and what a report keeps of a bug in gkeingress.

Exceptions are raised when an audit cannot run at all (bad configuration, no credentials);
:class:`InternalError` is what a report keeps of a bug met during an audit.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class InternalError:
    """A bug in gkeingress met during an audit, as a report keeps it (distinct from API failures).

    Attributes:
        where: what was running: ``check NEG_EMPTY``, or ``audit of projects/P/locations/L/clusters/C``.
        error: the exception, as ``TypeError: ...``.
        traceback: the exception's traceback, as Python prints it.
    """

    where: str
    error: str
    traceback: str

    @classmethod
    def of(cls, where: str, exc: BaseException) -> InternalError:
        """The internal error ``exc`` raised inside ``where``."""
        return cls(
            where,
            f"{type(exc).__name__}: {exc}",
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        )

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"where": self.where, "error": self.error, "traceback": self.traceback}
