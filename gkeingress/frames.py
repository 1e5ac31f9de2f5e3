"""The report as pandas DataFrames: findings, Ingresses with their verdicts, paired resources.

pandas is optional (``pip install 'gkeingress[pandas]'``); it is imported only when a frame is made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gkeingress.errors import MissingDependencyError
from gkeingress.findings import VerdictState
from gkeingress.model.paths import MISSING, request_path
from gkeingress.report import AuditResult

if TYPE_CHECKING:
    import pandas

FINDING_COLUMNS = (
    "id",
    "code",
    "severity",
    "cluster",
    "ingress",
    "resource",
    "message",
    "remediation",
    "docs_url",
    "root_cause",
    "caused_by",
)
"""The columns of :func:`findings_frame`."""

INGRESS_COLUMNS = (
    "cluster",
    "ingress",
    "state",
    "headline",
    "root_causes",
    "errors",
    "warnings",
    "info",
)
"""The columns of :func:`ingresses_frame`."""

RESOURCE_COLUMNS = (
    "cluster",
    "ingress",
    "hop",
    "kind",
    "name",
    "location",
    "self_link",
    "found",
    "health",
    "detail",
    "findings",
)
"""The columns of :func:`resources_frame`."""


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pandas.DataFrame:
    """A DataFrame of ``rows`` with exactly ``columns``; pandas is imported here, when first needed."""
    try:
        import pandas  # noqa: PLC0415 - optional
    except ImportError as exc:
        raise MissingDependencyError(
            "pandas is not installed: pip install 'gkeingress[pandas]'"
        ) from exc
    frame: pandas.DataFrame = pandas.DataFrame(rows, columns=list(columns))
    return frame


def findings_frame(report: AuditResult) -> pandas.DataFrame:
    """One row per finding, most severe first; ``severity`` is ``error``, ``warning`` or ``info``.

    Raises:
        MissingDependencyError: pandas is not installed.
    """
    rows = [
        {
            **f.to_dict(),
            "cluster": f.cluster,
            "root_cause": f.is_root_cause,
            "caused_by": ", ".join(f.caused_by),
        }
        for f in report.findings
    ]
    return _frame(rows, FINDING_COLUMNS)


def ingresses_frame(report: AuditResult) -> pandas.DataFrame:
    """One row per Ingress, worst first: its verdict, its root causes' codes, findings by severity.

    Raises:
        MissingDependencyError: pandas is not installed.
    """
    rows: list[dict[str, Any]] = []
    for paired in report.ingresses:
        verdict = paired.verdict
        severities = Counter(f.severity.value for f in paired.findings)
        rows.append(
            {
                "cluster": paired.cluster,
                "ingress": paired.name,
                "state": verdict.state.value if verdict else None,
                "headline": verdict.headline if verdict else None,
                "root_causes": ", ".join(f.code for f in verdict.root_causes) if verdict else "",
                "errors": severities["error"],
                "warnings": severities["warning"],
                "info": severities["info"],
            }
        )
    rank = {s.value: s.rank for s in VerdictState}
    rows.sort(key=lambda r: (-rank.get(str(r["state"]), 0), -int(r["errors"]), -int(r["warnings"])))
    return _frame(rows, INGRESS_COLUMNS)


def resources_frame(report: AuditResult) -> pandas.DataFrame:
    """One row per hop of every Ingress's request path: the Compute resources and the pods.

    ``hop`` is the column of the picture (``forwarding-rule``, ``target-proxy``, ``url-map``,
    ``backend-service``, ``health-check``, ``neg``, ``instance-group``, ``pods``); ``found`` is False
    for a resource that is named but does not exist; ``health`` is ``ok``, ``degraded``,
    ``broken``, ``missing`` or ``unknown``; ``findings`` holds the codes of the findings that point
    at the resource.

    Raises:
        MissingDependencyError: pandas is not installed.
    """
    rows = [
        {
            "cluster": paired.cluster,
            "ingress": paired.name,
            "hop": hop.hop,
            "kind": hop.kind,
            "name": hop.name,
            "location": hop.location,
            "self_link": hop.self_link,
            "found": hop.state != MISSING,
            "health": hop.state,
            "detail": hop.detail,
            "findings": ", ".join(dict.fromkeys(f.code for f in hop.findings)),
        }
        for paired in report.ingresses
        for hop in request_path(paired, paired.findings).hops
        if hop.hop != "ingress"
    ]
    return _frame(rows, RESOURCE_COLUMNS)


ERROR_COLUMNS = ("cluster", "ingress", "minute", "requests", "4xx", "5xx", "error_ratio")
"""The columns of :func:`errors_frame`."""


def errors_frame(report: AuditResult) -> pandas.DataFrame:
    """One row per minute of the evidence window per Ingress whose load balancer had requests.

    ``minute`` is the minute's first instant (UTC); ``4xx`` and ``5xx`` count the requests answered
    with those statuses, from Cloud Monitoring; ``error_ratio`` is their share (0 without requests).
    Empty when the audit read no evidence.

    Raises:
        MissingDependencyError: pandas is not installed.
    """
    rows = [
        {
            "cluster": paired.cluster,
            "ingress": paired.name,
            "minute": minute.at,
            "requests": minute.requests,
            "4xx": minute.client_errors,
            "5xx": minute.server_errors,
            "error_ratio": (
                (minute.client_errors + minute.server_errors) / minute.requests
                if minute.requests
                else 0.0
            ),
        }
        for paired in report.ingresses
        if paired.traffic is not None
        for minute in paired.traffic.minutes
    ]
    return _frame(rows, ERROR_COLUMNS)
