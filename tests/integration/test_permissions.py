"""The audit works with exactly the documented permissions, and says which one is missing."""

from typing import Any

import kubernetes_validate
import pytest
import yaml
from google.auth.credentials import AnonymousCredentials

from gkeingress import Report, audit, audit_fleet
from gkeingress.permissions import (
    COMPUTE_PERMISSIONS,
    CONTAINER_PERMISSIONS,
    cluster_role_yaml,
    kubernetes_permissions,
)
from gkeingress.testing import DEMO_NOW, FakeFleet, FakeGKE, WorldBuilder, demo_world
from gkeingress.testing.incidents_cluster import healthy_cluster

MINIMAL = frozenset(COMPUTE_PERMISSIONS) | kubernetes_permissions()


def _audit(allow: frozenset[str], **options: Any) -> tuple[Report, FakeGKE]:
    with FakeGKE(demo_world(), allow=allow) as server, server.kube_client() as client:
        report = audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
            **options,
        )
    return report, server


@pytest.mark.parametrize(
    "options", [{"deep": True}, {"namespace": "shop"}], ids=["deep", "namespace"]
)
def test_minimal_permissions_are_enough(options: dict[str, Any]) -> None:
    """With only the documented permissions, nothing is refused and nothing is incomplete."""
    report, server = _audit(MINIMAL, **options)
    assert report.errors == []
    assert {r.status for r in server.requests} == {200}


def test_missing_firewall_permission_is_named() -> None:
    """Without compute.firewalls.list the firewall check says so, and no false finding appears."""
    report, _ = _audit(MINIMAL - {"compute.firewalls.list"})
    [error] = report.errors
    assert error.status == 403
    assert "compute.firewalls.list" in error.message
    incomplete = [f for f in report.findings if f.code == "CHECK_INCOMPLETE"]
    assert [f.evidence["check"] for f in incomplete] == ["HEALTH_CHECK_FIREWALL_MISSING"]
    assert "HEALTH_CHECK_FIREWALL_MISSING" not in {f.code for f in report.findings}


def test_missing_secrets_permission_only_skips_the_tls_check() -> None:
    """An auditor not allowed to list Secrets still gets every other check."""
    report, _ = _audit(MINIMAL - {"list secrets"})
    [error] = report.errors
    assert 'cannot list resource "secrets"' in error.message
    incomplete = {f.evidence["check"] for f in report.findings if f.code == "CHECK_INCOMPLETE"}
    assert incomplete == {"TLS_SECRET_NOT_FOUND"}


def test_the_documented_cluster_role_is_a_valid_manifest() -> None:
    """The ClusterRole in the docs validates strictly against the Kubernetes schema."""
    role = yaml.safe_load(cluster_role_yaml())
    kubernetes_validate.validate(
        role, desired_version=kubernetes_validate.latest_version(), strict=True
    )
    assert {r["resources"][0] for r in role["rules"]} >= {
        "ingresses",
        "endpointslices",
        "backendconfigs",
    }


def test_a_fleet_needs_only_the_documented_container_permissions() -> None:
    """Listing, connecting to and auditing clusters by name uses exactly the documented permissions."""
    builder = WorldBuilder()
    healthy_cluster(builder)
    with FakeFleet([builder.world]) as fleet:
        for server in (*fleet.projects.values(), *fleet.clusters.values()):
            server.allow = MINIMAL | frozenset(CONTAINER_PERMISSIONS)
        report = audit_fleet(
            ["demo-project"],
            credentials=fleet.credentials,
            compute_endpoint=fleet.url,
            container_endpoint=fleet.url,
            now=DEMO_NOW,
        )
        refused = [r for s in fleet.projects.values() for r in s.requests if r.status != 200]
    assert report.errors == []
    assert len(report.reports) == 1
    assert refused == []
