"""References between Compute resources, and timestamps as both APIs write them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

COMPUTE_URL = "https://www.googleapis.com/compute/v1/"

_PATH = re.compile(
    r"(?:projects/(?P<project>[^/]+)/)?"
    r"(?P<scope>global|regions/[^/]+|zones/[^/]+)/"
    r"(?P<collection>[A-Za-z]+)/(?P<name>[^/?]+)$"
)


@dataclass(frozen=True, slots=True, order=True)
class ResourceRef:
    """Identity of a Compute resource: project, scope (``global``, ``regions/R``, ``zones/Z``), kind, name.

    URLs (``https://…/projects/p/global/backendServices/x``), project paths and the relative paths
    ingress-gce writes into URL maps (``global/backendServices/x``) all parse to the same reference.
    """

    project: str
    scope: str
    collection: str
    name: str

    @classmethod
    def parse(cls, url: str, project: str) -> ResourceRef:
        """Parse a URL or path; ``project`` fills in relative paths.

        Raises:
            ValueError: the text names no Compute resource.
        """
        match = _PATH.search(url)
        if match is None:
            raise ValueError(f"not a Compute resource reference: {url!r}")
        return cls(
            project=match["project"] or project,
            scope=match["scope"],
            collection=match["collection"],
            name=match["name"],
        )

    @property
    def location(self) -> str:
        """``global``, or the region or zone name."""
        return self.scope.rsplit("/", 1)[-1]

    @property
    def path(self) -> str:
        """``projects/P/<scope>/<collection>/<name>``."""
        return f"projects/{self.project}/{self.scope}/{self.collection}/{self.name}"

    @property
    def self_link(self) -> str:
        """The canonical API URL."""
        return COMPUTE_URL + self.path

    def __str__(self) -> str:
        return f"{self.scope}/{self.collection}/{self.name}"


class RefReader:
    """Reads the references of one project's resources: one :class:`ResourceRef` per URL.

    A NEG is named by its own ``selfLink`` and again by every backend service routing to it; an
    audit reads each such URL once and keeps one object for it, however often it is named. That is
    fewer objects for the host's garbage collector to walk, and fewer regex matches.
    """

    def __init__(self, project: str) -> None:
        self.project = project
        """The project relative paths (``global/backendServices/x``) belong to."""
        self._read: dict[str, ResourceRef] = {}

    def parse(self, url: str) -> ResourceRef:
        """Parse a URL or path, as :meth:`ResourceRef.parse` does in :attr:`project`.

        Raises:
            ValueError: the text names no Compute resource.
        """
        ref = self._read.get(url)
        if ref is None:
            ref = self._read.setdefault(url, ResourceRef.parse(url, self.project))
        return ref

    def own(self, data: Mapping[str, Any], collection: str) -> ResourceRef:
        """A resource's own reference: its ``selfLink``, or its name and zone/region without one."""
        self_link = str(data.get("selfLink", ""))
        if self_link:
            return self.parse(self_link)
        scope = "global"
        for key, prefix in (("zone", "zones"), ("region", "regions")):
            if data.get(key):
                scope = f"{prefix}/{str(data[key]).rsplit('/', 1)[-1]}"
                break
        return ResourceRef(self.project, scope, collection, str(data.get("name", "")))


def parse_time(value: object) -> datetime | None:
    """Parse an RFC 3339 timestamp (``2024-01-02T03:04:05.678-08:00`` or ``…Z``) to aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
