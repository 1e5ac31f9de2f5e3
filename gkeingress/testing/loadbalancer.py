"""A fake Google load balancer on loopback: it answers requests as a World's load balancers would.

Each forwarding rule of the world (an ``IPAddress`` and a ``portRange``) gets its own loopback
listener, opened the first time a test asks :attr:`FakeLoadBalancer.connect_to` for it; that
mapping is what ``probe(..., connect_to=...)`` takes, so no test ever touches a real IP. An address
or port the world has no forwarding rule for maps to a loopback port where nothing listens:
connecting is refused, as it is for a port a Google load balancer does not serve.

A request is answered by following the world as Google's front end would: forwarding rule →
target proxy → URL map (host and path rules) → backend service → its groups' health in the
world's getHealth answers. Then:

- a backend with a healthy endpoint answers: the app's ``200`` naming its Service, or for GKE's
  default backend ``404`` with ``default backend - 404``, both with ``Via: 1.1 google``;
- no healthy endpoint: the front end's ``502`` ``Error: Server Error`` page;
- a URL map that redirects to HTTPS: ``301`` to the ``https://`` URL;
- no forwarding rule, proxy or URL map behind the address: Google's ``404`` page.

HTTPS listeners present a certificate for the hosts of the Ingress's ``spec.tls``, issued by the
test CA given as ``tls``; the server name the client sends does not change it, so a host the
certificate does not cover fails verification, as on a real load balancer. The world is read on
every request, so a test (or :class:`~gkeingress.testing.rollout.Rollout`) may change it between
requests; :meth:`FakeLoadBalancer.pin` makes the load balancer keep serving an older URL map.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from gkeingress.model.matching import match_url_map
from gkeingress.resources.gce import UrlMap
from gkeingress.resources.refs import RefReader
from gkeingress.testing.world import JSONDict, World

if TYPE_CHECKING:
    import trustme

DEFAULT_BACKEND_SERVICE = "kube-system/default-http-backend"
DEFAULT_BACKEND_BODY = "default backend - 404"
"""What GKE's default backend answers (ingress-gce ``cmd/404-server``)."""

SERVER_ERROR_PAGE = (
    "<html><head>\n"
    '<meta http-equiv="content-type" content="text/html;charset=utf-8">\n'
    "<title>502 Server Error</title>\n"
    "</head>\n"
    "<body text=#000000 bgcolor=#ffffff>\n"
    "<h1>Error: Server Error</h1>\n"
    "<h2>The server encountered a temporary error and could not complete your request."
    "<p>Please try again in 30 seconds.</h2>\n"
    "<h2></h2>\n"
    "</body></html>\n"
)
"""The front end's page when no backend is healthy (ingress-gce ``docs/troubleshooting``)."""

NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang=en>
  <title>Error 404 (Not Found)!!1</title>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>404.</b> <ins>That’s an error.</ins>
  <p>The requested URL <code>{path}</code> was not found on this server.  <ins>That’s all we know.</ins>
"""
"""Google's page for an address no load balancer serves (ingress-gce ``docs/troubleshooting``)."""


@dataclass(frozen=True, slots=True)
class Served:
    """One request the fake load balancer answered."""

    address: str
    host: str
    path: str
    status: int
    answered_by: str


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: str
    headers: Mapping[str, str]
    answered_by: str


def _ports(port_range: str) -> range:
    low, _, high = port_range.partition("-")
    return range(int(low), int(high or low) + 1) if low.isdigit() else range(0)


