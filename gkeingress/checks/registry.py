"""How checks are declared, registered and run.

A check is a pure function of the paired :class:`~gkeingress.model.topology.Topology` that yields
:class:`Hit` objects; :func:`check` attaches its metadata (code, severity, title, documentation and
the data it reads). The runner turns hits into :class:`~gkeingress.findings.Finding` objects, and
replaces the findings of a check that read data whose call failed with a ``CHECK_INCOMPLETE``
finding instead of reporting a false "missing" or "empty".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gkeingress.findings import Finding, Severity
from gkeingress.model.topology import TRAFFIC_READS, Topology
from gkeingress.reads import derived_from
from gkeingress.snapshot import DataKind

DOCS_BASE = "https://gkeingress.readthedocs.io/en/latest/findings/#"


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """Settings for time-based judgements.

    Attributes:
        now: the time the audit judges against.
        propagation_window: how long after a change missing or ``Unknown`` resources are still
            expected (default 10 minutes; load balancer changes take minutes to propagate).
        errors_since: when the errors being investigated began, as the caller says; it wins over
            ``onsets``. Without either, the checks that look for changes before them are skipped.
        onsets: when the current errors began per Ingress (``namespace/name``), as its load
            balancer's metrics show (:attr:`gkeingress.model.traffic.Traffic.onset`).
    """

    now: datetime
    propagation_window: timedelta = timedelta(minutes=10)
    errors_since: datetime | None = None
    onsets: Mapping[str, datetime] = field(default_factory=dict)


derived_from(
    AuditOptions,
    {"onsets": TRAFFIC_READS},  # read from the Ingresses' traffic before the checks run
    plain=("now", "propagation_window", "errors_since"),
)


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check yields: one occurrence of its fault."""

    ingress: str | None
    resource: str
    message: str
    remediation: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None


CheckFunction = Callable[[Topology, AuditOptions], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Check:
    """A registered check and its documentation.

    Attributes:
        code: the stable finding code.
        severity: default severity of its findings.
        title: one line for tables and the catalog.
        explanation: what it means and why it happens (catalog text).
        evidence: what its findings show: the resources and values the message names and the keys
            of :attr:`~gkeingress.findings.Finding.evidence` (catalog text).
        fix: how to fix it in general (catalog text; findings carry a specific remediation).
        links: GKE and Cloud documentation pages about the fault (https URLs).
        requires: the data the check reads, as the catalog and ``gkeingress explain`` say. The
            runner does not trust it: it records what the check touches while it runs
            (:mod:`gkeingress.reads`); a test holds the two equal.
        run: the check function, or None for codes the engine itself emits.
        applies: whether the check runs at all under the given options (None: always).
        needs_change: True when only a change clears the fault (a wrong port, a missing Service, a
            health check probing the wrong path): waiting for the load balancer never does, so
            ``gkeingress wait`` stops early on it. False for faults a rollout still converging
            can clear (empty NEGs, unhealthy backends, a URL map not yet updated).
        other_severities: the severities its findings take besides ``severity``, for a check that
            adapts its severity to the case (a warning when only some zones fail, …).
    """

    code: str
    severity: Severity
    title: str
    explanation: str
    evidence: str
    fix: str
    links: tuple[str, ...]
    requires: frozenset[DataKind]
    run: CheckFunction | None = None
    applies: Callable[[AuditOptions], bool] | None = None
    needs_change: bool = False
    other_severities: frozenset[Severity] = frozenset()

    @property
    def severities(self) -> tuple[Severity, ...]:
        """Every severity its findings can take, least severe first."""
        return tuple(sorted({self.severity, *self.other_severities}, key=lambda s: s.rank))

    @property
    def severity_range(self) -> str:
        """``error``, or for a check that adapts its severity the range, least to most severe."""
        levels = self.severities
        return levels[0].value if len(levels) == 1 else f"{levels[0].value}–{levels[-1].value}"

    @property
    def docs_url(self) -> str:
        """The catalog entry for this code."""
        return DOCS_BASE + self.code.lower().replace("_", "-")

    def finding(self, hit: Hit) -> Finding:
        """Stamp a hit with this check's code, severity and documentation link."""
        return Finding(
            code=self.code,
            severity=hit.severity or self.severity,
            ingress=hit.ingress,
            resource=hit.resource,
            message=hit.message,
            remediation=hit.remediation,
            evidence=hit.evidence,
            docs_url=self.docs_url,
        )


def check(
    code: str,
    *,
    severity: Severity,
    title: str,
    explanation: str,
    evidence: str,
    fix: str,
    links: Iterable[str],
    requires: Iterable[DataKind],
    applies: Callable[[AuditOptions], bool] | None = None,
    needs_change: bool = False,
    other_severities: Iterable[Severity] = (),
) -> Callable[[CheckFunction], Check]:
    """Declare a check function with its metadata; list it in :data:`gkeingress.checks.REGISTRY`.

    Every argument but ``applies``, ``needs_change`` and ``other_severities`` is required: the
    docs' findings catalog is generated from them. ``other_severities`` names every other severity
    a hit may carry.
    """

    def wrap(fn: CheckFunction) -> Check:
        return Check(
            code=code,
            severity=severity,
            title=title,
            explanation=explanation,
            evidence=evidence,
            fix=fix,
            links=tuple(links),
            requires=frozenset(requires),
            run=fn,
            applies=applies,
            needs_change=needs_change,
            other_severities=frozenset(other_severities),
        )

    return wrap


class Registry:
    """The checks an audit runs, by code, in a fixed order."""

    def __init__(self, checks: Iterable[Check]) -> None:
        self._checks: dict[str, Check] = {}
        for item in checks:
            if item.code in self._checks:
                raise ValueError(f"finding code {item.code} is registered twice")
            self._checks[item.code] = item

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __getitem__(self, code: str) -> Check:
        return self._checks[code]

    def __contains__(self, code: object) -> bool:
        return code in self._checks
