"""Collecting: every API call of an audit happens here, and ends in an immutable :class:`Snapshot`."""

from __future__ import annotations

from datetime import datetime, timezone

import tenacity
from google.auth.credentials import Credentials
from kubernetes import client as k8s

from gkeingress.collect.calls import CallLog
from gkeingress.collect.compute import ComputeCollector
from gkeingress.collect.kubernetes import KubernetesCollector
from gkeingress.collect.retry import retrying
from gkeingress.collect.snapshot import (
    ClusterIdentity,
    CollectionError,
    DataKind,
    Snapshot,
    build_snapshot,
)


def collect(
    project: str,
    *,
    kube_client: k8s.ApiClient,
    credentials: Credentials | None,
    compute_endpoint: str | None = None,
    namespace: str | None = None,
    policy: tenacity.Retrying | None = None,
) -> Snapshot:
    """Read both APIs once, read-only, and return what they said (and every call that failed)."""
    calls = CallLog()
    policy = policy or retrying()
    kube = KubernetesCollector(kube_client, policy, calls, namespace).collect()
    compute = ComputeCollector(
        project, credentials=credentials, endpoint=compute_endpoint, policy=policy, calls=calls
    ).collect()
    return build_snapshot(
        project,
        datetime.now(timezone.utc),
        kube=kube.objects,
        compute=compute.resources,
        identity=kube.identity,
        errors=[*kube.errors, *compute.errors],
        calls=calls.counts(),
    )


__all__ = [
    "ClusterIdentity",
    "CollectionError",
    "DataKind",
    "Snapshot",
    "build_snapshot",
    "collect",
]
