"""Where a request goes: through the URL map, through the Ingress spec, and on to the pods.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

from gkeingress.display import HtmlView
from gkeingress.model.topology import PairedIngress, ServiceBackend, Topology
from gkeingress.model.translate import RoutedPath, Translation, gce_paths, translate
from gkeingress.resources.gce import (
    BackendService,
    ForwardingRule,
    GroupHealth,
    HealthCheck,
    NetworkEndpointGroup,
    TargetProxy,
    UrlMap,
)
from gkeingress.resources.k8s import SYSTEM_DEFAULT_BACKEND, BackendRef, Ingress, IngressPath
from gkeingress.resources.refs import ResourceRef
from gkeingress.snapshot import Snapshot

GKE_DEFAULT_BACKEND = "kube-system/default-http-backend"
"""The Service behind GKE's default backend, which answers 404 to every request."""

Rank = tuple[int, int]
"""How specifically a pattern matches; higher wins."""

T = TypeVar("T")

_HOST_RUN = re.compile(r"[a-z0-9.-]*")


def _best(items: Iterable[T], rank: Callable[[T], Rank | None]) -> T | None:
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
        """Parse ``https://Shop.example.com:8443/api?q=1``; without a scheme the URL is ``http``.

        Raises:
            ValueError: the URL has no host or an invalid port.
        """
        text = url.strip()
        parts = urlsplit(text if "://" in text else f"http://{text}")
        if not parts.hostname:
            raise ValueError(f"no host in URL {url!r}")
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
    best_host = _best(hosts, lambda item: gce_host_rank(item[0], host))
    if best_host is None:
        misses = host_misses([h for h, _ in hosts], host)
        return MapRoute(None, None, None, url_map.default_service, misses)
    pattern, name = best_host
    matcher = next((pm for pm in url_map.path_matchers if pm.name == name), None)
    if matcher is None:
        return MapRoute(pattern, name, None, url_map.default_service)
    rules = [(p, rule.service) for rule in matcher.path_rules for p in rule.paths]
    best_path = _best(rules, lambda item: gce_path_rank(item[0], path))
    if best_path is None:
        fallback = matcher.default_service or url_map.default_service
        return MapRoute(pattern, name, None, fallback, path_misses([p for p, _ in rules], path))
    return MapRoute(pattern, name, best_path[0], best_path[1])


