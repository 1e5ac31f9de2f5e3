"""Unit-test helpers: build a world, judge it without HTTP."""

from collections.abc import Callable

import pytest

from gkeingress import Finding, Report, analyse
from gkeingress.testing import DEMO_NOW, WorldBuilder, snapshot_of
from gkeingress.testing.scenarios import AMBIENT

Judge = Callable[[WorldBuilder], Report]


@pytest.fixture(name="builder")
def _builder() -> WorldBuilder:
    return WorldBuilder()


@pytest.fixture(name="judge")
def _judge() -> Judge:
    """Audit a built world at the demo's fixed time, straight from its objects."""

    def judge(builder: WorldBuilder) -> Report:
        return analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW)

    return judge


def codes(report: Report, ingress: str) -> list[str]:
    """The finding codes on one Ingress, in report order, without the ambient DEFAULT_BACKEND_404."""
    return [f.code for f in report.findings_for(ingress) if f.code not in AMBIENT]


def faults(report: Report, ingress: str) -> list[Finding]:
    """The findings on one Ingress without the ambient DEFAULT_BACKEND_404."""
    return [f for f in report.findings_for(ingress) if f.code not in AMBIENT]


def only(report: Report, ingress: str, code: str) -> Finding:
    """The single finding with ``code`` on ``ingress``."""
    [finding] = [f for f in report.findings_for(ingress) if f.code == code]
    return finding
