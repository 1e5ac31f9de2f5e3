"""Which finding explains which: the root cause on top, its symptoms beneath it.

One fault usually shows as several findings: a Service that targets a port no container declares
has no endpoints, so its NEGs are empty, so the load balancer's backend is unhealthy. :data:`CAUSES`
lists, for each pair of codes, that the first explains the second when both are about the same
thing (:class:`Join`). :func:`link` fills each finding's ``caused_by`` and ``consequences`` with the
ids of the findings it is linked to. A finding whose direct cause is absent is linked to the cause
of that cause, when the join allows it: TARGET_PORT_NOT_EXPOSED explains NEG_EMPTY through
SERVICE_NO_READY_ENDPOINTS even when that finding is not reported.

Links only order the report; nothing is dropped: every finding still counts for ``--fail-on`` and
appears in JSON and SARIF.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from gkeingress.findings import Finding
from gkeingress.model.health import findings_by_backend
from gkeingress.model.topology import PairedIngress, Topology


class Join(str, enum.Enum):
    """What two findings must share for one to explain the other (:attr:`meaning` says it)."""

    BACKEND = "backend"
    INGRESS = "ingress"
    MESSAGE = "message"

    @property
    def meaning(self) -> str:
        """The condition in words, for the findings catalog."""
        return _MEANINGS[self]


_MEANINGS = {
    Join.BACKEND: "the same backend: its Service, backend service, health check or NEGs",
    Join.INGRESS: "the same Ingress (the consequence is about the Ingress, or all its backends)",
    Join.MESSAGE: "the controller's message names the cause's object",
}


@dataclass(frozen=True, slots=True)
class Cause:
    """One rule: ``cause`` explains ``consequence`` when they share what ``join`` says.

    Attributes:
        cause: the code of the explaining finding.
        consequence: the code of the finding it explains.
        join: what both must be about.
        says: for :attr:`Join.MESSAGE`, text of ingress-gce's message that identifies the cause
            when the message names no object.
        only: ``(key, value)`` the consequence's evidence must hold, e.g. observed 5xx, not 4xx.
    """

    cause: str
    consequence: str
    join: Join
    says: str = ""
    only: tuple[str, str] | None = None


_5XX = ("error_class", "5xx")
_4XX = ("error_class", "4xx")

CAUSES: tuple[Cause, ...] = (
    # No ready endpoint behind the Service: empty NEGs, unhealthy backend.
    Cause("TARGET_PORT_NOT_EXPOSED", "SERVICE_NO_READY_ENDPOINTS", Join.BACKEND),
    Cause("SERVICE_SELECTOR_MATCHES_NO_PODS", "SERVICE_NO_READY_ENDPOINTS", Join.BACKEND),
    Cause("SERVICE_NO_READY_ENDPOINTS", "NEG_EMPTY", Join.BACKEND),
    Cause("NEG_EMPTY", "BACKEND_UNHEALTHY", Join.BACKEND),
    # Health checks that cannot pass, the probes failing in the health-check logs, and the backend
    # unhealthy; the load balancer then finds no healthy backend.
    Cause("HEALTH_CHECK_PATH_MISMATCH", "HEALTH_CHECK_PROBE_FAILING", Join.BACKEND),
    Cause("HEALTH_CHECK_PORT_MISMATCH", "HEALTH_CHECK_PROBE_FAILING", Join.BACKEND),
    Cause("HEALTH_CHECK_FIREWALL_MISSING", "HEALTH_CHECK_PROBE_FAILING", Join.INGRESS),
    Cause("HEALTH_CHECK_PATH_MISMATCH", "BACKEND_UNHEALTHY", Join.BACKEND),
    Cause("HEALTH_CHECK_PORT_MISMATCH", "BACKEND_UNHEALTHY", Join.BACKEND),
    Cause("HEALTH_CHECK_FIREWALL_MISSING", "BACKEND_UNHEALTHY", Join.INGRESS),
    Cause("HEALTH_CHECK_PROBE_FAILING", "BACKEND_UNHEALTHY", Join.BACKEND),
    Cause("BACKEND_UNHEALTHY", "LB_NO_HEALTHY_BACKEND", Join.BACKEND),
    Cause("NEG_EMPTY", "LB_NO_HEALTHY_BACKEND", Join.BACKEND),
    # The NEG controller's errors on a Service, and the routes-based cluster behind some.
    Cause("CLUSTER_NOT_VPC_NATIVE", "SYNC_ERROR", Join.BACKEND),
    Cause("SYNC_ERROR", "NEG_EMPTY", Join.BACKEND),
    Cause("SYNC_ERROR", "NEG_ENDPOINTS_OUT_OF_SYNC", Join.BACKEND),
    # What the Ingress controller cannot translate or sync, and what it then never builds.
    Cause("SERVICE_NOT_FOUND", "SYNC_ERROR", Join.MESSAGE),
    Cause("SERVICE_PORT_NOT_FOUND", "SYNC_ERROR", Join.MESSAGE),
    Cause("SERVICE_TYPE_INCOMPATIBLE", "SYNC_ERROR", Join.MESSAGE),
    Cause("BACKEND_CONFIG_NOT_FOUND", "SYNC_ERROR", Join.MESSAGE),
    Cause("BACKEND_CONFIG_INVALID", "SYNC_ERROR", Join.MESSAGE),
    Cause("APP_PROTOCOL_INVALID", "SYNC_ERROR", Join.MESSAGE),
    Cause("HEALTH_CHECK_TIMEOUT_INVALID", "SYNC_ERROR", Join.MESSAGE, says="timeoutSec"),
    Cause("STATIC_IP_NOT_FOUND", "SYNC_ERROR", Join.MESSAGE),
    Cause("TLS_SECRET_NOT_FOUND", "SYNC_ERROR", Join.MESSAGE),
    Cause("FRONTEND_CONFIG_NOT_FOUND", "SYNC_ERROR", Join.MESSAGE, says="FrontendConfig"),
    Cause("SYNC_ERROR", "INGRESS_NOT_PROVISIONED", Join.INGRESS),
    Cause("HTTP_LOAD_BALANCING_DISABLED", "INGRESS_NOT_PROVISIONED", Join.INGRESS),
    # What the load balancer answered: 5xx from a failing backend, 404s from routing, and the
    # change made shortly before the errors began.
    Cause("BACKEND_UNHEALTHY", "LB_ERRORS_OBSERVED", Join.BACKEND, only=_5XX),
    Cause("NEG_EMPTY", "LB_ERRORS_OBSERVED", Join.BACKEND, only=_5XX),
    Cause("LB_NO_HEALTHY_BACKEND", "LB_ERRORS_OBSERVED", Join.BACKEND, only=_5XX),
    Cause("LB_BACKEND_CONNECTION_CLOSED", "LB_ERRORS_OBSERVED", Join.BACKEND, only=_5XX),
    Cause("LB_BACKEND_TIMEOUT", "LB_ERRORS_OBSERVED", Join.BACKEND, only=_5XX),
    Cause("PATH_SUBPATHS_NOT_ROUTED", "LB_ERRORS_OBSERVED", Join.INGRESS, only=_4XX),
    Cause("RULE_HOST_DUPLICATE", "LB_ERRORS_OBSERVED", Join.INGRESS, only=_4XX),
    Cause("PATH_SUBPATHS_NOT_ROUTED", "LB_UNMATCHED_URLS_404", Join.INGRESS),
    Cause("RULE_HOST_DUPLICATE", "LB_UNMATCHED_URLS_404", Join.INGRESS),
    Cause("CHANGE_BEFORE_ERRORS", "LB_ERRORS_OBSERVED", Join.INGRESS),
)
"""Which code explains which, and on what they must agree. Read top to bottom as chains."""

_PARENTS: Mapping[str, tuple[Cause, ...]] = {
    code: tuple(c for c in CAUSES if c.consequence == code)
    for code in {c.consequence for c in CAUSES}
}

_NAMED_BY_NAME_ALONE = ("Secret", "address", "FrontendConfig", "BackendConfig")
"""Kinds whose objects ingress-gce's messages name without their namespace."""


