"""Where a request goes: through the forwarding rule, proxy and URL map, and on to the pods.

:func:`route` traces one URL hop by hop (:class:`Hop`) into a :class:`Route`, and says why the URL
map and the Ingress spec (matched in :mod:`gkeingress.model.matching`) agree or not. Everything here
is a pure function of the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from gkeingress.display import HtmlView
from gkeingress.findings import Finding, Severity, VerdictState
from gkeingress.model.drift import (
    Target,
    backend_of,
    default_backend_name,
    spec_backend_name,
    target_of,
)
from gkeingress.model.explain import by_id, root_causes, why
from gkeingress.model.health import Health, backend_health, findings_about
from gkeingress.model.matching import (
    GKE_DEFAULT_BACKEND,
    MapRoute,
    Rank,
    RequestUrl,
    SpecRoute,
    best_match,
    gce_host_rank,
    match_spec,
    match_translation,
    match_url_map,
)
from gkeingress.model.topology import PairedIngress, ServiceBackend, Topology
from gkeingress.model.translate import translate
from gkeingress.resources.gce import (
    BackendService,
    ForwardingRule,
    GroupHealth,
    HealthCheck,
    NetworkEndpointGroup,
    TargetProxy,
    UrlMap,
)
from gkeingress.resources.refs import ResourceRef
from gkeingress.snapshot import Snapshot

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


def serves_port(rule: ForwardingRule, port: int) -> bool:
    """True when the forwarding rule's port range holds ``port`` (a rule without one serves all)."""
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
    rule = next((r for r in paired.forwarding_rules if serves_port(r, url.port)), None)
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


def _service_hops(backend: ServiceBackend, findings: Sequence[Finding]) -> list[Hop]:
    """The Service and its pods; a Service a warning or an error is about does not work."""
    name, port = f"{backend.service_key}:{backend.ref.port}", backend.port
    if backend.service is None:
        return [Hop("Service", name, False, "not found")]
    if port is None:
        return [Hop("Service", name, False, f"has no port {backend.ref.port}")]
    ready = sum(1 for p in backend.pods if p.ready and not p.terminating)
    pods = f"{ready}/{len(backend.pods)} ready" + (
        "" if backend.pods else " (the selector matches no pod)"
    )
    faults = [
        f.code
        for f in findings
        if f.resource == f"Service {backend.service_key}" and f.severity is not Severity.INFO
    ]
    note = f"port {port.port} → targetPort {port.target_port}"
    if faults:
        note += f" ({', '.join(dict.fromkeys(faults))})"
    return [
        Hop("Service", name, not faults, note),
        Hop("pods", backend.service_key, ready > 0, pods),
    ]


def _backend_hops(
    paired: PairedIngress,
    target: Target,
    lookup: _Lookup,
) -> list[Hop]:
    backend, resource = target.backend, target.resource
    findings = findings_about(paired, backend) if backend else []
    hops: list[Hop] = []
    if resource is None:
        hops.append(Hop("backend service", target.name, False, "not found"))
    else:
        states = paired.backend_states.value
        state = states.get(target.name) if isinstance(states, dict) else None
        health = backend_health(backend, findings) if backend else Health.UNKNOWN
        note = f"{state} (ingress.kubernetes.io/backends)" if state else "no state in annotation"
        if health is not Health.SERVING:
            note = f"{health.value}; {note}"
        hops.append(Hop("backend service", target.name, health is Health.SERVING, note))
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
    return hops + _service_hops(backend, findings)


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
        serves: True when the URL reaches working pods, False when it does not (404, 502, no
            load balancer), None when gkeingress cannot tell (nothing has health-checked the
            backend yet).
        answer: the answer in one line, e.g. ``serves: shop/api pods, 2 ready`` or ``502: …``.
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
    serves: bool | None = None
    answer: str = ""

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
            "serves": self.serves,
            "answer": self.answer,
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
            self.answer,
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
    best = best_match(hosts, lambda h: gce_host_rank(h, url.host))
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
            spec_backend_name(paired, expected.backend)
            if expected
            else default_backend_name(paired)
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
        and spec_backend_name(paired, prefix.backend) != target.name
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
    serves, answer = _answer(paired, target, hops)
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
        serves=serves,
        answer=answer,
    )


def _answer(
    paired: PairedIngress, target: Target | None, hops: Sequence[Hop]
) -> tuple[bool | None, str]:
    """Whether the URL reaches working pods (None: cannot tell yet), and the answer in one line."""
    verdict = paired.verdict
    broken = [h for h in hops[:2] if not h.ok]
    if verdict is not None and verdict.state is VerdictState.PROPAGATING and broken:
        return None, f"cannot tell yet: {verdict.headline}"
    if paired.url_map is None:
        if verdict is not None and verdict.state is VerdictState.NOT_PROVISIONED:
            return False, verdict.headline
        return False, "no load balancer: the Ingress has no URL map"
    if broken:
        return False, f"no answer: {broken[0].note}"
    if target is None or target.is_system_default:
        return False, (
            f"404: no rule matches, GKE's default backend {GKE_DEFAULT_BACKEND} answers"
            if target
            else "404: the URL map names no backend service for it"
        )
    return _backend_answer(paired, target)


def _backend_answer(paired: PairedIngress, target: Target) -> tuple[bool | None, str]:
    """Whether the backend a rule chose serves: 502 when it fails, cannot tell when unchecked."""
    backend = target.backend
    if backend is None or target.resource is None:
        return False, f"502: backend service {target.name} is not a backend of the Ingress's spec"
    findings = findings_about(paired, backend)
    health = backend_health(backend, findings)
    roots = root_causes(
        [f for f in findings if f.severity is not Severity.INFO], by_id(paired.findings)
    )
    reason = "; ".join(dict.fromkeys(why(f) for f in roots[:2]))
    if health is Health.FAILING:
        return False, f"502: {reason or f'backend service {target.name} has no healthy endpoint'}"
    if health is Health.UNKNOWN:
        checked = f"backend service {target.name} has not been health-checked yet"
        return None, f"cannot tell: {checked}" + (f" ({reason})" if reason else "")
    ready = sum(1 for p in backend.pods if p.ready and not p.terminating)
    answer = f"serves: {backend.service_key} pods, {ready} ready"
    if health is Health.PARTIAL:
        answer += f"; part of the backend fails: {reason}" if reason else "; part of it fails"
    return True, answer


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
