"""The report as pandas DataFrames, and the message when pandas is not installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from gkeingress.testing import demo_world
from tests.unit.reports import demo_report


def test_findings_frame_has_one_row_per_finding() -> None:
    """Each finding is a row: its fields, whether it is a root cause, and its causes' ids."""
    report = demo_report()
    frame = report.to_dataframe()
    assert list(frame.columns) == [
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
    ]
    assert len(frame) == len(report.findings)
    media = frame[(frame.ingress == "media/media") & (frame.code == "NEG_MISSING")]
    (row,) = media.to_dict("records")
    neg = "zones/us-central1-b/networkEndpointGroups/k8s1-1a2b3c4d-media-media-80-28d653a6"
    assert {k: v for k, v in row.items() if k not in ("id", "message", "remediation")} == {
        "code": "NEG_MISSING",
        "severity": "error",
        "cluster": None,
        "ingress": "media/media",
        "resource": neg,
        "docs_url": "https://gkeingress.readthedocs.io/en/latest/findings/#neg-missing",
        "root_cause": True,
        "caused_by": "",
    }
    assert row["message"].startswith(f"NEG {neg} is named by backend service")
    assert "ServiceNetworkEndpointGroup" in row["remediation"]
    billing = frame[frame.ingress == "billing/billing"]
    [cause_id] = billing[billing.code == "TARGET_PORT_NOT_EXPOSED"].id
    assert billing[billing.code == "NEG_EMPTY"].caused_by.tolist() == [cause_id, cause_id]
    assert not billing[billing.code == "NEG_EMPTY"].root_cause.any()


def test_ingresses_frame_gives_each_verdict_worst_first() -> None:
    """One row per Ingress with its verdict; failing ones come before serving ones."""
    frame = demo_report().ingresses_dataframe()
    assert list(frame.columns) == [
        "cluster",
        "ingress",
        "state",
        "headline",
        "root_causes",
        "errors",
        "warnings",
        "info",
    ]
    assert len(frame) == len(demo_world().kube["ingresses"])
    billing = frame[frame.ingress == "billing/billing"].iloc[0]
    assert billing.state == "failing"
    assert billing.root_causes == "TARGET_PORT_NOT_EXPOSED"
    assert billing.headline.startswith("502 on billing.example.com/*")
    states = frame.state.tolist()
    assert states.index("failing") < states.index("serving")
    assert max(i for i, s in enumerate(states) if s == "failing") < states.index("degraded")


def test_resources_frame_lists_every_paired_resource() -> None:
    """Every Compute resource paired with an Ingress is a row, found, under that Ingress."""
    report = demo_report()
    frame = report.resources_dataframe()
    assert list(frame.columns) == [
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
    ]
    listed = set(zip(frame.ingress, frame.self_link, strict=True))
    for paired in report.ingresses:
        resources = [
            *paired.forwarding_rules,
            *paired.target_proxies,
            *paired.backend_services,
            *paired.health_checks,
            *paired.negs,
        ]
        if paired.url_map is not None:
            resources.append(paired.url_map)
        assert {(paired.name, r.self_link) for r in resources} <= listed, paired.name
    assert set(frame[frame.found].health) <= {"ok", "degraded", "broken", "unknown"}
    assert set(frame[~frame.found].health) == {"missing"}


def test_resources_frame_shows_faults_on_their_resource() -> None:
    """A missing NEG is a row not found; a mismatched health check is broken with its code."""
    frame = demo_report().resources_dataframe()
    media = frame[(frame.ingress == "media/media") & ~frame.found]
    assert media[["hop", "location", "findings"]].values.tolist() == [
        ["neg", "us-central1-b", "NEG_MISSING"]
    ]
    checkout = frame[(frame.ingress == "checkout/checkout") & (frame.hop == "health-check")]
    assert checkout[checkout.health == "broken"].findings.tolist() == ["HEALTH_CHECK_PATH_MISMATCH"]


def test_errors_frame_has_each_minute_of_each_ingress_with_traffic() -> None:
    """payments/payments: 80 requests a minute, all 502 from 09:33, six hours of minutes."""
    frame = demo_report().errors_dataframe()
    assert list(frame.columns) == [
        "cluster",
        "ingress",
        "minute",
        "requests",
        "4xx",
        "5xx",
        "error_ratio",
    ]
    payments = frame[frame.ingress == "payments/payments"]
    assert len(payments) == 360
    before, after = (
        payments[payments.minute < "2026-11-20T09:33Z"],
        payments[payments.minute >= "2026-11-20T09:33Z"],
    )
    assert set(before["5xx"]) == {0}
    assert len(after) == 27
    assert set(after["5xx"]) == {80}
    assert set(after.error_ratio) == {1.0}
    assert set(frame.ingress) == {
        "payments/payments",
        "rollout/rollout",
        "analytics/analytics",
        "warehouse/warehouse",
        "gateway/gateway",
        "ledger/ledger",
    }


def test_without_pandas_the_error_says_what_to_install() -> None:
    """With pandas not importable, to_dataframe raises MissingDependencyError naming the extra."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["pandas"] = None  # what an interpreter without pandas sees
        from gkeingress import MissingDependencyError, analyse
        from gkeingress.testing import DEMO_NOW, demo_world, snapshot_of
        report = analyse(snapshot_of(demo_world(), DEMO_NOW), now=DEMO_NOW)
        for make in (
            report.to_dataframe,
            report.resources_dataframe,
            report.errors_dataframe,
            report.ingresses_dataframe,
        ):
            try:
                make()
            except MissingDependencyError as exc:
                assert isinstance(exc, ImportError)
                print(exc)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert (
        run.stdout.splitlines() == ["pandas is not installed: pip install 'gkeingress[pandas]'"] * 4
    )
