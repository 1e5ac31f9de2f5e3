"""The API gate: which errors are retried, how long it waits, and how it paces calls."""

import itertools
from collections.abc import Callable

import pytest
import requests
from google.api_core import exceptions as gexc

from gkeingress.collect.gate import ApiGate


class Sleeps(list[float]):
    """Records sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _failing(*errors: BaseException) -> Callable[[], str]:
    queue = list(errors)

    def call() -> str:
        if queue:
            raise queue.pop(0)
        return "ok"

    return call


def _google(
    cls: type[gexc.GoogleAPICallError], reason: str = "", retry_after: str | None = None
) -> gexc.GoogleAPICallError:
    response = requests.Response()
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    errors = [{"reason": reason, "message": reason}] if reason else []
    return cls("failed", errors=errors, response=response)


def test_retry_after_is_honoured() -> None:
    """A 429 with Retry-After: 7 waits exactly 7 seconds before the next try."""
    sleeps = Sleeps()
    gate = ApiGate(rate=None, sleep=sleeps)
    assert gate.call("x", _failing(_google(gexc.TooManyRequests, retry_after="7"))) == "ok"
    assert sleeps == [7.0]
    assert gate.counts() == {"x": 2}
    assert gate.retries == 1
    assert gate.waited == 7.0


def test_backoff_grows_with_jitter_when_no_retry_after() -> None:
    """Without Retry-After, waits double from half a second, plus up to half a second of jitter."""
    sleeps = Sleeps()
    gate = ApiGate(rate=None, sleep=sleeps)
    errors = [_google(gexc.ServiceUnavailable) for _ in range(3)]
    assert gate.call("x", _failing(*errors)) == "ok"
    assert [int(s * 2) / 2 for s in sleeps] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("reason", ["rateLimitExceeded", "userRateLimitExceeded"])
def test_quota_403_is_retried(reason: str) -> None:
    """A 403 that means "too fast" is throttling, not a permission problem."""
    gate = ApiGate(rate=None, sleep=Sleeps())
    assert gate.call("x", _failing(_google(gexc.Forbidden, reason))) == "ok"


def test_permission_403_is_not_retried() -> None:
    """A real permission error surfaces at once."""
    gate = ApiGate(rate=None, sleep=Sleeps())
    with pytest.raises(gexc.Forbidden):
        gate.call("x", _failing(_google(gexc.Forbidden, "forbidden")))
    assert gate.counts() == {"x": 1}


def test_a_grpc_certificate_failure_is_not_retried() -> None:
    """Cloud Monitoring's UNAVAILABLE for a certificate that fails verification is tried once."""
    gate = ApiGate(rate=None, sleep=Sleeps())
    handshake = gexc.ServiceUnavailable(
        "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:443: Ssl "
        "handshake failed: SSL_ERROR_SSL: error:1000007d:SSL routines:OPENSSL_internal:"
        "CERTIFICATE_VERIFY_FAILED"
    )
    with pytest.raises(gexc.ServiceUnavailable):
        gate.call("x", _failing(handshake, handshake))
    assert gate.counts() == {"x": 1}


def test_connection_reset_is_retried_and_attempts_are_bounded() -> None:
    """Dropped connections are retried, but only so many times."""
    gate = ApiGate(rate=None, attempts=3, sleep=Sleeps())
    resets = [requests.ConnectionError("reset by peer") for _ in range(5)]
    with pytest.raises(requests.ConnectionError):
        gate.call("x", _failing(*resets))
    assert gate.counts() == {"x": 3}


def test_pacing_lets_a_burst_through_then_holds_the_rate() -> None:
    """After the burst, each call waits its share of the rate."""
    sleeps = Sleeps()
    gate = ApiGate(rate=10, burst=2, sleep=sleeps)
    for _ in range(5):
        gate.call("x", lambda: None)
    assert len(sleeps) == 3
    assert sleeps == pytest.approx([0.1, 0.2, 0.3], abs=0.02)
    assert gate.waited == pytest.approx(0.6, abs=0.05)


