"""What an audit reports: findings with a stable code, a severity and a concrete fix."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gkeingress.display import HtmlView


class Severity(str, enum.Enum):
    """How bad a finding is. Compares equal to its value: ``Severity.ERROR == "error"``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """2 for errors, 1 for warnings, 0 for info: for sorting and thresholds."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Finding(HtmlView):
    """One fault (or notable state) found on an Ingress or its load balancer.

    Attributes:
        code: stable identifier, e.g. ``HEALTH_CHECK_PATH_MISMATCH``; see ``gkeingress explain``.
        severity: error, warning or info.
        ingress: ``namespace/name`` of the Ingress concerned, or None for cluster-wide findings.
        resource: what the finding is about, e.g. ``healthChecks/k8s1-1a2b3c4d-shop-web-80-ce0f3856``.
        message: what is wrong, naming the exact resources and values.
        remediation: what to do about it.
        evidence: the values behind the message, for machines.
        docs_url: the catalog entry for the code.
        cluster: ``projects/P/locations/L/clusters/C`` of the cluster the finding is about, when
            known (audits through the Container API, fleets).
        caused_by: :attr:`id` of the findings that explain this one (its root cause is among
            them, or further up); empty for a root cause. Filled in by the audit, from
            :data:`gkeingress.checks.causes.CAUSES`.
        consequences: :attr:`id` of the findings this one explains.
    """

    code: str
    severity: Severity
    ingress: str | None
    resource: str
    message: str
    remediation: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    docs_url: str = ""
    cluster: str | None = None
    caused_by: tuple[str, ...] = ()
    consequences: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """A hash of what identifies the fault across audits: code, cluster, Ingress and resource."""
        key = "\x1f".join((self.code, self.cluster or "", self.ingress or "", self.resource))
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def id(self) -> str:
        """Short stable id (16 hex digits of :attr:`fingerprint`): the same fault keeps it.

        Two findings of one code about the same resource of the same Ingress share it.
        """
        return self.fingerprint[:16]

    @property
    def is_root_cause(self) -> bool:
        """True when no other finding explains this one."""
        return not self.caused_by

    def __repr__(self) -> str:
        return f"<Finding {self.severity.value} {self.code} {self.ingress or '-'} {self.resource}>"

    def to_dict(self) -> dict[str, Any]:
        """JSON form with stable keys; ``cluster`` only when known."""
        data: dict[str, Any] = {
            "id": self.id,
            "code": self.code,
            "severity": self.severity.value,
            "ingress": self.ingress,
            "resource": self.resource,
            "message": self.message,
            "remediation": self.remediation,
            "evidence": dict(self.evidence),
            "docs_url": self.docs_url,
            "caused_by": list(self.caused_by),
            "consequences": list(self.consequences),
        }
        if self.cluster is not None:
            data["cluster"] = self.cluster
        return data


class VerdictState(str, enum.Enum):
    """What a person asks first about an Ingress: does it serve? Compares equal to its value."""

    SERVING = "serving"
    DEGRADED = "degraded"
    FAILING = "failing"
    NOT_PROVISIONED = "not_provisioned"
    PROPAGATING = "propagating"
    NOT_MANAGED = "not_managed"
    UNVERIFIED = "unverified"

    @property
    def label(self) -> str:
        """The state in words, e.g. ``Not provisioned`` or ``Not managed by GKE``."""
        return _LABELS[self]

    @property
    def rank(self) -> int:
        """How bad, for worst-first ordering: 6 for failing down to 0 for serving."""
        return _RANKS[self]

    def __str__(self) -> str:
        return self.value


_LABELS = {
    VerdictState.SERVING: "Serving",
    VerdictState.DEGRADED: "Degraded",
    VerdictState.FAILING: "Failing",
    VerdictState.NOT_PROVISIONED: "Not provisioned",
    VerdictState.PROPAGATING: "Propagating",
    VerdictState.NOT_MANAGED: "Not managed by GKE",
    VerdictState.UNVERIFIED: "Not fully checked",
}
_RANKS = {
    VerdictState.FAILING: 6,
    VerdictState.NOT_PROVISIONED: 5,
    VerdictState.DEGRADED: 4,
    VerdictState.PROPAGATING: 3,
    VerdictState.UNVERIFIED: 2,
    VerdictState.NOT_MANAGED: 1,
    VerdictState.SERVING: 0,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer first: does this Ingress serve, and if not, why, in one sentence.

    Attributes:
        state: serving, degraded, failing, not provisioned, propagating, not managed by GKE, or
            unverified (it would be serving, but checks that could have found a fault did not run).
        headline: one sentence to read first, e.g. ``502 on shop.example.com/api/*: …``.
        root_causes: the findings nothing else explains, most severe first; the other findings
            of the Ingress are their consequences (or minor).
        urls: the URLs (``host/path`` patterns, ``*`` for any host) that get errors.
        since: for ``propagating``, when the change still rolling out was made.
    """

    state: VerdictState
    headline: str
    root_causes: tuple[Finding, ...] = ()
    urls: tuple[str, ...] = ()
    since: datetime | None = None

    def __str__(self) -> str:
        return f"{self.state.label}: {self.headline}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the state's value and label, the headline, root causes by finding id."""
        return {
            "state": self.state.value,
            "label": self.state.label,
            "headline": self.headline,
            "root_causes": [f.id for f in self.root_causes],
            "urls": list(self.urls),
            "since": self.since.isoformat() if self.since else None,
        }
