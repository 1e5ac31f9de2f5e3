"""What `wait` shows while it waits, and which faults end it early."""

from rich.console import Console

from gkeingress.checks import REGISTRY
from gkeingress.live.serving import HopState, WaitProgress, duration
from gkeingress.render.waiting import progress_line, progress_table

BACKEND = "backend k8s1-1a2b3c4d-shop-api-8080-806c299d"
ROUND = WaitProgress(
    ingress="shop/web",
    round=7,
    seconds=190.0,
    calls=23,
    hops=(
        HopState("address", "34.117.0.11", ok=True),
        HopState(BACKEND, "1/3 endpoints healthy", ok=False, waiting=130.0),
        HopState(
            "rollout",
            "still converging: NEG k8s1-1a2b3c4d-shop-api-8080-806c299d in us-central1-b has no "
            "endpoints yet",
            ok=False,
            waiting=190.0,
            code="PROPAGATION_PENDING",
        ),
    ),
    next_round_in=40.0,
)


def test_a_terminal_shows_every_hop_its_state_and_how_long_it_is_awaited() -> None:
    """The table: each hop with ✔ or …, its state, and the time waited for the ones not ready."""
    console = Console(record=True, width=160, force_terminal=True)
    console.print(progress_table(ROUND))
    text = console.export_text()
    assert "shop/web: round 7, 3m10s elapsed, 23 API calls; next round in 40s" in text
    row = next(line for line in text.splitlines() if BACKEND in line)
    assert "…" in row
    assert "1/3 endpoints healthy" in row
    assert row.rstrip().endswith("2m10s")
    assert "✔" in next(line for line in text.splitlines() if "34.117.0.11" in line)


def test_a_log_gets_one_line_per_round_with_what_is_still_awaited() -> None:
    """Without a terminal: the round, then each hop not ready with its state and waiting time."""
    assert progress_line(ROUND) == (
        "[3m10s] shop/web: round 7, 3m10s elapsed, 23 API calls; next round in 40s: waiting for "
        f"{BACKEND}: 1/3 endpoints healthy (2m10s); PROPAGATION_PENDING (3m10s)"
    )


def test_durations_read_like_a_clock() -> None:
    """45s, 2m10s, 1h02m."""
    assert [duration(s) for s in (45, 130, 3725)] == ["45s", "2m10s", "1h02m"]


def test_the_faults_waiting_cannot_clear_are_marked_in_the_registry() -> None:
    """A wrong health check path or a missing Service needs a change; an empty NEG may fill."""
    assert {c.code for c in REGISTRY if c.needs_change} == {
        "HTTP_LOAD_BALANCING_DISABLED",
        "INGRESS_CLASS_IGNORED",
        "RULE_HOST_DUPLICATE",
        "FRONTEND_CONFIG_NOT_FOUND",
        "STATIC_IP_NOT_FOUND",
        "SERVICE_NOT_FOUND",
        "SERVICE_PORT_NOT_FOUND",
        "SERVICE_TYPE_INCOMPATIBLE",
        "SERVICE_SELECTOR_MATCHES_NO_PODS",
        "TARGET_PORT_NOT_EXPOSED",
        "BACKEND_CONFIG_INVALID",
        "BACKEND_CONFIG_NOT_FOUND",
        "HEALTH_CHECK_TIMEOUT_INVALID",
        "APP_PROTOCOL_INVALID",
        "HEALTH_CHECK_PATH_MISMATCH",
        "HEALTH_CHECK_PORT_MISMATCH",
        "CLUSTER_NOT_VPC_NATIVE",
        "HEALTH_CHECK_FIREWALL_MISSING",
    }
    waitable = {"NEG_EMPTY", "BACKEND_UNHEALTHY", "URL_MAP_OUT_OF_SYNC", "TLS_SECRET_NOT_FOUND"}
    assert not any(REGISTRY[code].needs_change for code in waitable)
