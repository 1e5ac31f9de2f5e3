"""What answers a request to an Ingress's address: predicted from the model, read from a response.

A Google load balancer answers in a few recognisable ways, and each says where the request went:

- the application behind a backend service (anything without one of the signatures below);
- GKE's default backend, when no rule matched: ``404`` with the body ``default backend - 404``
  (ingress-gce ``cmd/404-server``; ``cmd/404-server-with-metrics`` writes ``response 404 (backend
  NotFound), service rules for the path non-existent``);
- the Google Front End itself with ``502``/``503`` and an ``Error: Server Error`` page ("Please try
  again in 30 seconds") when no backend endpoint is healthy or the load balancer is bootstrapping;
- the Google Front End's ``404`` page ("The requested URL … was not found on this server.") when
  no load balancer serves that address;
- a redirect to ``https://`` from a FrontendConfig's ``redirectToHttps``;
- nothing: the connection is refused (no forwarding rule on that port) or TLS fails.

Everything here is a pure function: :func:`expect` reads a :class:`~gkeingress.model.routing.Route`
and the getHealth answers, :func:`classify` reads a status, headers and body. Sending the request
is :mod:`gkeingress.live.probe`'s job.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from gkeingress.model.routing import Route
from gkeingress.model.topology import PairedIngress, Topology

DEFAULT_BACKEND_BODIES = (
    "default backend - 404",
    "response 404 (backend NotFound), service rules for the path non-existent",
)
"""Bodies of GKE's default backend (ingress-gce ``cmd/404-server`` and its metrics variant)."""

_GFE_SERVER_ERROR = re.compile(r"Error: Server Error|Error 50[0-9] \(Server Error\)")
_GFE_NOT_FOUND = re.compile(r"was not found on this server\.?\s*(<ins>)?That(’|'|&#39;)s all")
_GOOGLE_VIA = re.compile(r"(^|,)\s*1\.1 google\s*($|,)", re.IGNORECASE)


class Answer(str, enum.Enum):
    """Who or what answered a request sent to an Ingress's address."""

    BACKEND = "backend"
    DEFAULT_BACKEND = "default-backend"
    LB_ERROR = "lb-error"
    LB_NOT_FOUND = "lb-not-found"
    REDIRECT = "redirect"
    REFUSED = "refused"
    TLS_NAME_MISMATCH = "tls-name-mismatch"
    TLS_FAILED = "tls-failed"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"

    @property
    def label(self) -> str:
        """What it means, in a few words."""
        return _LABELS[self]

    def __str__(self) -> str:
        return self.value


_LABELS = {
    Answer.BACKEND: "an answer from the application",
    Answer.DEFAULT_BACKEND: "404 from GKE's default backend",
    Answer.LB_ERROR: "the load balancer's own 502/503 page (no healthy backend answered)",
    Answer.LB_NOT_FOUND: "Google's 404 page: no load balancer serves this address",
    Answer.REDIRECT: "a redirect to https:// from the load balancer",
    Answer.REFUSED: "connection refused: nothing listens on that port",
    Answer.TLS_NAME_MISMATCH: "a TLS certificate that does not cover the host",
    Answer.TLS_FAILED: "a failed TLS handshake",
    Answer.TIMEOUT: "no answer before the timeout",
    Answer.UNREACHABLE: "the address could not be reached",
}


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    """How many endpoints of a backend service getHealth reports healthy, over all its groups."""

    healthy: int
    total: int

    def __str__(self) -> str:
        return f"{self.healthy}/{self.total} endpoints healthy"


def endpoint_health(topology: Topology, backend_service: str) -> EndpointHealth | None:
    """The endpoints getHealth reports for a backend service (by name); None when not asked."""
    answers = [
        h for h in topology.snapshot.backend_health if h.backend_service.name == backend_service
    ]
    if not answers:
        return None
    states = [e.health_state for h in answers for e in h.endpoints]
    return EndpointHealth(sum(1 for s in states if s == "HEALTHY"), len(states))


def annotated_state(paired: PairedIngress, backend_service: str) -> str | None:
    """The state ingress-gce last wrote for a backend service in ``ingress.kubernetes.io/backends``."""
    states = paired.backend_states.value
    state = states.get(backend_service) if isinstance(states, dict) else None
    return None if state is None else str(state)


@dataclass(frozen=True, slots=True)
class Expectation:
    """The answer the model predicts for a request, and why.

    Attributes:
        answer: who should answer.
        target: ``namespace/name`` of the Service that should answer, ``GKE's default backend``,
            or None when nothing behind the load balancer is reached.
        why: the reason, naming the rule and the health that decide it.
    """

    answer: Answer
    target: str | None
    why: str

    @property
    def summary(self) -> str:
        """``shop/api`` or the answer's label: what ``predicted:`` shows."""
        if self.answer is Answer.BACKEND and self.target:
            return self.target
        return self.answer.label

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"answer": self.answer.value, "target": self.target, "why": self.why}


