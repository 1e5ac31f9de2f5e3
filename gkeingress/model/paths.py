"""The path a request takes through one Ingress's load balancer, as columns of hops to draw.

Forwarding rules → target proxies → URL map → per backend: backend service → health check → NEGs
per zone → pods. Each hop has a state (``ok``, ``degraded``, ``broken``, ``missing`` or
``unknown``) and the findings that point at it. A hop's state comes from all the evidence, so it
never contradicts a finding: a hop an error points at is broken, one a warning points at is at best
degraded, and a backend service is as healthy as :func:`gkeingress.model.health.backend_health`
says (not what the ``ingress.kubernetes.io/backends`` annotation last said). Pure functions of the
paired view; :mod:`gkeingress.render.html` draws it, :mod:`gkeingress.render.text` prints it and
:mod:`gkeingress.frames` tabulates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from gkeingress.findings import Finding, Severity
from gkeingress.model.drift import target_of
from gkeingress.model.health import (
    OBSERVATIONS,
    Health,
    backend_health,
    finding_keys,
    findings_by_backend,
)
from gkeingress.model.topology import PairedIngress, ServiceBackend
from gkeingress.resources.gce import BackendService, ComputeResource, UrlMap
from gkeingress.resources.refs import ResourceRef

OK, DEGRADED, BROKEN, MISSING, UNKNOWN = "ok", "degraded", "broken", "missing", "unknown"
"""Hop states: works; works in part or with a warning; exists but does not work; does not exist;
not known yet."""

_HEALTH_STATE = {
    Health.SERVING: OK,
    Health.PARTIAL: DEGRADED,
    Health.FAILING: BROKEN,
    Health.UNKNOWN: UNKNOWN,
}


@dataclass(frozen=True, slots=True)
class MapRule:
    """One line of a URL map: requests for ``host`` and ``paths`` go to ``target``."""

    host: str
    paths: str
    target: str


@dataclass(frozen=True, slots=True)
class PathHop:
    """One box of the picture.

    Attributes:
        hop: the column, e.g. ``neg``; also the HTML ``data-hop`` value.
        kind: the kind in words, e.g. ``NEG``.
        name: the resource name (``-`` when not even the name is known).
        state: ``ok``, ``broken``, ``missing`` or ``unknown``.
        detail: one line about it, e.g. ``us-central1-a: 0 endpoints``.
        location: ``global``, a region or a zone; empty for Kubernetes objects.
        self_link: the API URL of a Compute resource; empty for Kubernetes objects.
        keys: how a finding's ``resource`` may name this hop.
        rules: the host and path rules, for the URL map.
        findings: the findings that point at this hop.
    """

    hop: str
    kind: str
    name: str
    state: str
    detail: str
    location: str = ""
    self_link: str = ""
    keys: tuple[str, ...] = ()
    rules: tuple[MapRule, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def worst(self) -> Severity | None:
        """The most severe finding's severity, None without findings."""
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


@dataclass(frozen=True, slots=True)
class Lane:
    """One backend of the Ingress, from its backend service to its pods."""

    title: str
    default: bool
    backend_service: PathHop
    health_checks: tuple[PathHop, ...]
    groups: tuple[PathHop, ...]
    pods: PathHop | None

    @property
    def hops(self) -> tuple[PathHop, ...]:
        """Every hop of the lane, left to right."""
        tail = (self.pods,) if self.pods else ()
        return (self.backend_service, *self.health_checks, *self.groups, *tail)


@dataclass(frozen=True, slots=True)
class RequestPath:
    """The picture of one Ingress: the Ingress itself, the shared frontend, then one lane per backend."""

    ingress: PathHop
    forwarding_rules: tuple[PathHop, ...]
    target_proxies: tuple[PathHop, ...]
    url_map: PathHop
    lanes: tuple[Lane, ...]

    @property
    def hops(self) -> Iterator[PathHop]:
        """Every hop, the Ingress first."""
        yield self.ingress
        yield from self.forwarding_rules
        yield from self.target_proxies
        yield self.url_map
        for lane in self.lanes:
            yield from lane.hops


