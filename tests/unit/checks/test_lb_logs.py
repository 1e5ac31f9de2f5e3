"""The load balancer's request and health-check logs: why each error happened."""

from datetime import timedelta

from gkeingress import analyse
from gkeingress.testing import DEMO_NOW, Path, Rule, WorldBuilder, snapshot_of
from gkeingress.testing import incidents_evidence as incidents
from gkeingress.testing.logbook import LogBook
from gkeingress.testing.scenarios import probe_on_other_port
from tests.unit.conftest import Judge, codes, only


def test_keepalive_resets_are_found_from_the_logs_alone(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Gunicorn closes idle connections first: 502s no configuration check can see."""
    incidents.keepalive_resets(builder)
    report = judge(builder)

    assert codes(report, "basket/basket") == ["LB_BACKEND_CONNECTION_CLOSED"]
    finding = only(report, "basket/basket", "LB_BACKEND_CONNECTION_CLOSED")
    assert finding.evidence["requests"] == 18
    assert finding.evidence["statuses"] == {"502": 18}
    assert finding.evidence["pods"] == [
        "basket/basket-7d4b9c8f5-00000",
        "basket/basket-7d4b9c8f5-00001",
    ]
    assert "600 s" in finding.message
    assert "gunicorn `--keep-alive 620`" in finding.remediation
    assert "keepalive_timeout 620s" in finding.remediation
    assert "server.keepAliveTimeout = 620000" in finding.remediation


def test_no_healthy_backend_points_at_the_path_the_probe_log_confirms(
    builder: WorldBuilder, judge: Judge
) -> None:
    """502 failed_to_pick_backend, probes logging 404: the health-check path is the cause."""
    incidents.probe_404_logged(builder)
    report = judge(builder)

    assert set(codes(report, "warehouse/warehouse")) == {
        "HEALTH_CHECK_PATH_MISMATCH",
        "BACKEND_UNHEALTHY",
        "HEALTH_CHECK_PROBE_FAILING",
        "LB_NO_HEALTHY_BACKEND",
        "LB_ERRORS_OBSERVED",
        "CHANGE_BEFORE_ERRORS",
    }
    picked = only(report, "warehouse/warehouse", "LB_NO_HEALTHY_BACKEND")
    assert picked.evidence["requests"] == 40
    assert [c["code"] for c in picked.evidence["explained_by"]] == ["HEALTH_CHECK_PATH_MISMATCH"]
    assert picked.evidence["first"] == "2026-11-20T09:20:00+00:00"
    probes = only(report, "warehouse/warehouse", "HEALTH_CHECK_PROBE_FAILING")
    assert probes.evidence["kind"] == "path"
    assert probes.evidence["confirms"] == ["HEALTH_CHECK_PATH_MISMATCH"]
    assert [f["pod"] for f in probes.evidence["failing"]] == [
        "warehouse/warehouse-7d4b9c8f5-00000",
        "warehouse/warehouse-7d4b9c8f5-00001",
    ]
    assert {f["result"] for f in probes.evidence["failing"]} == {
        "HTTP response: 404, Error: Probe failed"
    }


def test_probes_timing_out_confirm_the_missing_firewall_rule(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Timeout waiting for connect: a port or a firewall; here the firewall finding explains it."""
    incidents.probe_blocked_logged(builder)
    report = judge(builder)

    probes = only(report, "gateway/gateway", "HEALTH_CHECK_PROBE_FAILING")
    assert probes.evidence["kind"] == "connect"
    assert probes.evidence["confirms"] == ["HEALTH_CHECK_FIREWALL_MISSING"]
    picked = only(report, "gateway/gateway", "LB_NO_HEALTHY_BACKEND")
    assert [c["code"] for c in picked.evidence["explained_by"]] == ["HEALTH_CHECK_FIREWALL_MISSING"]


def test_probes_failing_that_no_configuration_explains_say_so(
    builder: WorldBuilder, judge: Judge
) -> None:
    """The probe gets 503 from a healthy-looking config: the log shows it, nothing confirms it."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    builder.health_check("shop", "web", 80)["logConfig"] = {"enable": True}
    LogBook(builder).probes(
        "shop",
        "web",
        80,
        at=DEMO_NOW - timedelta(minutes=5),
        healthy=False,
        detailed="UNHEALTHY",
        previous="HEALTHY",
        result="HTTP response: 503, Error: Probe failed",
    )
    report = judge(builder)

    probes = only(report, "shop/web", "HEALTH_CHECK_PROBE_FAILING")
    assert probes.evidence["confirms"] == []
    assert "no configuration finding explains it" in probes.message


def _flaps(builder: WorldBuilder, states: tuple[bool, ...]) -> None:
    """shop/web's endpoints going down and up, ten minutes apart, the last state newest."""
    builder.service("shop", "web")
    builder.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    traffic = LogBook(builder)
    for i, healthy in enumerate(states):
        traffic.probes(
            "shop",
            "web",
            80,
            at=DEMO_NOW - timedelta(minutes=10 * (len(states) - i)),
            healthy=healthy,
            detailed="HEALTHY" if healthy else "TIMEOUT",
            previous="TIMEOUT" if healthy else "HEALTHY",
            result="" if healthy else "HTTP response: , Error: Timeout waiting for connect",
        )


def test_an_endpoint_that_recovered_is_not_failing(builder: WorldBuilder, judge: Judge) -> None:
    """Down, up, down, up: healthy now, so no finding, whatever the earlier entries said."""
    _flaps(builder, (False, True, False, True))
    assert "HEALTH_CHECK_PROBE_FAILING" not in codes(judge(builder), "shop/web")


def test_a_failing_endpoint_that_flaps_is_named_flapping(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Down, up, down: failing now, and three transitions in the window make it flapping."""
    _flaps(builder, (False, True, False))
    finding = only(judge(builder), "shop/web", "HEALTH_CHECK_PROBE_FAILING")
    assert finding.evidence["flapping"] == ["shop/web-7d4b9c8f5-00000", "shop/web-7d4b9c8f5-00001"]
    assert "Flapping: shop/web-7d4b9c8f5-00000, shop/web-7d4b9c8f5-00001." in finding.message


def test_backend_timeouts_name_the_timeout_and_the_backendconfig_fix(
    builder: WorldBuilder, judge: Judge
) -> None:
    """backend_timeout at 30 s: raise BackendConfig timeoutSec, or make the export faster."""
    incidents.slow_reports(builder)
    finding = only(judge(builder), "exports/exports", "LB_BACKEND_TIMEOUT")

    assert finding.evidence["timeout_sec"] == 30
    assert finding.evidence["slowest_seconds"] == 30.004
    assert finding.evidence["top_paths"] == [{"path": "/export/yearly", "requests": 12}]
    assert "spec.timeoutSec: 90" in finding.remediation
    assert "exports-backendconfig" in finding.remediation


def test_unmatched_urls_come_with_the_reason_no_rule_matched(
    builder: WorldBuilder, judge: Judge
) -> None:
    """/v2 paths and a www host hit GKE's 404: each top URL says which rule missed."""
    incidents.unmatched_paths(builder)
    finding = only(judge(builder), "manual/manual", "LB_UNMATCHED_URLS_404")

    assert finding.evidence["requests"] == 47
    assert [(u["url"], u["requests"]) for u in finding.evidence["urls"]] == [
        ("http://manual.example.com/v2/guide", 30),
        ("http://manual.example.com/v2/api", 12),
        ("http://www.manual.example.com/v1/intro", 5),
    ]
    guide, _, www = finding.evidence["urls"]
    assert "no path rule" in guide["reason"]
    assert "/v2/guide" in guide["reason"]
    assert "www.manual.example.com" in www["reason"]


def test_application_404s_are_the_app_not_the_load_balancer(
    builder: WorldBuilder, judge: Judge
) -> None:
    """404s from the products Service's own backend service: info, routed correctly, with the paths."""
    incidents.application_404s(builder)
    report = judge(builder)

    assert "LB_UNMATCHED_URLS_404" not in codes(report, "products/products")
    finding = only(report, "products/products", "LB_APPLICATION_404")
    assert finding.severity == "info"
    assert finding.evidence["top_paths"] == [{"path": "/products/items/42", "requests": 25}]


def test_a_backend_service_that_does_not_log_gets_the_backendconfig_to_turn_it_on(
    builder: WorldBuilder, judge: Judge
) -> None:
    """logConfig.enable false: the exact spec.logging, in the BackendConfig already attached."""
    incidents.request_logging_off(builder)
    finding = only(judge(builder), "ledger/ledger", "LB_LOGGING_DISABLED")

    assert finding.evidence == {
        "backend_service": "k8s1-1a2b3c4d-ledger-ledger-80-8ae85a32",
        "service": "ledger/ledger",
        "enabled": False,
        "sample_rate": 1.0,
        "errors": 900,  # 5 a minute for 3 hours
    }
    assert "name: ledger-bc\nspec:\n  logging:\n    enable: true\n    sampleRate: 1.0\n" in (
        finding.remediation
    )


def test_without_logs_read_the_log_checks_stay_silent(builder: WorldBuilder) -> None:
    """An audit that did not read the logs reports nothing from them, not a false 'no errors'."""
    incidents.keepalive_resets(builder)
    incidents.request_logging_off(builder)
    report = analyse(snapshot_of(builder.world, DEMO_NOW, errors_window=None), now=DEMO_NOW)
    assert not [f for f in report.findings if f.code.startswith("LB_")]


def test_an_unexplained_unhealthy_backend_whose_check_does_not_log_gets_the_command(
    builder: WorldBuilder, judge: Judge
) -> None:
    """Nothing explains the 502s and the health check does not log: the flag that turns it on."""
    incidents.unlogged_probes(builder)
    report = judge(builder)

    finding = only(report, "kiosk/kiosk", "HEALTH_CHECK_LOGGING_DISABLED")
    name = builder.backend_name("kiosk", "kiosk", 80)
    assert finding.evidence == {"health_check": name, "backend_service": name}
    assert f"`gcloud compute health-checks update http {name} --enable-logging`" in (
        finding.remediation
    )
    picked = only(report, "kiosk/kiosk", "LB_NO_HEALTHY_BACKEND")
    assert picked.evidence["explained_by"] == []
    assert "No configuration finding explains it" in picked.message


def test_an_unhealthy_backend_the_configuration_explains_needs_no_health_check_logs(
    builder: WorldBuilder,
) -> None:
    """The path mismatch already says why: no advice to turn the health-check logs on."""
    probe_on_other_port(builder)
    report = analyse(snapshot_of(builder.world, DEMO_NOW), now=DEMO_NOW)

    assert "HEALTH_CHECK_LOGGING_DISABLED" not in codes(report, "checkout/checkout")


def test_instance_group_nodes_failing_their_probes_are_named_as_nodes(
    builder: WorldBuilder, judge: Judge
) -> None:
    """An instance-group backend's probes time out on every node: the log names the nodes."""
    incidents.node_probes_timing_out_logged(builder)
    report = judge(builder)

    probes = only(report, "wiki/wiki", "HEALTH_CHECK_PROBE_FAILING")
    assert probes.evidence["kind"] == "connect"
    failing = probes.evidence["failing"]
    assert [(f["ip"], f["pod"]) for f in failing] == [("10.128.0.2", None), ("10.128.0.3", None)]
    assert "logs 2 of 2 endpoints failing: node 10.128.0.2 TIMEOUT since" in probes.message
