"""The path and port a health check should probe, by ingress-gce's readinessProbe rules."""

from typing import Any

from gkeingress.model.probe import expect
from gkeingress.resources.k8s import BackendConfig, Pod, ServicePort

PORT = ServicePort(name="http", port=80, target_port=8080, node_port=None)


def _pod(
    name: str, created: str, probe: dict[str, Any] | None, ports: list[dict[str, Any]] | None = None
) -> Pod:
    container: dict[str, Any] = {
        "name": "app",
        "ports": ports or [{"name": "http", "containerPort": 8080}],
    }
    if probe is not None:
        container["readinessProbe"] = probe
    return Pod.from_json(
        {
            "metadata": {"name": name, "namespace": "ns", "creationTimestamp": created},
            "spec": {"containers": [container]},
        }
    )


def test_oldest_pod_with_a_qualifying_probe_wins() -> None:
    """Pods are read oldest first, as ingress-gce sorts them."""
    young = _pod("b", "2026-01-02T00:00:00Z", {"httpGet": {"path": "/new", "port": 8080}})
    old = _pod("a", "2026-01-01T00:00:00Z", {"httpGet": {"path": "old", "port": "http"}})
    want = expect(PORT, (young, old), None)
    assert (want.path, want.probe_skipped) == ("/old", None)
    assert want.probe is not None
    assert want.probe.pod == "a"


def test_tcp_probe_means_the_default_path() -> None:
    """A tcpSocket probe gives ingress-gce nothing to copy: it probes `/`."""
    want = expect(PORT, (_pod("a", "2026-01-01T00:00:00Z", {"tcpSocket": {"port": 8080}}),), None)
    assert (want.path, want.probe) == ("/", None)


def test_probe_with_host_is_not_copied_but_is_what_pods_answer_on() -> None:
    """A probe with a host still says where pods answer, and why the controller ignores it."""
    pod = _pod("a", "2026-01-01T00:00:00Z", {"httpGet": {"path": "/h", "port": 8080, "host": "x"}})
    want = expect(PORT, (pod,), None)
    assert want.path == "/h"
    assert want.probe_skipped is not None
    assert "sets host 'x'" in want.probe_skipped


def test_backend_config_port_and_path() -> None:
    """BackendConfig healthCheck settings override the probe."""
    config = BackendConfig.from_json(
        {
            "metadata": {"name": "bc", "namespace": "ns"},
            "spec": {"healthCheck": {"requestPath": "/bc", "port": 9000}},
        }
    )
    want = expect(
        PORT,
        (_pod("a", "2026-01-01T00:00:00Z", {"httpGet": {"path": "/p", "port": 8080}}),),
        config,
    )
    assert (want.path, want.fixed_port, want.serving_port) == ("/bc", 9000, 8080)


def test_named_target_port_resolves_to_the_container_port() -> None:
    """A named targetPort is the declared containerPort of that name."""
    named = ServicePort(name="http", port=80, target_port="web", node_port=None)
    pod = _pod("a", "2026-01-01T00:00:00Z", None, ports=[{"name": "web", "containerPort": 3000}])
    assert expect(named, (pod,), None).serving_port == 3000
