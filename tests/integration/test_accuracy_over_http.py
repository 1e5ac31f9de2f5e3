"""The accuracy scenarios read through the real clients: what the description and annotations say survives."""

from google.auth.credentials import AnonymousCredentials

from gkeingress import Report, audit
from gkeingress.testing import DEMO_NOW, FakeGKE, WorldBuilder
from gkeingress.testing.incidents_accuracy import (
    backend_config_port_undeclared,
    exact_api_under_catch_all,
    transparent_health_check,
)
from gkeingress.testing.incidents_annotations import url_map_annotation_edited


def _audit(builder: WorldBuilder) -> Report:
    with FakeGKE(builder.world) as server, server.kube_client() as kube_client:
        return audit(
            builder.world.project,
            kube_client=kube_client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.compute_endpoint,
            now=DEMO_NOW,
        )


def test_accuracy_scenarios_over_http() -> None:
    """THC, a BackendConfig port, an exact path and an edited annotation, judged over HTTP."""
    builder = WorldBuilder()
    for scenario in (
        transparent_health_check,
        backend_config_port_undeclared,
        exact_api_under_catch_all,
        url_map_annotation_edited,
    ):
        scenario(builder)
    report = _audit(builder)
    assert not report.errors
    codes = {(f.ingress, f.code) for f in report.findings if f.code != "DEFAULT_BACKEND_404"}
    assert codes == {
        ("inventory/inventory", "HEALTH_CHECK_PORT_MISMATCH"),
        ("inventory/inventory", "BACKEND_UNHEALTHY"),
        ("orders/storefront", "PATH_SUBPATHS_NOT_ROUTED"),
        ("wiki/docs", "CONTROLLER_ANNOTATION_MALFORMED"),
    }
    views = {h["name"]: h for i in report.to_dict()["ingresses"] for h in i["health_checks"]}
    reviews = views[builder.backend_name("reviews", "reviews", 80)]
    assert (reviews["settings_from"], reviews["service"]) == ("TransparentHC", "reviews/reviews")
    inventory = views[builder.backend_name("inventory", "inventory", 80)]
    assert inventory["settings_from"] == "BackendConfig"
