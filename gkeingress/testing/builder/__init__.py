"""Build a consistent fake GKE world the way ingress-gce would have provisioned it.

:class:`WorldBuilder` creates Kubernetes objects (Services, pods, EndpointSlices, Ingresses) and, for
every Ingress, the Compute resources GKE's controller makes for it, with ingress-gce's real names,
annotations, descriptions and events. Scenarios then change one thing to reproduce an incident::

    b = WorldBuilder()
    b.service("shop", "web", probe_path="/healthz")
    b.ingress("shop", "web", rules=[Rule("shop.example.com", [Path("/", "web")])])
    b.health_check("shop", "web", 80)["httpHealthCheck"]["requestPath"] = "/"   # the incident

The parts, each a layer of the one class: :mod:`.base` (state, ids, storage and lookups),
:mod:`.kube` (Kubernetes fixtures), :mod:`.cluster` (the Container API's cluster),
:mod:`.backends` (health checks, backend services, NEGs, instance groups, the L7 firewall rule),
:mod:`.ingress_gce` (Ingresses and their load balancer front ends) and :mod:`.world_builder`.
"""

from gkeingress.testing.builder.base import DEMO_NOW, RXLB_CLASS, Path, Rule, k8s_time
from gkeingress.testing.builder.ingress_gce import PROXY_ONLY_RANGE
from gkeingress.testing.builder.world_builder import WorldBuilder

__all__ = ["DEMO_NOW", "PROXY_ONLY_RANGE", "RXLB_CLASS", "Path", "Rule", "WorldBuilder", "k8s_time"]
