"""What collection reports while it runs, for a progress display; collection works without one.

Collectors call :meth:`Progress.phase` when a phase begins and :meth:`Progress.call_done` when each
API call has finished (all its pages, all its retries). Calls finish on worker threads, so an
implementation must be thread-safe.
"""

from __future__ import annotations

from typing import Final, Protocol

LISTS: Final = "lists"
"""The first phase: one list call per Kubernetes kind and Compute collection, side by side."""
HEALTH: Final = "health"
"""The second phase: ``backendServices.getHealth`` per backend service and group, and
``networkEndpointGroups.listNetworkEndpoints`` per NEG, where they add information."""


class Progress(Protocol):
    """Receives collection progress; see :data:`NO_PROGRESS` for the one that ignores it."""

    def phase(self, name: str) -> None:
        """A phase begins: :data:`LISTS`, then :data:`HEALTH`."""

    def call_done(self, call: str, items: int | None, error: str | None) -> None:
        """One call finished: ``items`` objects read, or None and the ``error`` that ended it.

        ``call`` names the call as the report's errors do, e.g. ``list v1 pods`` or
        ``compute.urlMaps.aggregatedList``.
        """


class _NoProgress:
    """Ignores everything."""

    def phase(self, name: str) -> None:
        """Ignore a phase."""

    def call_done(self, call: str, items: int | None, error: str | None) -> None:
        """Ignore a call."""


NO_PROGRESS: Final[Progress] = _NoProgress()
"""The progress receiver that does nothing: the default."""