def _found(hop: str, kind: str, resource: ComputeResource, state: str, detail: str) -> PathHop:
    return PathHop(
        hop,
        kind,
        resource.name,
        state,
        detail,
        resource.location,
        resource.self_link,
        (str(resource.ref), resource.name, f"{kind} {resource.name}"),
    )


def _absent(hop: str, kind: str, ref: ResourceRef | None, name: str | None, detail: str) -> PathHop:
    if ref is not None:
        keys = (str(ref), ref.name, f"{kind} {ref.name}")
        return PathHop(hop, kind, ref.name, MISSING, detail, ref.location, ref.self_link, keys)
    shown = name or "-"
    return PathHop(
        hop, kind, shown, MISSING, detail, keys=(shown, f"{kind} {shown}") if name else ()
    )


def _missing_refs(paired: PairedIngress, kind: str, hop: str) -> list[PathHop]:
    return [
        _absent(hop, kind, None, r.name, f"not found; named by {r.source}")
        for r in paired.references
        if r.kind == kind and not r.found
    ]


def _frontend(paired: PairedIngress) -> tuple[tuple[PathHop, ...], tuple[PathHop, ...], PathHop]:
    none = "no load balancer: not a GKE Ingress" if not paired.managed else "not created"
    rules = [
        _found("forwarding-rule", "forwarding rule", r, OK, f"{r.ip_address}:{r.port_range}")
        for r in paired.forwarding_rules
    ] + _missing_refs(paired, "forwarding rule", "forwarding-rule")
    own = paired.url_map.ref if paired.url_map else None
    proxies = [
        _found(
            "target-proxy",
            f"target {'HTTPS' if p.https else 'HTTP'} proxy",
            p,
            OK,
            f"→ URL map {p.url_map.name}" if p.url_map and p.url_map != own else "→ this URL map",
        )
        for p in paired.target_proxies
    ] + _missing_refs(paired, "target proxy", "target-proxy")
    if paired.url_map is not None:
        url_map = replace(
            _found("url-map", "URL map", paired.url_map, OK, "host and path rules"),
            rules=_map_rules(paired, paired.url_map),
        )
    else:
        url_map = next(iter(_missing_refs(paired, "url map", "url-map")), None) or _absent(
            "url-map", "URL map", None, None, none
        )
    return (
        tuple(rules) or (_absent("forwarding-rule", "forwarding rule", None, None, none),),
        tuple(proxies) or (_absent("target-proxy", "target proxy", None, None, none),),
        url_map,
    )


def _map_rules(paired: PairedIngress, url_map: UrlMap) -> tuple[MapRule, ...]:
    def where(ref: ResourceRef | None) -> str:
        target = target_of(paired, ref)
        if target is None:
            return "no backend service"
        if target.is_system_default:
            return "default backend (404)"
        if target.service:
            return target.service + (f":{target.port}" if target.port is not None else "")
        return target.name

    matchers = {pm.name: pm for pm in url_map.path_matchers}
    lines: list[MapRule] = []
    for host_rule in url_map.host_rules:
        hosts = ", ".join(host_rule.hosts)
        matcher = matchers.get(host_rule.path_matcher)
        if matcher is None:
            lines.append(MapRule(hosts, "*", f"path matcher {host_rule.path_matcher} not found"))
            continue
        lines += [MapRule(hosts, ", ".join(r.paths), where(r.service)) for r in matcher.path_rules]
        lines.append(MapRule(hosts, "other paths", where(matcher.default_service)))
    if not url_map.redirects_to_https:
        lines.append(MapRule("other hosts", "*", where(url_map.default_service)))
    return tuple(lines)


