"""The severities `gkeingress checks` shows for a code are the ones its findings take."""

from collections.abc import Callable

import pytest

from gkeingress import Finding, analyse
from gkeingress.checks import REGISTRY
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, demo_world, snapshot_of
from gkeingress.testing import incidents_accuracy as accuracy
from gkeingress.testing import incidents_annotations as annotations
from gkeingress.testing import incidents_regional as regional
from gkeingress.testing.incidents_cluster import CLUSTER_INCIDENTS
from gkeingress.testing.scenarios import INCIDENTS

Scenario = Callable[[WorldBuilder], None]


def _other_controllers_classes(b: WorldBuilder) -> None:
    """Ingresses for nginx (info), for an unknown class (warning) and for gce-ish typos (error)."""
    b.service("edge", "web")
    for name, klass in (("nginx", "nginx"), ("custom", "acme-lb"), ("typo", "gce-external")):
        b.ingress(
            "edge",
            name,
            rules=[Rule(f"{name}.example.com", [Path("/", "web")])],
            ingress_class=klass,
            provision=False,
        )


SCENARIOS: tuple[Scenario, ...] = (
    *(i.scenario for i in INCIDENTS + CLUSTER_INCIDENTS),
    accuracy.backend_config_port_undeclared,
    accuracy.backend_config_port_undeclared_yet_healthy,
    accuracy.nginx_shares_service,
    accuracy.exact_api_under_catch_all,
    accuracy.transparent_health_check,
    annotations.neg_status_truncated,
    annotations.url_map_annotation_edited,
    regional.healthy_tickets,
    regional.regional_probe_moved,
    _other_controllers_classes,
)


def _findings(scenario: Scenario) -> list[Finding]:
    builder = WorldBuilder()
    scenario(builder)
    return analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW).findings


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_every_finding_is_within_its_code_declared_severities(scenario: Scenario) -> None:
    """Each scenario's findings carry a severity their check declares."""
    outside = [
        (f.code, f.severity.value, REGISTRY[f.code].severity_range)
        for f in _findings(scenario)
        if f.severity not in REGISTRY[f.code].severities
    ]
    assert outside == []


def test_the_demo_world_findings_are_within_their_ranges() -> None:
    """The demo world, all incidents together, emits no severity a check does not declare."""
    findings = analyse(snapshot_of(demo_world(), DEMO_NOW), now=DEMO_NOW).findings
    assert [f for f in findings if f.severity not in REGISTRY[f.code].severities] == []


def test_ranges_read_least_to_most_severe() -> None:
    """An adapting check shows its range; a fixed one its single severity."""
    assert REGISTRY["NEG_EMPTY"].severity_range == "warning–error"
    assert REGISTRY["INGRESS_CLASS_IGNORED"].severity_range == "info–error"
    assert REGISTRY["PATH_SUBPATHS_NOT_ROUTED"].severity_range == "info–warning"
    assert REGISTRY["RULE_HOST_DUPLICATE"].severity_range == "error"