def _mentions(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w/-])", message) is not None


class _Ingress:
    """One Ingress's findings, with the backends each one names."""

    def __init__(self, paired: PairedIngress | None, findings: Sequence[Finding]) -> None:
        self.paired = paired
        self.findings = findings
        self.by_code: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            self.by_code[finding.code].append(finding)

    @cached_property
    def backends(self) -> dict[int, set[int]]:
        """The indexes of the backends each finding (by id) names.

        Matched on first use only: most findings have no cause among the Ingress's findings.
        """
        backends: dict[int, set[int]] = defaultdict(set)
        if self.paired is not None:
            for index, named in enumerate(findings_by_backend(self.paired, self.findings)):
                for finding in named:
                    backends[id(finding)].add(index)
        return backends

    def names(self, cause: Finding) -> set[str]:
        """How a controller message may name what ``cause`` is about."""
        kind, _, obj = cause.resource.partition(" ")
        backends = self.paired.backends if self.paired is not None else ()
        names = {backends[index].service_key for index in self.backends[id(cause)]}
        if obj:
            names.add(obj)
            if kind in _NAMED_BY_NAME_ALONE:
                names.add(obj.rpartition("/")[2])
        return names

    def joined(self, cause: Finding, consequence: Finding, join: Join, rule: Cause) -> bool:
        if rule.only is not None and consequence.evidence.get(rule.only[0]) != rule.only[1]:
            return False
        if join is Join.INGRESS:
            return True
        if join is Join.BACKEND:
            return bool(self.backends[id(cause)] & self.backends[id(consequence)])
        message = consequence.evidence.get("message")
        if not isinstance(message, str):
            return False
        return bool(rule.says and rule.says in message) or any(
            _mentions(message, n) for n in self.names(cause)
        )

    def causes(self, finding: Finding) -> Iterator[Finding]:
        """The nearest findings up each chain of :data:`CAUSES` that explain ``finding``."""
        yield from self._up(finding, finding.code, None, {finding.code})

    def _up(
        self, finding: Finding, code: str, through: Join | None, seen: set[str]
    ) -> Iterator[Finding]:
        for rule in _PARENTS.get(code, ()):
            join = _combine(through, rule.join)
            if join is None or rule.cause in seen:
                continue
            found = [
                c
                for c in self.by_code.get(rule.cause, ())
                if c is not finding and self.joined(c, finding, join, rule)
            ]
            yield from found
            if not found and join is not Join.MESSAGE:
                yield from self._up(finding, rule.cause, join, seen | {rule.cause})


