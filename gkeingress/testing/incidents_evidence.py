"""Incidents seen in what the load balancer logged, in the style of :mod:`.scenarios`.

Each function adds one Ingress and the Cloud Logging entries its incident leaves (request logs,
health-check logs, Admin Activity audit logs; see :class:`~gkeingress.testing.traffic.Traffic`).
Most break the configuration too, so the logs confirm a cause the configuration checks already
see; :func:`keepalive_resets` breaks nothing in the configuration: only its logs show the fault.
The errors begin at :data:`ONSET`.
"""

from __future__ import annotations

from datetime import timedelta

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.logbook import LogBook, gke_robot
from gkeingress.testing.traffic import frontend_of, incident_traffic

ONSET = timedelta(minutes=40)
"""How long before the builder's ``now`` the errors of these incidents began."""
ALICE = "alice@example.com"
CI_DEPLOYER = "system:serviceaccount:ci:deployer"
CONNECT_TIMEOUT = "HTTP response: , Error: Timeout waiting for connect"
"""``probeResultText`` of a probe that could not connect (as in gcpdiag's captured entries)."""


def keepalive_resets(b: WorldBuilder) -> None:
    """``basket/basket``: gunicorn's 2 s keep-alive closes connections the load balancer reuses.

    Everything is configured right and every endpoint is healthy; now and then a request meets a
    connection the pod is closing and the load balancer answers 502
    ``backend_connection_closed_before_data_sent_to_client``.
    """
    b.service("basket", "basket")
    b.ingress("basket", "basket", rules=[Rule("basket.example.com", [Path("/", "basket")])])
    traffic = LogBook(b)
    pods = [p for p in b.world.kube_objects("pods") if p["metadata"]["namespace"] == "basket"]
    for i, pod in enumerate(pods):
        traffic.requests(
            "basket",
            "basket",
            url="http://basket.example.com/api/cart",
            status=502,
            details="backend_connection_closed_before_data_sent_to_client",
            since=b.now - timedelta(hours=3) + i * timedelta(minutes=7),
            count=9,
            every=timedelta(minutes=17),
            backend=("basket", 80),
            server_ip=pod["status"]["podIP"],
            latency=0.0021,
        )


def _probes_fail_from_onset(b: WorldBuilder, name: str, *, detailed: str, result: str) -> LogBook:
    """``name/name`` goes unhealthy just before :data:`ONSET`, as its logging health check says.

    Every endpoint's probe fails with ``result``, and from the onset the load balancer answers one
    request a minute with 502 ``failed_to_pick_backend`` (its request logs), out of the 40 a
    minute its request counts show failing from then on.
    """
    b.mark_unhealthy(name, name, 80)
    frontend = frontend_of(b, name, name, name)
    incident_traffic(b, frontend, per_minute=40, errors=40, code=502, since=b.now - ONSET)
    b.health_check(name, name, 80)["logConfig"] = {"enable": True}
    book = LogBook(b)
    book.probes(
        name,
        name,
        80,
        at=b.now - ONSET - timedelta(seconds=30),
        healthy=False,
        detailed=detailed,
        previous="HEALTHY",
        result=result,
    )
    book.requests(
        name,
        name,
        url=f"http://{name}.example.com/",
        status=502,
        details="failed_to_pick_backend",
        since=b.now - ONSET,
        count=40,
        every=timedelta(minutes=1),
        backend=(name, 80),
    )
    return book


def probe_404_logged(b: WorldBuilder) -> None:
    """``warehouse/warehouse``: Alice edited the health check to probe ``/``; the pods answer 404 there.

    The health check logs every endpoint going UNHEALTHY with ``HTTP response: 404``, and from
    then on the load balancer answers 502 ``failed_to_pick_backend``.
    """
    b.service("warehouse", "warehouse", probe_path="/ready")
    b.ingress(
        "warehouse", "warehouse", rules=[Rule("warehouse.example.com", [Path("/", "warehouse")])]
    )
    check = b.health_check("warehouse", "warehouse", 80)
    check["httpHealthCheck"]["requestPath"] = "/"
    book = _probes_fail_from_onset(
        b, "warehouse", detailed="UNHEALTHY", result="HTTP response: 404, Error: Probe failed"
    )
    book.compute_write(
        "healthChecks",
        check["name"],
        "patch",
        at=b.now - ONSET - timedelta(minutes=1),
        principal=ALICE,
    )


def probe_blocked_logged(b: WorldBuilder) -> None:
    """``gateway/gateway``: on a Shared VPC, port 8443 was never opened to the health checkers.

    The probes time out connecting, the health check logs TIMEOUT for every endpoint, and the load
    balancer answers 502 ``failed_to_pick_backend``.
    """
    b.service("gateway", "gateway", target_port=8443, container_port=8443)
    b.ingress("gateway", "gateway", rules=[Rule("gateway.example.com", [Path("/", "gateway")])])
    b.close_l7_firewall("8443")
    _probes_fail_from_onset(
        b,
        "gateway",
        detailed="TIMEOUT",
        result=CONNECT_TIMEOUT,
    )


def node_probes_timing_out_logged(b: WorldBuilder) -> None:
    """``wiki/wiki``: behind instance groups, every node's node port stops answering the probes.

    The health check logs TIMEOUT for each node under its instance group (``gce_instance_group``),
    and the load balancer answers 502 ``failed_to_pick_backend``. Nothing in the configuration
    explains it.
    """
    b.service("wiki", "wiki", neg=False, probe_path="/")
    b.ingress("wiki", "wiki", rules=[Rule("wiki.example.com", [Path("/", "wiki")])], v2=False)
    _probes_fail_from_onset(
        b,
        "wiki",
        detailed="TIMEOUT",
        result=CONNECT_TIMEOUT,
    )


