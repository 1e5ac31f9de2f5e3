"""Every API call of an audit passes through one :class:`ApiGate`: counted, paced, retried.

- Counted: how many calls of each kind the audit made (``report.api_calls``).
- Paced: Compute calls go through a client-side token bucket that adapts. It starts at 80% of
  Compute's documented read quota with a burst larger than any audit's lists, so a healthy audit
  never waits on itself; each throttling answer (429, 403 ``rateLimitExceeded``) halves the rate and
  empties the bucket, a ``Retry-After`` holds every paced call until it has passed, and each call
  that succeeds wins back a twentieth of the starting rate. The time spent waiting is reported.
- Retried: 429, 5xx, 403 ``rateLimitExceeded``/``userRateLimitExceeded``, dropped connections,
  timeouts, and bodies cut short or not valid JSON (a flaky proxy), with exponential backoff and
  jitter, honouring ``Retry-After``, within a number of attempts and an overall deadline. A TLS
  certificate that fails verification is never retried: it will not verify the next time either.
  Each retry is logged at debug level with the call and the reason (never credentials).
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import google.auth.exceptions
import requests
import tenacity
import urllib3.exceptions
from google.api_core import exceptions as gexc
from google.protobuf import json_format

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
READ_QUOTA_PER_MINUTE = 1500
"""Compute's default read quota (``compute.googleapis.com/read_requests``), per project."""
DEFAULT_RATE = 0.8 * READ_QUOTA_PER_MINUTE / 60
"""Calls per second to start at, and never to exceed: 20, 80% of the read quota."""
BURST_SECONDS = 10.0
"""The calls that may go out at once, in seconds of the rate: 200 at the default rate, more than
the lists of a 5000-Ingress project take (about 150 pages)."""
SLOWEST = 1 / 16
"""The lowest rate throttling can bring the gate to, as a fraction of the starting rate."""


def status_of(exc: BaseException) -> int | None:
    """The HTTP status an API exception carries, if any."""
    code = getattr(exc, "code", None) if isinstance(exc, gexc.GoogleAPICallError) else None
    if code is None:
        code = getattr(exc, "status", None)
    return code if isinstance(code, int) else None


def google_reasons(exc: BaseException) -> set[str]:
    """The ``errors[].reason`` values of a Google API error."""
    if not isinstance(exc, gexc.GoogleAPICallError):
        return set()
    return {str(e.get("reason", "")) for e in exc.errors or () if isinstance(e, dict)}


def is_throttling(exc: BaseException) -> bool:
    """True for the API saying "too fast": 429, or 403 ``rateLimitExceeded``/``userRateLimitExceeded``."""
    status = status_of(exc)
    return status == 429 or (status == 403 and bool(google_reasons(exc) & RATE_LIMIT_REASONS))


BAD_BODY = (
    requests.exceptions.ChunkedEncodingError,  # requests: the body ended before Content-Length
    requests.exceptions.ContentDecodingError,
    json.JSONDecodeError,  # a Kubernetes body that is not JSON
    UnicodeDecodeError,  # ... or is cut inside a character
    json_format.ParseError,  # a Compute or Container body the client could not parse
)
"""What a response whose body was cut short or is not valid JSON raises while it is read."""


API_FAILURES: tuple[type[BaseException], ...] = (
    gexc.GoogleAPIError,  # Compute, Container and Monitoring answers, retries given up
    google.auth.exceptions.GoogleAuthError,  # credentials refused or not refreshable
    requests.RequestException,
    urllib3.exceptions.HTTPError,  # the Kubernetes client's transport
    OSError,  # connections, TLS, timeouts
    *BAD_BODY,
)
"""What an API call raises when the API or the network fails, as opposed to a bug in gkeingress.
(The Kubernetes client's ``ApiException`` carries an HTTP status: see :func:`is_api_failure`.)"""


def is_api_failure(exc: BaseException) -> bool:
    """True when ``exc`` is an API's or the network's failure, not a bug in gkeingress."""
    return isinstance(exc, API_FAILURES) or isinstance(getattr(exc, "status", None), int)