def match_translation(translation: Translation, host: str, path: str) -> RoutedPath | None:
    """The path of the URL map ingress-gce writes for a spec that would match, or None."""
    best_host = _best(translation.hosts.items(), lambda item: gce_host_rank(item[0], host))
    if best_host is None:
        return None
    return _best(best_host[1], lambda routed: gce_path_rank(routed.path, path))


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
    top = _best(rules, lambda r: k8s_host_rank(r.host, host))
    if top is not None:
        rank = k8s_host_rank(top.host, host)
        paths = [p for r in rules if k8s_host_rank(r.host, host) == rank for p in r.paths]
        best = _best(
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


# -- Backend services as the paired view knows them ------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A backend service the URL map names, and the Service port behind it as far as known.

    Attributes:
        name: the backend service name.
        backend: the Ingress backend whose backend service this is, if any.
        resource: the backend service, if it exists.
    """

    name: str
    backend: ServiceBackend | None
    resource: BackendService | None

    @property
    def service(self) -> str | None:
        """``namespace/name`` of the Service, from the Ingress or the backend service description."""
        if self.backend is not None:
            return self.backend.service_key
        return self.resource.service_name if self.resource else None

    @property
    def port(self) -> int | str | None:
        """The Service port, as the Ingress names it or ingress-gce described it."""
        if self.backend is not None:
            return self.backend.ref.port
        return _described_port(self.resource.service_port if self.resource else None)

    @property
    def is_system_default(self) -> bool:
        """True for GKE's default backend (404 for everything)."""
        return self.service == GKE_DEFAULT_BACKEND

    def describe(self) -> str:
        """``backend service X (Service ns/name:port)``."""
        if self.is_system_default:
            what = f"GKE's default backend {GKE_DEFAULT_BACKEND}, which answers 404"
        elif self.service:
            what = f"Service {self.service}" + (f":{self.port}" if self.port is not None else "")
        else:
            what = "Service unknown: the backend service was not found"
        return f"backend service {self.name} ({what})"


def _described_port(text: str | None) -> int | str | None:
    """The port in ``80`` or ``&ServiceBackendPort{Name:,Number:80,}``, as ingress-gce writes it."""
    if not text:
        return None
    number = re.search(r"Number:(\d+)", text)
    if number and int(number[1]):
        return int(number[1])
    name = re.search(r"Name:([^,}]+)", text)
    if name:
        return name[1]
    return int(text) if text.isdigit() else text


def target_of(paired: PairedIngress, ref: ResourceRef | None) -> Target | None:
    """The :class:`Target` for a backend service reference of the Ingress's URL map."""
    if ref is None:
        return None
    backend = next((b for b in paired.backends if b.backend_service_name == ref.name), None)
    resource = next((bs for bs in paired.backend_services if bs.ref == ref), None)
    if resource is None and backend is not None:
        resource = backend.backend_service
    return Target(ref.name, backend, resource)


def backend_of(
    paired: PairedIngress, namespace: str, ref: BackendRef | None
) -> ServiceBackend | None:
    """The paired backend for a Service port of the Ingress (``kube-system`` for GKE's default)."""
    return next((b for b in paired.backends if b.namespace == namespace and b.ref == ref), None)


def _backend_name(paired: PairedIngress, ref: BackendRef | None) -> str | None:
    backend = backend_of(paired, paired.ingress.meta.namespace, ref)
    return backend.backend_service_name if backend else None


def default_backend_name(paired: PairedIngress) -> str | None:
    """The backend service name the Ingress's default backend should have."""
    default = next((b for b in paired.backends if b.is_default), None)
    return default.backend_service_name if default else None


# -- The URL map against the spec ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MapDifference:
    """One way a URL map differs from what ingress-gce writes for the Ingress spec.

    Attributes:
        host: the host (``*`` for every host), or None for the default service.
        paths: the path rule paths concerned; none for a whole host or a default service.
        spec: the backend service the spec calls for, or None when the spec has no such rule.
        url_map: the backend service the URL map uses, or None when it has no such rule.
        text: the difference in words, naming Services.
    """

    host: str | None
    paths: tuple[str, ...]
    spec: str | None
    url_map: str | None
    text: str


def _map_paths(url_map: UrlMap) -> dict[str, dict[str, ResourceRef | None]]:
    """Host → path → backend service, as the URL map routes them."""
    matchers = {pm.name: pm for pm in url_map.path_matchers}
    hosts: dict[str, dict[str, ResourceRef | None]] = {}
    for rule in url_map.host_rules:
        matcher = matchers.get(rule.path_matcher)
        paths = {p: r.service for r in (matcher.path_rules if matcher else ()) for p in r.paths}
        for host in rule.hosts:
            hosts.setdefault(host, {}).update(paths)
    return hosts


def _default_differences(paired: PairedIngress, url_map: UrlMap) -> list[MapDifference]:
    want = default_backend_name(paired)
    default = next((b for b in paired.backends if b.is_default), None)
    if want is None or default is None:
        return []
    says = (
        f"GKE's default backend {GKE_DEFAULT_BACKEND}"
        if default.is_system_default
        else f"spec.defaultBackend {default.service_key}:{default.ref.port}"
    )
    fallbacks = [("the URL map", url_map.default_service)] + [
        (f"path matcher {pm.name}", pm.default_service) for pm in url_map.path_matchers
    ]
    return [
        MapDifference(
            None,
            (),
            want,
            ref.name,
            f"requests no rule matches go through {where} to {_describe(paired, ref)}, but the "
            f"spec's default backend is {says} (backend service {want})",
        )
        for where, ref in fallbacks
        if ref is not None and ref.name != want
    ]


def _describe(paired: PairedIngress, ref: ResourceRef | None) -> str:
    target = target_of(paired, ref)
    return target.describe() if target else "no backend service"


def _path_difference(
    paired: PairedIngress,
    host: str,
    kind: str,
    paths: tuple[str, ...],
    *,
    backend: BackendRef | None,
    ref: ResourceRef | None,
) -> MapDifference:
    listed = " and ".join(paths)
    name = _backend_name(paired, backend)
    says = f"{paired.ingress.meta.namespace}/{backend} (backend service {name})"
    text = {
        "missing": f"the spec routes {listed} on host {host} to {says}, but the URL map has no "
        "such path rule",
        "stale": f"the URL map still routes {listed} on host {host} to {_describe(paired, ref)}, "
        "which the spec no longer has",
        "swapped": f"the URL map routes {listed} on host {host} to {_describe(paired, ref)}, but "
        f"the spec says {says}",
    }[kind]
    return MapDifference(host, paths, name, ref.name if ref else None, text)


def url_map_differences(paired: PairedIngress) -> tuple[MapDifference, ...]:
    """How the Ingress's URL map differs from what ingress-gce would write for its spec.

    Paths whose Service port is unknown (no Service, no such port) are left out: ingress-gce cannot
    route them either, and other checks report them.
    """
    url_map = paired.url_map
    if url_map is None:
        return ()
    spec = {
        host: {r.path: r for r in routed if r.backend is not None}
        for host, routed in translate(paired.ingress).hosts.items()
    }
    have = _map_paths(url_map)
    diffs = _default_differences(paired, url_map)
    for host in [*spec, *(h for h in have if h not in spec)]:
        want = {p: r for p, r in spec.get(host, {}).items() if _backend_name(paired, r.backend)}
        if host not in have:
            if want:
                diffs.append(
                    MapDifference(
                        host,
                        (),
                        None,
                        None,
                        f"host {host} (paths {', '.join(want)}) is in the spec but the URL map has "
                        "no host rule for it",
                    )
                )
            continue
        if host not in spec:
            diffs.append(
                MapDifference(
                    host,
                    (),
                    None,
                    None,
                    f"host {host} (paths {', '.join(have[host]) or 'none'}) is still in the URL map "
                    "but no longer in the spec",
                )
            )
            continue
        groups: dict[tuple[str, BackendRef | None, ResourceRef | None], list[str]] = {}
        for path in [*want, *(p for p in have[host] if p not in spec[host])]:
            routed, ref = want.get(path), have[host].get(path)
            backend = routed.backend if routed else None
            if routed is not None and path not in have[host]:
                kind = "missing"
            elif routed is None:
                kind = "stale"
            elif ref is None or ref.name != _backend_name(paired, backend):
                kind = "swapped"
            else:
                continue
            groups.setdefault((kind, backend, ref), []).append(path)
        diffs += [
            _path_difference(paired, host, kind, tuple(paths), backend=backend, ref=ref)
            for (kind, backend, ref), paths in groups.items()
        ]
    return tuple(diffs)


# -- Hops -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hop:
    """One step from the client to the pods, and whether it works."""

    kind: str
    name: str
    ok: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"kind": self.kind, "name": self.name, "ok": self.ok, "note": self.note}

    def __str__(self) -> str:
        return f"{'✔' if self.ok else '✖'} {self.kind} {self.name}: {self.note}"