def _backend_service_hop(backend: ServiceBackend, health: Health) -> PathHop:
    resource = backend.backend_service
    if resource is None:
        return _absent(
            "backend-service", "backend service", None, backend.backend_service_name, "not found"
        )
    said = backend.health_state or "no health state yet"
    state = _HEALTH_STATE[health]
    if health is Health.FAILING and said.upper() == "HEALTHY":
        said = "no healthy endpoint (the backends annotation still says HEALTHY)"
    elif health is Health.PARTIAL:
        said = f"part of it fails ({said} per the backends annotation)"
    return _found("backend-service", "backend service", resource, state, said)


def _health_check_hops(backend: ServiceBackend) -> tuple[PathHop, ...]:
    hc = backend.health_check
    if hc is not None:
        where = "serving port" if hc.uses_serving_port else f"port {hc.port}"
        return (
            _found(
                "health-check", "health check", hc, OK, f"{hc.type} {hc.request_path} on {where}"
            ),
        )
    named = backend.backend_service.health_checks if backend.backend_service else ()
    if named:
        return tuple(_absent("health-check", "health check", r, None, "not found") for r in named)
    return (
        _absent("health-check", "health check", None, backend.backend_service_name, "not found"),
    )


def _group_hops(backend: ServiceBackend) -> tuple[PathHop, ...]:
    resource = backend.backend_service
    attached = {b.group for b in resource.backends} if resource else set()
    hops: list[PathHop] = []
    for group in sorted(attached):
        if group.collection != "networkEndpointGroups":
            keys = (str(group), group.name, f"instance group {group.name}")
            hops.append(
                PathHop(
                    "instance-group",
                    "instance group",
                    group.name,
                    OK,
                    f"{group.location}: node ports",
                    group.location,
                    group.self_link,
                    keys,
                )
            )
    for neg in backend.negs:
        state = OK if neg.size > 0 else BROKEN
        detail = f"{neg.zone}: {neg.size} endpoint(s)"
        if resource is not None and neg.ref not in attached:
            state, detail = BROKEN, f"{detail}, not attached to the backend service"
        hops.append(_found("neg", "NEG", neg, state, detail))
    have = {n.ref for n in backend.negs}
    for group in sorted(attached):
        if group.collection == "networkEndpointGroups" and group not in have:
            hops.append(
                _absent("neg", "NEG", group, None, f"{group.location}: attached, not found")
            )
    zones = {n.zone for n in backend.negs} | {g.location for g in attached}
    name = next((n.name for n in backend.negs), None)
    for zone in backend.neg_zones:
        if zone not in zones:
            hops.append(_absent("neg", "NEG", None, name, f"{zone}: in neg-status, not found"))
    if not hops:
        what = "NEG" if backend.uses_neg else "instance group"
        hops.append(
            _absent(
                "neg" if backend.uses_neg else "instance-group", what, None, None, "not created"
            )
        )
    return tuple(hops)


def _pods_hop(backend: ServiceBackend) -> PathHop:
    name = f"{backend.service_key}:{backend.ref.port}"
    keys = (backend.service_key, f"Service {backend.service_key}", name)
    if backend.service is None:
        return PathHop("pods", "Service", name, MISSING, "Service not found", keys=keys)
    if backend.port is None:
        return PathHop("pods", "Service", name, BROKEN, f"no port {backend.ref.port}", keys=keys)
    ready = sum(1 for p in backend.pods if p.ready and not p.terminating)
    detail = f"{ready}/{len(backend.pods)} pods ready"
    return PathHop("pods", "Service → pods", name, OK if ready else BROKEN, detail, keys=keys)


