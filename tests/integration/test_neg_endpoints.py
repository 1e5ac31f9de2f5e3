"""listNetworkEndpoints over HTTP: only for the NEGs that need it, concurrent, retried, paged."""

import contextlib
import threading
from collections.abc import Callable

from google.auth.credentials import AnonymousCredentials

from gkeingress import audit
from gkeingress.collect import ApiGate, collect
from gkeingress.permissions import COMPUTE_PERMISSIONS, kubernetes_permissions
from gkeingress.snapshot import Snapshot
from gkeingress.testing import (
    DEMO_NOW,
    FakeGKE,
    FaultResponse,
    Path,
    Rule,
    WorldBuilder,
    google_error,
)
from gkeingress.testing.scenarios import healthy_blog, healthy_shop, neg_detach_failing
from gkeingress.testing.world import World
from tests.unit.test_gate import Sleeps

Fault = Callable[[object], FaultResponse | None]


def _world(*scenarios: Callable[[WorldBuilder], None]) -> World:
    builder = WorldBuilder()
    for scenario in scenarios:
        scenario(builder)
    return builder.world


def _two_stale_negs(b: WorldBuilder) -> None:
    """``cart/cart`` keeps a deleted pod in zone a; ``basket/basket`` lacks a ready pod in zone b."""
    neg_detach_failing(b)
    b.service("basket", "basket", replicas=4)
    b.ingress("basket", "basket", rules=[Rule("basket.example.com", [Path("/", "basket")])])
    kept, _ = b.neg_endpoints("basket", "basket", 80, "us-central1-b")
    b.set_neg_endpoints("basket", "basket", 80, "us-central1-b", [kept])


def _listings(server: FakeGKE) -> list[str]:
    return [r.path for r in server.requests if r.path.endswith("/listNetworkEndpoints")]


def _collect(
    world: World,
    *,
    deep: bool = False,
    faults: tuple[Fault, ...] = (),
    page_size: int | None = None,
) -> tuple[Snapshot, FakeGKE]:
    with FakeGKE(world, page_size=page_size) as server, server.kube_client() as client:
        server.faults.extend(faults)
        snapshot = collect(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            deep=deep,
            gate=ApiGate(sleep=Sleeps()),
        )
    return snapshot, server


def test_a_healthy_world_lists_no_neg_and_a_deep_audit_lists_every_one() -> None:
    """NEG sizes that match the ready pods cost nothing; deep lists each Ingress backend NEG once."""
    world = _world(healthy_shop, healthy_blog)
    snapshot, server = _collect(world)
    assert _listings(server) == []
    assert snapshot.neg_endpoints == ()
    deep, server = _collect(world, deep=True)
    backend_negs = {
        n.ref.path for n in deep.negs if n.owner.get("namespace") in ("shop", "kube-system")
    }
    assert len(backend_negs) == 6  # shop/web, shop/api and the default backend, two zones each
    assert sorted(_listings(server)) == sorted(
        f"/compute/v1/{path}/listNetworkEndpoints" for path in backend_negs
    )
    assert {e.neg.path for e in deep.neg_endpoints} == backend_negs
    assert deep.errors == ()


def test_only_the_mismatched_negs_are_listed_and_judged() -> None:
    """Two NEGs whose size differs from their ready pods: two calls, two findings, over HTTP."""
    world = _world(healthy_shop, _two_stale_negs)
    snapshot, server = _collect(world)
    listed = _listings(server)
    assert len(listed) == 2
    zones_and_services = {(p.split("/")[6], p.split("/")[8].split("-")[3]) for p in listed}
    assert zones_and_services == {("us-central1-a", "cart"), ("us-central1-b", "basket")}
    assert snapshot.calls["compute listNetworkEndpoints networkEndpointGroups"] == 2
    with FakeGKE(world) as server, server.kube_client() as client:
        report = audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
        )
    found = {f.ingress for f in report.findings if f.code == "NEG_ENDPOINTS_OUT_OF_SYNC"}
    assert found == {"cart/cart", "basket/basket"}


def test_the_listings_run_side_by_side() -> None:
    """Both listNetworkEndpoints calls are in flight at once: the pool does not serialise them."""
    barrier = threading.Barrier(2, timeout=5)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def meet(req: object) -> FaultResponse | None:
        if not getattr(req, "path", "").endswith("/listNetworkEndpoints"):
            return None
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        with contextlib.suppress(threading.BrokenBarrierError):  # seen alone: peak stays 1
            barrier.wait()
        with lock:
            in_flight[0] -= 1
        return None

    snapshot, _ = _collect(_world(_two_stale_negs), faults=(meet,))
    assert peak[0] == 2
    assert len(snapshot.neg_endpoints) == 2


def test_a_throttled_listing_is_retried() -> None:
    """A 503 on the first listing is retried by the gate; nothing is lost."""
    answered = iter([google_error(503, "backendError", "Internal error. Please try again.")])

    def fail_once(req: object) -> FaultResponse | None:
        if not getattr(req, "path", "").endswith("/listNetworkEndpoints"):
            return None
        return next(answered, None)

    snapshot, server = _collect(_world(_two_stale_negs), faults=(fail_once,))
    assert snapshot.errors == ()
    assert len(_listings(server)) == 3
    assert snapshot.retries == 1
    assert sorted(len(e.endpoints) for e in snapshot.neg_endpoints) == [1, 2]


def test_every_page_of_a_listing_is_read() -> None:
    """With one endpoint per page, a NEG of two endpoints takes two calls and keeps both."""
    snapshot, server = _collect(_world(neg_detach_failing), page_size=1)
    [listing] = snapshot.neg_endpoints
    assert len(listing.endpoints) == 2
    assert len(_listings(server)) == 2
    assert all(
        r.query.get("maxResults") == "500"
        for r in server.requests
        if r.path.endswith("/listNetworkEndpoints")
    )


def test_listing_needs_the_documented_permission() -> None:
    """Without compute.networkEndpointGroups.get the listing fails, named, and only its check is skipped."""
    allow = frozenset(COMPUTE_PERMISSIONS) | kubernetes_permissions()
    with FakeGKE(_world(neg_detach_failing), allow=allow) as server, server.kube_client() as kc:
        granted = audit(
            "demo-project",
            kube_client=kc,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
        )
    assert granted.errors == []
    less = allow - {"compute.networkEndpointGroups.get"}
    with FakeGKE(_world(neg_detach_failing), allow=less) as server, server.kube_client() as kc:
        report = audit(
            "demo-project",
            kube_client=kc,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
        )
    [error] = report.errors
    assert error.status == 403
    assert "needs compute.networkEndpointGroups.get" in error.message
    incomplete = [f.evidence["check"] for f in report.findings if f.code == "CHECK_INCOMPLETE"]
    assert incomplete == ["NEG_ENDPOINTS_OUT_OF_SYNC"]
