"""managedFields are kept where a change is dated from them: Ingresses and Services, not pods."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from gkeingress.resources.k8s import Pod, Service

MANAGED = [
    {
        "manager": "kubectl-client-side-apply",
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2026-03-02T09:15:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:ports": {}}},
    },
    {
        "manager": "kubelet",
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2026-03-02T09:16:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:status": {"f:phase": {}}},
        "subresource": "status",
    },
]


def _object(**extra: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "creationTimestamp": "2026-03-01T08:00:00Z",
            "managedFields": MANAGED,
        },
        **extra,
    }


def test_a_service_keeps_its_writes_and_dates_its_spec_change() -> None:
    """A Service's spec write is its last change, and every manager's write is kept."""
    service = Service.from_json(_object(spec={"ports": [{"port": 80}]}))
    assert [w.manager for w in service.meta.writes] == ["kubectl-client-side-apply", "kubelet"]
    assert service.meta.last_change == datetime(2026, 3, 2, 9, 15, tzinfo=timezone.utc)


def test_a_pod_leaves_its_writes_out() -> None:
    """Nothing dates a change from a pod's writes, so the snapshot does not keep them."""
    pod = Pod.from_json(_object(spec={"containers": [{"name": "web"}]}))
    assert pod.meta.writes == ()
    assert pod.meta.last_change == datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
