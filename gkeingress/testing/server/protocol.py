"""Requests and replies as the fakes see them, and the error bodies Google and Kubernetes send."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn, Protocol

from gkeingress.testing.world import JSONDict, World

_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",  # no canonical code for 405; only the fake's read-only refusal uses it
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


# Errors the server raises itself: (Google reason, Kubernetes reason) by status.
_REASONS = {
    400: ("invalid", "BadRequest"),
    404: ("notFound", "NotFound"),
    405: ("methodNotAllowed", "MethodNotAllowed"),
    500: ("backendError", "InternalError"),
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IncomingRequest:
    """A request as faults see it, before it is answered."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def accept(self) -> str:
        """The Accept header."""
        return self.headers.get("accept", "")


@dataclass(frozen=True)
class FaultResponse:
    """A canned answer sent instead of the normal one.

    ``cut_after``: send the headers for the whole body but only its first ``cut_after`` bytes,
    then drop the connection, as a flaky proxy or a dropped connection does.
    """

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None


Fault = Callable[[IncomingRequest], FaultResponse | None]
"""Inspects a request; returns a response to send instead of the normal one, or None."""


def google_error(status: int, reason: str, message: str) -> FaultResponse:
    """A Google API JSON error, as Compute sends it."""
    domain = "usageLimits" if status == 429 or "Limit" in reason or "quota" in reason else "global"
    error = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": _GOOGLE_STATUS.get(status, "UNKNOWN"),
    }
    return FaultResponse(status, json.dumps({"error": error}).encode())


def kube_error(status: int, reason: str, message: str) -> FaultResponse:
    """A Kubernetes ``Status`` failure, as the API server sends it."""
    body: JSONDict = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": status,
    }
    return FaultResponse(status, json.dumps(body).encode())


class ReplyError(Exception):
    """Raised by a handler to answer with an error."""

    def __init__(self, response: FaultResponse) -> None:
        super().__init__(response.status)
        self.response = response


def is_google(path: str) -> bool:
    """True for the Compute and Container APIs, False for the Kubernetes API."""
    return path.startswith(("/compute/", "/v1/projects/"))


def error_reply(req: IncomingRequest, status: int, message: str) -> FaultResponse:
    """The error body of the API ``req`` is addressed to."""
    google_reason, kube_reason = _REASONS[status]
    if is_google(req.path):
        return google_error(status, google_reason, message)
    return kube_error(status, kube_reason, message)


def fail(req: IncomingRequest, status: int, message: str) -> NoReturn:
    """Answer ``req`` with an error in its API's shape."""
    raise ReplyError(error_reply(req, status, message))


def fail_unknown_url(req: IncomingRequest) -> NoReturn:
    """Answer 404 as the API ``req`` is addressed to does for a URL it does not serve."""
    if is_google(req.path):
        fail(req, 404, f"The requested URL {req.path} was not found on this server.")
    fail(req, 404, "the server could not find the requested resource")


class Served(Protocol):
    """What a request handler reads from the fake serving it."""

    world: World
    page_size: int | None


Handler = Callable[[Served, IncomingRequest, re.Match[str]], JSONDict]
"""Answers one read request that its route's pattern matched."""
