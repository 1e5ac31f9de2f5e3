"""How a request is matched: by Google's URL map, and by the Ingress spec under Kubernetes' rules.

The URL map is read as Google's load balancer matches it, the spec as Kubernetes defines it.

Google's URL map (classic ``pathRules``):

- a host rule pattern is a host, ``*``, or ``*`` then ``.`` or ``-`` and a suffix; that ``*`` matches
  any run of ``[a-z0-9-.]``, so ``*.example.com`` matches ``a.b.example.com``. The exact host wins,
  then the longest suffix, then ``*``; no host rule matches → the URL map's ``defaultService``.
- a path rule path is exact, or ends in ``/*`` and matches every path starting with the part before
  the ``*`` (``/api/*`` matches ``/api/`` and ``/api/x``, not ``/api``). The longest path wins, an exact
  path before a wildcard of the same length, then the first; no path matches → the path matcher's
  ``defaultService``.

Kubernetes (``networking.k8s.io/v1``): ``Exact`` is exact; ``Prefix`` matches whole path elements
(``/foo`` matches ``/foo`` and ``/foo/bar``, not ``/foobar``); ``ImplementationSpecific`` is what
ingress-gce makes of it (exact unless it ends in ``/*``). The longest path wins, ``Exact`` on ties. A
host is exact, or ``*.foo.com`` matching exactly one label; a rule without a host matches every host.

Everything here is a pure function of the model.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from gkeingress.model.translate import RoutedPath, Translation, gce_paths
from gkeingress.resources.gce import (
    UrlMap,
)
from gkeingress.resources.k8s import SYSTEM_DEFAULT_BACKEND, BackendRef, Ingress, IngressPath
from gkeingress.resources.refs import ResourceRef

GKE_DEFAULT_BACKEND = "kube-system/default-http-backend"
"""The Service behind GKE's default backend, which answers 404 to every request."""

Rank = tuple[int, int]
"""How specifically a pattern matches; higher wins."""

T = TypeVar("T")

_HOST_RUN = re.compile(r"[a-z0-9.-]*")


def best_match(items: Iterable[T], rank: Callable[[T], Rank | None]) -> T | None:
    """The item with the highest rank, the first one on ties; None when nothing matches."""
    best: T | None = None
    best_rank: Rank | None = None
    for item in items:
        value = rank(item)
        if value is not None and (best_rank is None or value > best_rank):
            best, best_rank = item, value
    return best


