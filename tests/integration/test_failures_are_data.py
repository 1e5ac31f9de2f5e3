"""API failures during an audit become recorded errors and CHECK_INCOMPLETE, never false faults."""

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials

from gkeingress import Report, audit
from gkeingress.checks import REGISTRY
from gkeingress.snapshot import DataKind
from gkeingress.testing import DEMO_NOW, FakeGKE, demo_world, google_error, kube_error


@pytest.fixture(name="server")
def _server() -> Iterator[FakeGKE]:
    with FakeGKE(demo_world()) as server:
        yield server


def _audit(server: FakeGKE) -> Report:
    with server.kube_client() as client:
        return audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
        )


def test_permission_denied_on_negs_is_not_an_empty_neg(server: FakeGKE) -> None:
    """Without compute.networkEndpointGroups.list, NEG checks are incomplete, not 'missing'."""
    server.faults.append(
        lambda req: (
            google_error(
                403, "forbidden", "Required 'compute.networkEndpointGroups.list' permission"
            )
            if "networkEndpointGroups" in req.path
            else None
        )
    )
    report = _audit(server)
    codes = {f.code for f in report.findings}
    assert not codes & {"NEG_EMPTY", "NEG_MISSING", "NEG_NOT_ATTACHED", "NEG_ENDPOINTS_OUT_OF_SYNC"}
    incomplete = {f.evidence["check"] for f in report.findings if f.code == "CHECK_INCOMPLETE"}
    # The firewall check needs the NEGs' network: it, too, says it could not run. So do the checks
    # that wait out a recent change, for a NEG's creation time is one.
    assert {
        "NEG_EMPTY",
        "NEG_MISSING",
        "NEG_NOT_ATTACHED",
        "NEG_ENDPOINTS_OUT_OF_SYNC",
        "HEALTH_CHECK_FIREWALL_MISSING",
        "PROPAGATION_PENDING",
    } <= incomplete
    assert all(DataKind.NEGS in REGISTRY[code].requires for code in incomplete)
    [error] = report.errors
    assert error.status == 403
    assert "permission denied (needs compute.networkEndpointGroups.list)" in error.message
    assert "HEALTH_CHECK_PATH_MISMATCH" in codes  # the rest of the audit still ran


def test_backend_config_crd_missing_is_said(server: FakeGKE) -> None:
    """A cluster without the BackendConfig CRD: health-check checks say they could not run."""
    server.faults.append(
        lambda req: (
            kube_error(404, "NotFound", "the server could not find the requested resource")
            if "backendconfigs" in req.path
            else None
        )
    )
    report = _audit(server)
    [error] = report.errors
    assert "custom resource is not installed" in error.message
    assert "HEALTH_CHECK_PATH_MISMATCH" not in {f.code for f in report.findings}


def test_transient_errors_are_retried(server: FakeGKE) -> None:
    """Two 503s then success: the audit gets the data and reports no error."""
    failures = iter([True, True])
    server.faults.append(
        lambda req: (
            google_error(503, "backendError", "try again")
            if "aggregated/urlMaps" in req.path and next(failures, False)
            else None
        )
    )
    report = _audit(server)
    assert report.errors == []
    assert report.ingress("shop/web").url_map is not None
    assert sum(1 for r in server.requests if "aggregated/urlMaps" in r.path) == 3
