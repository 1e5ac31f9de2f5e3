"""The demo world shows every finding code on the Ingress with that fault, and none on healthy ones."""

import pytest

from gkeingress import REGISTRY
from gkeingress.checks.registry import Check
from gkeingress.testing import WorldBuilder
from gkeingress.testing.scenarios import INCIDENTS, demo_world
from tests.unit.conftest import Judge


@pytest.mark.parametrize("code", sorted(INCIDENTS))
def test_each_incident_alone_shows_only_its_code(
    code: str, builder: WorldBuilder, judge: Judge
) -> None:
    """Each incident, built on its own, produces its code and no other code."""
    INCIDENTS[code](builder)
    report = judge(builder)
    assert {f.code for f in report.findings} == {code}


def test_demo_shows_every_code_once_per_incident(judge: Judge) -> None:
    """Every incident's code is in the demo, each on one Ingress, and the healthy ones are clean."""
    builder = WorldBuilder()
    builder.world = demo_world()
    report = judge(builder)
    by_code = {code: {f.ingress for f in report.findings if f.code == code} for code in INCIDENTS}
    assert all(len(ingresses) == 1 for ingresses in by_code.values()), by_code
    assert report.findings_for("shop/web") == []
    assert report.findings_for("blog/blog") == []
    assert not report.errors


def test_every_registered_check_has_an_incident_or_is_the_engines_own() -> None:
    """A registered code without a reproducing incident is a check nobody has seen fire."""
    assert {c.code for c in REGISTRY if c.run is not None} <= set(INCIDENTS)


@pytest.mark.parametrize("check", list(REGISTRY), ids=lambda c: c.code)
def test_every_check_is_documented(check: object) -> None:
    """Codes, titles, explanations and fixes are what the findings catalog is generated from."""
    assert isinstance(check, Check)
    assert check.code.isupper()
    assert check.title
    assert check.explanation
    assert check.fix
    assert check.docs_url.endswith(check.code.lower().replace("_", "-"))
