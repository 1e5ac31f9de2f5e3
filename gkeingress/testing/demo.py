"""The demo: the demo world served over HTTP and audited through the real clients."""

from __future__ import annotations

from google.auth.credentials import AnonymousCredentials

from gkeingress.api import audit
from gkeingress.collect.progress import Progress
from gkeingress.report import Report
from gkeingress.testing.builder import DEMO_NOW
from gkeingress.testing.fake_logging import FakeLogging
from gkeingress.testing.monitoring import FakeMonitoring
from gkeingress.testing.scenarios import demo_world
from gkeingress.testing.server import FakeGKE
from gkeingress.testing.world import World


def audit_demo(*, progress: Progress | None = None, world: World | None = None) -> Report:
    """Audit the demo world (or ``world``) as ``gkeingress demo`` does: over HTTP, at ``DEMO_NOW``.

    Its load balancers' request counts are served over gRPC by a :class:`FakeMonitoring`, and
    what they logged by a :class:`FakeLogging`.
    """
    world = world or demo_world()
    with (
        FakeGKE(world) as server,
        FakeMonitoring(world) as monitoring,
        FakeLogging(world) as logs,
        server.kube_client() as kube_client,
    ):
        return audit(
            world.project,
            kube_client=kube_client,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # unannotated
            compute_endpoint=server.compute_endpoint,
            monitoring_endpoint=monitoring.endpoint,
            logging_endpoint=logs.address,
            now=DEMO_NOW,
            progress=progress,
        )
