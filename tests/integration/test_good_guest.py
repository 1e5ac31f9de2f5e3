"""An audit leaves its host process as it found it: the garbage collector and the logging tree."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest

from gkeingress.testing import audit_demo


@pytest.fixture(name="collector_off")
def _collector_off() -> Iterator[None]:
    """The host program has switched the cyclic collector off and frozen what it built."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def test_an_audit_leaves_the_garbage_collector_as_the_host_set_it() -> None:
    """With the collector on, it is still on after a whole demo audit, and nothing was frozen."""
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    audit_demo()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("collector_off")
def test_an_audit_never_switches_on_a_collector_the_host_switched_off() -> None:
    """A host that disabled and froze the collector finds it disabled and still frozen after an audit.

    Frozen objects that died during the audit leave the count, so it may only fall; unfreezing would
    empty it.
    """
    frozen = gc.get_freeze_count()
    audit_demo()
    assert not gc.isenabled()
    assert 0.9 * frozen <= gc.get_freeze_count() <= frozen


def test_an_audit_configures_no_logging() -> None:
    """No handler is added to the root logger or to gkeingress's, and no level is changed."""
    root, own = logging.getLogger(), logging.getLogger("gkeingress")
    before = (list(root.handlers), root.level, list(own.handlers), own.level, own.propagate)
    audit_demo()
    assert (list(root.handlers), root.level, list(own.handlers), own.level, own.propagate) == before
