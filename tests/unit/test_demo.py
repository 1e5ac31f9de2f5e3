"""The demo world reproduces every finding code, each incident showing exactly its codes."""

import pytest

from gkeingress import REGISTRY, analyse
from gkeingress.checks.registry import Check
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


def test_every_registered_check_is_the_cause_of_an_incident() -> None:
    """A registered code that no incident reproduces is a check nobody has seen fire."""
    causes = {i.cause for i in INCIDENTS + CLUSTER_INCIDENTS}
    symptoms = {"SYNC_ERROR", "BACKEND_UNHEALTHY", "LB_ERRORS_OBSERVED"}
    assert {c.code for c in REGISTRY if c.run is not None} <= causes | symptoms
    assert symptoms <= {c for i in INCIDENTS for c in i.codes}


@pytest.mark.parametrize("check", list(REGISTRY), ids=lambda c: c.code)
def test_every_check_is_documented(check: Check) -> None:
    """Codes, titles, explanations and fixes are what the findings catalog is generated from."""
    assert check.code.isupper()
    assert check.title
    assert check.explanation
    assert check.fix
    assert check.docs_url.endswith(check.code.lower().replace("_", "-"))
