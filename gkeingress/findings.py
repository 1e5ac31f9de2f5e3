"""What an audit reports: findings with a stable code, a severity and a concrete fix."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
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

    def to_dict(self) -> dict[str, Any]:
        """JSON form with stable keys; ``cluster`` only when known."""
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "ingress": self.ingress,
            "resource": self.resource,
            "message": self.message,
            "remediation": self.remediation,
            "evidence": dict(self.evidence),
            "docs_url": self.docs_url,
        }
        if self.cluster is not None:
            data["cluster"] = self.cluster
        return data
