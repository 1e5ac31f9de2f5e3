"""What the user gets when the APIs misbehave: the same report, or an honest incomplete one."""

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import trustme
from google.auth.credentials import AnonymousCredentials
from kubernetes import client as k8s

from gkeingress import Report, analyse, audit
from gkeingress.collect import ApiGate, collect
from gkeingress.testing import DEMO_NOW, FakeGKE, FaultResponse, demo_world, google_error
from gkeingress.testing.server import IncomingRequest
from tests.unit.test_gate import Sleeps


def _audit(server: FakeGKE, gate: ApiGate | None = None) -> Report:
    with server.kube_client() as client:
        snapshot = collect(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            gate=gate or ApiGate(sleep=Sleeps()),
        )
    return analyse(snapshot, now=DEMO_NOW)


def _summary(report: Report) -> list[tuple[str, str | None, str, str]]:
    return [(f.code, f.ingress, f.resource, f.message) for f in report.findings]


@pytest.fixture(name="baseline", scope="module")
def _baseline() -> list[tuple[str, str | None, str, str]]:
    with FakeGKE(demo_world()) as server:
        return _summary(_audit(server))


def test_pages_of_one_item_give_the_same_report(
    baseline: list[tuple[str, str | None, str, str]],
) -> None:
    """Pagination followed to the end: with one item per page nothing is lost or doubled."""
    with FakeGKE(demo_world(), page_size=1) as server:
        report = _audit(server)
        pages = server.calls()
    assert _summary(report) == baseline
    assert pages["GET /compute/v1/projects/demo-project/aggregated/backendServices"] > 20


def test_500_and_503_bursts_are_absorbed(baseline: list[tuple[str, str | None, str, str]]) -> None:
    """Every collection failing twice with 500 or 503 first still yields the full report."""
    seen: dict[str, int] = {}

    def burst(req: object) -> FaultResponse | None:
        path = getattr(req, "path", "")
        seen[path] = seen.get(path, 0) + 1
        if seen[path] > 2:
            return None
        status = 503 if seen[path] == 1 else 500
        return FaultResponse(
            status, b'{"error": {"code": %d, "message": "backend error"}}' % status
        )

    with FakeGKE(demo_world()) as server:
        server.faults.append(burst)
        report = _audit(server)
    assert report.errors == []
    assert _summary(report) == baseline


def test_429_storm_without_retry_after_is_backed_off_exponentially(
    baseline: list[tuple[str, str | None, str, str]],
) -> None:
    """Every chain of Compute pages throttled thrice, no Retry-After: same report, waits doubling."""
    throttled: dict[tuple[str, str], int] = {}
    lock = threading.Lock()

    def storm(req: object) -> FaultResponse | None:
        path = getattr(req, "path", "")
        if "/aggregated/" not in path and not path.endswith("/global/firewalls"):
            return None
        chain = (path, getattr(req, "query", {}).get("filter", ""))  # long lists: four chains
        with lock:
            throttled[chain] = throttled.get(chain, 0) + 1
            if throttled[chain] > 3:
                return None
        return google_error(
            429, "rateLimitExceeded", "Quota exceeded for quota metric 'Read requests'"
        )

    sleeps = Sleeps()
    with FakeGKE(demo_world()) as server:
        server.faults.append(storm)
        # Pacing off, so that every sleep is a backoff.
        report = _audit(server, ApiGate(rate=None, sleep=sleeps))
    lists = {
        k: n
        for k, n in report.api_calls.items()
        if k.startswith("compute ") and "getHealth" not in k and "listNetworkEndpoints" not in k
    }
    assert report.errors == []
    assert _summary(report) == baseline
    # Six lists read as one chain, NEGs, backend services and health checks as four each.
    assert len(lists) == 9
    assert len(throttled) == 6 + 3 * 4
    split = {"networkEndpointGroups", "backendServices", "healthChecks"}
    assert {k: n for k, n in lists.items() if n != 4} == {
        f"compute aggregatedList {c}": 16 for c in split
    }
    # tenacity's exponential wait (0.5 s, 1 s, 2 s) plus up to 0.5 s of jitter, per chain.
    for retry, base in enumerate((0.5, 1.0, 2.0)):
        waits = sorted(sleeps)[retry * 18 : (retry + 1) * 18]
        assert all(base <= w <= base + 0.5 for w in waits), (base, waits)
    assert report.retries == 54
    assert report.waited == pytest.approx(sum(sleeps))
    assert report.waited >= 18 * (0.5 + 1.0 + 2.0)
    assert report.to_dict()["retries"] == 54
    assert report.to_dict()["waited_seconds"] == round(report.waited, 3)


def test_truncated_json_is_an_error_not_an_empty_collection() -> None:
    """A body cut off every time is tried five times a chain, then recorded; its checks did not run."""

    def truncate(req: object) -> FaultResponse | None:
        if getattr(req, "path", "").endswith("aggregated/healthChecks"):
            return FaultResponse(
                200, b'{"kind": "compute#healthChecksAggregatedList", "items": {"glo'
            )
        return None

    with FakeGKE(demo_world()) as server:
        server.faults.append(truncate)
        report = _audit(server)
        tries = sum(1 for r in server.requests if r.path.endswith("aggregated/healthChecks"))
    [error] = report.errors
    assert error.call == "compute.healthChecks.aggregatedList"
    assert tries == report.api_calls["compute aggregatedList healthChecks"] == 4 * 5  # 4 chains
    codes = {f.code for f in report.findings}
    assert "HEALTH_CHECK_PATH_MISMATCH" not in codes
    assert "LB_RESOURCE_MISSING" not in codes
    incomplete = {f.evidence["check"] for f in report.findings if f.code == "CHECK_INCOMPLETE"}
    assert {"HEALTH_CHECK_PATH_MISMATCH", "LB_RESOURCE_MISSING"} <= incomplete


