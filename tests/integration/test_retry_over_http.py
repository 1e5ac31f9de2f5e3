"""Throttling answered by the fake Compute API is absorbed by the audit, as the server asks."""

from google.auth.credentials import AnonymousCredentials

from gkeingress.collect import ApiGate, collect
from gkeingress.testing import FakeGKE, FaultResponse, demo_world, google_error
from tests.unit.test_gate import Sleeps


def test_429_storm_with_retry_after_is_waited_out() -> None:
    """Three 429s with Retry-After: 2 delay the URL-map list by 6 s and lose nothing."""
    storm = iter(range(3))

    def throttle(req: object) -> FaultResponse | None:
        if "aggregated/urlMaps" not in getattr(req, "path", "") or next(storm, None) is None:
            return None
        error = google_error(
            429, "rateLimitExceeded", "Quota exceeded for quota metric 'Read requests'"
        )
        return FaultResponse(error.status, error.body, {"Retry-After": "2"})

    sleeps = Sleeps()
    with FakeGKE(demo_world()) as server, server.kube_client() as client:
        server.faults.append(throttle)
        snapshot = collect(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            gate=ApiGate(sleep=sleeps),
        )
    assert snapshot.errors == ()
    assert len(snapshot.url_maps) == len(demo_world().compute["urlMaps"]["global"])
    assert sleeps.count(2.0) == 3
    assert snapshot.retries == 3
    assert snapshot.calls["compute aggregatedList urlMaps"] == 4
