"""One verdict per Ingress, from its findings, its paired load balancer and what it answered.

Pure: :func:`judge` reads a paired Ingress, its findings (already linked cause to consequence by
:func:`gkeingress.checks.causes.link`) and, when the audit read them, the load balancer's request
counts (``PairedIngress.traffic``): ongoing 5xx make a serving Ingress degraded or failing. The
states, worst first:

- ``failing``: some URLs get errors: a backend that serves nothing (502 on the URLs routed to it),
  paths the URL map drops (404) or routes elsewhere, a frontend resource missing;
- ``not_provisioned``: no load balancer (no address and no forwarding rule) and an error says why;
- ``degraded``: part of a backend fails (some zones or endpoints), or the controller cannot apply
  the Ingress's changes while the load balancer keeps its last good configuration;
- ``propagating``: a change made minutes ago is still rolling out (usually 5 to 10 minutes);
- ``not_managed``: the Ingress's class is not a GKE class;
- ``unverified``: nothing found, but checks that could have found a fault did not run (a call
  failed, or a check crashed): never called serving on the strength of a partial audit;
- ``serving``: none of the above (warnings may remain).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from gkeingress.findings import Finding, Severity, Verdict, VerdictState
from gkeingress.model.explain import by_id as index_by_id
from gkeingress.model.explain import root_causes, why
from gkeingress.model.health import HEALTH_CODES, Health, backend_health, findings_by_backend
from gkeingress.model.topology import PairedIngress, ServiceBackend
from gkeingress.model.traffic import Episode, ErrorClass, Traffic, top_codes
from gkeingress.resources.refs import parse_time

PROPAGATION = "PROPAGATION_PENDING"
OBSERVED = "LB_ERRORS_OBSERVED"
ROUTING_FAULTS = {
    "RULE_HOST_DUPLICATE": "404",
    "URL_MAP_OUT_OF_SYNC": "wrong backend",
    "PATH_SUBPATHS_NOT_ROUTED": "wrong backend",
    "LB_RESOURCE_MISSING": "no answer",
}
"""Codes that send some URLs nowhere or elsewhere, whatever the backends' health: what they get."""


def _path(rule_path: str, path_type: str) -> str:
    if path_type == "Prefix":
        return rule_path + ("*" if rule_path.endswith("/") else "/*")
    return rule_path or "/*"


def backend_urls(paired: PairedIngress, backend: ServiceBackend) -> list[str]:
    """The URLs (``host/path``, ``*`` for any host) the Ingress's rules send to ``backend``."""
    if backend.is_default:
        return ["every URL no rule matches"]
    return [
        f"{rule.host or '*'}{_path(p.path, p.path_type)}"
        for rule in paired.ingress.rules
        for p in rule.paths
        if p.backend == backend.ref
    ]


def routing_urls(finding: Finding) -> list[str]:
    """The URLs a routing fault (:data:`ROUTING_FAULTS`) concerns, from its evidence."""
    evidence = finding.evidence
    host = str(evidence.get("host") or "*")
    if finding.code == "RULE_HOST_DUPLICATE":
        return [f"{host}{p}" for p in evidence.get("dropped_paths") or ()]
    if finding.code == "PATH_SUBPATHS_NOT_ROUTED":
        return [f"{host}{str(evidence.get('path', '')).rstrip('/')}/*"]
    if finding.code == "URL_MAP_OUT_OF_SYNC":
        return [
            f"{d.get('host') or '*'}{p}"
            for d in evidence.get("differences") or ()
            if isinstance(d, Mapping)
            for p in d.get("paths") or ()
        ]
    return ["every URL"]


def _serious(findings: Iterable[Finding]) -> list[Finding]:
    """The warnings and errors among ``findings``: what a headline may name as the cause."""
    return [f for f in findings if f.severity is not Severity.INFO]


