"""audit(cluster=…): find the cluster in the Container API, connect over TLS with its CA, send tokens."""

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import trustme

from gkeingress import AuditError, Report, audit
from gkeingress.errors import ClusterUnreachable
from gkeingress.testing import DEMO_NOW, FakeFleet, WorldBuilder
from gkeingress.testing import incidents_cluster as incidents
from gkeingress.testing.server import IncomingRequest


def _utcnow() -> datetime:
    """Now as google-auth keeps expiry times: naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


CLUSTER = "projects/demo-project/locations/us-central1/clusters/demo"


@pytest.fixture(name="fleet")
def _fleet() -> Iterator[FakeFleet]:
    builder = WorldBuilder()
    incidents.http_load_balancing_disabled(builder)
    with FakeFleet([builder.world]) as fleet:
        yield fleet


def _audit(fleet: FakeFleet, cluster: str = CLUSTER, **options: Any) -> Report:
    return audit(
        "demo-project",
        cluster=cluster,
        credentials=fleet.credentials,
        compute_endpoint=fleet.url,
        container_endpoint=fleet.url,
        now=DEMO_NOW,
        **options,
    )


def test_cluster_found_and_audited_without_kubeconfig(fleet: FakeFleet) -> None:
    """The short LOCATION/NAME form finds the cluster; its facts explain the stuck Ingress."""
    report = _audit(fleet, "us-central1/demo")
    [finding] = [f for f in report.findings if f.code == "HTTP_LOAD_BALANCING_DISABLED"]
    assert finding.cluster == CLUSTER
    assert report.cluster is not None
    assert report.cluster.path == CLUSTER
    assert report.ingress("shop/web").cluster == CLUSTER
    assert report.to_dict()["cluster"] == CLUSTER
    assert report.errors == []
    assert report.api_calls["container clusters.get"] == 1


def test_every_kubernetes_request_carries_the_google_token(fleet: FakeFleet) -> None:
    """The Kubernetes API sees the credentials' access token as a bearer token, over HTTPS."""
    _audit(fleet)
    server = fleet.clusters[CLUSTER]
    assert server.url.startswith("https://")
    assert server.requests
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer fake-token-1"}
    assert {r.status for r in server.requests} == {200}


def test_a_token_about_to_expire_mid_audit_is_refreshed(fleet: FakeFleet) -> None:
    """A token that nears its expiry during an audit is replaced before the next requests."""
    server = fleet.clusters[CLUSTER]
    server.page_size = 1  # each page of pods is asked for once the one before has come

    def expiring(request: IncomingRequest) -> None:
        if "/pods" in request.path and len(fleet.credentials.issued) == 1:
            # Inside google-auth's refresh margin: the client must fetch a new token now.
            fleet.credentials.expiry = _utcnow() + timedelta(seconds=30)

    server.faults.append(expiring)
    report = _audit(fleet)
    tokens = [r.headers["authorization"] for r in server.requests]
    later_pods = [r for r in server.requests if "/pods" in r.path and "continue" in r.query]
    assert fleet.credentials.issued == ["fake-token-1", "fake-token-2"]
    assert tokens[0] == "Bearer fake-token-1"
    assert later_pods
    assert {r.headers["authorization"] for r in later_pods} == {"Bearer fake-token-2"}
    assert {r.status for r in server.requests} == {200}
    assert report.errors == []


def test_an_expired_token_is_refreshed_before_the_next_audit(fleet: FakeFleet) -> None:
    """A token that expired between two audits is refused by the cluster, so a new one is sent."""
    _audit(fleet)
    fleet.credentials.expire()  # an hour later
    _audit(fleet)
    server = fleet.clusters[CLUSTER]
    assert fleet.credentials.issued == ["fake-token-1", "fake-token-2"]
    assert server.requests[-1].headers["authorization"] == "Bearer fake-token-2"
    assert {r.status for r in server.requests} == {200}


def test_a_token_the_cluster_does_not_accept_is_named(fleet: FakeFleet) -> None:
    """A 401 from the API server says the token was refused and which permission it needs."""
    fleet.clusters[CLUSTER].authenticate = lambda token: False
    with pytest.raises(ClusterUnreachable, match=r"container\.clusters\.get") as caught:
        _audit(fleet)
    assert caught.value.reason == "auth"


