"""When and how API calls are retried: transient failures only, exponential backoff with jitter."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import requests
import tenacity
import urllib3.exceptions
from google.api_core import exceptions as gexc

log = logging.getLogger("gkeingress.collect")

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


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


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: throttling, server errors, dropped connections."""
    if isinstance(exc, requests.ConnectionError | requests.Timeout | urllib3.exceptions.HTTPError):
        return True
    status = status_of(exc)
    if status in RETRYABLE_STATUS:
        return True
    return status == 403 and bool(google_reasons(exc) & RATE_LIMIT_REASONS)


def _log_retry(state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.debug(
        "retrying %s after attempt %d: %s",
        getattr(state.fn, "__name__", "call"),
        state.attempt_number,
        exc,
    )


def retrying(attempts: int = 5, max_wait: float = 20.0) -> tenacity.Retrying:
    """A bounded retry policy: ``attempts`` tries, waits doubling from 0.5 s plus up to 0.5 s jitter."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        wait=tenacity.wait_exponential(multiplier=0.5, max=max_wait) + tenacity.wait_random(0, 0.5),
        stop=tenacity.stop_after_attempt(attempts),
        before_sleep=_log_retry,
        reraise=True,
    )


def call_with_retry(
    policy: tenacity.Retrying, fn: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """Call ``fn`` under ``policy``; the last error propagates once retries are exhausted."""
    return policy(fn, *args, **kwargs)