@dataclass(frozen=True, slots=True)
class RequestUrl:
    """The parts of a URL that routing reads: the query and fragment are ignored."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> RequestUrl:
        """Parse ``https://Shop.example.com:8443/api?q=1``.

        Raises:
            ValueError: the URL is not ``http://`` or ``https://``, has no host, or an invalid port.
        """
        text = url.strip()
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"{url!r} is not a URL gkeingress can route: give http:// or https:// and a host, "
                "e.g. https://shop.example.com/api"
            )
        scheme = parts.scheme.lower()
        port = parts.port or (443 if scheme == "https" else 80)
        return cls(scheme, parts.hostname.lower().rstrip("."), port, parts.path or "/")

    @property
    def is_ip(self) -> bool:
        """True when the host is an IP address, not a name."""
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"


# -- Google's URL map -----------------------------------------------------------------------------


def gce_host_rank(pattern: str, host: str) -> Rank | None:
    """How a URL map host pattern matches ``host`` (lower case, no port); None when it does not."""
    pattern = pattern.lower().split(":", 1)[0]
    if pattern == "*":
        return (0, 0)
    if pattern.startswith("*"):
        suffix = pattern[1:]
        head = host[: len(host) - len(suffix)]
        matched = host.endswith(suffix) and _HOST_RUN.fullmatch(head) is not None
        return (1, len(suffix)) if matched else None
    return (2, len(pattern)) if pattern == host else None


def gce_path_rank(pattern: str, path: str) -> Rank | None:
    """How a URL map path rule path matches ``path``: ``/a/*`` is a prefix on ``/a/``, others exact."""
    if pattern.endswith("/*"):
        base = pattern[:-1]
        return (len(base), 0) if path.startswith(base) else None
    return (len(pattern), 1) if path == pattern else None


def path_misses(patterns: Iterable[str], path: str) -> tuple[str, ...]:
    """Why path rule paths that look close to ``path`` do not match it."""
    notes: list[str] = []
    for pattern in dict.fromkeys(patterns):
        if gce_path_rank(pattern.lower(), path.lower()) is not None:
            notes.append(f"{pattern} differs only in case, and paths are case-sensitive")
        elif pattern.endswith("/*") and path == pattern[:-2]:
            notes.append(f"{pattern} matches {pattern[:-1]} and below, not {path} itself")
        elif not pattern.endswith("/*") and path.startswith(pattern.rstrip("/") + "/"):
            notes.append(
                f"{pattern} is exact: it matches only {pattern}, not {path} "
                f"(there is no {pattern.rstrip('/')}/* rule)"
            )
    return tuple(notes)


def host_misses(patterns: Sequence[str], host: str) -> tuple[str, ...]:
    """Why no host pattern matches ``host``: the hosts that do have rules."""
    if not patterns:
        return ()
    notes = [f"host rules exist only for {', '.join(dict.fromkeys(patterns))}"]
    notes += [f"{p} needs at least one label before {p[2:]}" for p in patterns if p == f"*.{host}"]
    return tuple(notes)


@dataclass(frozen=True, slots=True)
class MapRoute:
    """Where a URL map sends a request, and which of its rules decided.

    Attributes:
        host_pattern: the host rule pattern that matched, or None (the URL map's default service).
        path_matcher: the path matcher of that host rule.
        path: the path rule path that matched, or None (a default service answers).
        service: the backend service, or None when the map names none.
        misses: rules that look close but do not match, and why.
    """

    host_pattern: str | None
    path_matcher: str | None
    path: str | None
    service: ResourceRef | None
    misses: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """True when a path rule matched."""
        return self.path is not None

    def describe(self, url: RequestUrl) -> str:
        """The decision in one sentence, naming the rules."""
        if self.matched:
            return (
                f"host rule {self.host_pattern} → path matcher {self.path_matcher} → "
                f"path rule {self.path}"
            )
        misses = f" ({'; '.join(self.misses)})" if self.misses else ""
        if self.host_pattern is None:
            return f"no host rule matches host {url.host}{misses}"
        return (
            f"host rule {self.host_pattern} matches {url.host}, but no path rule of path matcher "
            f"{self.path_matcher} matches {url.path}{misses}"
        )


def match_url_map(url_map: UrlMap, host: str, path: str) -> MapRoute:
    """Route ``host`` and ``path`` through ``url_map`` as Google's load balancer does."""
    hosts = [(h, rule.path_matcher) for rule in url_map.host_rules for h in rule.hosts]
    best_host = best_match(hosts, lambda item: gce_host_rank(item[0], host))
    if best_host is None:
        misses = host_misses([h for h, _ in hosts], host)
        return MapRoute(None, None, None, url_map.default_service, misses)
    pattern, name = best_host
    matcher = next((pm for pm in url_map.path_matchers if pm.name == name), None)
    if matcher is None:
        return MapRoute(pattern, name, None, url_map.default_service)
    rules = [(p, rule.service) for rule in matcher.path_rules for p in rule.paths]
    best_path = best_match(rules, lambda item: gce_path_rank(item[0], path))
    if best_path is None:
        fallback = matcher.default_service or url_map.default_service
        return MapRoute(pattern, name, None, fallback, path_misses([p for p, _ in rules], path))
    return MapRoute(pattern, name, best_path[0], best_path[1])


def match_translation(translation: Translation, host: str, path: str) -> RoutedPath | None:
    """The path of the URL map ingress-gce writes for a spec that would match, or None."""
    best_host = best_match(translation.hosts.items(), lambda item: gce_host_rank(item[0], host))
    if best_host is None:
        return None
    return best_match(best_host[1], lambda routed: gce_path_rank(routed.path, path))


# -- The Ingress spec under Kubernetes' rules ---------------------------------------------------


def k8s_host_rank(rule_host: str, host: str) -> Rank | None:
    """How an Ingress rule host matches ``host``: exact, ``*.foo.com`` (one label), or every host."""
    if not rule_host:
        return (0, 0)
    rule_host = rule_host.lower()
    if rule_host.startswith("*."):
        suffix = rule_host[1:]
        label = host[: -len(suffix)] if host.endswith(suffix) else ""
        return (1, len(suffix)) if label and "." not in label else None
    return (2, len(rule_host)) if rule_host == host else None


def k8s_path_rank(
    item: IngressPath, path: str, *, prefix_implementation_specific: bool
) -> Rank | None:
    """How an Ingress path matches ``path`` under Kubernetes' rules; None when it does not.

    ``prefix_implementation_specific`` reads ``ImplementationSpecific`` paths without ``/*`` as
    ``Prefix``, as most other Ingress controllers do.
    """
    path_type = item.path_type
    if (
        prefix_implementation_specific
        and path_type == "ImplementationSpecific"
        and item.path
        and not item.path.endswith("/*")
    ):
        path_type = "Prefix"
    if path_type == "Exact":
        return (len(item.path), 1) if path == item.path else None
    if path_type == "Prefix":
        want = [e for e in item.path.split("/") if e]
        got = [e for e in path.split("/") if e]
        return (len(item.path.rstrip("/")), 0) if got[: len(want)] == want else None
    patterns, _ = gce_paths(item.path, path_type)
    ranks = [r for r in (gce_path_rank(p, path) for p in patterns) if r is not None]
    return max(ranks, default=None)


@dataclass(frozen=True, slots=True)
class SpecRoute:
    """Where the Ingress spec sends a request under Kubernetes' matching rules.

    Attributes:
        host: the host of the Ingress rule that matched (``""``: the rule for every host), or None.
        path: the Ingress path that matched, or None when the default backend answers.
        backend: the Service port: the path's, else ``spec.defaultBackend``, else GKE's.
        namespace: the Service namespace (``kube-system`` for GKE's default backend).
    """

    host: str | None
    path: IngressPath | None
    backend: BackendRef | None
    namespace: str

    @property
    def matched(self) -> bool:
        """True when an Ingress path matched."""
        return self.path is not None

    @property
    def is_system_default(self) -> bool:
        """True when GKE's default backend (404) answers."""
        return self.namespace == "kube-system" and self.backend == SYSTEM_DEFAULT_BACKEND

    @property
    def service(self) -> str | None:
        """``namespace/name`` of the Service, None for GKE's default backend or a resource backend."""
        if self.backend is None or self.is_system_default:
            return None
        return f"{self.namespace}/{self.backend.service}"

    def describe(self) -> str:
        """The spec's answer in one sentence."""
        target = f"{self.namespace}/{self.backend}" if self.backend else "a resource backend"
        if self.path is not None:
            host = self.host or "every host"
            return f"rule {host}, path {self.path.path} ({self.path.path_type}) → {target}"
        where = (
            "no Ingress rule for this host"
            if self.host is None
            else f"no path of rule {self.host or 'every host'} matches"
        )
        if self.is_system_default:
            return f"{where} → GKE's default backend {GKE_DEFAULT_BACKEND} (404)"
        return f"{where} → spec.defaultBackend {target}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "matched": self.matched,
            "host": self.host,
            "path": self.path.path if self.path else None,
            "path_type": self.path.path_type if self.path else None,
            "service": self.service,
            "port": self.backend.port if self.backend else None,
            "description": self.describe(),
        }


def match_spec(
    ingress: Ingress, host: str, path: str, *, prefix_implementation_specific: bool = False
) -> SpecRoute:
    """Route ``host`` and ``path`` through the Ingress spec under Kubernetes' rules.

    Rules for the best-matching host are merged (as most controllers do), so a repeated host keeps
    every rule's paths.
    """
    rules = [r for r in ingress.rules if r.has_http]
    top = best_match(rules, lambda r: k8s_host_rank(r.host, host))
    if top is not None:
        rank = k8s_host_rank(top.host, host)
        paths = [p for r in rules if k8s_host_rank(r.host, host) == rank for p in r.paths]
        best = best_match(
            paths,
            lambda p: k8s_path_rank(
                p, path, prefix_implementation_specific=prefix_implementation_specific
            ),
        )
        if best is not None:
            return SpecRoute(top.host, best, best.backend, ingress.meta.namespace)
    matched_host = top.host if top is not None else None
    if ingress.default_backend is not None:
        return SpecRoute(matched_host, None, ingress.default_backend, ingress.meta.namespace)
    return SpecRoute(matched_host, None, SYSTEM_DEFAULT_BACKEND, "kube-system")