class Clock:
    """A monotonic clock that moves only when the gate sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(("rate", "burst"), [(20, 200), (5, 50)])
def test_the_first_burst_is_ten_seconds_of_the_rate(rate: float, burst: int) -> None:
    """A rate split between a fleet's clusters splits their first bursts too."""
    clock = Clock()
    gate = ApiGate(rate=rate, sleep=clock.sleep, clock=clock)
    for _ in range(burst):
        gate.call("x", lambda: None)
    assert clock.sleeps == []
    gate.call("x", lambda: None)
    gate.call("x", lambda: None)
    assert len(clock.sleeps) == 2


def _spacing(gate: ApiGate, clock: Clock, calls: int) -> list[float]:
    """The clock's readings between ``calls`` successful calls, rounded to milliseconds."""
    stamps = []
    for _ in range(calls):
        gate.call("x", lambda: stamps.append(clock.now))
    return [round(b - a, 3) for a, b in itertools.pairwise(stamps)]


def test_a_healthy_audit_of_5000_ingresses_never_waits_at_the_default_pace() -> None:
    """Its ~150 list pages go out at once: the default gate starts near Compute's read quota."""
    clock = Clock()
    gate = ApiGate(sleep=clock.sleep, clock=clock)
    for _ in range(150):
        gate.call("compute aggregatedList networkEndpointGroups", lambda: None)
    assert clock.sleeps == []
    assert gate.waited == 0.0
    assert gate.rate == 20.0  # 80% of 1,500 reads a minute


def test_throttling_halves_the_pace_and_successes_win_it_back() -> None:
    """After a 429 calls go out half as often; twenty successes later they are back at full rate."""
    clock = Clock()
    gate = ApiGate(rate=10, burst=1, sleep=clock.sleep, clock=clock)
    assert _spacing(gate, clock, 3) == [0.1, 0.1]
    gate.call("x", _failing(_google(gexc.TooManyRequests, retry_after="0")))
    assert gate.throttled == 1
    assert gate.rate == pytest.approx(5.5)  # halved, then the retry's success won back 0.5
    spacing = _spacing(gate, clock, 12)
    assert 0.15 < spacing[0] < 0.2  # at 5.5-6.5 calls a second
    assert spacing[:4] == sorted(spacing[:4], reverse=True)  # each success shortens the wait
    assert spacing[-2:] == [0.1, 0.1]
    assert gate.rate == 10


@pytest.mark.parametrize("reason", ["rateLimitExceeded", "userRateLimitExceeded"])
def test_a_quota_403_slows_the_pace_too(reason: str) -> None:
    """Compute's "rate limit exceeded" 403 is throttling, as a 429 is."""
    clock = Clock()
    gate = ApiGate(rate=8, burst=1, sleep=clock.sleep, clock=clock)
    gate.call("x", _failing(_google(gexc.Forbidden, reason, retry_after="0")))
    assert (gate.throttled, gate.rate) == (1, 4.4)


def test_retry_after_holds_every_paced_call_until_it_has_passed() -> None:
    """A Retry-After of 30 s from one call delays the next call of any kind by as much."""
    clock = Clock()
    gate = ApiGate(rate=10, burst=100, sleep=clock.sleep, clock=clock)
    throttled_at = clock.now
    gate._adapt(_google(gexc.TooManyRequests, retry_after="30"))  # another thread's answer
    gate.call("y", lambda: None)
    assert clock.now - throttled_at == pytest.approx(30.0)
    assert gate.waited == pytest.approx(30.0)


def test_errors_that_are_not_throttling_leave_the_pace_alone() -> None:
    """A 503 is retried with backoff, but the rate stays where it was."""
    clock = Clock()
    gate = ApiGate(rate=10, sleep=clock.sleep, clock=clock)
    gate.call("x", _failing(_google(gexc.ServiceUnavailable)))
    assert (gate.throttled, gate.rate) == (0, 10)


def test_the_pace_never_falls_below_a_sixteenth() -> None:
    """However often the API throttles, calls keep going out at 1/16 of the starting rate."""
    clock = Clock()
    gate = ApiGate(rate=16, sleep=clock.sleep, clock=clock)
    for _ in range(10):
        gate._adapt(_google(gexc.TooManyRequests))
    assert gate.rate == 1.0
