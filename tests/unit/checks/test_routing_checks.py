"""URL_MAP_OUT_OF_SYNC, PATH_SUBPATHS_NOT_ROUTED and DEFAULT_BACKEND_404, incident by incident."""

from datetime import timedelta
from typing import Any

import pytest

from gkeingress import Finding, analyse
from gkeingress.checks.registry import Check, Registry
from gkeingress.checks.routing import (
    default_backend_404,
    path_subpaths_not_routed,
    url_map_out_of_sync,
)
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing.incidents_accuracy import exact_api_under_catch_all
from gkeingress.testing.incidents_routing import api_moved_map_stale, bare_ip_404, exact_api_path


def _run(builder: WorldBuilder, *checks: Check) -> list[Finding]:
    """The findings of ``checks`` alone on the built world, at the demo's time."""
    snapshot = snapshot_of(builder.world, DEMO_NOW)
    return analyse(snapshot, now=DEMO_NOW, registry=Registry(checks)).findings


def _stock(b: WorldBuilder, *paths: Path, **ingress: Any) -> dict[str, Any]:
    """``stock/stock`` routing ``/api`` to ``api`` and the rest to ``web``, unless ``paths`` say otherwise."""
    for name in ("web", "api", "api-v2"):
        b.service("stock", name)
    rules = [Rule("stock.example.com", paths or [Path("/api", "api"), Path("/", "web")])]
    return b.ingress("stock", "stock", rules=rules, default_backend=("web", 80), **ingress)


# -- URL_MAP_OUT_OF_SYNC ---------------------------------------------------------------------------


def test_spec_moved_a_path_but_the_url_map_still_uses_the_old_service(
    builder: WorldBuilder,
) -> None:
    """`/api` moved to api-v2 in the spec; the URL map still sends `/api` and `/api/*` to api."""
    api_moved_map_stale(builder)
    [finding] = _run(builder, url_map_out_of_sync)
    assert finding.code == "URL_MAP_OUT_OF_SYNC"
    assert finding.severity == "error"
    assert finding.ingress == "stock/stock"
    old, new = builder.backend_name("stock", "api", 80), builder.backend_name("stock", "api-v2", 80)
    assert (
        f"the URL map routes /api and /api/* on host stock.example.com to backend service {old} "
        f"(Service stock/api:80), but the spec says stock/api-v2:80 (backend service {new})"
    ) in finding.message
    assert finding.evidence["differences"] == [
        {"host": "stock.example.com", "paths": ["/api", "/api/*"], "spec": new, "url_map": old}
    ]
    assert "kubectl describe ingress -n stock stock" in finding.remediation


def test_url_map_that_matches_the_spec_is_in_sync(builder: WorldBuilder) -> None:
    """The same Ingress, synced by ingress-gce, has nothing to report."""
    _stock(builder)
    assert _run(builder, url_map_out_of_sync) == []


def test_path_added_to_the_spec_but_not_to_the_url_map(builder: WorldBuilder) -> None:
    """A path the spec gained after the last sync is named with the Service it should reach."""
    ingress = _stock(builder)
    ingress["spec"]["rules"][0]["http"]["paths"].append(
        {
            "path": "/v2",
            "pathType": "Exact",
            "backend": {"service": {"name": "api-v2", "port": {"number": 80}}},
        }
    )
    [finding] = _run(builder, url_map_out_of_sync)
    assert (
        "the spec routes /v2 on host stock.example.com to stock/api-v2:80 (backend service "
        f"{builder.backend_name('stock', 'api-v2', 80)}), but the URL map has no such path rule"
    ) in finding.message


def test_path_removed_from_the_spec_but_still_in_the_url_map(builder: WorldBuilder) -> None:
    """A path deleted from the spec that the URL map still routes is named with where it goes."""
    ingress = _stock(builder)
    del ingress["spec"]["rules"][0]["http"]["paths"][0]
    [finding] = _run(builder, url_map_out_of_sync)
    assert (
        "the URL map still routes /api and /api/* on host stock.example.com to backend service "
        f"{builder.backend_name('stock', 'api', 80)} (Service stock/api:80), which the spec no "
        "longer has"
    ) in finding.message


