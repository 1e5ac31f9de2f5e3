"""Malformed objects become findings or recorded errors, never tracebacks or silent gaps."""

from gkeingress.testing import Path, Rule, WorldBuilder
from tests.unit.conftest import Judge, codes


def _web(b: WorldBuilder) -> None:
    b.service("shop", "web")
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def test_backends_annotation_that_is_not_json(builder: WorldBuilder, judge: Judge) -> None:
    """A garbled backends annotation is named, and does not stop pairing from the other annotations."""
    _web(builder)
    builder.kube_object("ingresses", "shop", "web")["metadata"]["annotations"][
        "ingress.kubernetes.io/backends"
    ] = "{oops"
    report = judge(builder)
    assert report.ingress("shop/web").url_map is not None
    assert report.ingress("shop/web").backend_states.error is not None
    assert codes(report, "shop/web") == ["CONTROLLER_ANNOTATION_MALFORMED"]


def test_neg_status_that_is_not_json_falls_back_to_the_naming_scheme(
    builder: WorldBuilder, judge: Judge
) -> None:
    """With neg-status unreadable, NEGs are still found by their ingress-gce name."""
    _web(builder)
    builder.kube_object("services", "shop", "web")["metadata"]["annotations"][
        "cloud.google.com/neg-status"
    ] = "not json"
    web = judge(builder).ingress("shop/web").backends[1]
    assert len(web.negs) == 2


def test_object_that_cannot_be_read_is_named_in_the_errors(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An object whose fields have impossible types is left out and named, not silently dropped."""
    _web(builder)
    builder.kube_object("services", "shop", "web")["spec"]["ports"][0]["port"] = "eighty"
    report = judge(builder)
    [error] = report.errors
    assert error.call == "parse"
    assert "Service shop/web" in error.message
    incomplete = [f for f in report.findings if f.code == "CHECK_INCOMPLETE"]
    assert incomplete, "checks that read Services must say they are incomplete"


def test_health_check_with_unexpected_enum_value(builder: WorldBuilder, judge: Judge) -> None:
    """An unknown portSpecification with no port leaves nothing to compare: no finding, no crash."""
    _web(builder)
    builder.health_check("shop", "web", 80)["httpHealthCheck"]["portSpecification"] = (
        "USE_NEW_THING"
    )
    assert codes(judge(builder), "shop/web") == []
