"""The URL map against the spec: how it differs from what ingress-gce would write for the Ingress.

The Ingress's backend services are named as the paired view knows them (:class:`Target`), so a
difference names the Services on both sides. Everything here is a pure function of the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gkeingress.model.matching import GKE_DEFAULT_BACKEND
from gkeingress.model.topology import PairedIngress, ServiceBackend
from gkeingress.model.translate import translate
from gkeingress.resources.gce import (
    BackendService,
    UrlMap,
)
from gkeingress.resources.k8s import BackendRef
from gkeingress.resources.refs import ResourceRef

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


def spec_backend_name(paired: PairedIngress, ref: BackendRef | None) -> str | None:
    """The backend service name of a Service port the Ingress spec names, if it is paired."""
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
    name = spec_backend_name(paired, backend)
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
        want = {p: r for p, r in spec.get(host, {}).items() if spec_backend_name(paired, r.backend)}
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
            elif ref is None or ref.name != spec_backend_name(paired, backend):
                kind = "swapped"
            else:
                continue
            groups.setdefault((kind, backend, ref), []).append(path)
        diffs += [
            _path_difference(paired, host, kind, tuple(paths), backend=backend, ref=ref)
            for (kind, backend, ref), paths in groups.items()
        ]
    return tuple(diffs)
