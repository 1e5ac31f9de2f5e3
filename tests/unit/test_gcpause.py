"""Pausing the cyclic garbage collector: never leaves it off, never turns it on behind a user."""

import gc
import threading
from collections.abc import Iterator

import pytest

from gkeingress.collect.gcpause import gc_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector enabled, as a test found it afterwards."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_nested_pauses_enable_the_collector_again_only_when_the_outermost_ends() -> None:
    """An inner block ending does not switch the collector back on under the outer one."""
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_enabled_again_after_an_exception() -> None:
    """A failing block still ends the pause."""
    with pytest.raises(ValueError, match="boom"), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_overlapping_pauses_on_threads_end_with_the_last_one() -> None:
    """A thread finishing first leaves the collector paused for a thread still inside."""
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with gc_paused():
        thread.start()
        inside.wait(5)
    assert not gc.isenabled()
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_the_user_disabled_stays_disabled() -> None:
    """An application that turned the collector off finds it off after an audit's pause."""
    was = gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_it_decorates_functions() -> None:
    """Used as a decorator, the pause covers each call."""

    @gc_paused()
    def enabled_inside() -> bool:
        return gc.isenabled()

    assert not enabled_inside()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_what_a_pause_built_is_left_out_of_young_collections() -> None:
    """Objects built in a paused block and kept end it in the oldest generation, not the youngest."""
    with gc_paused():
        with gc_paused():
            kept = [{"ingress": i} for i in range(3)]
        assert any(o is kept for o in gc.get_objects(generation=0))
    assert not any(o is kept for o in gc.get_objects(generation=0))
    assert any(o is kept for o in gc.get_objects(generation=2))


def test_objects_the_program_froze_stay_frozen() -> None:
    """A program that froze its objects before forking workers keeps them frozen after an audit."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            built = [{"i": i} for i in range(1000)]
        assert gc.get_freeze_count() == frozen
        assert built
    finally:
        gc.unfreeze()
