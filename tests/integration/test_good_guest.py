"""An audit leaves its host process as it found it: the garbage collector and the logging tree.

The ``gkeingress`` command, whose process is its own, is the one place that tunes the collector.
"""

from __future__ import annotations

import gc
import logging
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from gkeingress.cli import main
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


def test_the_command_called_from_a_program_leaves_the_collector_alone(tmp_path: Path) -> None:
    """``cli.main`` run inside another program freezes nothing: the process is not the command's."""
    frozen = gc.get_freeze_count()
    assert main(["demo", "--format", "json", "--output", str(tmp_path / "report.json")]) == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_the_command_in_its_own_process_freezes_what_its_imports_left() -> None:
    """The installed ``gkeingress`` command freezes the client libraries' objects before it audits.

    Its process is its own, so the collector's full passes during the audit may skip them.
    """
    (script,) = (e for e in entry_points(group="console_scripts") if e.name == "gkeingress")
    program = f"""
import gc, os, sys
from {script.module} import {script.attr} as command
sys.argv = ["gkeingress", "demo", "--format", "json", "--output", os.devnull]
try:
    command()
except SystemExit as done:
    print(done.code, gc.get_freeze_count(), "google.cloud.compute_v1" in sys.modules)
"""
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    code, frozen, clients_loaded = ran.stdout.split()
    assert (code, clients_loaded) == ("0", "True")
    assert int(frozen) > 100_000