def _refusing_port() -> socket.socket:
    """A loopback socket that is bound but does not listen: connecting to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


class _Listener(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, owner: FakeLoadBalancer, address: tuple[str, int], tls: ssl.SSLContext | None
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self.served_address = address
        self.tls = tls

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept; with TLS the handshake happens on the handler's thread."""
        sock, peer = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, peer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client refuses the certificate or hangs up."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Listener

    def _serve(self) -> None:
        ip, port = self.server.served_address
        host = (self.headers.get("Host") or ip).rsplit(":", 1)[0]
        scheme = "https" if self.server.tls is not None else "http"
        reply = self.server.owner.answer(ip, port, scheme, host, self.path.split("?", 1)[0])
        body = b"" if self.command == "HEAD" else reply.body.encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body.encode())))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    do_GET = do_HEAD = do_POST = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; answers are recorded on the FakeLoadBalancer."""


class _ConnectTo(Mapping[str, str]):
    """``"IP:port"`` and ``"IP"`` → the loopback address standing in for it, computed on lookup."""

    def __init__(self, owner: FakeLoadBalancer) -> None:
        self._owner = owner

    def __getitem__(self, key: str) -> str:
        ip, _, port = key.rpartition(":") if key.count(":") == 1 else (key, "", "")
        if port.isdigit() and self._owner.rule_at(ip, int(port)) is not None:
            return self._owner.listen(ip, int(port))
        return self._owner.refused

    def __iter__(self) -> Iterator[str]:
        for rule in self._owner.rules():
            for port in _ports(str(rule.get("portRange", ""))):
                yield f"{rule.get('IPAddress', '')}:{port}"

    def __len__(self) -> int:
        return sum(1 for _ in self)


class FakeLoadBalancer:
    """Google's load balancers for the forwarding rules of a :class:`World`, on loopback ports.

    Args:
        world: the world whose forwarding rules, proxies, URL maps, backend services and
            getHealth answers decide each answer; read on every request.
        tls: the test CA (``trustme.CA``) that issues the HTTPS listeners' certificates; without
            it HTTPS forwarding rules refuse connections.
    """

    def __init__(self, world: World, *, tls: trustme.CA | None = None) -> None:
        self.world = world
        self.tls = tls
        self.pinned: dict[str, JSONDict] = {}
        self._listeners: dict[tuple[str, int], _Listener] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._served: list[Served] = []
        self._refusing: socket.socket | None = None

    def __enter__(self) -> FakeLoadBalancer:
        self._refusing = _refusing_port()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Close every listener."""
        with self._lock:
            listeners, self._listeners = list(self._listeners.values()), {}
        for listener in listeners:
            listener.shutdown()
            listener.server_close()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        if self._refusing is not None:
            self._refusing.close()
            self._refusing = None

    @property
    def connect_to(self) -> Mapping[str, str]:
        """The ``connect_to`` mapping for :func:`gkeingress.live.probe.probe`: a live view."""
        return _ConnectTo(self)

    @property
    def refused(self) -> str:
        """A loopback ``host:port`` where connections are refused."""
        if self._refusing is None:
            raise RuntimeError("the fake load balancer is not running: use it as a context manager")
        return f"127.0.0.1:{self._refusing.getsockname()[1]}"

    @property
    def served(self) -> list[Served]:
        """Every request answered so far, in order."""
        with self._lock:
            return list(self._served)

    def pin(self, url_map: str, served: JSONDict) -> None:
        """Serve ``served`` (a URL map's JSON) for the URL map named ``url_map``: a stale copy."""
        self.pinned[url_map] = served

    # -- the world, as the front end reads it ---------------------------------------------------

    def rules(self) -> list[JSONDict]:
        """Every forwarding rule of the world."""
        scopes = self.world.compute.get("forwardingRules", {})
        return [rule for rules in scopes.values() for rule in rules]

    def rule_at(self, ip: str, port: int) -> JSONDict | None:
        """The forwarding rule serving ``ip:port``, if any."""
        return next(
            (
                r
                for r in self.rules()
                if r.get("IPAddress") == ip and port in _ports(str(r.get("portRange", "")))
            ),
            None,
        )

    def _by_link(self, collection: str, link: str) -> JSONDict | None:
        tail = link.split("/projects/", 1)[-1]
        for items in self.world.compute.get(collection, {}).values():
            for item in items:
                if str(item.get("selfLink", "")).split("/projects/", 1)[-1] == tail:
                    return item
        return None

    def _healthy(self, backend_service: JSONDict) -> bool:
        link = str(backend_service["selfLink"]).split("/compute/v1/", 1)[-1]
        for backend in backend_service.get("backends", ()):
            group = str(backend["group"]).split("/compute/v1/", 1)[-1]
            health = self.world.backend_health.get((link, group), {})
            if any(s.get("healthState") == "HEALTHY" for s in health.get("healthStatus", ())):
                return True
        return False

    def _certificate_hosts(self, rule: JSONDict) -> list[str]:
        """The ``spec.tls`` hosts of the Ingress whose forwarding rule this is."""
        described = json.loads(rule.get("description") or "{}").get("kubernetes.io/ingress-name")
        for ingress in self.world.kube.get("ingresses", []):
            meta = ingress["metadata"]
            if f"{meta.get('namespace')}/{meta.get('name')}" == described:
                tls = ingress.get("spec", {}).get("tls") or []
                return [h for entry in tls for h in entry.get("hosts", ())]
        return []

    def answer(self, ip: str, port: int, scheme: str, host: str, path: str) -> _Reply:
        """How Google's front end answers ``scheme://host{path}`` sent to ``ip:port``."""
        reply = self._answer(ip, port, scheme, host.lower(), path)
        with self._lock:
            self._served.append(Served(f"{ip}:{port}", host, path, reply.status, reply.answered_by))
        return reply

    def _answer(self, ip: str, port: int, scheme: str, host: str, path: str) -> _Reply:
        not_found = _Reply(404, NOT_FOUND_PAGE.format(path=path), _HTML, "Google Front End")
        rule = self.rule_at(ip, port)
        proxy = self._proxy(rule) if rule else None
        url_map = self._by_link("urlMaps", str(proxy.get("urlMap", ""))) if proxy else None
        if url_map is None:
            return not_found
        url_map = self.pinned.get(str(url_map["name"]), url_map)
        if url_map.get("defaultUrlRedirect", {}).get("httpsRedirect"):
            location = {"Location": f"https://{host}{path}", **_TEXT}
            return _Reply(301, "", location, "the load balancer's redirect")
        decision = match_url_map(
            UrlMap.from_json(url_map, RefReader(self.world.project)), host, path
        )
        backend = (
            self._by_link("backendServices", decision.service.self_link)
            if decision.service
            else None
        )
        if backend is None or not self._healthy(backend):
            return _Reply(502, SERVER_ERROR_PAGE, _HTML, "Google Front End")
        service = json.loads(backend.get("description") or "{}").get(
            "kubernetes.io/service-name", backend["name"]
        )
        if service == DEFAULT_BACKEND_SERVICE:
            return _Reply(404, DEFAULT_BACKEND_BODY, {**_TEXT, **_VIA}, service)
        body = f"{service} answered {scheme}://{host}{path}\n"
        return _Reply(200, body, {**_TEXT, **_VIA}, service)

    def _proxy(self, rule: JSONDict) -> JSONDict | None:
        target = str(rule.get("target", ""))
        collection = (
            "targetHttpsProxies" if "/targetHttpsProxies/" in target else "targetHttpProxies"
        )
        return self._by_link(collection, target)

    # -- listeners -------------------------------------------------------------------------------

    def listen(self, ip: str, port: int) -> str:
        """The loopback ``host:port`` standing in for ``ip:port``, listening from now on."""
        with self._lock:
            listener = self._listeners.get((ip, port))
            if listener is None:
                listener = self._listeners[(ip, port)] = self._open(ip, port)
        return f"127.0.0.1:{listener.server_address[1]}"

    def _open(self, ip: str, port: int) -> _Listener:
        rule = self.rule_at(ip, port) or {}
        https = "/targetHttpsProxies/" in str(rule.get("target", ""))
        context = None
        if https:
            if self.tls is None:
                raise RuntimeError("an HTTPS forwarding rule needs FakeLoadBalancer(tls=CA)")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            hosts = self._certificate_hosts(rule) or ["no-tls-hosts.invalid"]
            self.tls.issue_cert(*hosts).configure_cert(context)
        listener = _Listener(self, (ip, port), context)
        thread = threading.Thread(
            target=listener.serve_forever, args=(0.05,), name=f"FakeLB {ip}:{port}", daemon=True
        )
        thread.start()
        self._threads.append(thread)
        return listener


_HTML = {"Content-Type": "text/html; charset=UTF-8", "Referrer-Policy": "no-referrer"}
_TEXT = {"Content-Type": "text/plain; charset=utf-8"}
_VIA = {"Via": "1.1 google"}