def test_slow_responses_past_the_timeout() -> None:
    """A list that never answers in time is abandoned after the retries, and named."""

    def stall(req: object) -> FaultResponse | None:
        if getattr(req, "path", "").endswith("/pods"):
            time.sleep(0.6)
        return None

    with FakeGKE(demo_world()) as server:
        server.faults.append(stall)
        report = _audit(server, ApiGate(timeout=0.2, attempts=2, sleep=Sleeps()))
    [error] = report.errors
    assert error.call == "list v1 pods"
    assert "timed out" in error.message.lower()
    assert report.topology.snapshot.calls["kubernetes list v1 pods"] == 2


def test_permanent_403_on_one_kubernetes_list() -> None:
    """Without permission to list EndpointSlices, only the checks that need them are skipped."""

    def forbid(req: object) -> FaultResponse | None:
        if getattr(req, "path", "").endswith("/endpointslices"):
            body = (
                b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":'
                b'"endpointslices.discovery.k8s.io is forbidden: User \\"auditor\\" cannot list '
                b'resource \\"endpointslices\\"","reason":"Forbidden","code":403}'
            )
            return FaultResponse(403, body)
        return None

    with FakeGKE(demo_world()) as server:
        server.faults.append(forbid)
        report = _audit(server)
    [error] = report.errors
    assert error.status == 403
    assert 'cannot list resource "endpointslices"' in error.message
    assert "NEG_EMPTY" not in {f.code for f in report.findings}
    assert "SERVICE_SELECTOR_MATCHES_NO_PODS" in {f.code for f in report.findings}


@pytest.fixture(name="server")
def _server() -> Iterator[FakeGKE]:
    with FakeGKE(demo_world()) as server:
        yield server


def test_the_whole_audit_is_read_only(server: FakeGKE) -> None:
    """A deep audit of the demo world sends no request that could change anything."""
    with server.kube_client() as client:
        audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
            deep=True,
        )
    assert server.mutating_requests == []
    methods = {(r.method, r.path.rsplit("/", 1)[-1]) for r in server.requests if r.method != "GET"}
    assert methods <= {("POST", "getHealth"), ("POST", "listNetworkEndpoints")}
    assert ("POST", "getHealth") in methods


Fault = Callable[[IncomingRequest], FaultResponse | None]
HEALTH_CHECKS = "/compute/v1/projects/demo-project/aggregated/healthChecks"
PODS = "/api/v1/pods"

CUT_COMPUTE = FaultResponse(
    200,
    b'{"kind": "compute#healthCheckAggregatedList", "id": "projects/demo-project/aggregated/'
    b'healthChecks", "items": {}, "selfLink": "https://compute.googleapis.com/"}',
    cut_after=40,
)
CUT_KUBE = FaultResponse(
    200, b'{"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": []}', cut_after=25
)
PROXY_PAGE = FaultResponse(
    200, b"<html><body>502 Bad Gateway: upstream reset</body></html>", {"Content-Type": "text/html"}
)


def _first(times: int, path: str, response: FaultResponse) -> Fault:
    """Answer the first ``times`` requests for ``path`` with ``response``."""
    hits = [0]

    def fault(req: IncomingRequest) -> FaultResponse | None:
        if req.path != path or hits[0] >= times:
            return None
        hits[0] += 1
        return response

    return fault


# Health checks are read as four chains of one page each, pods as one: two bad bodies cost
# health checks 4 + 2 calls, pods 1 + 2.
@pytest.mark.parametrize(
    ("path", "response", "label", "calls"),
    [
        (HEALTH_CHECKS, CUT_COMPUTE, "compute aggregatedList healthChecks", 6),
        (HEALTH_CHECKS, PROXY_PAGE, "compute aggregatedList healthChecks", 6),
        (PODS, CUT_KUBE, "kubernetes list v1 pods", 3),
        (PODS, PROXY_PAGE, "kubernetes list v1 pods", 3),
    ],
    ids=["compute-cut", "compute-not-json", "kubernetes-cut", "kubernetes-not-json"],
)
def test_a_body_cut_or_garbled_twice_is_read_on_the_third_try(
    baseline: list[tuple[str, str | None, str, str]],
    path: str,
    response: FaultResponse,
    label: str,
    calls: int,
) -> None:
    """A proxy that twice drops the connection mid-body or sends its own page costs two retries."""
    with FakeGKE(demo_world()) as server:
        server.faults.append(_first(2, path, response))
        report = _audit(server)
    assert report.errors == []
    assert _summary(report) == baseline
    assert report.api_calls[label] == calls
    assert report.retries == 2


def test_a_certificate_that_fails_verification_is_not_retried() -> None:
    """An endpoint whose certificate no trusted CA signed fails at once: no retry, no wait."""
    with FakeGKE(demo_world(), tls=trustme.CA()) as server:
        configuration = k8s.Configuration()
        configuration.host = server.url  # https, and the client does not trust the fake's CA
        sleeps = Sleeps()
        with k8s.ApiClient(configuration) as untrusting:
            snapshot = collect(
                "demo-project",
                kube_client=untrusting,
                credentials=AnonymousCredentials(),
                compute_endpoint=server.url,
                gate=ApiGate(sleep=sleeps),
            )
        assert server.requests == []
    assert snapshot.errors
    assert all("CERTIFICATE_VERIFY_FAILED" in e.message for e in snapshot.errors)
    split = {"networkEndpointGroups", "backendServices", "healthChecks"}  # four chains each
    assert {k: n for k, n in snapshot.calls.items() if n != 1} == {
        f"compute aggregatedList {c}": 4 for c in split
    }
    assert snapshot.retries == 0
    assert sleeps == []
