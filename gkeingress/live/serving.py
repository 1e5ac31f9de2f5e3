"""Whether an Ingress's load balancer serves: each hop it needs, and where each stands.

Pure judgement of one round of :func:`gkeingress.live.wait.wait` (no I/O): :func:`assess` reads a
report (and the round's probes) and lists every hop a serving load balancer needs for the
Ingress; :class:`WaitProgress` and :class:`WaitResult` are what the wait reports.

An Ingress serves when it has an address, every forwarding rule, target proxy and URL map it
names exists, its URL map matches its spec (no ``URL_MAP_OUT_OF_SYNC``), every endpoint of every
backend service its URL map routes to is healthy in getHealth, no change is still propagating
(no ``PROPAGATION_PENDING``) and it has no error-level finding; with probed URLs, also when each
gets the answer the route predicts from the application.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gkeingress.checks import REGISTRY
from gkeingress.findings import Finding, Severity, Verdict
from gkeingress.live.probe import ProbeResult
from gkeingress.model.answers import Answer, endpoint_health
from gkeingress.model.topology import PairedIngress
from gkeingress.report import Report
from gkeingress.snapshot import POLLED_KINDS

SERVING_ANSWERS = frozenset({Answer.BACKEND, Answer.REDIRECT})
"""What a probed URL must get from the load balancer: the application, or its HTTPS redirect."""


class Outcome(str, enum.Enum):
    """How a wait ended."""

    SERVING = "serving"
    TIMEOUT = "timeout"
    NEEDS_CHANGE = "needs-change"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class HopState:
    """One thing a serving load balancer needs, and where it stands.

    Attributes:
        name: what it is: ``address``, ``URL map k8s2-um-…``, ``backend k8s1-…``, a finding code,
            ``probe http://…``.
        state: where it stands, e.g. ``1/3 endpoints healthy``.
        ok: True when it is as a serving load balancer needs it.
        needs_change: True when waiting cannot make it ok (a finding of a ``needs_change`` check).
        waiting: seconds it has not been ok, counted from the round it was first seen not ok.
        code: the finding code behind it, for hops that are findings.
    """

    name: str
    state: str
    ok: bool
    needs_change: bool = False
    waiting: float = 0.0
    code: str | None = None

    @property
    def brief(self) -> str:
        """``name: state``, or the finding code alone: what a log line or a summary shows."""
        return self.code or f"{self.name}: {self.state}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "state": self.state,
            "ok": self.ok,
            "needs_change": self.needs_change,
            "waiting_seconds": round(self.waiting, 1),
            "code": self.code,
        }


@dataclass(frozen=True, slots=True)
class WaitProgress:
    """What ``on_progress`` hears after each round.

    Attributes:
        ingress: ``namespace/name``.
        round: 1 for the first (the full audit), then 2, 3, …
        seconds: seconds since the wait began.
        calls: API calls this round made.
        hops: every hop and its state.
        next_round_in: seconds until the next round, None when the wait ends.
    """

    ingress: str
    round: int
    seconds: float
    calls: int
    hops: tuple[HopState, ...]
    next_round_in: float | None


@dataclass(frozen=True, slots=True)
class WaitResult:
    """How a wait ended, and the last round's state.

    Attributes:
        ingress: ``namespace/name``.
        outcome: serving, timeout, or a fault that needs a change.
        seconds: how long it waited.
        calls: API calls of each round (the first is the full audit of the namespace).
        budget: the most calls a later round may make for this Ingress.
        hops: the last round's hops.
        report: the last round's report (its findings name what blocks).
        probes: the last round's probes of ``urls``.
    """

    ingress: str
    outcome: Outcome
    seconds: float
    calls: tuple[int, ...]
    budget: int
    hops: tuple[HopState, ...]
    report: Report
    probes: tuple[ProbeResult, ...] = ()

    @property
    def serving(self) -> bool:
        """True when the load balancer serves."""
        return self.outcome is Outcome.SERVING

    @property
    def rounds(self) -> int:
        """Rounds made."""
        return len(self.calls)

    @property
    def verdict(self) -> Verdict | None:
        """The last round's verdict on the Ingress: its state, headline and root causes."""
        return self.report.ingress(self.ingress).verdict

    @property
    def blocking(self) -> list[Finding]:
        """What keeps the Ingress from serving, root causes first.

        The verdict's root causes, then the other errors and pending changes, then the probes'
        disagreements.
        """
        roots = list(self.verdict.root_causes) if self.verdict is not None else []
        own = [
            f
            for f in self.report.findings_for(self.ingress)
            if (f.severity is Severity.ERROR or f.code == "PROPAGATION_PENDING") and f not in roots
        ]
        return roots + own + [p.finding for p in self.probes if p.finding is not None]

    @property
    def waiting_for(self) -> list[HopState]:
        """The hops that are not ok."""
        return [h for h in self.hops if not h.ok]

    def summary(self) -> str:
        """One sentence: serving after how long, or why not."""
        took = duration(self.seconds)
        if self.serving:
            return f"Ingress {self.ingress} serves, after {took} ({self.rounds} round(s))."
        if self.outcome is Outcome.NEEDS_CHANGE:
            codes = ", ".join(h.name for h in self.hops if h.needs_change)
            return (
                f"Ingress {self.ingress} cannot serve until something is changed; waiting will "
                f"not fix {codes}. Stopped after {took}."
            )
        waits = "; ".join(h.brief for h in self.waiting_for)
        return f"Ingress {self.ingress} still does not serve after {took}: waiting for {waits}."

    def to_dict(self) -> dict[str, Any]:
        """JSON form with stable keys."""
        return {
            "ingress": self.ingress,
            "outcome": self.outcome.value,
            "serving": self.serving,
            "seconds": round(self.seconds, 1),
            "rounds": self.rounds,
            "calls_per_round": list(self.calls),
            "round_budget": self.budget,
            "summary": self.summary(),
            "verdict": None if self.verdict is None else self.verdict.to_dict(),
            "hops": [h.to_dict() for h in self.hops],
            "blocking": [f.to_dict() for f in self.blocking],
            "probes": [p.to_dict() for p in self.probes],
        }


