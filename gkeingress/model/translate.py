"""How ingress-gce turns Ingress rules into URL map host and path rules (``pkg/controller/translator``).

- A rule without ``http`` is skipped; an empty host becomes ``*``.
- ``ImplementationSpecific`` paths are used verbatim (exact unless they end in ``/*``), ``""`` is ``/*``.
- ``Exact`` paths are used verbatim; ``Prefix`` ``/`` is ``/*`` and ``/foo`` is ``/foo`` plus ``/foo/*``.
- A host in a second rule replaces the first rule's paths; a repeated path keeps the last backend
  and the last place (``PutPathRulesForHost`` in ``pkg/utils/gceurlmap.go``).
"""

from __future__ import annotations

from dataclasses import dataclass

from gkeingress.resources.k8s import BackendRef, Ingress


@dataclass(frozen=True, slots=True)
class RoutedPath:
    """One URL map path and the Ingress backend it should reach."""

    path: str
    backend: BackendRef | None
    source_path: str
    path_type: str


@dataclass(frozen=True, slots=True)
class Translation:
    """The host and path rules ingress-gce derives from an Ingress, and the paths it rejects."""

    hosts: dict[str, tuple[RoutedPath, ...]]
    errors: tuple[str, ...]


def gce_paths(path: str, path_type: str) -> tuple[tuple[str, ...], str | None]:  # noqa: PLR0911 - one return per translator rule mirrors ingress-gce
    """The URL map paths for one Ingress path, or an error in ingress-gce's words."""
    if path_type == "Exact":
        if not path:
            return (), "failed to validate exact path type due to empty path"
        if "*" in path:
            return (), f"failed to validate exact path {path} due to invalid wildcard"
        return (path,), None
    if path_type == "Prefix":
        if not path:
            return (), "failed to validate prefix path type due to empty path"
        if "*" in path:
            return (), f"failed to validate prefix path {path} due to invalid wildcard"
        if path == "/":
            return ("/*",), None
        base = path.rstrip("/")
        return (base, base + "/*"), None
    if path_type == "ImplementationSpecific":
        return (path or "/*",), None
    return (), f"unsupported path type: {path_type}"


def translate(ingress: Ingress) -> Translation:
    """Derive the URL map rules ingress-gce would write for ``ingress``."""
    hosts: dict[str, tuple[RoutedPath, ...]] = {}
    errors: list[str] = []
    for rule in ingress.rules:
        if not rule.has_http:
            continue
        by_path: dict[str, RoutedPath] = {}
        for item in rule.paths:
            paths, error = gce_paths(item.path, item.path_type)
            if error:
                errors.append(error)
            for path in paths:
                by_path.pop(path, None)  # a repeated path keeps the last backend, in its place
                by_path[path] = RoutedPath(path, item.backend, item.path, item.path_type)
        host = rule.host or "*"
        hosts.pop(host, None)
        hosts[host] = tuple(by_path.values())
    return Translation(hosts, tuple(errors))
