"""A fake GKE world for tests: yours and ours.

Build a world the way ingress-gce would have left it, break one thing, then either judge it
directly (:func:`snapshot_of` + :func:`gkeingress.analyse`) or serve it over HTTP to the real
clients (:class:`FakeGKE`) and run :func:`gkeingress.audit` against it. :class:`FakeFleet` serves
several such clusters in several projects, over HTTPS with a test CA and Google access tokens.
:class:`FakeMonitoring` serves the worlds' load balancer request counts over gRPC.
:class:`FakeLoadBalancer` answers HTTP(S) requests on loopback as the world's load balancers would,
for ``probe``.
"""

from gkeingress.testing.builder import DEMO_NOW, Path, Rule, WorldBuilder
from gkeingress.testing.demo import audit_demo
from gkeingress.testing.fleet import FakeCredentials, FakeFleet
from gkeingress.testing.loadbalancer import FakeLoadBalancer
from gkeingress.testing.monitoring import FakeMonitoring
from gkeingress.testing.scenarios import demo_world
from gkeingress.testing.server import FakeGKE, FaultResponse, google_error, kube_error
from gkeingress.testing.snapshots import snapshot_of
from gkeingress.testing.world import World

__all__ = [
    "DEMO_NOW",
    "FakeCredentials",
    "FakeFleet",
    "FakeGKE",
    "FakeLoadBalancer",
    "FakeMonitoring",
    "FaultResponse",
    "Path",
    "Rule",
    "World",
    "WorldBuilder",
    "audit_demo",
    "demo_world",
    "google_error",
    "kube_error",
    "snapshot_of",
]
