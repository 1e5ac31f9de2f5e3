"""SYNC_ERROR: Warning events from ingress-gce on the Ingress and its Services."""

from datetime import timedelta
from typing import Any

from gkeingress.testing import Path, Rule, WorldBuilder
from tests.unit.conftest import Judge, codes, faults


def _web(b: WorldBuilder) -> dict[str, Any]:
    b.service("shop", "web")
    return b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])


def test_translate_error_is_reported_with_its_message_and_time(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A Translate warning quotes ingress-gce's message and says when it was last seen."""
    ingress = _web(builder)
    message = 'Translation failed: invalid ingress spec: could not find service "shop/web-v2"'
    builder.event(ingress, "Translate", message, ago=timedelta(minutes=2), count=3)
    [finding] = faults(judge(builder), "shop/web")
    assert finding.code == "SYNC_ERROR"
    assert message in finding.message
    assert "2026-11-20 09:58:00 UTC (2 minutes ago), seen 3 times" in finding.message
    assert finding.evidence["reason"] == "Translate"


def test_pre_2020_message_format_is_recognised(builder: WorldBuilder, judge: Judge) -> None:
    """Older clusters wrote `Error during sync: …` from the `glbc` component."""
    ingress = _web(builder)
    builder.event(
        ingress, "Sync", "Error during sync: googleapi: Error 403: Forbidden", component="glbc"
    )
    assert codes(judge(builder), "shop/web") == ["SYNC_ERROR"]


def test_neg_controller_failure_on_the_service(builder: WorldBuilder, judge: Judge) -> None:
    """A NEG sync failure on a backend Service is an error of the Ingress that routes to it."""
    _web(builder)
    svc = builder.kube_object("services", "shop", "web")
    neg = builder.backend_name("shop", "web", 80)
    builder.event(
        svc,
        "SyncNetworkEndpointGroupFailed",
        f'Failed to sync NEG "{neg}" (will retry): googleapi: Error 400: Invalid value for field',
        component="neg-controller",
    )
    [finding] = faults(judge(builder), "shop/web")
    assert finding.resource == "Service shop/web"
    assert (
        "neg-controller reported SyncNetworkEndpointGroupFailed on Service shop/web"
        in finding.message
    )


def test_repeated_event_is_one_finding_and_normal_events_are_ignored(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The same warning twice is one finding; `Scheduled for sync` and other Normal events are not errors."""
    ingress = _web(builder)
    for ago in (10, 3):
        builder.event(
            ingress, "Sync", "Error syncing to GCP: quota exceeded", ago=timedelta(minutes=ago)
        )
    findings = faults(judge(builder), "shop/web")
    assert [f.code for f in findings] == ["SYNC_ERROR"]
    assert "(3 minutes ago)" in findings[0].message


def test_warnings_from_other_controllers_are_not_sync_errors(
    builder: WorldBuilder, judge: Judge
) -> None:
    """A Warning from an unrelated component (say, cert-manager) is not an ingress-gce error."""
    ingress = _web(builder)
    builder.event(ingress, "BadConfig", "TLS secret missing", component="cert-manager")
    assert codes(judge(builder), "shop/web") == []