def _combine(through: Join | None, join: Join) -> Join | None:
    """The join of a chain of two rules (the first None: a direct rule); None when unusable.

    A message names only its direct cause, so a chain through a message join is not followed.
    """
    if through is None:
        return join
    if Join.MESSAGE in (through, join):
        return None
    return Join.INGRESS if Join.INGRESS in (through, join) else Join.BACKEND


def link(findings: Sequence[Finding], topology: Topology) -> tuple[Finding, ...]:
    """``findings`` in the same order, each with its ``caused_by`` and ``consequences`` filled in.

    Only findings of the same Ingress are linked; cluster-wide findings are left alone.
    """
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.ingress is not None:
            groups[finding.ingress].append(finding)
    paired = {p.name: p for p in topology.ingresses}
    caused_by: dict[int, list[str]] = defaultdict(list)
    consequences: dict[int, list[str]] = defaultdict(list)
    for name, members in groups.items():
        ingress = _Ingress(paired.get(name), members)
        for finding in members:
            for cause in _unique(ingress.causes(finding)):
                caused_by[id(finding)].append(cause.id)
                consequences[id(cause)].append(finding.id)
    return tuple(
        replace(
            f,
            caused_by=tuple(dict.fromkeys(caused_by[id(f)])),
            consequences=tuple(dict.fromkeys(consequences[id(f)])),
        )
        if id(f) in caused_by or id(f) in consequences
        else f
        for f in findings
    )


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    return list({id(f): f for f in findings}.values())
