"""Routing incidents, each reproduced on a healthy world, in the style of :mod:`.scenarios`.

Every function takes a :class:`WorldBuilder`, adds one Ingress in its own namespace, and breaks its
routing the way it happens in real clusters. ``URL_MAP_OUT_OF_SYNC``: :func:`api_moved_map_stale`;
``PATH_SUBPATHS_NOT_ROUTED``: :func:`exact_api_path`; ``DEFAULT_BACKEND_404``: :func:`bare_ip_404`.
"""

from __future__ import annotations

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.traffic import frontend_of, incident_traffic


def api_moved_map_stale(b: WorldBuilder) -> None:
    """``stock/stock``: the spec sends ``/api`` to ``api-v2``; the URL map still uses ``api``."""
    for name in ("web", "api", "api-v2"):
        b.service("stock", name)
    ingress = b.ingress(
        "stock",
        "stock",
        rules=[Rule("stock.example.com", [Path("/api", "api"), Path("/", "web")])],
        default_backend=("web", 80),
    )
    api = ingress["spec"]["rules"][0]["http"]["paths"][0]
    api["backend"]["service"]["name"] = "api-v2"  # ingress-gce never synced this change


def exact_api_path(b: WorldBuilder) -> None:
    """``analytics/analytics``: ImplementationSpecific ``/api`` beside ``/static/*``, exact on GKE."""
    b.service("analytics", "web")
    b.service("analytics", "api")
    b.ingress(
        "analytics",
        "analytics",
        rules=[
            Rule(
                "analytics.example.com",
                [
                    Path("/api", "api", path_type="ImplementationSpecific"),
                    Path("/static/*", "web", path_type="ImplementationSpecific"),
                ],
            )
        ],
        default_backend=("web", 80),
    )
    # /api/users matches no rule: the default backend, web, answers 404 to 8% of requests.
    frontend = frontend_of(b, "analytics", "analytics", "web", path_rule="UNMATCHED")
    incident_traffic(b, frontend, per_minute=50, errors=4, code=404, since=None)


def bare_ip_404(b: WorldBuilder) -> None:
    """``homepage/homepage``: rules for www.example.com only, no defaultBackend: the bare IP gets 404."""
    b.service("homepage", "homepage")
    b.ingress("homepage", "homepage", rules=[Rule("www.example.com", [Path("/", "homepage")])])