def _lanes(paired: PairedIngress, findings: Sequence[Finding]) -> list[Lane]:
    named = findings_by_backend(paired, findings)
    lanes = [
        Lane(
            f"{b.service_key}:{b.ref.port}",
            b.is_default,
            _backend_service_hop(b, backend_health(b, about)),
            _health_check_hops(b),
            _group_hops(b),
            _pods_hop(b),
        )
        for b, about in zip(paired.backends, named, strict=True)
    ]
    for ref in paired.references:
        if ref.kind == "backend service":
            hop = (
                _found("backend-service", "backend service", ref.resource, UNKNOWN, ref.source)
                if ref.resource is not None
                else _absent("backend-service", "backend service", None, ref.name, "not found")
            )
            service = (
                ref.resource.service_name if isinstance(ref.resource, BackendService) else None
            )
            title = f"{service or ref.name} · only in {ref.source}, not in the Ingress spec"
            lanes.append(Lane(title, False, hop, (), (), None))
    return lanes


def _strings(values: Iterable[object]) -> Iterator[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (v for v in value if isinstance(v, str))


def _place(hops: Sequence[PathHop], finding: Finding) -> list[int]:
    """Indexes of the hops ``finding`` points at: by its resource, else by its evidence.

    What the load balancer answered (:data:`~gkeingress.model.health.OBSERVATIONS`) points at the
    backend services that answered it (4xx and answers from no backend: at the Ingress), never at
    the URL map its metrics are kept by.
    """
    if finding.code in OBSERVATIONS:
        served = finding_keys(finding)
        client = finding.evidence.get("error_class") == "4xx"
        return [
            i
            for i, h in enumerate(hops)
            if not client and h.hop == "backend-service" and served & set(h.keys)
        ]
    by_resource = [i for i, h in enumerate(hops) if finding.resource in h.keys]
    if by_resource:
        return by_resource
    evidence = set(_strings(finding.evidence.values()))
    return [i for i, h in enumerate(hops) if evidence & set(h.keys)]


def _mark(hop: PathHop, findings: list[Finding]) -> PathHop:
    """The hop with the findings that point at it: an error breaks it, a warning degrades it."""
    state = hop.state
    severities = {Severity.WARNING if f.code in OBSERVATIONS else f.severity for f in findings}
    if state in (OK, UNKNOWN, DEGRADED) and Severity.ERROR in severities:
        state = BROKEN
    elif state == OK and Severity.WARNING in severities:
        state = DEGRADED
    return replace(hop, findings=tuple(findings), state=state)


def request_path(paired: PairedIngress, findings: Sequence[Finding] | None = None) -> RequestPath:
    """The picture of ``paired``; findings default to ``paired.findings``.

    A finding marks the hops its ``resource`` names (else the hops its evidence names, else the
    Ingress); an error marks a hop that otherwise works as broken, a warning as degraded.
    """
    shown = paired.findings if findings is None else findings
    ingress = paired.ingress
    addresses = ", ".join(ingress.addresses)
    ingress_hop = PathHop(
        "ingress",
        "Ingress",
        paired.name,
        OK if addresses else UNKNOWN,
        addresses or "no address yet",
        keys=(paired.name, f"Ingress {paired.name}"),
    )
    rules, proxies, url_map = _frontend(paired)
    lanes = _lanes(paired, shown)
    flat = [ingress_hop, *rules, *proxies, url_map, *(h for lane in lanes for h in lane.hops)]
    marks: list[list[Finding]] = [[] for _ in flat]
    for finding in shown:
        for index in _place(flat, finding) or [0]:
            marks[index].append(finding)
    marked = iter([_mark(h, m) for h, m in zip(flat, marks, strict=True)])
    ingress_hop = next(marked)
    rules = tuple(next(marked) for _ in rules)
    proxies = tuple(next(marked) for _ in proxies)
    url_map = next(marked)
    return RequestPath(
        ingress_hop,
        rules,
        proxies,
        url_map,
        tuple(
            Lane(
                lane.title,
                lane.default,
                next(marked),
                tuple(next(marked) for _ in lane.health_checks),
                tuple(next(marked) for _ in lane.groups),
                next(marked) if lane.pods else None,
            )
            for lane in lanes
        ),
    )
