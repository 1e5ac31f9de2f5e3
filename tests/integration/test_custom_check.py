"""A team adds its own check from outside the package, with the public API alone."""

from collections.abc import Iterator

from google.auth.credentials import AnonymousCredentials

import gkeingress
from gkeingress import AuditOptions, DataKind, Hit, Registry, Severity, Topology, check
from gkeingress.render.sarif import to_sarif
from gkeingress.testing import DEMO_NOW, FakeGKE, demo_world, kube_error
from gkeingress.testing.server import FaultResponse, IncomingRequest


@check(
    "ACME_ADMIN_EXPOSED",
    severity=Severity.ERROR,
    title="An Ingress exposes the admin namespace",
    explanation="Acme's policy: nothing in the `admin` namespace is reachable from outside.",
    evidence="The Ingress and the Services it routes to; `services` lists them.",
    fix="Delete the Ingress, or move the Service behind the internal gateway.",
    links=["https://cloud.google.com/kubernetes-engine/docs/concepts/ingress"],
    requires=[DataKind.INGRESSES, DataKind.SERVICES],
)
def admin_exposed(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Flag every GKE Ingress of the admin namespace that routes to an existing Service."""
    del options
    for paired in topology.ingresses:
        if paired.ingress.meta.namespace != "admin" or not paired.managed:
            continue
        services = sorted(
            {b.service_key for b in paired.backends if b.service and not b.is_system_default}
        )
        if services:
            yield Hit(
                ingress=paired.name,
                resource=f"Ingress {paired.name}",
                message=f"Ingress {paired.name} exposes {', '.join(services)}.",
                remediation="Delete the Ingress, or move the Service behind the internal gateway.",
                evidence={"services": services},
            )


ACME = Registry([*gkeingress.REGISTRY, admin_exposed])


def _audit(server: FakeGKE) -> gkeingress.Report:
    with server.kube_client() as client:
        return gkeingress.audit(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.url,
            now=DEMO_NOW,
            evidence=False,
            registry=ACME,
        )


def test_a_check_written_outside_gkeingress_reports_beside_the_shipped_ones() -> None:
    """The demo's admin/admin Ingress is flagged by Acme's own check, in every format."""
    with FakeGKE(demo_world()) as server:
        report = _audit(server)
    [finding] = [f for f in report.findings if f.code == "ACME_ADMIN_EXPOSED"]
    assert (finding.ingress, finding.severity) == ("admin/admin", "error")
    assert finding.message == "Ingress admin/admin exposes admin/admin."
    assert finding.evidence == {"services": ["admin/admin"]}
    assert "SYNC_ERROR" in {f.code for f in report.findings}  # the shipped checks ran too
    assert "ACME_ADMIN_EXPOSED" in {f["code"] for f in report.to_dict()["findings"]}
    [run] = to_sarif(report, ACME)["runs"]
    assert "ACME_ADMIN_EXPOSED" in {rule["id"] for rule in run["tool"]["driver"]["rules"]}


def test_a_custom_check_that_read_a_failed_list_is_not_trusted() -> None:
    """With the Services list refused, Acme's check reports CHECK_INCOMPLETE, not silence."""

    def no_services(req: IncomingRequest) -> FaultResponse | None:
        if req.path.endswith("/services"):
            return kube_error(
                403, "Forbidden", 'services is forbidden: User cannot list "services"'
            )
        return None

    with FakeGKE(demo_world()) as server:
        server.faults.append(no_services)
        report = _audit(server)
    incomplete = {f.evidence["check"] for f in report.findings if f.code == "CHECK_INCOMPLETE"}
    assert "ACME_ADMIN_EXPOSED" in incomplete
    assert "ACME_ADMIN_EXPOSED" not in {f.code for f in report.findings}