def expect(route: Route, topology: Topology) -> Expectation:
    """What should answer ``route``'s request: refused, a redirect, the default backend, the app or 502.

    The app is expected when getHealth reports a healthy endpoint of its backend service (or, when
    getHealth was not asked, ingress-gce's annotation says ``HEALTHY``); 502 when none is healthy.
    """
    frontend, proxy = route.hops[0], route.hops[1] if len(route.hops) > 1 else None
    if not frontend.ok:
        return Expectation(Answer.REFUSED, None, frontend.note)
    if proxy is not None and proxy.ok and "redirects to https://" in proxy.note:
        return Expectation(Answer.REDIRECT, None, f"target proxy {proxy.name} {proxy.note}")
    if route.backend_service is None:
        return Expectation(Answer.LB_NOT_FOUND, None, route.reason)
    target = route.service or "GKE's default backend"
    paired = topology.ingress(route.ingress)
    health = endpoint_health(topology, route.backend_service)
    healthy = (
        health.healthy > 0
        if health is not None
        else (annotated_state(paired, route.backend_service) or "HEALTHY").upper() == "HEALTHY"
    )
    counted = f" ({health})" if health is not None else ""
    if not healthy:
        why = f"backend service {route.backend_service} has no healthy endpoint{counted}"
        return Expectation(Answer.LB_ERROR, target, why)
    where = f"backend service {route.backend_service}{counted}"
    if route.service is None:
        decided = route.map_route.describe(route.url) if route.map_route else route.reason
        return Expectation(Answer.DEFAULT_BACKEND, target, f"{decided}: {where}")
    rule = "a rule matches" if route.matched else "the default service answers"
    return Expectation(Answer.BACKEND, target, f"{rule}: {where}")


def is_via_google(headers: Mapping[str, str]) -> bool:
    """True when a ``Via`` header names a Google load balancer hop (``1.1 google``)."""
    return bool(_GOOGLE_VIA.search(headers.get("via", "")))


def classify(status: int, headers: Mapping[str, str], body: str, *, host: str) -> Answer:
    """Who produced a response, from its signatures; ``headers`` keys are lower case."""
    if any(signature in body for signature in DEFAULT_BACKEND_BODIES) and status == 404:
        return Answer.DEFAULT_BACKEND
    if status in (502, 503) and _GFE_SERVER_ERROR.search(body):
        return Answer.LB_ERROR
    if status == 404 and _GFE_NOT_FOUND.search(body):
        return Answer.LB_NOT_FOUND
    location = headers.get("location", "")
    if status in (301, 302, 303, 307, 308) and location.startswith(f"https://{host}"):
        return Answer.REDIRECT
    return Answer.BACKEND


_WHY: dict[tuple[Answer, Answer], str] = {
    (Answer.BACKEND, Answer.DEFAULT_BACKEND): (
        "the load balancer is not serving the URL map gkeingress read (propagating, or changed "
        "since)"
    ),
    (Answer.BACKEND, Answer.LB_ERROR): (
        "no endpoint answered though getHealth reported healthy ones: they turned unhealthy "
        "since, or the load balancer has not programmed them yet"
    ),
    (Answer.LB_ERROR, Answer.BACKEND): (
        "an endpoint answered though getHealth reported none healthy: health changed since"
    ),
    (Answer.DEFAULT_BACKEND, Answer.BACKEND): (
        "the load balancer routes this URL by a rule the URL map gkeingress read does not have "
        "(changed since, or another load balancer answers at this address)"
    ),
    (Answer.DEFAULT_BACKEND, Answer.LB_ERROR): (
        "GKE's default backend has no healthy endpoint, so the load balancer answers 502"
    ),
    (Answer.REFUSED, Answer.BACKEND): (
        "something answers on a port gkeingress found no forwarding rule for"
    ),
}


_OBSERVED_WHY: dict[Answer, str] = {
    Answer.LB_NOT_FOUND: (
        "Google's front end has no load balancer at this address: the forwarding rule is new "
        "and still propagating, or it was deleted"
    ),
    Answer.REFUSED: "nothing listens there: the forwarding rule is not (or no longer) programmed",
    Answer.TLS_NAME_MISMATCH: (
        "the certificate the load balancer presents does not cover the URL's host"
    ),
    Answer.LB_ERROR: (
        "the load balancer found no healthy endpoint (still health-checking, or failing)"
    ),
}


def disagreement(expected: Expectation, observed: Answer) -> str | None:
    """Why the observed answer differs from the prediction, or None when they agree."""
    if observed is expected.answer:
        return None
    return _WHY.get(
        (expected.answer, observed),
        _OBSERVED_WHY.get(observed, f"expected {expected.answer.label}, got {observed.label}"),
    )
