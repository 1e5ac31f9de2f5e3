"""An item of a list that cannot be read is left out and named, whatever shape it has."""

from __future__ import annotations

from typing import cast

from gkeingress.resources.k8s import Pod
from gkeingress.resources.refs import RefReader
from gkeingress.snapshot import DataKind, parse_compute, parse_kube

WEB_0 = {
    "metadata": {"name": "web-0", "namespace": "shop", "uid": "5f0c3a1e"},
    "spec": {"containers": [{"name": "web", "ports": [{"containerPort": 8080}]}]},
    "status": {"phase": "Running", "podIP": "10.8.0.4"},
}


def test_items_that_are_not_objects_are_named_not_a_crash() -> None:
    """A null or a string among a page's items is an error naming it; the other items are read."""
    parsed = parse_kube(DataKind.PODS, [None, "web-1", WEB_0])
    pods = cast(tuple[Pod, ...], parsed.views["pods"])
    assert [p.meta.name for p in pods] == ["web-0"]
    assert [e.message.split(":")[0] for e in parsed.errors] == [
        "could not read a Pod that is not a JSON object",
        "could not read a Pod that is not a JSON object",
    ]
    assert {e.kind for e in parsed.errors} == {DataKind.PODS}
    assert {e.call for e in parsed.errors} == {"parse"}


def test_a_list_item_without_its_kind_is_named_by_the_list_it_came_from() -> None:
    """List items carry no ``kind`` (the list has it): the error still says what the object is."""
    garbled = {
        **WEB_0,
        "spec": {"containers": [{"name": "web", "ports": [{"containerPort": "http"}]}]},
    }
    [error] = parse_kube(DataKind.PODS, [garbled]).errors
    assert error.message.startswith("could not read Pod shop/web-0: ValueError(")


def test_a_compute_resource_names_itself() -> None:
    """A Compute resource that cannot be read is named by its own kind and name."""
    url_map = {"kind": "compute#urlMap", "name": "k8s2-um-broken", "hostRules": "everything"}
    [error] = parse_compute(RefReader("demo-project"), "urlMaps", [url_map]).errors
    assert error.kind is DataKind.URL_MAPS
    assert error.message.startswith("could not read compute#urlMap k8s2-um-broken: ")
