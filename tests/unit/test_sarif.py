"""The SARIF log: valid SARIF 2.1.0, one rule per finding code, stable fingerprints."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft4Validator

from gkeingress import REGISTRY
from gkeingress.render.sarif import FINGERPRINT, fingerprint, to_sarif
from tests.unit.reports import INGRESSES_FORBIDDEN, PODS_FORBIDDEN, demo_report


@pytest.mark.parametrize(
    "errors", [(), (PODS_FORBIDDEN,), (INGRESSES_FORBIDDEN,)], ids=["clean", "pods", "ingresses"]
)
def test_demo_report_is_valid_sarif(sarif_schema: dict[str, Any], errors: tuple[Any, ...]) -> None:
    """The demo's log validates against the SARIF 2.1.0 schema, with or without failed calls."""
    log = json.loads(json.dumps(to_sarif(demo_report(*errors))))
    Draft4Validator(sarif_schema).validate(log)


def test_one_rule_per_code_and_results_point_at_their_rule() -> None:
    """Every registered code is a rule; each result names its rule by id and index and level."""
    report = demo_report()
    [run] = to_sarif(report)["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.code for c in REGISTRY]
    neg_empty = rules[[r["id"] for r in rules].index("NEG_EMPTY")]
    assert neg_empty["name"] == "NegEmpty"
    assert neg_empty["helpUri"] == REGISTRY["NEG_EMPTY"].docs_url
    assert neg_empty["defaultConfiguration"]["level"] == "error"
    assert len(run["results"]) == len(report.findings)
    for result, finding in zip(run["results"], report.findings, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.code
        assert (
            result["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[finding.severity.value]
        )
        assert finding.remediation in result["message"]["text"]
    first = report.findings[0]
    places = run["results"][0]["locations"][0]["logicalLocations"]
    assert [p["fullyQualifiedName"] for p in places] == [first.ingress, first.resource]


def test_fingerprints_are_stable_and_distinct() -> None:
    """The same audit twice gives the same fingerprints; different findings never share one."""
    first = [
        r["partialFingerprints"][FINGERPRINT] for r in to_sarif(demo_report())["runs"][0]["results"]
    ]
    demo_report.cache_clear()
    again = [
        r["partialFingerprints"][FINGERPRINT] for r in to_sarif(demo_report())["runs"][0]["results"]
    ]
    assert first == again
    assert len(set(first)) == len(first)


def test_failed_calls_are_notifications_and_no_ingresses_is_unsuccessful() -> None:
    """A failed call is a notification; the run failed only when Ingresses could not be listed."""
    [partial] = to_sarif(demo_report(PODS_FORBIDDEN))["runs"][0]["invocations"]
    assert partial["executionSuccessful"] is True
    [note] = partial["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("list v1 pods: permission denied")
    [failed] = to_sarif(demo_report(INGRESSES_FORBIDDEN))["runs"][0]["invocations"]
    assert failed["executionSuccessful"] is False


def test_the_same_fault_in_another_cluster_is_another_alert() -> None:
    """Findings that differ only in their cluster get different fingerprints."""
    finding = demo_report().findings[0]
    here = replace(finding, cluster="projects/p/locations/us-central1/clusters/a")
    there = replace(finding, cluster="projects/p/locations/us-central1/clusters/b")
    assert len({fingerprint(finding), fingerprint(here), fingerprint(there)}) == 3


def test_results_carry_their_links_and_their_ingress_verdict() -> None:
    """A consequence's result names its cause's id; every result carries its Ingress's verdict."""
    report = demo_report()
    [run] = to_sarif(report)["runs"]
    judged = [r for r in run["results"] if r["properties"].get("verdict", {}).get("state")]
    assert len(judged) == sum(1 for f in report.findings if f.ingress is not None)
    by_code = {
        r["ruleId"]: r["properties"]
        for r in run["results"]
        if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "billing/billing"
    }
    cause = by_code["TARGET_PORT_NOT_EXPOSED"]
    assert by_code["NEG_EMPTY"]["causedBy"] == [cause["findingId"]]
    assert len(cause["consequences"]) == 2
    assert cause["verdict"]["state"] == "failing"
    assert run["properties"]["verdicts"]["billing/billing"]["root_causes"] == [cause["findingId"]]


def test_observed_errors_carry_their_onset_and_codes() -> None:
    """The LB_ERRORS_OBSERVED result of payments/payments holds the onset and the codes as properties."""
    [run] = to_sarif(demo_report())["runs"]
    [result] = [
        r
        for r in run["results"]
        if r["ruleId"] == "LB_ERRORS_OBSERVED"
        and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "payments/payments"
    ]
    assert result["level"] == "error"
    evidence = result["properties"]["evidence"]
    assert evidence["onset"] == "2026-11-20T09:33:00+00:00"
    assert evidence["codes"] == {"502": 2160}
    assert evidence["ratio"] == 1.0