def _join(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _sentence(subject: str, roots: Sequence[Finding], fallback: str) -> str:
    """``subject: why``, quoting the two most severe root causes (only errors, when there are)."""
    worst = max((f.severity.rank for f in roots), default=0)
    quoted = [f for f in roots if f.severity.rank == worst][:2]
    reason = "; ".join(dict.fromkeys(why(f) for f in quoted)) or fallback
    return f"{subject}: {reason}"


def _propagating(paired: PairedIngress, pending: Finding, now: datetime) -> Verdict:
    since = parse_time(str(pending.evidence.get("changed_at") or ""))
    minutes = int((now - since).total_seconds() // 60) if since else None
    ago = f"{minutes} minute{'s' if minutes != 1 else ''} ago" if minutes is not None else "lately"
    left = [str(p) for p in pending.evidence.get("pending") or ()]
    return Verdict(
        VerdictState.PROPAGATING,
        f"{pending.evidence.get('change') or 'a change'} {ago}; load balancer changes usually "
        f"take 5-10 minutes to roll out, not a fault yet"
        + (f" (still waiting: {_join(left, 2)})" if left else ""),
        (pending,),
        since=since,
    )


FAILING_SHARE = 0.5
"""Of an ongoing episode of 5xx, the share of requests that makes an otherwise serving Ingress
failing rather than degraded."""


def _ongoing(traffic: Traffic | None) -> Episode | None:
    """The ongoing episode of errors the load balancer answered, 5xx first."""
    episodes = [e for e in traffic.episodes if e.ongoing] if traffic else []
    return min(episodes, key=lambda e: e.error_class is ErrorClass.CLIENT, default=None)


def _share(traffic: Traffic, episode: Episode) -> str:
    codes = "/".join(str(c) for c in top_codes(traffic, episode.error_class)) or episode.error_class
    since = (
        f"since {episode.onset:%H:%M} UTC"
        if episode.onset
        else f"since before {traffic.window.start:%H:%M} UTC"
    )
    return f"{episode.ratio:.0%} of requests got {codes} {since}"


def _observed(
    verdict: Verdict,
    paired: PairedIngress,
    findings: Sequence[Finding],
    lookup: Mapping[str, Sequence[Finding]],
) -> Verdict:
    """Let what the load balancer answered (``paired.traffic``) overrule a serving verdict.

    Ongoing 5xx make a serving or degraded Ingress degraded, or failing from
    :data:`FAILING_SHARE` of requests, and the headline says so first. A verdict the
    configuration already explains keeps its headline (reports show the traffic beside it).
    """
    traffic = paired.traffic
    episode = _ongoing(traffic)
    if traffic is None or episode is None or episode.error_class is not ErrorClass.SERVER:
        return verdict
    if verdict.state not in (VerdictState.SERVING, VerdictState.DEGRADED):
        return verdict
    seen = [f for f in findings if f.code == OBSERVED]
    causes = [c for c in root_causes(seen, lookup) or verdict.root_causes if c.code != OBSERVED]
    state = VerdictState.FAILING if episode.ratio >= FAILING_SHARE else VerdictState.DEGRADED
    return Verdict(
        max(state, verdict.state, key=lambda s: s.rank),
        _sentence(_share(traffic, episode), causes, "no configuration fault explains it"),
        verdict.root_causes,
        verdict.urls,
    )


def judge(
    paired: PairedIngress,
    findings: Sequence[Finding],
    *,
    now: datetime,
    by_id: Mapping[str, Sequence[Finding]] | None = None,
    not_run: Sequence[Finding] = (),
) -> Verdict:
    """The verdict on one Ingress (see the module's states).

    Args:
        paired: the Ingress and its load balancer.
        findings: its findings, linked to their causes, most severe first.
        now: the time the audit judges against.
        by_id: findings by id, to follow ``caused_by`` outside ``findings`` (default: these).
        not_run: the audit's ``CHECK_INCOMPLETE`` and ``INTERNAL_ERROR`` findings: checks that
            did not run, so "serving" cannot be said.
    """
    verdict = _judge(paired, findings, now=now, by_id=by_id)
    if verdict.state is not VerdictState.SERVING or not not_run:
        return verdict
    codes = sorted({str(f.evidence.get("check") or f.resource) for f in not_run})
    return Verdict(
        VerdictState.UNVERIFIED,
        f"no fault found, but {len(codes)} check{'s' if len(codes) != 1 else ''} did not run "
        f"({_join(codes)}): {why(not_run[0])}",
        tuple(not_run),
    )


def _judge(
    paired: PairedIngress,
    findings: Sequence[Finding],
    *,
    now: datetime,
    by_id: Mapping[str, Sequence[Finding]] | None,
) -> Verdict:
    lookup = by_id if by_id is not None else index_by_id(findings)
    faults = [f for f in findings if f.severity is not Severity.INFO]
    roots = root_causes(faults, lookup)
    error_roots = [f for f in roots if f.severity is Severity.ERROR]
    pending = next((f for f in findings if f.code == PROPAGATION), None)
    if not paired.managed:
        cls = paired.ingress.class_annotation or paired.ingress.ingress_class_name
        headline = (
            _sentence("no GKE load balancer", roots, "")
            if roots
            else f"class {cls}: another controller serves it, and gkeingress checks only GKE's"
        )
        return Verdict(VerdictState.NOT_MANAGED, headline, tuple(roots))
    if pending is not None and not error_roots:
        return _observed(_propagating(paired, pending, now), paired, findings, lookup)
    built = bool(paired.ingress.addresses or paired.forwarding_rules)
    if not built and error_roots:
        return Verdict(
            VerdictState.NOT_PROVISIONED,
            _sentence("no load balancer", error_roots, "nothing says why"),
            tuple(roots),
        )
    return _observed(_serving(paired, findings, roots, lookup), paired, findings, lookup)


def _serving(
    paired: PairedIngress,
    findings: Sequence[Finding],
    roots: list[Finding],
    lookup: Mapping[str, Sequence[Finding]],
) -> Verdict:
    """Failing, degraded or serving: which backends and URLs fail, and why."""
    # Matched to backends: what their health is judged by, and the warnings and errors that may
    # be quoted as causes (the only findings of a backend read below).
    named = findings_by_backend(
        paired, [f for f in findings if f.code in HEALTH_CODES or f.severity is not Severity.INFO]
    )
    health = [backend_health(b, f) for b, f in zip(paired.backends, named, strict=True)]
    failing = [i for i, h in enumerate(health) if h is Health.FAILING]
    routing = [f for f in roots if f.code in ROUTING_FAULTS]
    if failing or any(f.severity is Severity.ERROR for f in routing):
        return _failing(
            paired, failing=failing, named=named, routing=routing, roots=roots, lookup=lookup
        )
    partial = [i for i, h in enumerate(health) if h is Health.PARTIAL]
    if partial or routing or any(f.severity is Severity.ERROR for f in findings):
        urls = [u for i in partial for u in backend_urls(paired, paired.backends[i])]
        causes = (
            root_causes(_serious(f for i in partial for f in named[i]), lookup) + routing or roots
        )
        subject = (
            f"some requests to {_join(urls)} fail"
            if urls
            else "serves, but not as the Ingress says"
        )
        return Verdict(
            VerdictState.DEGRADED, _sentence(subject, causes, ""), tuple(roots), tuple(urls)
        )
    ready = sum(1 for b in paired.backends if not b.is_system_default for p in b.pods if p.ready)
    services = [b.service_key for b in paired.backends if not b.is_system_default]
    headline = f"serves {_join(list(dict.fromkeys(services)))}: {ready} pods ready"
    if roots:
        headline += f"; but {why(roots[0])}"
    return Verdict(VerdictState.SERVING, headline, tuple(roots))


def _failing(
    paired: PairedIngress,
    *,
    failing: list[int],
    named: list[list[Finding]],
    routing: list[Finding],
    roots: list[Finding],
    lookup: Mapping[str, Sequence[Finding]],
) -> Verdict:
    parts: list[str] = []
    urls: list[str] = []
    every = bool(failing) and len(failing) == len(paired.backends)
    for index in failing:
        backend = paired.backends[index]
        where = ["every URL"] if every else backend_urls(paired, backend)
        urls += where
        causes = root_causes(_serious(named[index]), lookup)
        parts.append(
            _sentence(
                f"502 on {_join(where)}",
                causes,
                f"backend {backend.service_key}:{backend.ref.port} has no healthy endpoint",
            )
        )
        if every:
            break
    for finding in routing:
        where = routing_urls(finding) or ["some URLs"]
        urls += where
        parts.append(_sentence(f"{ROUTING_FAULTS[finding.code]} on {_join(where)}", [finding], ""))
    return Verdict(VerdictState.FAILING, "; ".join(parts), tuple(roots), tuple(urls))


def fold(findings: Sequence[Finding]) -> list[tuple[Finding, list[Finding]]]:
    """``findings`` as root causes, in order, each with the findings it explains beneath it.

    A finding whose causes are not among ``findings`` is a root here. Each finding appears once,
    under the first root that explains it.
    """
    by_id: dict[str, list[Finding]] = {}
    for finding in findings:
        by_id.setdefault(finding.id, []).append(finding)
    placed: set[int] = set()
    groups: list[tuple[Finding, list[Finding]]] = []
    for root in findings:
        if any(i in by_id for i in root.caused_by) or id(root) in placed:
            continue
        placed.add(id(root))
        beneath: list[Finding] = []
        todo = [c for i in reversed(root.consequences) for c in by_id.get(i, ())]
        while todo:
            finding = todo.pop()
            if id(finding) not in placed:
                placed.add(id(finding))
                beneath.append(finding)
                todo += [c for i in reversed(finding.consequences) for c in by_id.get(i, ())]
        groups.append((root, beneath))
    groups += [(f, []) for f in findings if id(f) not in placed]
    return groups


def worst_first(ingresses: Iterable[PairedIngress]) -> list[PairedIngress]:
    """Ingresses by verdict, worst first, then by errors and warnings, then by name."""

    def rank(paired: PairedIngress) -> tuple[int, int, int, str]:
        state = paired.verdict.state.rank if paired.verdict else 0
        errors = sum(1 for f in paired.findings if f.severity is Severity.ERROR)
        warnings = sum(1 for f in paired.findings if f.severity is Severity.WARNING)
        return (-state, -errors, -warnings, paired.name)

    return sorted(ingresses, key=rank)
