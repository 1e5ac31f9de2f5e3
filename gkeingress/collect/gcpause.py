"""Pause Python's cyclic garbage collector while an audit builds many objects at once.

Decoding API pages, parsing them into the model, pairing and checking create millions of small
containers that form no reference cycles: reference counting frees them. Meanwhile the cyclic
collector, triggered by the number of allocations, would walk the growing heap again and again;
for 1000 Ingresses that was half the CPU time of collection and a third of the analysis. When the
last paused block ends, the objects it built are moved to the oldest generation unexamined (see
:func:`_age`). Compute lists are paused as a whole, waits included, because the client decodes
each page inside its call; in a fleet the pauses overlap, so the collector stays off until the
last cluster's collection ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many paused blocks are running, and whether the collector was on before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = False


_PAUSES = _Pauses()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause cyclic garbage collection in the block; usable as a decorator.

    Blocks may nest and run on several threads at once: the collector is enabled again when the
    last one ends, and only if it was enabled when the first one began.
    """
    with _PAUSES.lock:
        if _PAUSES.depth == 0:
            _PAUSES.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSES.depth += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.depth -= 1
            if _PAUSES.depth == 0:
                _age()
                if _PAUSES.was_enabled:
                    gc.enable()


def _age() -> None:
    """Move every tracked object of the process to the oldest generation without examining it.

    What the paused blocks built and still hold (pages, the snapshot, the report) lives as long as
    the audit. Left in the youngest generation, all of it would be examined by the next young
    collection and again by the middle one: for 1000 Ingresses, a third of a second spent finding
    nothing. The price: any cyclic garbage the rest of the program made meanwhile waits for the
    next full collection, which still examines everything. Skipped when the program has frozen
    objects itself (``gc.freeze()`` before forking workers): unfreezing would undo that.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
