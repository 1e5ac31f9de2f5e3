"""A count of the API calls an audit made, by call."""

from __future__ import annotations

import threading
from collections import Counter


class CallLog:
    """Thread-safe counter of API calls (``"compute aggregatedList backendServices"`` → n)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, call: str) -> None:
        """Count one call."""
        with self._lock:
            self._counts[call] += 1

    def counts(self) -> dict[str, int]:
        """Calls made so far, by call, sorted by name."""
        with self._lock:
            return dict(sorted(self._counts.items()))