def slow_reports(b: WorldBuilder) -> None:
    """``exports/exports``: the yearly report takes longer than the backend service's 30 s."""
    b.service("exports", "exports")
    b.ingress("exports", "exports", rules=[Rule("exports.example.com", [Path("/", "exports")])])
    LogBook(b).requests(
        "exports",
        "exports",
        url="http://exports.example.com/export/yearly",
        status=502,
        details="backend_timeout",
        since=b.now - ONSET,
        count=12,
        every=timedelta(minutes=3),
        backend=("exports", 80),
        latency=30.004,
    )


def unmatched_paths(b: WorldBuilder) -> None:
    """``manual/manual``: clients ask for ``/v2/...``, which the Ingress does not route: GKE's 404."""
    b.service("manual", "manual")
    b.ingress("manual", "manual", rules=[Rule("manual.example.com", [Path("/v1", "manual")])])
    traffic = LogBook(b)
    for url, count in (
        ("http://manual.example.com/v2/guide", 30),
        ("http://manual.example.com/v2/api", 12),
        ("http://www.manual.example.com/v1/intro", 5),
    ):
        traffic.requests(
            "manual",
            "manual",
            url=url,
            status=404,
            details="response_sent_by_backend",
            since=b.now - ONSET,
            count=count,
            every=timedelta(seconds=45),
        )


def application_404s(b: WorldBuilder) -> None:
    """``products/products``: the load balancer routes ``/products/*`` right; the app has no such route."""
    b.service("products", "products")
    b.ingress(
        "products", "products", rules=[Rule("shop.example.org", [Path("/products", "products")])]
    )
    LogBook(b).requests(
        "products",
        "products",
        url="http://shop.example.org/products/items/42",
        status=404,
        details="response_sent_by_backend",
        since=b.now - ONSET,
        count=25,
        every=timedelta(minutes=1),
        backend=("products", 80),
        server_ip="10.8.0.2",
    )


def request_logging_off(b: WorldBuilder) -> None:
    """``ledger/ledger``: a BackendConfig turned request logging off, so its 500s leave no log.

    The request counts show 5 of its 40 requests a minute failing with 500 for the last 3 hours.
    """
    b.service("ledger", "ledger")
    b.ingress("ledger", "ledger", rules=[Rule("ledger.example.com", [Path("/", "ledger")])])
    service = b.kube_object("services", "ledger", "ledger")
    service["metadata"]["annotations"]["cloud.google.com/backend-config"] = (
        '{"default": "ledger-bc"}'
    )
    b.world.kube_objects("backendconfigs").append(
        {
            "apiVersion": "cloud.google.com/v1",
            "kind": "BackendConfig",
            "metadata": {"name": "ledger-bc", "namespace": "ledger"},
            "spec": {"logging": {"enable": False}},
        }
    )
    b.backend_service("ledger", "ledger", 80)["logConfig"] = {"enable": False}
    frontend = frontend_of(b, "ledger", "ledger", "ledger")
    incident_traffic(
        b, frontend, per_minute=40, errors=5, code=500, since=b.now - timedelta(hours=3)
    )
    LogBook(b).compute_write(
        "urlMaps",
        b.kube_object("ingresses", "ledger", "ledger")["metadata"]["annotations"][
            "ingress.kubernetes.io/url-map"
        ],
        "update",
        at=b.now - timedelta(hours=5),
        principal=gke_robot(),
    )


def unlogged_probes(b: WorldBuilder) -> None:
    """``kiosk/kiosk``: every probe fails, nothing in the configuration says why, and no log does.

    The pods are ready and the health check probes their readiness path, but the load balancer
    finds every endpoint unhealthy and answers 502 ``failed_to_pick_backend``. The health-check
    logs, which would show each probe's answer, were never turned on.
    """
    b.service("kiosk", "kiosk")
    b.ingress("kiosk", "kiosk", rules=[Rule("kiosk.example.com", [Path("/", "kiosk")])])
    b.mark_unhealthy("kiosk", "kiosk", 80)
    LogBook(b).requests(
        "kiosk",
        "kiosk",
        url="http://kiosk.example.com/",
        status=502,
        details="failed_to_pick_backend",
        since=b.now - ONSET,
        count=20,
        every=timedelta(minutes=2),
        backend=("kiosk", 80),
    )


def service_deleted_logged(b: WorldBuilder) -> None:
    """``coupons/coupons``: the CI pipeline deleted the backend Service; only the audit log says who.

    The Kubernetes audit log keeps the deletion (``io.k8s.core.v1.services.delete``); then
    ingress-gce, as GKE's service agent, updated the URL map. Its own status writes to the Ingress
    (as ``system:controller:glbc``) are bookkeeping.
    """
    b.service("coupons", "coupons")
    ingress = b.ingress(
        "coupons", "coupons", rules=[Rule("coupons.example.com", [Path("/", "coupons")])]
    )
    service = b.kube_object("services", "coupons", "coupons")
    b.world.kube_objects("services").remove(service)
    book = LogBook(b)
    book.kube_write(
        "v1",
        "services",
        "coupons",
        "coupons",
        "delete",
        at=b.now - ONSET - timedelta(minutes=4),
        principal=CI_DEPLOYER,
    )
    book.compute_write(
        "urlMaps",
        ingress["metadata"]["annotations"]["ingress.kubernetes.io/url-map"],
        "update",
        at=b.now - ONSET - timedelta(minutes=3),
        principal=gke_robot(),
    )
    book.kube_write(
        "networking.k8s.io/v1",
        "ingresses",
        "coupons",
        "coupons",
        "update",
        at=b.now - ONSET - timedelta(minutes=3),
        principal="system:controller:glbc",
    )