def test_host_renamed_in_the_spec_leaves_both_hosts_different(builder: WorldBuilder) -> None:
    """Renaming the host shows the new host missing from the map and the old one lingering."""
    ingress = _stock(builder)
    ingress["spec"]["rules"][0]["host"] = "stock.example.org"
    [finding] = _run(builder, url_map_out_of_sync)
    assert (
        "host stock.example.org (paths /api, /api/*, /*) is in the spec but the URL map has no "
        "host rule for it"
    ) in finding.message
    assert (
        "host stock.example.com (paths /api, /api/*, /*) is still in the URL map" in finding.message
    )


def test_changed_default_backend_not_yet_in_the_url_map(builder: WorldBuilder) -> None:
    """A new spec.defaultBackend the URL map does not use yet is reported for each fallback."""
    ingress = _stock(builder)
    ingress["spec"]["defaultBackend"]["service"]["name"] = "api"
    [finding] = _run(builder, url_map_out_of_sync)
    assert "requests no rule matches go through the URL map to backend service" in finding.message
    assert "but the spec's default backend is spec.defaultBackend stock/api:80" in finding.message
    assert len(finding.evidence["differences"]) == 2  # the URL map's and the path matcher's


def test_a_change_still_propagating_is_not_out_of_sync_yet(builder: WorldBuilder) -> None:
    """Within the propagation window a URL map behind the spec is expected."""
    ingress = _stock(builder, age=timedelta(minutes=3))
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "api-v2"
    assert _run(builder, url_map_out_of_sync) == []


# -- PATH_SUBPATHS_NOT_ROUTED ----------------------------------------------------------------------


def test_implementation_specific_api_beside_a_prefix_is_a_warning(builder: WorldBuilder) -> None:
    """`/api` (ImplementationSpecific) next to `/static/*`: its sub-paths clearly were meant to route."""
    exact_api_path(builder)
    [finding] = _run(builder, path_subpaths_not_routed)
    assert finding.code == "PATH_SUBPATHS_NOT_ROUTED"
    assert finding.severity == "warning"
    assert finding.message == (
        "Path /api (ImplementationSpecific) of host analytics.example.com matches only /api "
        "itself: sub-paths such as http://analytics.example.com/api/example match no rule, so "
        "spec.defaultBackend analytics/web:80 answers instead. Other paths of host "
        "analytics.example.com (/static/*) do route their sub-paths."
    )
    assert finding.remediation.startswith("Set pathType: Prefix on /api")
    assert "or add a path /api/* with pathType ImplementationSpecific" in finding.remediation


def test_lone_exact_path_is_info_and_its_sub_paths_get_404(builder: WorldBuilder) -> None:
    """An Exact path with no prefix beside it may be deliberate: info, naming the 404."""
    _stock(builder, Path("/health", "api", path_type="Exact"))
    builder.kube_object("ingresses", "stock", "stock")["spec"].pop("defaultBackend")
    [finding] = _run(builder, path_subpaths_not_routed)
    assert finding.severity == "info"
    assert "http://stock.example.com/health/example match no rule" in finding.message
    assert "GKE's default backend kube-system/default-http-backend answers 404" in finding.message
    assert "change its pathType from Exact to Prefix" in finding.remediation


def test_rule_without_host_names_the_load_balancer_address(builder: WorldBuilder) -> None:
    """For a rule without a host, the example URL uses the Ingress's IP address."""
    builder.service("stock", "api")
    ingress = builder.ingress(
        "stock", "stock", rules=[Rule("", [Path("/api", "api", path_type="Exact")])]
    )
    [address] = [i["ip"] for i in ingress["status"]["loadBalancer"]["ingress"]]
    [finding] = _run(builder, path_subpaths_not_routed)
    assert f"sub-paths such as http://{address}/api/example match no rule" in finding.message
    assert "of every host" in finding.message