def test_a_certificate_from_another_ca_is_refused(fleet: FakeFleet) -> None:
    """A server whose certificate the cluster's CA did not sign is not talked to."""
    [cluster] = fleet.projects["demo-project"].world.clusters
    cluster["masterAuth"]["clusterCaCertificate"] = base64.b64encode(
        trustme.CA().cert_pem.bytes()
    ).decode()
    with pytest.raises(ClusterUnreachable, match=r"masterAuth\.clusterCaCertificate") as caught:
        _audit(fleet)
    assert caught.value.reason == "tls"
    assert fleet.clusters[CLUSTER].requests == []


def test_an_unknown_cluster_is_named(fleet: FakeFleet) -> None:
    """A cluster the Container API does not know stops the audit with its full name."""
    with pytest.raises(AuditError, match="clusters/nope was not found"):
        _audit(fleet, "us-central1/nope")


def test_private_endpoint_asked_of_a_public_cluster(fleet: FakeFleet) -> None:
    """--use-private-endpoint on a cluster without one says so instead of guessing."""
    with pytest.raises(ClusterUnreachable, match="no private endpoint"):
        _audit(fleet, use_private_endpoint=True)


def test_container_api_permission_is_named() -> None:
    """Without container.clusters.get the message names the permission."""
    builder = WorldBuilder()
    builder.cluster()
    with FakeFleet([builder.world]) as fleet:
        fleet.projects["demo-project"].allow = frozenset()
        with pytest.raises(AuditError, match=r"needs container\.clusters\.get"):
            _audit(fleet)


def test_kube_client_wins_over_cluster(fleet: FakeFleet) -> None:
    """An explicit kube_client is used as given; the cluster still supplies its facts."""
    server = fleet.clusters[CLUSTER]
    server.authenticate = lambda token: token == "kubeconfig-token"
    with server.kube_client() as client:
        client.configuration.api_key = {"authorization": "Bearer kubeconfig-token"}
        report = audit(
            "demo-project",
            kube_client=client,
            cluster=CLUSTER,
            credentials=fleet.credentials,
            compute_endpoint=fleet.url,
            container_endpoint=fleet.url,
            now=DEMO_NOW,
        )
    assert "HTTP_LOAD_BALANCING_DISABLED" in {f.code for f in report.findings}
    assert report.errors == []
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer kubeconfig-token"}


def _kubeconfig(fleet: FakeFleet, context: str, path: Path) -> str:
    server = fleet.clusters[CLUSTER]
    server.authenticate = lambda token: token == "kubeconfig-token"
    ca = base64.b64encode(fleet.ca.cert_pem.bytes()).decode()
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": context,
                        "cluster": {"server": server.url, "certificate-authority-data": ca},
                    }
                ],
                "users": [{"name": context, "user": {"token": "kubeconfig-token"}}],
                "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
                "current-context": context,
            }
        )
    )
    return str(path)


def test_gcloud_kubeconfig_context_brings_the_cluster_facts(
    fleet: FakeFleet, tmp_path: Path
) -> None:
    """A context named gke_<project>_<location>_<name> is looked up for the cluster's facts."""
    kubeconfig = _kubeconfig(fleet, "gke_demo-project_us-central1_demo", tmp_path / "config")
    report = _audit_kubeconfig(fleet, kubeconfig)
    assert report.cluster is not None
    assert "HTTP_LOAD_BALANCING_DISABLED" in {f.code for f in report.findings}


def test_cluster_facts_that_cannot_be_read_are_recorded_not_fatal(
    fleet: FakeFleet, tmp_path: Path
) -> None:
    """If the context's cluster is unknown, the audit runs; the cluster checks say incomplete."""
    kubeconfig = _kubeconfig(fleet, "gke_demo-project_us-central1_gone", tmp_path / "config")
    report = _audit_kubeconfig(fleet, kubeconfig)
    [error] = report.errors
    assert "clusters/gone was not found" in error.message
    incomplete = {f.resource for f in report.findings if f.code == "CHECK_INCOMPLETE"}
    assert {"HTTP_LOAD_BALANCING_DISABLED", "CLUSTER_NOT_VPC_NATIVE"} <= incomplete


def _audit_kubeconfig(fleet: FakeFleet, kubeconfig: str) -> Report:
    return audit(
        "demo-project",
        kubeconfig=kubeconfig,
        credentials=fleet.credentials,
        compute_endpoint=fleet.url,
        container_endpoint=fleet.url,
        now=DEMO_NOW,
    )