def _wrapped(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps: causes, contexts, urllib3's ``reason``, ``args``."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]


def is_certificate_failure(exc: BaseException) -> bool:
    """True when a TLS certificate failed verification, however the client wrapped it.

    Python's clients wrap an ``SSLCertVerificationError``; gRPC (Cloud Monitoring) reports an
    ``UNAVAILABLE`` whose text carries OpenSSL's ``CERTIFICATE_VERIFY_FAILED``.
    """
    return any(
        isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(e)
        for e in _wrapped(exc)
    )


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: throttling, server errors, drops, timeouts, bad bodies.

    Never for a certificate that failed verification: it fails the same way every time.
    """
    if is_certificate_failure(exc):
        return False
    dropped = (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError)
    if isinstance(exc, dropped + BAD_BODY):
        return True
    return status_of(exc) in RETRYABLE_STATUS or is_throttling(exc)


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (``Retry-After`` in seconds), if it did."""
    headers: Any = getattr(exc, "headers", None)  # kubernetes ApiException
    if headers is None:
        response = getattr(exc, "response", None)  # google.api_core: the requests.Response
        headers = getattr(response, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


class ApiGate:
    """Counts, paces and retries API calls; one per audit, shared by all collectors.

    Args:
        rate: sustained calls per second (None: unlimited).
        burst: calls that may go out at once before pacing starts; default: five seconds' worth
            of ``rate``, so that splitting a rate between audits splits their bursts too.
        attempts: tries per call, the first included.
        deadline: seconds after which a call is not retried any more.
        max_wait: the longest single backoff, unless ``Retry-After`` asks for longer.
        timeout: seconds one HTTP request may take before it is abandoned (and retried).
        workers: per-group calls (getHealth, listNetworkEndpoints) that may run at once; every
            list chain has a thread of its own (a fixed number: one per kind).
        sleep: the sleeping function (tests pass a fake one).
        clock: the monotonic clock pacing reads (tests pass one that ``sleep`` advances).
    """

    def __init__(
        self,
        *,
        rate: float | None = DEFAULT_RATE,
        burst: float | None = None,
        attempts: int = 5,
        deadline: float = 120.0,
        max_wait: float = 20.0,
        timeout: float = 60.0,
        workers: int = 8,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self.workers = workers
        self._ceiling = self._rate = rate or 0.0
        self._burst = burst if burst is not None else max(1.0, self._rate * BURST_SECONDS)
        self._tokens = self._burst
        self._clock = clock
        self._stamp = clock()
        self._resume = self._stamp
        self._throttled = 0
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._waited = 0.0
        self._retries = 0
        self._sleep = sleep
        backoff = tenacity.wait_exponential(multiplier=0.5, max=max_wait) + tenacity.wait_random(
            0, 0.5
        )

        def wait(state: tenacity.RetryCallState) -> float:
            asked = retry_after(state.outcome.exception() if state.outcome else None)
            return asked if asked is not None else backoff(state)

        self._retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_transient),
            wait=wait,
            stop=tenacity.stop_after_attempt(attempts) | tenacity.stop_after_delay(deadline),
            before_sleep=self._log_retry,
            sleep=self._backoff_sleep,
            reraise=True,
        )

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self._retries += 1
        log.debug(
            "retrying %s in %.1fs after attempt %d: %s %s",
            state.kwargs.get("_gate_label", "call"),
            wait,
            state.attempt_number,
            (status_of(exc) if exc else None) or type(exc).__name__,
            ",".join(sorted(google_reasons(exc))) if exc else "",
        )

    def _backoff_sleep(self, seconds: float) -> None:
        with self._lock:
            self._waited += seconds
        self._sleep(seconds)

    def _pace(self) -> None:
        """Take a token from the bucket, sleeping until one is there and any Retry-After has passed."""
        if not self._rate:
            return
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
            self._stamp = now
            self._tokens -= 1
            delay = max(-self._tokens / self._rate if self._tokens < 0 else 0.0, self._resume - now)
            self._waited += delay
        if delay > 0:
            self._sleep(delay)

    def _adapt(self, error: BaseException | None) -> None:
        """Slow down on a throttling answer; win back a little of the starting rate on a success."""
        if not self._rate:
            return
        with self._lock:
            if error is None:
                self._rate = min(self._ceiling, self._rate + self._ceiling / 20)
                return
            if not is_throttling(error):
                return
            self._throttled += 1
            self._rate = max(self._ceiling * SLOWEST, self._rate / 2)
            self._tokens = min(self._tokens, 0.0)
            asked = retry_after(error)
            if asked is not None:
                self._resume = max(self._resume, self._clock() + asked)
            log.debug("throttled: pacing Compute calls at %.2f/s", self._rate)

    def call(
        self, label: str, fn: Callable[..., T], *args: Any, paced: bool = True, **kwargs: Any
    ) -> T:
        """Call ``fn`` as API call ``label``; the last error propagates once retries are spent.

        ``paced=False`` skips the rate limit, for calls that do not count against the Compute
        quota it protects (the Kubernetes API).
        """

        def attempt(*, _gate_label: str) -> T:
            if paced:
                self._pace()
            with self._lock:
                self._counts[_gate_label] += 1
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                if paced:
                    self._adapt(exc)
                raise
            if paced:
                self._adapt(None)
            return result

        return self._retrying.copy()(attempt, _gate_label=label)

    def counts(self) -> dict[str, int]:
        """Calls made so far by label (retries included), sorted by label."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    @property
    def waited(self) -> float:
        """Seconds spent waiting: pacing plus backoff."""
        with self._lock:
            return self._waited

    @property
    def retries(self) -> int:
        """Calls that were retried."""
        return self._retries

    @property
    def throttled(self) -> int:
        """Paced calls the API answered with throttling (each one slowed the pace)."""
        return self._throttled

    @property
    def rate(self) -> float:
        """The calls per second paced calls go out at now (0: not paced)."""
        with self._lock:
            return self._rate