def duration(seconds: float) -> str:
    """``2m10s``, ``45s``, ``1h02m``."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _frontend_hops(paired: PairedIngress, out_of_sync: bool) -> list[HopState]:
    hops = []
    for ref in paired.references:
        if ref.kind not in ("forwarding rule", "target proxy", "url map"):
            continue
        state, ok = ("exists", True) if ref.found else ("does not exist yet", False)
        if ref.found and ref.kind == "url map":
            state, ok = (
                ("out of sync with the spec (URL_MAP_OUT_OF_SYNC)", False)
                if out_of_sync
                else ("matches the spec", True)
            )
        kind = "URL map" if ref.kind == "url map" else ref.kind
        hops.append(HopState(f"{kind} {ref.name}", state, ok))
    if paired.url_map is None and not any(r.kind == "url map" for r in paired.references):
        hops.append(HopState("URL map", "none yet", False))
    return hops


def _backend_hops(report: Report, paired: PairedIngress) -> list[HopState]:
    names = (
        [ref.name for ref in paired.url_map.services]
        if paired.url_map is not None
        else [b.backend_service_name for b in paired.backends if b.backend_service_name]
    )
    hops = []
    for name in dict.fromkeys(names):
        health = endpoint_health(report.topology, name)
        if health is None or not health.total:
            hops.append(HopState(f"backend {name}", "no endpoint health-checked yet", False))
        else:
            ok = health.healthy == health.total
            hops.append(HopState(f"backend {name}", str(health), ok))
    return hops


def _probe_hop(result: ProbeResult) -> HopState:
    ok = result.agrees and result.expected.answer in SERVING_ANSWERS
    state = result.observed.describe()
    if not ok:
        state += f" (predicted: {result.expected.summary})"
    return HopState(f"probe {result.url}", state, ok)


def assess(
    report: Report, ingress: str, probes: Sequence[ProbeResult] = ()
) -> tuple[HopState, ...]:
    """Every hop a serving load balancer needs for ``ingress``, and where each stands.

    A read the judgement needs that failed (the Ingress, its Services, its load balancer's
    resources, getHealth) is a hop of its own that is not ok: the checks that needed it could
    not run, so what they would have found is unknown, never taken for serving.
    """
    paired = report.ingress(ingress)
    findings = report.findings_for(ingress)
    codes = {f.code for f in findings}
    addresses = paired.ingress.addresses or tuple(
        r.ip_address for r in paired.forwarding_rules if r.ip_address
    )
    hops = [HopState("address", ", ".join(addresses) or "none yet", bool(addresses))]
    hops += _frontend_hops(paired, "URL_MAP_OUT_OF_SYNC" in codes)
    hops += _backend_hops(report, paired)
    for finding in findings:
        if finding.code == "PROPAGATION_PENDING":
            pending = "; ".join(finding.evidence.get("pending") or ()) or finding.message
            hops.append(
                HopState("rollout", f"still converging: {pending}", False, code=finding.code)
            )
        elif finding.severity is Severity.ERROR and finding.code != "URL_MAP_OUT_OF_SYNC":
            known = finding.code in REGISTRY
            needs_change = known and REGISTRY[finding.code].needs_change
            hops.append(
                HopState(finding.code, finding.message, False, needs_change, code=finding.code)
            )
    # A failed read of what the judgement needs is never taken for serving.
    failed = [e for e in report.errors if e.kind in POLLED_KINDS]
    if failed:
        calls = "; ".join(f"{e.call}: {e.status_text or e.message}" for e in failed)
        hops.append(HopState("API reads", f"{len(failed)} failed ({calls})", False))
    hops += [_probe_hop(p) for p in probes]
    return tuple(hops)