def _serves_port(rule: ForwardingRule, port: int) -> bool:
    low, _, high = rule.port_range.partition("-")
    if not low.isdigit():
        return True
    return int(low) <= port <= int(high if high.isdigit() else low)


@dataclass(frozen=True, slots=True)
class _Lookup:
    """Resources by reference, from the whole snapshot when there is one."""

    url_maps: Mapping[ResourceRef, UrlMap]
    health_checks: Mapping[ResourceRef, HealthCheck]
    negs: Mapping[ResourceRef, NetworkEndpointGroup]
    health: Mapping[tuple[ResourceRef, ResourceRef], GroupHealth]

    @classmethod
    def of(cls, paired: PairedIngress, snapshot: Snapshot | None) -> _Lookup:
        """Index ``snapshot``, or only the Ingress's own resources without one."""
        url_maps, checks, negs, health = (
            (snapshot.url_maps, snapshot.health_checks, snapshot.negs, snapshot.backend_health)
            if snapshot
            else ((), (), (), ())
        )
        return cls(
            url_maps={m.ref: m for m in url_maps},
            health_checks={h.ref: h for h in (*checks, *paired.health_checks)},
            negs={n.ref: n for n in (*negs, *paired.negs)},
            health={(h.backend_service, h.group): h for h in health},
        )


