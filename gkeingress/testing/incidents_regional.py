"""Regional external Ingresses (``gce-regional-external``), in the style of :mod:`.scenarios`.

ingress-gce makes every resource of such an Ingress regional (forwarding rule with
``loadBalancingScheme: EXTERNAL_MANAGED``, target proxy, URL map, backend services, health checks),
forces NEG backends and names the backend services ``k8s1-<uid8>-e-<ns>-<svc>-<port>-<hash8>``.
:func:`healthy_tickets` is clean; :func:`regional_probe_moved` shows
``HEALTH_CHECK_PATH_MISMATCH`` and ``BACKEND_UNHEALTHY``.
"""

from __future__ import annotations

from gkeingress.testing.builder import RXLB_CLASS, Path, Rule, WorldBuilder


def healthy_tickets(b: WorldBuilder) -> None:
    """``tickets/tickets``: a regional external Ingress over two Services. Healthy."""
    b.service("tickets", "web")
    b.service(
        "tickets", "api", port=8080, target_port=9000, container_port=9000, probe_path="/api/ready"
    )
    b.ingress(
        "tickets",
        "tickets",
        rules=[Rule("tickets.example.com", [Path("/api", "api", 8080), Path("/", "web")])],
        ingress_class=RXLB_CLASS,
    )


def regional_probe_moved(b: WorldBuilder) -> None:
    """``booking/booking``: the readinessProbe moved to ``/ready`` after the health check was made.

    ingress-gce reads the probe only when it creates a health check, so the regional health check
    still probes ``/healthz``, which the new version answers with 404: every endpoint is unhealthy.
    """
    b.service("booking", "booking", probe_path="/ready")
    b.ingress(
        "booking",
        "booking",
        rules=[Rule("booking.example.com", [Path("/", "booking")])],
        default_backend=("booking", 80),
        ingress_class=RXLB_CLASS,
    )
    health_check = b.health_check("booking", "booking", 80, ingress_class=RXLB_CLASS)
    health_check["httpHealthCheck"]["requestPath"] = "/healthz"
    b.mark_unhealthy("booking", "booking", 80, ingress_class=RXLB_CLASS)
