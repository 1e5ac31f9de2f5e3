"""One real request to an Ingress's load balancer, compared with the route the audit predicts.

The request goes to the address of the Ingress's forwarding rule for the URL's scheme and port,
never through DNS: the URL's host is sent as the ``Host`` header and as the TLS server name (SNI),
so what answers is the load balancer gkeingress read, whatever DNS says. DNS is checked apart, on
request (``resolve=``): does the host resolve to that address?

Redirects are not followed, every step has a timeout, and at most :data:`BODY_LIMIT` bytes of the
body are read. This is the one kind of traffic gkeingress sends beyond read-only API calls, and
only when asked: an audit never sends any.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from gkeingress.checks import REGISTRY
from gkeingress.checks.registry import Hit
from gkeingress.errors import GkeIngressError
from gkeingress.findings import Finding
from gkeingress.model.answers import (
    Answer,
    Expectation,
    classify,
    disagreement,
    expect,
    is_via_google,
)
from gkeingress.model.matching import RequestUrl
from gkeingress.model.routing import Route, route, serves_port
from gkeingress.model.topology import PairedIngress, Topology

BODY_LIMIT = 16 * 1024
"""Bytes of a response body read at most: enough for any error page, never a whole download."""
TIMEOUT = 10.0
"""Seconds allowed for connecting, the TLS handshake, and each read."""
METHODS = ("GET", "HEAD")
_KEPT_HEADERS = ("via", "server", "content-type", "location", "content-length")
_HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH

Resolver = Callable[[str], Sequence[str]]
"""Returns the IP addresses a host name resolves to; raises OSError when it does not resolve."""


class ProbeError(GkeIngressError):
    """The request cannot be sent: the Ingress has no address to send it to."""


def system_resolver(host: str) -> list[str]:
    """The addresses the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class Observation:
    """What answered the request.

    Attributes:
        answer: who answered (the application, GKE's default backend, the load balancer itself,
            nothing at all).
        status: the HTTP status, None when no response came.
        via_google: True when the response carries ``Via: 1.1 google`` (it passed a Google
            load balancer).
        headers: ``via``, ``server``, ``content-type``, ``location`` and ``content-length``, when sent.
        body: the start of the body (at most :data:`BODY_LIMIT` bytes, decoded leniently).
        error: why no response came (refused, TLS, timeout), else None.
        seconds: how long it took.
    """

    answer: Answer
    status: int | None = None
    via_google: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    error: str | None = None
    seconds: float = 0.0

    def describe(self) -> str:
        """``404 from GKE's default backend``, ``connection refused: …``: what ``observed:`` shows."""
        if self.status is None:
            return f"{self.answer.label} ({self.error})" if self.error else self.answer.label
        via = " (via: 1.1 google)" if self.via_google else ""
        if self.answer is Answer.BACKEND:
            return f"{self.status} from the application{via}"
        if self.answer is Answer.DEFAULT_BACKEND:
            return f"{self.status} from GKE's default backend{via}"
        return f"{self.status}: {self.answer.label}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "answer": self.answer.value,
            "status": self.status,
            "via_google": self.via_google,
            "headers": dict(self.headers),
            "body": self.body,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class DnsCheck:
    """Whether the URL's host resolves to the address that was probed."""

    host: str
    address: str
    resolved: tuple[str, ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the host resolves to the probed address."""
        return self.address in self.resolved

    def __str__(self) -> str:
        if self.error is not None:
            return (
                f"{self.host} does not resolve ({self.error}): clients cannot reach {self.address}"
            )
        if self.ok:
            return f"{self.host} resolves to {self.address}, the Ingress's address"
        return (
            f"{self.host} resolves to {', '.join(self.resolved) or 'nothing'}, not to the "
            f"Ingress's address {self.address}: clients reach another server (fix the DNS record)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "host": self.host,
            "address": self.address,
            "resolved": list(self.resolved),
            "ok": self.ok,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One request sent to an Ingress's address: the prediction, the answer, and whether they agree.

    Attributes:
        url: the URL as sent.
        method: ``GET`` or ``HEAD``.
        ingress: ``namespace/name`` of the Ingress whose load balancer was asked.
        address: ``IP:port`` of its forwarding rule the request went to.
        connected_to: where the connection really went (differs only with ``connect_to``).
        route: the audit's route for the URL.
        expected: the answer the route predicts.
        observed: what answered.
        dns: the DNS check, when asked for.
        finding: ``PROBE_DISAGREES`` when the answer differs from the prediction, else None.
    """

    url: str
    method: str
    ingress: str
    address: str
    connected_to: str
    route: Route
    expected: Expectation
    observed: Observation
    dns: DnsCheck | None = None
    finding: Finding | None = None

    @property
    def agrees(self) -> bool:
        """True when what answered is what the route predicts: the route is confirmed."""
        return self.finding is None

    def __str__(self) -> str:
        lines = [
            f"{self.method} {self.url} → {self.address} (Ingress {self.ingress})",
            f"predicted: {self.expected.summary}: {self.expected.why}",
            f"observed: {self.observed.describe()}",
            "agrees: the route is confirmed"
            if self.finding is None
            else f"disagrees: {self.finding.message}",
        ]
        if self.dns is not None:
            lines.append(f"DNS: {self.dns}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON form with stable keys."""
        return {
            "url": self.url,
            "method": self.method,
            "ingress": self.ingress,
            "address": self.address,
            "connected_to": self.connected_to,
            "expected": self.expected.to_dict(),
            "observed": self.observed.to_dict(),
            "agrees": self.agrees,
            "finding": None if self.finding is None else self.finding.to_dict(),
            "dns": None if self.dns is None else self.dns.to_dict(),
            "route": self.route.to_dict(),
        }


class _Connection(http.client.HTTPConnection):
    """An HTTP(S) connection to a fixed address, with the URL's host as TLS server name."""

    def __init__(
        self, host: str, port: int, *, server_name: str, tls: ssl.SSLContext | None, timeout: float
    ) -> None:
        super().__init__(host, port, timeout=timeout)
        self._server_name = server_name
        self._tls = tls

    def connect(self) -> None:
        """Connect to the address, then shake hands for the URL's host (SNI and verification)."""
        sock = socket.create_connection((self.host, self.port), self.timeout)
        if self._tls is not None:
            try:
                sock = self._tls.wrap_socket(sock, server_hostname=self._server_name)
            except BaseException:
                sock.close()
                raise
        self.sock = sock


def _tls_answer(exc: ssl.SSLError) -> Answer:
    if isinstance(exc, ssl.SSLCertVerificationError) and (
        exc.verify_code == _HOSTNAME_MISMATCH or "hostname" in str(exc.verify_message).lower()
    ):
        return Answer.TLS_NAME_MISMATCH
    return Answer.TLS_FAILED


def send(
    url: str,
    target: tuple[str, int],
    *,
    method: str = "GET",
    timeout: float = TIMEOUT,
    tls: ssl.SSLContext | None = None,
) -> Observation:
    """Send one request for ``url`` to ``target`` and read who answered; never raises for the network.

    ``tls`` is the client context for ``https`` URLs (default: the system's trust store).
    """
    parts, request = urlsplit(url), RequestUrl.parse(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    context = (tls or ssl.create_default_context()) if request.scheme == "https" else None
    default_port = 443 if request.scheme == "https" else 80
    host_header = request.host if request.port == default_port else f"{request.host}:{request.port}"
    connection = _Connection(
        target[0], target[1], server_name=request.host, tls=context, timeout=timeout
    )
    started = time.monotonic()
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host_header)
        connection.putheader("User-Agent", "gkeingress-probe")
        connection.putheader("Accept", "*/*")
        connection.putheader("Connection", "close")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read(BODY_LIMIT).decode("utf-8", errors="replace")
        headers = {k.lower(): v for k, v in response.getheaders()}
    except ConnectionRefusedError as exc:
        return Observation(Answer.REFUSED, error=str(exc.strerror or exc), seconds=_since(started))
    except ssl.SSLError as exc:
        return Observation(_tls_answer(exc), error=str(exc), seconds=_since(started))
    except TimeoutError as exc:
        return Observation(Answer.TIMEOUT, error=str(exc) or "timed out", seconds=_since(started))
    except (OSError, http.client.HTTPException) as exc:
        return Observation(Answer.UNREACHABLE, error=repr(exc), seconds=_since(started))
    finally:
        connection.close()
    return Observation(
        answer=classify(response.status, headers, body, host=request.host),
        status=response.status,
        via_google=is_via_google(headers),
        headers={k: headers[k] for k in _KEPT_HEADERS if k in headers},
        body=body,
        seconds=_since(started),
    )


def _since(started: float) -> float:
    return time.monotonic() - started


def address_of(paired: PairedIngress, request: RequestUrl) -> str:
    """The IP a request for ``request`` goes to: the URL's own IP, its port's rule's, or the Ingress's.

    Raises:
        ProbeError: the Ingress has no address yet.
    """
    if request.is_ip:
        return request.host
    rules = [r for r in paired.forwarding_rules if r.ip_address]
    serving = next((r for r in rules if serves_port(r, request.port)), None)
    if serving is not None:
        return serving.ip_address
    known = [*(r.ip_address for r in rules), *paired.ingress.addresses]
    if not known:
        raise ProbeError(
            f"Ingress {paired.name} has no address yet (no forwarding rule, no "
            "status.loadBalancer): there is nothing to send a request to"
        )
    return known[0]


def _redirected(address: str, port: int, connect_to: Mapping[str, str] | None) -> tuple[str, int]:
    """Where to connect for ``address:port``: a ``connect_to`` entry for it or its IP, else itself."""
    if connect_to is not None:
        override = connect_to.get(f"{address}:{port}") or connect_to.get(address)
        if override:
            host, _, number = override.rpartition(":")
            return host, int(number)
    return address, port


def _check_dns(host: str, address: str, resolver: Resolver) -> DnsCheck:
    try:
        resolved = tuple(resolver(host))
    except OSError as exc:
        return DnsCheck(host, address, (), str(exc.strerror or exc))
    return DnsCheck(host, address, resolved)


def probe(
    topology: Topology,
    url: str,
    *,
    ingress: str | None = None,
    method: str = "GET",
    connect_to: Mapping[str, str] | None = None,
    resolve: bool | Resolver = False,
    timeout: float = TIMEOUT,
    tls: ssl.SSLContext | None = None,
) -> ProbeResult:
    """Send one request for ``url`` to the Ingress's load balancer and compare with the route.

    Args:
        topology: the audited topology (``report.topology``).
        url: the URL to request, e.g. ``https://shop.example.com/api/users``.
        ingress: ``namespace/name`` of the Ingress to ask; default: the one ``route`` picks.
        method: ``GET`` or ``HEAD``.
        connect_to: where to connect instead of an address, by ``"IP:port"`` or ``"IP"``, e.g.
            ``{"34.117.0.24": "127.0.0.1:8080"}`` (a test load balancer); the Host header and
            the TLS server name stay the URL's host.
        resolve: also check that the host resolves to the address: True for the system
            resolver, or a function returning the host's addresses.
        timeout: seconds allowed for connecting, the handshake and each read.
        tls: the client TLS context for https URLs; default: the system's trust store.

    Raises:
        ProbeError: the Ingress has no address yet.
        KeyError: ``ingress`` names no audited Ingress.
        LookupError: the report has no Ingress.
        ValueError: ``url`` has no host, or ``method`` is neither GET nor HEAD.
    """
    if method.upper() not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    answer = route(topology, url, ingress=ingress)
    paired = topology.ingress(answer.ingress)
    request = answer.url
    address = address_of(paired, request)
    target = _redirected(address, request.port, connect_to)
    observed = send(url, target, method=method.upper(), timeout=timeout, tls=tls)
    expected = expect(answer, topology)
    dns = None
    if resolve is not False and not request.is_ip:
        dns = _check_dns(request.host, address, system_resolver if resolve is True else resolve)
    why = disagreement(expected, observed.answer)
    finding = None
    if why is not None:
        finding = REGISTRY["PROBE_DISAGREES"].finding(
            Hit(
                ingress=paired.name,
                resource=f"{request.scheme}://{request.host}:{request.port}{request.path}",
                message=(
                    f"{method.upper()} {url} at {address}:{request.port}: predicted: "
                    f"{expected.summary}; observed: {observed.describe()}: {why}."
                ),
                remediation=(
                    "Audit again and probe again in a few minutes: a load balancer still "
                    "propagating settles; if the answer still differs, compare the forwarding "
                    "rule, target proxy and URL map the route names with what the console shows."
                ),
                evidence={
                    "url": url,
                    "address": f"{address}:{request.port}",
                    "expected": expected.to_dict(),
                    "observed": observed.to_dict(),
                },
            )
        )
    return ProbeResult(
        url=url,
        method=method.upper(),
        ingress=paired.name,
        address=f"{address}:{request.port}",
        connected_to=f"{target[0]}:{target[1]}",
        route=answer,
        expected=expected,
        observed=observed,
        dns=dns,
        finding=finding,
    )
