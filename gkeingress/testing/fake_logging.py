"""A fake Cloud Logging over real gRPC on loopback: ``entries.list`` over a World's log entries.

:class:`FakeLogging` serves ``google.logging.v2.LoggingServiceV2/ListLogEntries`` with the real
message types (``grpc.server`` and a generic handler), so the official ``logging_v2`` client talks
to it unchanged through :meth:`FakeLogging.client`. The entries live in the world as LogEntry JSON
(:attr:`gkeingress.testing.World.log_entries`, camelCase as the REST API shows them) and are
turned into ``LogEntry`` messages strictly: a field the API does not define fails.

Like the real service it honours ``resource_names`` (``projects/P``: the entries of that
project's logs), ``filter`` (the subset of :mod:`gkeingress.testing.logfilter`), ``order_by``
(``timestamp asc``, the default, or ``timestamp desc``), ``page_size`` (default 50, at most 1000)
and ``page_token``; it answers ``INVALID_ARGUMENT`` to anything else, ``PERMISSION_DENIED`` for
the projects in ``denied``, and the queued ``faults`` first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
from google.cloud.audit import (  # type: ignore[import-untyped]  # ships no type information
    audit_log_pb2,  # noqa: F401 - registers AuditLog, the type of audit logs' protoPayload
)
from google.cloud.logging_v2.types import ListLogEntriesRequest, ListLogEntriesResponse, LogEntry

from gkeingress.testing.logfilter import FilterError, compile_filter
from gkeingress.testing.world import JSONDict, World

if TYPE_CHECKING:
    from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2Client

SERVICE = "google.logging.v2.LoggingServiceV2"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
PERMISSION_DENIED_MESSAGE = "The caller does not have permission"


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One ``entries.list`` request the fake received, and the status it answered."""

    resource_names: tuple[str, ...]
    filter: str
    order_by: str
    page_size: int
    page_token: str
    status: grpc.StatusCode


def log_entry(data: JSONDict) -> LogEntry:
    """The ``LogEntry`` message of LogEntry JSON, parsed strictly (unknown fields fail)."""
    entry: LogEntry = LogEntry.from_json(json.dumps(data), ignore_unknown_fields=False)
    return entry


def _token(filter_text: str, offset: int) -> str:
    digest = hashlib.sha256(filter_text.encode()).hexdigest()[:12]
    return base64.urlsafe_b64encode(f"{digest}:{offset}".encode()).decode()


def _offset(token: str, filter_text: str) -> int:
    try:
        digest, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if digest != hashlib.sha256(filter_text.encode()).hexdigest()[:12]:
            raise ValueError("the page token belongs to another query")
        return int(offset)
    except ValueError as exc:
        raise _RefusalError(grpc.StatusCode.INVALID_ARGUMENT, f"invalid page token: {exc}") from exc


class _RefusalError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class FakeLogging:
    """Serves a World's log entries over gRPC on 127.0.0.1 until stopped.

    Attributes:
        world: the world whose ``log_entries`` are served (read on every request).
        refuse: which requests the caller may not make (``PERMISSION_DENIED``), given the projects
            and the filter; None refuses none.
        faults: statuses to answer, one per request, before serving normally (e.g. throttling).
        requests: every request received, in order.
    """

    world: World
    refuse: Callable[[frozenset[str], str], bool] | None = None
    faults: list[tuple[grpc.StatusCode, str]] = field(default_factory=list)
    requests: list[LoggedRequest] = field(default_factory=list)
    _server: grpc.Server | None = None
    _port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> FakeLogging:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on a free loopback port."""
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.unary_unary_rpc_method_handler(
            self._list,
            request_deserializer=ListLogEntriesRequest.deserialize,
            response_serializer=ListLogEntriesResponse.serialize,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, {"ListLogEntries": handler}),)
        )
        self._port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server

    def stop(self) -> None:
        """Stop listening and wait for requests in flight."""
        if self._server is not None:
            self._server.stop(grace=None).wait()
            self._server = None

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self._port}"

    def client(self) -> LoggingServiceV2Client:
        """The official ``logging_v2`` client, over an insecure channel to this fake."""
        from google.cloud.logging_v2.services.logging_service_v2 import (  # noqa: PLC0415
            LoggingServiceV2Client,
        )
        from google.cloud.logging_v2.services.logging_service_v2.transports import (  # noqa: PLC0415
            LoggingServiceV2GrpcTransport,
        )

        channel = grpc.insecure_channel(self.address)
        return LoggingServiceV2Client(transport=LoggingServiceV2GrpcTransport(channel=channel))

    def calls(self) -> int:
        """How many ``entries.list`` requests were received."""
        with self._lock:
            return len(self.requests)

    def _list(self, request: ListLogEntriesRequest, context: grpc.ServicerContext) -> Any:
        status = grpc.StatusCode.OK
        try:
            return self._answer(request)
        except _RefusalError as refusal:
            status = refusal.code
            context.abort(refusal.code, refusal.message)
        finally:
            with self._lock:
                self.requests.append(
                    LoggedRequest(
                        tuple(request.resource_names),
                        request.filter,
                        request.order_by,
                        request.page_size,
                        request.page_token,
                        status,
                    )
                )

    def _answer(self, request: ListLogEntriesRequest) -> ListLogEntriesResponse:
        with self._lock:
            fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            raise _RefusalError(*fault)
        projects = _projects(request.resource_names)
        if self.refuse is not None and self.refuse(frozenset(projects), request.filter):
            raise _RefusalError(grpc.StatusCode.PERMISSION_DENIED, PERMISSION_DENIED_MESSAGE)
        if request.page_size < 0 or request.page_size > MAX_PAGE_SIZE:
            raise _RefusalError(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"page_size must be between 0 and {MAX_PAGE_SIZE}, not {request.page_size}",
            )
        order = request.order_by or "timestamp asc"
        if order not in {"timestamp asc", "timestamp desc"}:
            raise _RefusalError(grpc.StatusCode.INVALID_ARGUMENT, f"invalid order_by {order!r}")
        try:
            selected = compile_filter(request.filter)
        except FilterError as exc:
            raise _RefusalError(grpc.StatusCode.INVALID_ARGUMENT, f"invalid filter: {exc}") from exc
        prefixes = tuple(f"projects/{p}/logs/" for p in projects)
        matching = sorted(
            (
                e
                for e in self.world.log_entries
                if str(e.get("logName", "")).startswith(prefixes) and selected(e)
            ),
            key=lambda e: str(e.get("timestamp", "")),
            reverse=order == "timestamp desc",
        )
        start = _offset(request.page_token, request.filter) if request.page_token else 0
        size = request.page_size or DEFAULT_PAGE_SIZE
        page = matching[start : start + size]
        more = start + size < len(matching)
        return ListLogEntriesResponse(
            entries=[log_entry(e) for e in page],
            next_page_token=_token(request.filter, start + size) if more else "",
        )


def _projects(resource_names: Iterable[str]) -> set[str]:
    projects: set[str] = set()
    for name in resource_names:
        kind, _, project = name.partition("/")
        if kind != "projects" or not project or "/" in project:
            raise _RefusalError(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"the fake serves only projects/PROJECT resource names, not {name!r}",
            )
        projects.add(project)
    if not projects:
        raise _RefusalError(grpc.StatusCode.INVALID_ARGUMENT, "resource_names is required")
    return projects
