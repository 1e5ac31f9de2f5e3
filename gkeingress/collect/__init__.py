"""Collecting: every API call of an audit happens here, and ends in an immutable :class:`Snapshot`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import tenacity
from google.auth.credentials import Credentials
from kubernetes import client as k8s

from gkeingress.collect.calls import CallLog
from gkeingress.collect.compute import ComputeCollector
from gkeingress.collect.health import HealthCollector, health_targets
from gkeingress.collect.kubernetes import KubernetesCollector
from gkeingress.collect.retry import retrying
from gkeingress.collect.snapshot import (
    ClusterIdentity,
    CollectionError,
    DataKind,
    Snapshot,
    build_snapshot,
    with_backend_health,
)


def collect(
    project: str,
    *,
    kube_client: k8s.ApiClient,
    credentials: Credentials | None,
    compute_endpoint: str | None = None,
    namespace: str | None = None,
    deep: bool = False,
    policy: tenacity.Retrying | None = None,
) -> Snapshot:
    """Read both APIs, read-only, and return what they said (and every call that failed).

    One list call per kind, then getHealth for the backend services that are not reported
    healthy (all of them with ``deep``).
    """
    calls = CallLog()
    policy = policy or retrying()
    kube = KubernetesCollector(kube_client, policy, calls, namespace).collect()
    compute_args: dict[str, Any] = {
        "credentials": credentials,
        "endpoint": compute_endpoint,
        "policy": policy,
        "calls": calls,
    }
    compute = ComputeCollector(project, **compute_args).collect()
    first = build_snapshot(
        project,
        datetime.now(timezone.utc),
        kube=kube.objects,
        compute=compute.resources,
        identity=kube.identity,
        errors=[*kube.errors, *compute.errors],
    )
    health = HealthCollector(project, **compute_args).collect(health_targets(first, deep=deep))
    return with_backend_health(first, health.answers, health.errors, calls.counts())


__all__ = [
    "ClusterIdentity",
    "CollectionError",
    "DataKind",
    "Snapshot",
    "build_snapshot",
    "collect",
]