def _frontend_hops(paired: PairedIngress, url: RequestUrl, lookup: _Lookup) -> list[Hop]:
    https = url.scheme == "https"
    rule = next((r for r in paired.forwarding_rules if _serves_port(r, url.port)), None)
    if rule is None:
        why = (
            ": the Ingress has no HTTPS frontend (no spec.tls or pre-shared certificate), "
            "so https:// connections are refused"
            if https
            else ""
        )
        note = f"no forwarding rule listens on port {url.port}{why}"
        hops = [Hop("forwarding rule", "-", False, note)]
    else:
        hops = [Hop("forwarding rule", rule.name, True, f"{rule.ip_address}:{rule.port_range}")]
    proxy: TargetProxy | None = next(
        (p for p in paired.target_proxies if rule is not None and p.ref == rule.target), None
    )
    if proxy is None and rule is None:
        proxy = next((p for p in paired.target_proxies if p.https == https), None)
    kind = f"target {'HTTPS' if https else 'HTTP'} proxy"
    if proxy is None:
        name = rule.target.name if rule and rule.target else "-"
        return [*hops, Hop(kind, name, False, f"{kind} {name} not found")]
    kind = f"target {'HTTPS' if proxy.https else 'HTTP'} proxy"
    own = paired.url_map
    used = lookup.url_maps.get(proxy.url_map) if proxy.url_map else None
    if own is not None and proxy.url_map == own.ref:
        return [*hops, Hop(kind, proxy.name, True, f"→ URL map {own.name}")]
    if used is not None and used.redirects_to_https:
        note = f"→ URL map {used.name}, which redirects to https:// (the rest applies after it)"
        return [*hops, Hop(kind, proxy.name, True, note)]
    name = proxy.url_map.name if proxy.url_map else "none"
    note = f"→ URL map {name}, " + (f"not the Ingress's {own.name}" if own else "not found")
    return [*hops, Hop(kind, proxy.name, False, note)]


def _url_map_hop(
    paired: PairedIngress, url: RequestUrl, map_route: MapRoute | None, target: Target | None
) -> Hop:
    url_map = paired.url_map
    if url_map is None or map_route is None:
        return Hop("URL map", "-", False, "not found: the Ingress has no URL map")
    service = f" → {target.name}" if target else " → no service"
    ok = target is not None and (map_route.matched or not target.is_system_default)
    return Hop("URL map", url_map.name, ok, map_route.describe(url) + service)


def _group_hop(group: ResourceRef, resource: BackendService, lookup: _Lookup) -> Hop:
    if group.collection != "networkEndpointGroups":
        return Hop("instance group", f"{group.name} ({group.location})", True, "node ports")
    neg = lookup.negs.get(group)
    if neg is None:
        return Hop("NEG", f"{group.name} ({group.location})", False, "attached but does not exist")
    note = f"{neg.size} endpoint(s)"
    checked = lookup.health.get((resource.ref, group))
    if checked is not None and checked.endpoints:
        healthy = sum(1 for e in checked.endpoints if e.health_state == "HEALTHY")
        note += f", {healthy}/{len(checked.endpoints)} HEALTHY"
    return Hop("NEG", f"{neg.name} ({neg.zone})", neg.size > 0, note)


def _health_check_hop(ref: ResourceRef, lookup: _Lookup) -> Hop:
    hc = lookup.health_checks.get(ref)
    if hc is None:
        return Hop("health check", ref.name, False, "not found")
    where = "the serving port" if hc.uses_serving_port else f"port {hc.port}"
    return Hop("health check", ref.name, True, f"{hc.type} {hc.request_path} on {where}")


def _service_hops(backend: ServiceBackend) -> list[Hop]:
    name, port = f"{backend.service_key}:{backend.ref.port}", backend.port
    if backend.service is None:
        return [Hop("Service", name, False, "not found")]
    if port is None:
        return [Hop("Service", name, False, f"has no port {backend.ref.port}")]
    ready = sum(1 for p in backend.pods if p.ready and not p.terminating)
    pods = f"{ready}/{len(backend.pods)} ready" + (
        "" if backend.pods else " (the selector matches no pod)"
    )
    return [
        Hop("Service", name, True, f"port {port.port} → targetPort {port.target_port}"),
        Hop("pods", backend.service_key, ready > 0, pods),
    ]