@pytest.mark.parametrize(
    "paths",
    [
        [Path("/api", "api", path_type="Prefix")],
        [
            Path("/api", "api", path_type="ImplementationSpecific"),
            Path("/api/*", "api", path_type="ImplementationSpecific"),
        ],
        [Path("/api", "api", path_type="Exact"), Path("/", "api")],
    ],
    ids=["prefix", "with-wildcard-sibling", "exact-under-own-catch-all"],
)
def test_sub_paths_that_some_rule_routes_are_fine(paths: list[Path], builder: WorldBuilder) -> None:
    """Prefix paths, an explicit `/api/*`, or a catch-all `/` to the same Service lose no sub-path."""
    _stock(builder, *paths)
    assert _run(builder, path_subpaths_not_routed) == []


def test_exact_path_whose_sub_paths_another_rule_catches(builder: WorldBuilder) -> None:
    """`/api` Exact beside `/` Prefix: `/api/orders` reaches the web frontend, not the api."""
    exact_api_under_catch_all(builder)
    [finding] = _run(builder, path_subpaths_not_routed)
    assert finding.severity == "warning"
    assert finding.message == (
        "Path /api (Exact) of host orders.example.com matches only /api itself: sub-paths such "
        "as http://orders.example.com/api/example match /* (path /, Prefix) instead, so they go "
        "to Service orders/web:80, not to orders/api:80."
    )
    assert finding.evidence["caught_by"] == {"path": "/*", "backend": "web:80"}
    assert "change its pathType from Exact to Prefix" in finding.remediation


def test_route_agrees_that_the_sub_path_reaches_the_web_frontend(builder: WorldBuilder) -> None:
    """The finding's claim holds on the URL map ingress-gce wrote: the route ends at Service web."""
    exact_api_under_catch_all(builder)
    report = analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW)
    answer = report.route("http://orders.example.com/api/orders")
    assert answer.service == "orders/web"


# -- DEFAULT_BACKEND_404 ---------------------------------------------------------------------------


def test_bare_ip_gets_404_without_a_default_backend(builder: WorldBuilder) -> None:
    """Rules for www.example.com only: the load balancer's own IP gets GKE's 404."""
    bare_ip_404(builder)
    [finding] = _run(builder, default_backend_404)
    assert finding.code == "DEFAULT_BACKEND_404"
    assert finding.severity == "info"
    [address] = builder.kube_object("ingresses", "homepage", "homepage")["status"]["loadBalancer"][
        "ingress"
    ]
    assert f"for example http://{address['ip']}/ (a host no rule names)." in finding.message
    default = builder.backend_name("kube-system", "default-http-backend", "http")
    assert (
        f"default service, backend service {default} (GKE's default backend "
        "kube-system/default-http-backend, which answers 404), and get 404"
    ) in finding.message
    assert finding.evidence["default_service"] == default


def test_path_outside_a_catch_all_host_rule_gets_404(builder: WorldBuilder) -> None:
    """A rule for every host that only routes `/api`: any other path is the example, not the host."""
    builder.service("stock", "api")
    builder.ingress("stock", "stock", rules=[Rule("", [Path("/api", "api")])])
    [finding] = _run(builder, default_backend_404)
    assert "(a path outside the rules for every host)" in finding.message
    assert "a host no rule names" not in finding.message


@pytest.mark.parametrize(
    ("rules", "default_backend"),
    [
        ([Rule("stock.example.com", [Path("/api", "api")])], ("api", 80)),
        ([Rule("", [Path("/", "api")])], None),
    ],
    ids=["default-backend-set", "catch-all-rule"],
)
def test_ingress_that_routes_everything_has_no_404(
    rules: list[Rule], default_backend: tuple[str, int] | None, builder: WorldBuilder
) -> None:
    """With spec.defaultBackend, or a `/` rule for every host, no request reaches GKE's 404."""
    builder.service("stock", "api")
    builder.ingress("stock", "stock", rules=rules, default_backend=default_backend)
    assert _run(builder, default_backend_404) == []
