"""The :class:`FakeGKE`: the three APIs for one World, with faults, IAM, TLS and authentication."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from gkeingress.testing.server.iam import permission
from gkeingress.testing.server.loopback import Loopback
from gkeingress.testing.server.protocol import (
    Fault,
    FaultResponse,
    IncomingRequest,
    RecordedRequest,
    ReplyError,
    error_reply,
    fail,
    fail_unknown_url,
    google_error,
    is_google,
    kube_error,
)
from gkeingress.testing.server.routes import ROUTES, is_read
from gkeingress.testing.world import World

if TYPE_CHECKING:
    import trustme
    from kubernetes.client import ApiClient


class FakeGKE:
    """The fake Kubernetes and Compute APIs for one :class:`World`, on a loopback port.

    Args:
        world: what to serve; read on every request, so tests may change it between calls.
        page_size: if set, no list page holds more items than this.
        allow: if set, the only permissions the caller has: Compute IAM permissions
            (``compute.backendServices.list``) and Kubernetes verbs (``list ingresses.networking.k8s.io``);
            anything else gets the API's own 403.
        latency: seconds added to every response, as a remote API would take.
        tls: if set, serve HTTPS with a certificate for 127.0.0.1 issued by this ``trustme.CA``
            (a cluster's ``masterAuth.clusterCaCertificate``); :meth:`kube_client` trusts it.
        authenticate: if set, Kubernetes API requests need ``Authorization: Bearer <token>`` with
            a token this accepts, else 401 ``Unauthorized``; Compute and Container are not checked.
    """

    def __init__(
        self,
        world: World,
        *,
        page_size: int | None = None,
        allow: Collection[str] | None = None,
        latency: float = 0.0,
        tls: trustme.CA | None = None,
        authenticate: Callable[[str], bool] | None = None,
    ) -> None:
        self.world = world
        self.page_size = page_size
        self.latency = latency
        self.tls = tls
        self.authenticate = authenticate
        self.allow = frozenset(allow) if allow is not None else None
        self.faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._listener = Loopback(self, "FakeGKE", tls)

    def __enter__(self) -> FakeGKE:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on 127.0.0.1 on a free port and serve from a daemon thread."""
        self._listener.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._listener.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https`` with ``tls``); every API lives under it."""
        return f"{'https' if self.tls else 'http'}://{self.address}"

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``: a cluster's ``endpoint`` as the Container API gives it."""
        return self._listener.address

    @property
    def compute_endpoint(self) -> str:
        """The ``api_endpoint`` client option for ``compute_v1`` clients."""
        return self.url

    def kube_client(self) -> ApiClient:
        """A ``kubernetes.client.ApiClient`` pointed at this server; close it when done."""
        from kubernetes import client  # noqa: PLC0415 - optional heavy import

        configuration = client.Configuration()
        configuration.host = self.url
        if self.tls is not None:
            configuration.ca_cert_data = self.tls.cert_pem.bytes().decode()
        return client.ApiClient(configuration)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request answered so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def mutating_requests(self) -> list[RecordedRequest]:
        """The requests refused because they would have changed something."""
        return [r for r in self.requests if not is_read(r.method, r.path)]

    def calls(self) -> Counter[str]:
        """How many times each ``"METHOD path"`` was requested."""
        return Counter(f"{r.method} {r.path}" for r in self.requests)

    def _authenticate(self, req: IncomingRequest) -> None:
        if self.authenticate is None or is_google(req.path):
            return
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self.authenticate(token.strip()):
            raise ReplyError(kube_error(401, "Unauthorized", "Unauthorized"))

    def _authorize(self, req: IncomingRequest) -> None:
        needed = permission(req)
        if needed is None or self.allow is None or needed in self.allow:
            return
        if req.path.startswith("/compute/"):
            project = self.world.project
            message = f"Required '{needed}' permission for 'projects/{project}'"
            raise ReplyError(google_error(403, "forbidden", message))
        if is_google(req.path):
            resource = req.path.removeprefix("/v1/")
            message = (
                f"Permission '{needed}' denied on resource '{resource}' (or it may not exist)."
            )
            raise ReplyError(google_error(403, "forbidden", message))
        verb, _, resource = needed.partition(" ")
        message = (
            f'{resource} is forbidden: User "gkeingress-auditor" cannot {verb} resource '
            f'"{resource.split(".")[0]}" in API group "{resource.partition(".")[2]}"'
        )
        raise ReplyError(kube_error(403, "Forbidden", message))

    def _respond(
        self, method: str, target: str, body: bytes, headers: dict[str, str]
    ) -> FaultResponse:
        """Answer one request (``target`` is the path and query) and record it."""
        parts = urlsplit(target)
        req = IncomingRequest(
            method,
            unquote(parts.path),
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            body,
            headers,
        )
        if self.latency:
            time.sleep(self.latency)
        response = self._answer(req)
        with self._lock:
            self._requests.append(
                RecordedRequest(req.method, req.path, req.query, response.status, req.headers)
            )
        return response

    def _answer(self, req: IncomingRequest) -> FaultResponse:
        try:
            if not is_read(req.method, req.path):
                fail(req, 405, f"the fake GKE is read-only: {req.method} {req.path} refused")
            self._authenticate(req)
            if self.allow is not None:
                self._authorize(req)
            for fault in list(self.faults):
                canned = fault(req)
                if canned is not None:
                    return canned
            for method, pattern, handler in ROUTES:
                match = pattern.fullmatch(req.path.rstrip("/"))
                if match and method == req.method:
                    return FaultResponse(200, json.dumps(handler(self, req, match)).encode())
            fail_unknown_url(req)
        except ReplyError as error:
            return error.response
        except Exception as error:  # noqa: BLE001 - a fake that hangs up hides the bug
            return error_reply(req, 500, f"fake GKE failed: {error!r}")
