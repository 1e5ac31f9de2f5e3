"""URL maps that route differently from the spec, paths that match only themselves, and 404 defaults."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.propagation import FRONTEND_READS, RECENT_CHANGE_READS, recent_change
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.findings import Severity
from gkeingress.model.drift import target_of, url_map_differences
from gkeingress.model.matching import GKE_DEFAULT_BACKEND, gce_path_rank, match_url_map
from gkeingress.model.topology import PairedIngress, Topology
from gkeingress.model.translate import RoutedPath, translate
from gkeingress.resources.gce import UrlMap
from gkeingress.snapshot import DataKind

_ROUTING = (*RECENT_CHANGE_READS, *FRONTEND_READS)


def _any_host(paired: PairedIngress) -> str:
    """A host no rule names: the load balancer's IP address when known."""
    addresses = [*paired.ingress.addresses, *(r.ip_address for r in paired.forwarding_rules)]
    return next((a for a in addresses if a), "other-host.example")


def _default_outcome(paired: PairedIngress) -> str:
    default = paired.ingress.default_backend
    if default is None:
        return f"GKE's default backend {GKE_DEFAULT_BACKEND} answers 404"
    return f"spec.defaultBackend {paired.ingress.meta.namespace}/{default} answers instead"


@check(
    "URL_MAP_OUT_OF_SYNC",
    severity=Severity.ERROR,
    title="The URL map does not route what the Ingress spec says",
    explanation=(
        "ingress-gce writes one host rule per Ingress host and one path rule per path, and rewrites "
        "the URL map whenever the spec changes. A URL map that still differs from the spec after "
        "the propagation window means the controller has not applied the spec (its sync fails, or "
        "it is not running) or someone edited the URL map by hand: requests go to the old backend, "
        "or to the default backend (404)."
    ),
    fix=(
        "Read the Ingress's Warning events (`kubectl describe ingress`) and fix the sync error; "
        "make routing changes in the Ingress spec, never in the URL map, which ingress-gce "
        "overwrites."
    ),
    evidence=(
        "The URL map and each difference from the spec. `url_map` is its name and `differences` "
        "lists, per difference, the `host`, the `paths`, the backend the `spec` routes them to "
        "and the one the `url_map` routes them to."
    ),
    links=(
        "https://cloud.google.com/load-balancing/docs/url-map-concepts",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
    ),
    requires=_ROUTING,
)
def url_map_out_of_sync(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report each settled Ingress whose URL map routes differently from its spec."""
    for paired in topology.ingresses:
        url_map = paired.url_map
        if url_map is None or not paired.managed or recent_change(paired, options):
            continue
        diffs = url_map_differences(paired)
        if not diffs:
            continue
        yield Hit(
            ingress=paired.name,
            resource=str(url_map.ref),
            message=(
                f"URL map {url_map.name} does not route what Ingress {paired.name} says: "
                + "; ".join(d.text for d in diffs)
                + "."
            ),
            remediation=(
                f"Run `kubectl describe ingress -n {paired.ingress.meta.namespace} "
                f"{paired.ingress.meta.name}` and fix the Warning events that stop ingress-gce from "
                "syncing; if the URL map was edited by hand, make the change in the Ingress spec "
                "instead, as the next sync reverts it."
            ),
            evidence={
                "url_map": url_map.name,
                "differences": [
                    {"host": d.host, "paths": list(d.paths), "spec": d.spec, "url_map": d.url_map}
                    for d in diffs
                ],
            },
        )


def _self_only(routed: RoutedPath) -> bool:
    """True for a URL map path that matches only itself (no ``/*``)."""
    return not routed.path.endswith("/*") and routed.path_type in (
        "Exact",
        "ImplementationSpecific",
    )


def _subpaths_fix(routed: RoutedPath) -> str:
    base = routed.path.rstrip("/")
    if routed.path_type == "Exact":
        return (
            f"If sub-paths of {routed.source_path} belong to {routed.backend}, change its pathType "
            f"from Exact to Prefix (ingress-gce then writes {base or '/'} and {base}/*)."
        )
    return (
        f"Set pathType: Prefix on {routed.source_path} (ingress-gce then writes {base or '/'} and "
        f"{base}/*), or add a path {base}/* with pathType ImplementationSpecific."
    )


@check(
    "PATH_SUBPATHS_NOT_ROUTED",
    severity=Severity.INFO,
    other_severities=(Severity.WARNING,),
    title="A path matches only itself: its sub-paths go to the default or another backend",
    explanation=(
        "ingress-gce writes an `Exact` path, and an `ImplementationSpecific` path that does not "
        "end in `/*`, as an exact URL map path: `/api` matches `/api` and nothing below it, so "
        "`/api/users` goes to the default backend (404 unless spec.defaultBackend is set), or to "
        "whichever other rule of the host catches it: beside a `/` Prefix path, `/api/orders` "
        "goes to the web frontend, not to the api. Other Ingress controllers read "
        "`ImplementationSpecific` `/api` as a prefix, so manifests moved to GKE break this way. "
        "A warning when another backend's rule catches the sub-paths, or when other paths of the "
        "host are prefixes, which suggests sub-paths were expected here too."
    ),
    fix=(
        "Use `pathType: Prefix`, which ingress-gce writes as `/api` and `/api/*`, or add an "
        "`ImplementationSpecific` path `/api/*`."
    ),
    evidence=(
        "The Ingress path, its pathType and host, an example sub-path URL and where it goes "
        "instead: the default backend, or the rule that catches it and its Service. `host` is "
        "the host (`*` for every host), `path` and `path_type` the Ingress path, `example_url` "
        "the URL, `caught_by` the catching URL map `path` and its `backend` (or null), and "
        "`sibling_prefixes` the host's prefix paths. Info, or a warning when another backend "
        "catches the sub-paths or the host has prefix paths."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://kubernetes.io/docs/concepts/services-networking/ingress/",
        "https://cloud.google.com/load-balancing/docs/url-map-concepts",
    ),
    requires=(DataKind.INGRESSES,),
)
def path_subpaths_not_routed(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report exact paths whose sub-paths no path of the host routes, or another backend's does."""
    for paired in topology.ingresses:
        if not paired.managed:
            continue
        for host, routed in translate(paired.ingress).hosts.items():
            patterns = [r.path for r in routed]
            prefixes = [p for p in patterns if p.endswith("/*") and p != "/*"]
            for item in routed:
                example = item.path.rstrip("/") + "/example"
                catcher = _catcher(routed, example)
                if not _self_only(item) or (catcher and catcher.backend in (item.backend, None)):
                    continue
                url = f"http://{_any_host(paired) if host == '*' else host}{example}"
                where = "every host" if host == "*" else f"host {host}"
                if catcher is not None:
                    namespace = paired.ingress.meta.namespace
                    outcome = (
                        f"match {catcher.path} (path {catcher.source_path}, {catcher.path_type}) "
                        f"instead, so they go to Service {namespace}/{catcher.backend}, not to "
                        f"{namespace}/{item.backend}."
                    )
                else:
                    siblings = (
                        f" Other paths of {where} ({', '.join(prefixes)}) do route their sub-paths."
                        if prefixes
                        else ""
                    )
                    outcome = f"match no rule, so {_default_outcome(paired)}.{siblings}"
                yield Hit(
                    ingress=paired.name,
                    resource=f"Ingress {paired.name} path {host}{item.path}",
                    message=(
                        f"Path {item.source_path} ({item.path_type}) of {where} matches only "
                        f"{item.path} itself: sub-paths such as {url} {outcome}"
                    ),
                    remediation=_subpaths_fix(item),
                    evidence={
                        "host": host,
                        "path": item.source_path,
                        "path_type": item.path_type,
                        "example_url": url,
                        "sibling_prefixes": prefixes,
                        "caught_by": None
                        if catcher is None
                        else {"path": catcher.path, "backend": str(catcher.backend)},
                    },
                    severity=Severity.WARNING if prefixes or catcher else Severity.INFO,
                )


def _catcher(routed: tuple[RoutedPath, ...], path: str) -> RoutedPath | None:
    """The URL map path of the host that wins for ``path`` (the longest match), if any."""
    ranked = [(rank, r) for r in routed if (rank := gce_path_rank(r.path, path)) is not None]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


def _unrouted_examples(paired: PairedIngress, url_map: UrlMap) -> list[str]:
    """Up to two URLs the URL map sends to its default service: another host, a path outside."""
    other = _any_host(paired)
    examples = []
    if match_url_map(url_map, other, "/").host_pattern is None:
        examples.append(f"http://{other}/ (a host no rule names)")
    for pattern in (
        h for rule in url_map.host_rules for h in rule.hosts if h == "*" or "*" not in h
    ):
        host, where = (other, "every host") if pattern == "*" else (pattern, pattern)
        path = next(
            (p for p in ("/", "/index.html") if not match_url_map(url_map, host, p).matched), None
        )
        if path is not None:
            examples.append(f"http://{host}{path} (a path outside the rules for {where})")
            break
    return examples


@check(
    "DEFAULT_BACKEND_404",
    severity=Severity.INFO,
    title="Requests no rule matches get 404 from GKE's default backend",
    explanation=(
        "Without spec.defaultBackend, ingress-gce makes GKE's default backend "
        "(`kube-system/default-http-backend`) the URL map's default service: every request whose "
        "host or path matches no rule gets `404 default backend - 404`. That includes requests "
        "to the bare IP address, such as uptime checks, and hosts missing from the rules."
    ),
    fix=(
        "Set spec.defaultBackend to the Service that should answer unmatched requests, or add a "
        "rule without a host with path `/` (Prefix); leave it if 404 is what you want."
    ),
    evidence=(
        "The URL map, its default service (GKE's default backend) and up to two URLs that get "
        "404. `url_map`, `default_service` and `examples` hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://cloud.google.com/load-balancing/docs/url-map-concepts",
    ),
    requires=_ROUTING,
)
def default_backend_404(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report Ingresses with rules but no default backend, with URLs that get 404."""
    for paired in topology.ingresses:
        url_map = paired.url_map
        ingress = paired.ingress
        if (
            url_map is None
            or not paired.managed
            or ingress.default_backend is not None
            or not any(r.paths for r in ingress.rules if r.has_http)
        ):
            continue
        target = target_of(paired, url_map.default_service)
        examples = _unrouted_examples(paired, url_map)
        if target is None or not target.is_system_default or not examples:
            continue
        yield Hit(
            ingress=paired.name,
            resource=str(url_map.ref),
            message=(
                f"Ingress {paired.name} has no spec.defaultBackend, so requests that match no rule "
                f"go to URL map {url_map.name}'s default service, {target.describe()}, and get 404; for "
                f"example {' and '.join(examples)}."
            ),
            remediation=(
                f"If those requests should be served, set spec.defaultBackend on Ingress "
                f"{paired.name} (or add a rule without a host with path / and pathType Prefix); "
                "if 404 is intended, nothing needs to change."
            ),
            evidence={
                "url_map": url_map.name,
                "default_service": url_map.default_service.name
                if url_map.default_service
                else None,
                "examples": examples,
            },
        )
