"""Auditing one namespace still sees GKE's default backend in kube-system."""

from google.auth.credentials import AnonymousCredentials

from gkeingress import audit
from gkeingress.testing import DEMO_NOW, FakeGKE, demo_world


def test_namespace_audit_reads_the_default_backend_from_kube_system() -> None:
    """The default backend of a one-namespace audit is paired with its Service, pods and slices."""
    with FakeGKE(demo_world()) as server, server.kube_client() as client:
        report = audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            namespace="shop",
            now=DEMO_NOW,
        )
    assert [i.name for i in report.ingresses] == ["shop/web"]
    default = report.ingress("shop/web").backends[0]
    assert default.is_system_default
    assert default.service is not None
    assert len(default.pods) == 2
    assert len(default.neg_endpoints_in("us-central1-a")) == 1
    assert [f.code for f in report.findings] == ["DEFAULT_BACKEND_404"]  # info, true of shop/web
    listed = {r.path for r in server.requests}
    assert "/api/v1/namespaces/kube-system/services" in listed
    assert "/api/v1/services" not in listed
