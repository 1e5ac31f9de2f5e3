"""The Container API: ``projects.locations.clusters.list`` and ``get``."""

from __future__ import annotations

import re

from gkeingress.testing.server.protocol import IncomingRequest, Served, fail
from gkeingress.testing.world import JSONDict


def container_clusters(fake: Served, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``projects.locations.clusters.list``: ``-`` lists every location; no clusters is ``{}``."""
    project, location = m["project"], m["location"]
    if project != fake.world.project:
        fail(req, 404, f"Not found: projects/{project}.")
    found = [c for c in fake.world.clusters if location in ("-", c.get("location"), c.get("zone"))]
    return {"clusters": found} if found else {}


def container_cluster(  # noqa: RET503 - fail() raises
    fake: Served, req: IncomingRequest, m: re.Match[str]
) -> JSONDict:
    """``projects.locations.clusters.get``."""
    project, location, name = m["project"], m["location"], m["name"]
    for c in fake.world.clusters if project == fake.world.project else []:
        if c.get("name") == name and location in ("-", c.get("location")):
            return c
    fail(req, 404, f"Not found: projects/{project}/locations/{location}/clusters/{name}.")
