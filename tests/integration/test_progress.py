"""Progress reported while an audit collects, over HTTP against the fake world."""

from __future__ import annotations

import threading
from collections import Counter

from google.auth.credentials import AnonymousCredentials

from gkeingress import Report, audit
from gkeingress.collect.progress import HEALTH, LISTS
from gkeingress.testing import DEMO_NOW, FakeGKE, FaultResponse, demo_world, kube_error
from gkeingress.testing.server import IncomingRequest


class Recording:
    """Records what collection reports, in order, from any thread."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, int | None, str | None]] = []
        self._lock = threading.Lock()

    def phase(self, name: str) -> None:
        with self._lock:
            self.events.append(("phase", name, None, None))

    def call_done(self, call: str, items: int | None, error: str | None) -> None:
        with self._lock:
            self.events.append(("call", call, items, error))

    def calls(self) -> dict[str, tuple[int | None, str | None]]:
        return {call: (items, error) for kind, call, items, error in self.events if kind == "call"}


def _audit(server: FakeGKE, progress: Recording) -> Report:
    with server.kube_client() as client:
        return audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
            progress=progress,
        )


def test_every_list_call_is_reported_once_with_its_item_count() -> None:
    """Each Kubernetes and Compute list is reported once, in the lists phase, with what it read."""
    world = demo_world()
    progress = Recording()
    with FakeGKE(world) as server:
        _audit(server, progress)
    phases = [name for kind, name, _, _ in progress.events if kind == "phase"]
    assert phases == [LISTS, HEALTH]
    health_at = progress.events.index(("phase", HEALTH, None, None))
    lists = [e for e in progress.events[:health_at] if e[0] == "call"]
    assert all(n == 1 for n in Counter(call for _, call, _, _ in lists).values())
    calls = progress.calls()
    assert calls["list networking.k8s.io/v1 ingresses"] == (len(world.kube["ingresses"]), None)
    assert calls["list v1 pods"] == (len(world.kube["pods"]), None)
    url_maps = sum(len(scoped) for scoped in world.compute["urlMaps"].values())
    assert calls["compute.urlMaps.aggregatedList"] == (url_maps, None)
    assert calls["compute.firewalls.list"][0] == len(world.compute["firewalls"]["global"])
    assert len(lists) == 21  # 10 Kubernetes kinds, 9 Compute collections, 2 identity reads
    after = progress.events[health_at + 1 :]
    assert after
    per_group = (
        "compute.backendServices.getHealth ",
        "compute.networkEndpointGroups.listNetworkEndpoints ",
    )
    assert all(call.startswith(per_group) for _, call, _, _ in after)


def test_a_failed_call_is_reported_with_the_error_the_report_holds() -> None:
    """A list the API refuses is reported as an error, not as zero items, with the report's message."""
    progress = Recording()

    def forbid_pods(req: IncomingRequest) -> FaultResponse | None:
        if req.path.endswith("/pods"):
            return kube_error(403, "Forbidden", 'pods is forbidden: User "me" cannot list pods')
        return None

    with FakeGKE(demo_world()) as server:
        server.faults.append(forbid_pods)
        report = _audit(server, progress)
    [error] = report.errors
    assert progress.calls()["list v1 pods"] == (None, error.message)
    assert "permission denied" in error.message