def _backend_hops(
    paired: PairedIngress,
    target: Target,
    lookup: _Lookup,
) -> list[Hop]:
    backend, resource = target.backend, target.resource
    hops: list[Hop] = []
    if resource is None:
        hops.append(Hop("backend service", target.name, False, "not found"))
    else:
        states = paired.backend_states.value
        state = states.get(target.name) if isinstance(states, dict) else None
        ok = state is None or str(state).upper() == "HEALTHY"
        note = f"{state} (ingress.kubernetes.io/backends)" if state else "no state in annotation"
        hops.append(Hop("backend service", target.name, ok, note))
        hops += [_health_check_hop(ref, lookup) for ref in resource.health_checks]
        hops += [_group_hop(b.group, resource, lookup) for b in resource.backends]
        attached = {b.group for b in resource.backends}
        hops += [
            Hop("NEG", f"{n.name} ({n.zone})", False, f"{n.size} endpoint(s), not attached")
            for n in (backend.negs if backend else ())
            if n.ref not in attached
        ]
        if not resource.backends:
            hops.append(Hop("backends", "-", False, "the backend service has no backends"))
    if backend is None:
        port = "" if target.port is None else f":{target.port}"
        service = f"{target.service or 'unknown'}{port}"
        return [*hops, Hop("Service", service, False, "not a backend in this Ingress's spec")]
    return hops + _service_hops(backend)


# -- The answer -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route(HtmlView):
    """Where one URL goes, hop by hop, and whether the Ingress spec agrees.

    Attributes:
        url: the request, as routing reads it.
        ingress: the Ingress whose load balancer answers, ``namespace/name``.
        candidates: other Ingresses whose URL maps also serve the host.
        matched: True when a host and path rule of the URL map matched.
        backend_service: the backend service that answers (the default one when nothing matched).
        service: ``namespace/name`` of the Service behind it, None for GKE's default backend.
        port: the Service port, as the Ingress names it.
        reason: which rule matched, or why none did and what answers instead.
        hops: forwarding rule to pods, each with whether it works.
        map_route: the URL map's decision, None without a URL map.
        spec: the Ingress spec's answer under Kubernetes' rules.
        disagreement: how the URL map's answer differs from what the spec means, or None.
    """

    url: RequestUrl
    ingress: str
    candidates: tuple[str, ...]
    matched: bool
    backend_service: str | None
    service: str | None
    port: int | str | None
    reason: str
    hops: tuple[Hop, ...]
    map_route: MapRoute | None
    spec: SpecRoute
    disagreement: str | None

    @property
    def ok(self) -> bool:
        """True when every hop works (a 404 from the default backend is not ok)."""
        return all(h.ok for h in self.hops)

    def to_dict(self) -> dict[str, Any]:
        """JSON form with stable keys."""
        m = self.map_route
        return {
            "url": str(self.url),
            "ingress": self.ingress,
            "candidates": list(self.candidates),
            "matched": self.matched,
            "backend_service": self.backend_service,
            "service": self.service,
            "port": self.port,
            "ok": self.ok,
            "reason": self.reason,
            "url_map": None
            if m is None
            else {
                "host_rule": m.host_pattern,
                "path_matcher": m.path_matcher,
                "path_rule": m.path,
                "misses": list(m.misses),
            },
            "hops": [h.to_dict() for h in self.hops],
            "spec": self.spec.to_dict(),
            "disagreement": self.disagreement,
        }

    def __str__(self) -> str:
        lines = [
            f"{self.url} → Ingress {self.ingress}",
            f"{'matched' if self.matched else 'no rule matched'}: "
            f"backend service {self.backend_service or '-'}"
            + (f" (Service {self.service}:{self.port})" if self.service else ""),
            self.reason,
            "hops:",
            *(f"  {hop}" for hop in self.hops),
            f"Ingress spec (Kubernetes rules): {self.spec.describe()}",
        ]
        if self.disagreement:
            lines.append(f"disagreement: {self.disagreement}")
        if self.candidates:
            lines.append(f"other Ingresses serving {self.url.host}: {', '.join(self.candidates)}")
        return "\n".join(lines)


