"""The API gate: which errors are retried, how long it waits, and how it paces calls."""

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


@pytest.mark.parametrize(("rate", "burst"), [(10, 50), (2.5, 12)])
def test_the_first_burst_is_five_seconds_of_the_rate(rate: float, burst: int) -> None:
    """A rate split between a fleet's clusters splits their first bursts too."""
    sleeps = Sleeps()
    gate = ApiGate(rate=rate, sleep=sleeps)
    for _ in range(burst):
        gate.call("x", lambda: None)
    assert sleeps == []
    gate.call("x", lambda: None)
    gate.call("x", lambda: None)
    assert len(sleeps) == 2
