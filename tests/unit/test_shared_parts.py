"""Equal parts of one page's objects are read once and shared, and sharing never changes a view."""

from __future__ import annotations

from typing import Any

from gkeingress.resources.k8s import Pod, Service
from gkeingress.snapshot import DataKind, parse_kube


def _pod(name: str, probe_port: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": probe_port}},
                }
            ]
        },
        "status": {"phase": "Running", "podIP": f"10.8.0.{len(name)}"},
    }


def test_pods_of_one_replicaset_share_their_containers() -> None:
    """Pods declaring the same containers keep one copy, each still read as written."""
    page = [_pod("web-7d4b9c-abcde", 8080), _pod("web-7d4b9c-fghij", 8080)]
    first, second = parse_kube(DataKind.PODS, page).views["pods"]
    assert isinstance(first, Pod)
    assert isinstance(second, Pod)
    assert first.containers is second.containers
    assert first.containers == Pod.from_json(page[0]).containers
    assert (first.meta.name, second.meta.name) == ("web-7d4b9c-abcde", "web-7d4b9c-fghij")


def test_a_malformed_probe_port_is_read_as_written_and_not_shared() -> None:
    """A probe port that is not a number or a name (a list) cannot be shared; the pod still reads."""
    parsed = parse_kube(DataKind.PODS, [_pod("web-0", [8080]), _pod("web-1", [8080])])
    assert parsed.errors == ()
    first, second = parsed.views["pods"]
    assert isinstance(first, Pod)
    assert isinstance(second, Pod)
    probe = first.containers[0].readiness_http
    assert probe is not None
    port: object = probe.port  # typed int | str; a malformed object holds what it holds
    assert port == [8080]
    assert first.containers is not second.containers


def _service(name: str, node_port: int | None) -> dict[str, Any]:
    port: dict[str, Any] = {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}
    if node_port is not None:
        port["nodePort"] = node_port
    return {
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"type": "NodePort" if node_port else "ClusterIP", "ports": [port]},
    }


def test_services_share_equal_ports_but_not_different_node_ports() -> None:
    """Services with the same ports keep one copy; a different nodePort is a different port."""
    page = [_service("web", None), _service("api", None), _service("legacy", 30080)]
    services = parse_kube(DataKind.SERVICES, page).views["services"]
    web, api, legacy = (s.ports for s in services if isinstance(s, Service))
    assert web is api
    assert legacy != web
    assert legacy[0].node_port == 30080
