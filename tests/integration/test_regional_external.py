"""Regional external Ingresses audited over HTTP, through the real clients."""

from google.auth.credentials import AnonymousCredentials

from gkeingress import analyse, audit
from gkeingress.testing import DEMO_NOW, FakeGKE, WorldBuilder, snapshot_of
from gkeingress.testing.incidents_regional import healthy_tickets, regional_probe_moved


def test_regional_health_is_read_and_judged_over_http() -> None:
    """The regional backend services' health comes from regionBackendServices.getHealth."""
    builder = WorldBuilder()
    healthy_tickets(builder)
    regional_probe_moved(builder)
    world = builder.world
    with FakeGKE(world) as server, server.kube_client() as client:
        report = audit(
            world.project,
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
        )
        asked = {r.path for r in server.requests}
    expected = analyse(snapshot_of(world, DEMO_NOW), now=DEMO_NOW)
    assert report.errors == []
    assert sorted((f.code, f.ingress) for f in report.findings) == [
        ("BACKEND_UNHEALTHY", "booking/booking"),
        ("DEFAULT_BACKEND_404", "tickets/tickets"),
        ("HEALTH_CHECK_PATH_MISMATCH", "booking/booking"),
    ]
    assert sorted(f.message for f in report.findings) == sorted(
        f.message for f in expected.findings
    )
    booking = "k8s1-1a2b3c4d-e-booking-booking-80-d0ad0bba"
    assert (
        f"/compute/v1/projects/demo-project/regions/us-central1/backendServices/{booking}/getHealth"
        in asked
    )
