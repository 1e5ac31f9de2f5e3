"""Collecting: every API call of an audit happens here, and ends in an immutable :class:`Snapshot`.

The Google and Kubernetes clients are imported when a collection starts, not with this package,
so ``import gkeingress`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gkeingress.collect.compute import ComputeResult, PageReader
    from gkeingress.collect.evidence import EvidenceClients, EvidenceResult, read_evidence
    from gkeingress.collect.gate import ApiGate
    from gkeingress.collect.progress import Progress
    from gkeingress.collect.run import collect, list_compute

_HOMES = {
    "ApiGate": "gkeingress.collect.gate",
    "ComputeResult": "gkeingress.collect.compute",
    "PageReader": "gkeingress.collect.compute",
    "EvidenceClients": "gkeingress.collect.evidence",
    "EvidenceResult": "gkeingress.collect.evidence",
    "read_evidence": "gkeingress.collect.evidence",
    "Progress": "gkeingress.collect.progress",
    "collect": "gkeingress.collect.run",
    "list_compute": "gkeingress.collect.run",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "ApiGate",
    "ComputeResult",
    "EvidenceClients",
    "EvidenceResult",
    "PageReader",
    "Progress",
    "collect",
    "list_compute",
    "read_evidence",
]
