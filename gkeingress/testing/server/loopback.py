"""A threaded HTTP(S) server on a free loopback port, shared by :class:`FakeGKE` and ``FakeFleet``."""

from __future__ import annotations

import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Protocol

from gkeingress.testing.server.protocol import FaultResponse

if TYPE_CHECKING:
    import trustme


class Responder(Protocol):
    """What a :class:`Loopback` hands each request to."""

    def _respond(
        self, method: str, target: str, body: bytes, headers: dict[str, str]
    ) -> FaultResponse: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # An audit opens twenty-odd connections at once; with the default backlog of 5 the kernel
    # drops the rest of the SYNs and the client waits a second to send them again.
    request_queue_size = 128

    def __init__(self, fake: Responder, tls: trustme.CA | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.fake = fake
        self._tls: ssl.SSLContext | None = None
        if tls is not None:
            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.issue_cert("127.0.0.1").configure_cert(self._tls)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection; with TLS, the handshake happens on the handler's thread."""
        sock, address = super().get_request()
        if self._tls is not None:
            sock = self._tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up or refuses the certificate; report anything else."""
        if not isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            super().handle_error(request, client_address)


class Loopback:
    """A threaded HTTP(S) server on a free 127.0.0.1 port that hands each request to a responder.

    Args:
        responder: answers each request (its ``_respond``).
        name: the fake's name, for its thread and its errors.
        tls: if set, serve HTTPS with a certificate for 127.0.0.1 issued by this CA.
    """

    def __init__(self, responder: Responder, name: str, tls: trustme.CA | None = None) -> None:
        self._responder = responder
        self._name = name
        self._tls = tls
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen and serve from a daemon thread.

        Raises:
            RuntimeError: it is already running.
        """
        if self._server is not None:
            raise RuntimeError(f"{self._name} is already running")
        self._server = _Server(self._responder, self._tls)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self._name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket; nothing if it is not running."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``.

        Raises:
            RuntimeError: it is not running.
        """
        if self._server is None:
            raise RuntimeError(f"{self._name} is not running")
        return f"127.0.0.1:{self._server.server_address[1]}"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.fake._respond(self.command, self.path, body, headers)
        self.send_response(response.status)
        for name, value in {"Content-Type": "application/json", **response.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.cut_after is None:
            self.wfile.write(response.body)
            return
        self.wfile.write(response.body[: response.cut_after])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; requests are recorded on the FakeGKE instead."""
