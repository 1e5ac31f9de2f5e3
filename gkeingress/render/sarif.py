"""SARIF 2.1.0, so code-scanning tools list the findings: one rule per finding code.

Findings are about cluster and cloud objects, not files, so each result is located by
``logicalLocations``: the Ingress (``namespace/name``) and the resource. ``partialFingerprints``
hash the code, the cluster (when known), the Ingress and the resource, so the same fault keeps its
identity across runs; ``automationDetails`` names the cluster (else the project), so audits of
different clusters are separate categories in code scanning.

Each result's properties hold its finding id, the ids of the findings that explain it
(``causedBy``) and that it explains (``consequences``), and its Ingress's verdict; the run's
properties hold every Ingress's verdict. Failed API calls become tool execution notifications;
the run is unsuccessful only when the Ingresses themselves could not be listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gkeingress.checks import REGISTRY, Check, Registry
from gkeingress.errors import InternalError
from gkeingress.findings import Finding, Severity
from gkeingress.report import AuditResult, Report
from gkeingress.snapshot import CollectionError, DataKind
from gkeingress.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://gkeingress.readthedocs.io/"
FINGERPRINT = "gkeingressFinding/v1"
"""The ``partialFingerprints`` key; its value is stable for one code, Ingress and resource."""
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def rule_name(code: str) -> str:
    """The CamelCase rule name of a finding code: ``NEG_EMPTY`` → ``NegEmpty``."""
    return "".join(part.capitalize() for part in code.split("_"))


def fingerprint(finding: Finding) -> str:
    """A hash of what identifies a finding across runs: its code, cluster, Ingress and resource."""
    return finding.fingerprint[:32]


def _rule(item: Check) -> dict[str, Any]:
    return {
        "id": item.code,
        "name": rule_name(item.code),
        "shortDescription": {"text": item.title},
        "fullDescription": {"text": item.explanation},
        "help": {"text": item.fix},
        "helpUri": item.docs_url,
        "defaultConfiguration": {"level": LEVEL[item.severity]},
    }


def _result(finding: Finding, index: int, verdicts: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    places = [{"fullyQualifiedName": finding.resource, "kind": "resource"}]
    if finding.ingress:
        places.insert(0, {"fullyQualifiedName": finding.ingress, "kind": "object"})
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": f"{finding.message}\nFix: {finding.remediation}"},
        "locations": [{"logicalLocations": places}],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
        "properties": {
            "evidence": dict(finding.evidence),
            "findingId": finding.id,
            "causedBy": list(finding.caused_by),
            "consequences": list(finding.consequences),
            **(
                {"verdict": verdicts[finding.ingress]}
                if finding.ingress is not None and finding.ingress in verdicts
                else {}
            ),
        },
    }


def _run(
    registry: Registry,
    *,
    scope: str,
    project: str,
    findings: Sequence[Finding],
    errors: Sequence[CollectionError],
    successful: bool,
    verdicts: Mapping[str, dict[str, Any]] | None = None,
    internal_errors: Sequence[InternalError] = (),
) -> dict[str, Any]:
    rules = list(registry)
    index = {item.code: i for i, item in enumerate(rules)}
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{error.call}: {error.message}"},
            "descriptor": {"id": error.kind.value},
            "properties": error.to_dict(),
        }
        for error in errors
    ] + [
        {
            "level": "error",
            "message": {"text": f"internal error in {bug.where}: {bug.error}"},
            "descriptor": {"id": "INTERNAL_ERROR"},
            "exception": {"kind": bug.error.partition(":")[0], "message": bug.error},
            "properties": bug.to_dict(),
        }
        for bug in internal_errors
    ]
    return {
        "tool": {
            "driver": {
                "name": "gkeingress",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(item) for item in rules],
            }
        },
        "automationDetails": {"id": f"gkeingress/{scope}/"},
        "invocations": [
            {"executionSuccessful": successful, "toolExecutionNotifications": notifications}
        ],
        "results": [_result(f, index[f.code], verdicts or {}) for f in findings],
        "properties": {"project": project, "verdicts": dict(verdicts or {})},
    }


def _cluster_run(report: Report, registry: Registry) -> dict[str, Any]:
    return _run(
        registry,
        scope=report.cluster.path if report.cluster else report.project,
        project=report.project,
        findings=report.findings,
        errors=report.errors,
        successful=not report.topology.snapshot.failed(DataKind.INGRESSES)
        and not report.internal_errors,
        internal_errors=report.internal_errors,
        verdicts={p.name: p.verdict.to_dict() for p in report.ingresses if p.verdict},
    )


def to_sarif(report: AuditResult, registry: Registry = REGISTRY) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a JSON-serialisable dict).

    One run per audited cluster; a fleet's own findings (``CLUSTER_UNREACHABLE``) and failed
    cluster listings come first, in a run of their own.

    Args:
        report: the audit report, of one cluster or of a fleet.
        registry: the checks the audit ran; every finding's code must be registered in it.

    Raises:
        KeyError: a finding's code is not in ``registry``.
    """
    if isinstance(report, Report):
        runs = [_cluster_run(report, registry)]
    else:
        fleet = _run(
            registry,
            scope="fleet/" + ",".join(report.projects),
            project=",".join(report.projects),
            findings=report.fleet_findings,
            errors=report.fleet_errors,
            successful=not report.fleet_errors and not report.fleet_internal_errors,
            internal_errors=report.fleet_internal_errors,
        )
        runs = [fleet, *(_cluster_run(r, registry) for r in report.reports)]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": runs}
