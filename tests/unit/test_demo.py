"""Each incident of the demo world shows exactly its codes, and the healthy Ingresses none.

A new check needs no incident here: its scenario test is enough (docs/contributing.md).
"""

import pytest

from gkeingress import analyse
from gkeingress.testing import DEMO_NOW, WorldBuilder, snapshot_of
from gkeingress.testing.incidents_cluster import CLUSTER_INCIDENTS
from gkeingress.testing.scenarios import (
    AMBIENT,
    INCIDENTS,
    Incident,
    demo_world,
)


@pytest.mark.parametrize(
    "incident", INCIDENTS + CLUSTER_INCIDENTS, ids=lambda i: i.scenario.__name__
)
def test_each_incident_shows_its_cause_and_symptoms_only(
    incident: Incident, builder: WorldBuilder
) -> None:
    """An incident built alone on a healthy cluster shows its root cause and its known symptoms."""
    incident.scenario(builder)
    report = analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW)
    shown = {f.code for f in report.findings}
    assert shown - (AMBIENT - incident.codes) == incident.codes


def test_demo_keeps_healthy_ingresses_clean() -> None:
    """Among all the incidents, the healthy Ingresses still have no finding at all."""
    report = analyse(snapshot_of(demo_world(), DEMO_NOW), now=DEMO_NOW)
    for healthy in ("shop/web", "blog/blog"):
        assert {f.code for f in report.findings_for(healthy)} <= AMBIENT
        assert all(f.severity == "info" for f in report.findings_for(healthy))
    assert not report.errors
    assert {f.code for f in report.findings} == {c for i in INCIDENTS for c in i.codes}