_ADDRESS = 5


def _serving_rank(paired: PairedIngress, url: RequestUrl) -> Rank:
    """How well an Ingress's load balancer fits the URL's host.

    Its address (5), an exact (4), wildcard (3) or ``*`` (2) host rule, a default backend of its own
    that serves every host (1), GKE's 404 default backend (0), no URL map (-1).
    """
    url_map = paired.url_map
    if url_map is None:
        return (-1, 0)
    if url.is_ip and url.host in {
        *paired.ingress.addresses,
        *(r.ip_address for r in paired.forwarding_rules),
    }:
        return (_ADDRESS, 0)
    hosts = [h for rule in url_map.host_rules for h in rule.hosts]
    best = _best(hosts, lambda h: gce_host_rank(h, url.host))
    if best is not None:
        kind, length = gce_host_rank(best, url.host) or (0, 0)
        return (kind + 2, length)
    target = target_of(paired, url_map.default_service)
    return (1, 0) if target is not None and not target.is_system_default else (0, 0)


def _reason(
    paired: PairedIngress, url: RequestUrl, map_route: MapRoute | None, target: Target | None
) -> str:
    url_map = paired.url_map
    if url_map is None or map_route is None:
        return (
            f"Ingress {paired.name} has no URL map (not provisioned, or not a GKE Ingress), so no "
            "Google load balancer serves it."
        )
    if target is None:
        return f"URL map {url_map.name} names no backend service for {url.host}{url.path}."
    if map_route.matched:
        return (
            f"Host rule {map_route.host_pattern} and path rule {map_route.path} of URL map "
            f"{url_map.name} match {url.host}{url.path}: {target.describe()}."
        )
    answers = "the URL map's" if map_route.host_pattern is None else "the path matcher's"
    outcome = (
        f"404 from GKE's default backend {GKE_DEFAULT_BACKEND} (backend service {target.name})"
        if target.is_system_default
        else target.describe()
    )
    if target.is_system_default and paired.ingress.default_backend is None:
        outcome += "; the Ingress has no spec.defaultBackend"
    decision = map_route.describe(url)
    return (
        f"In URL map {url_map.name}, {decision}, so {answers} default service answers: {outcome}."
    )


def _semantic_cause(
    paired: PairedIngress, url: RequestUrl, map_route: MapRoute | None, spec: SpecRoute
) -> str:
    pattern = map_route.host_pattern if map_route else None
    labels = url.host[: len(url.host) - len(pattern) + 1] if pattern else ""
    if pattern and pattern.startswith("*.") and "." in labels:
        return (
            f"Google's load balancer lets {pattern} match any number of labels ({url.host}); "
            "Kubernetes lets a wildcard host match exactly one."
        )
    repeats = [
        r
        for r in paired.ingress.rules
        if r.has_http and spec.host is not None and r.host == spec.host
    ]
    if len(repeats) > 1:
        host = spec.host or "(every host)"
        return (
            f"The Ingress lists host {host} in {len(repeats)} rules: ingress-gce keeps only the last "
            "rule's paths, Kubernetes merges them. Put all paths of a host in one rule."
        )
    return "ingress-gce translates this part of the spec differently from Kubernetes' rules."


