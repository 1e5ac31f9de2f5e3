"""What a check reads is recorded while it runs, and the documentation says the same."""

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from gkeingress.analysis import options_for
from gkeingress.checks import REGISTRY, run_checks
from gkeingress.model.topology import pair
from gkeingress.reads import derived_from, recording, unrecorded
from gkeingress.snapshot import DataKind, Snapshot
from gkeingress.testing import DEMO_NOW, WorldBuilder, snapshot_of
from gkeingress.testing import incidents_cluster as cluster_incidents
from gkeingress.testing.scenarios import HEALTHY, INCIDENTS

Scenario = Callable[[WorldBuilder], None]
DEMO: tuple[Scenario, ...] = (*HEALTHY, *(incident.scenario for incident in INCIDENTS))


def _world(*scenarios: Scenario, cluster: bool = False) -> Snapshot:
    builder = WorldBuilder()
    if cluster:
        builder.cluster("us-central1")
    for scenario in scenarios:
        scenario(builder)
    return snapshot_of(builder.world, DEMO_NOW)


def test_every_check_reads_what_its_documentation_says() -> None:
    """`gkeingress explain` and the catalog list, for every check, the data it actually touches."""
    snapshots = [
        _world(*DEMO),
        _world(*DEMO, cluster=True),
        _world(cluster_incidents.http_load_balancing_disabled),
        _world(cluster_incidents.routes_based_cluster_negs),
    ]
    touched: dict[str, set[DataKind]] = {c.code: set() for c in REGISTRY}
    for snapshot in snapshots:
        topology = pair(snapshot)
        results = run_checks(topology, options_for(topology, now=DEMO_NOW))
        for code, kinds in results.reads.items():
            touched[code] |= kinds
    wrong = {
        item.code: (
            sorted(touched[item.code] - item.requires),
            sorted(item.requires - touched[item.code]),
        )
        for item in REGISTRY
        if touched[item.code] != item.requires
    }
    assert wrong == {}, "(read but undocumented, documented but never read)"


def test_a_read_records_the_lists_the_value_was_built_from() -> None:
    """A backend's NEGs were found by a name the Services and the cluster's uid give."""
    topology = pair(_world(*HEALTHY))
    backend = topology.ingress("shop/web").backends[0]
    with recording() as read:
        assert backend.negs
    assert read == {DataKind.NEGS, DataKind.SERVICES, DataKind.CLUSTER_IDENTITY}
    with recording() as read:
        assert topology.snapshot.project == "demo-project"
    assert read == set()


def test_a_field_built_from_the_ingress_alone_is_recorded_on_the_way_to_it() -> None:
    """Reading a backend's Service port records the Ingresses, the list that led to it."""
    topology = pair(_world(*HEALTHY))
    with recording() as read:
        backend = topology.ingress("shop/web").backends[0]
        assert backend.ref.port
    assert read == {DataKind.INGRESSES}


def test_reads_outside_a_recording_and_unrecorded_reads_are_not_recorded() -> None:
    """Only the block being recorded sees its reads; a fallback read inside it is left out."""
    snapshot = _world(*HEALTHY)
    with recording() as read:
        assert unrecorded(lambda: snapshot.cluster) is None
        assert snapshot.url_maps
    assert read == {DataKind.URL_MAPS}
    assert snapshot.firewalls  # nothing records it
    assert read == {DataKind.URL_MAPS}


def test_each_thread_records_only_its_own_reads() -> None:
    """Two checks running at once in two threads never see each other's reads."""
    snapshot = _world(*HEALTHY)
    both = threading.Barrier(2)
    found: dict[str, set[object]] = {}

    def run(name: str, read_it: Callable[[], object]) -> None:
        with recording() as read:
            both.wait()
            for _ in range(1000):
                read_it()
            both.wait()
        found[name] = set(read)

    threads = [
        threading.Thread(target=run, args=("pods", lambda: snapshot.pods)),
        threading.Thread(target=run, args=("negs", lambda: snapshot.negs)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == {"pods": {DataKind.PODS}, "negs": {DataKind.NEGS}}


def test_a_field_that_does_not_say_what_it_is_built_from_is_refused() -> None:
    """Adding a field to a recorded class without its kinds fails at import, not in an audit."""

    @dataclass(frozen=True, slots=True)
    class Paired:
        service: str
        negs: tuple[str, ...]

    with pytest.raises(TypeError, match="say what negs derive from"):
        derived_from(Paired, {"service": (DataKind.SERVICES,)})