def _disagreement(
    paired: PairedIngress,
    url: RequestUrl,
    map_route: MapRoute | None,
    target: Target | None,
    spec: SpecRoute,
) -> str | None:
    if target is None or map_route is None:
        return None
    spec_backend = backend_of(paired, spec.namespace, spec.backend)
    spec_name = spec_backend.backend_service_name if spec_backend else None
    same = target.name == spec_name if spec_name else not (spec.matched or map_route.matched)
    if not same:
        says = f"the URL map sends it to {target.describe()}, but the spec says {spec.describe()}"
        if spec_backend is not None and spec_name is None:
            return (
                f"{says}. Service {spec_backend.service_key} does not exist or has no port "
                f"{spec_backend.ref.port}, so ingress-gce cannot route to it."
            )
        expected = match_translation(translate(paired.ingress), url.host, url.path)
        expected_name = (
            _backend_name(paired, expected.backend) if expected else default_backend_name(paired)
        )
        if expected_name is not None and expected_name != target.name:
            return (
                f"{says}. The URL map is out of sync with the spec (ingress-gce would route it to "
                f"backend service {expected_name}): the controller has not applied the latest "
                "spec; read the Ingress's Warning events."
            )
        return f"{says}. {_semantic_cause(paired, url, map_route, spec)}"
    prefix = match_spec(paired.ingress, url.host, url.path, prefix_implementation_specific=True)
    if (
        prefix.path is not None
        and prefix.path != spec.path
        and prefix.path.path_type == "ImplementationSpecific"
        and _backend_name(paired, prefix.backend) != target.name
    ):
        base = prefix.path.path.rstrip("/")
        return (
            f"ImplementationSpecific path {prefix.path.path} is exact on GKE, so {url.path} does not "
            f"reach {prefix.namespace}/{prefix.backend} as it would under Prefix semantics (and "
            f"with most other Ingress controllers); use pathType: Prefix, or add {base}/*."
        )
    return None


def route_ingress(
    paired: PairedIngress,
    url: str | RequestUrl,
    *,
    snapshot: Snapshot | None = None,
    candidates: Sequence[str] = (),
) -> Route:
    """Route ``url`` through one Ingress's load balancer; ``snapshot`` adds redirects and NEG health."""
    request = url if isinstance(url, RequestUrl) else RequestUrl.parse(url)
    url_map = paired.url_map
    map_route = match_url_map(url_map, request.host, request.path) if url_map else None
    target = target_of(paired, map_route.service) if map_route else None
    lookup = _Lookup.of(paired, snapshot)
    hops = _frontend_hops(paired, request, lookup)
    hops.append(_url_map_hop(paired, request, map_route, target))
    if target is not None:
        hops += _backend_hops(paired, target, lookup)
    reason = _reason(paired, request, map_route, target)
    failing = [h for h in hops[:2] if not h.ok]
    if failing:
        reason += " On the way: " + "; ".join(h.note for h in failing) + "."
    spec = match_spec(paired.ingress, request.host, request.path)
    return Route(
        url=request,
        ingress=paired.name,
        candidates=tuple(candidates),
        matched=bool(map_route and map_route.matched),
        backend_service=target.name if target else None,
        service=None if target is None or target.is_system_default else target.service,
        port=None if target is None or target.is_system_default else target.port,
        reason=reason,
        hops=tuple(hops),
        map_route=map_route,
        spec=spec,
        disagreement=_disagreement(paired, request, map_route, target, spec),
    )


def route(topology: Topology, url: str, *, ingress: str | None = None) -> Route:
    """Route ``url`` through the Ingress whose load balancer serves its host.

    The Ingress is the one whose URL map has the most specific host rule for the host (an IP
    address picks the Ingress with that address); ``ingress`` (``namespace/name``) forces one.

    Raises:
        KeyError: ``ingress`` names no collected Ingress.
        LookupError: there is no Ingress at all.
        ValueError: ``url`` has no host.
    """
    request = RequestUrl.parse(url)
    if ingress is not None:
        return route_ingress(topology.ingress(ingress), request, snapshot=topology.snapshot)
    if not topology.ingresses:
        raise LookupError("no Ingress was collected, so there is no load balancer to route through")
    ranked = [(_serving_rank(p, request), p) for p in topology.ingresses]
    (level, _), chosen = max(ranked, key=lambda item: item[0])
    # Host rule matches compete with each other, catch-all default backends with each other; an
    # address belongs to one load balancer only.
    floor = min(max(level, 1), 2)
    others = tuple(
        p.name for (r, _), p in ranked if p is not chosen and r >= floor and level < _ADDRESS
    )
    answer = route_ingress(chosen, request, snapshot=topology.snapshot, candidates=others)
    if level >= 2 or len(ranked) == 1:
        return answer
    note = (
        f"No Ingress's URL map has a host rule for {request.host}; Ingress {chosen.name} serves "
        "every host with its default backend. "
        if level == 1
        else f"No Ingress's URL map routes host {request.host}; Ingress {chosen.name} is shown, "
        "and any of them answers the same way. "
    )
    return replace(answer, reason=note + answer.reason)
