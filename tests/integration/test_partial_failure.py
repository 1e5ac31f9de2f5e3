"""Each kind of data failing in turn over the whole demo world: skipped checks, never false findings.

For every kind of data the audit reads, its call(s) answer 403 while everything else answers as
usual. A check whose answer could rest on the missing data must say it did not run
(``CHECK_INCOMPLETE``); every other check must say exactly what it says on the healthy audit, so no
finding claims that something is missing, empty or does not exist because a call failed.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from gkeingress import Report, audit
from gkeingress.checks import REGISTRY
from gkeingress.findings import VerdictState
from gkeingress.snapshot import DataKind
from gkeingress.testing import (
    DEMO_NOW,
    FakeGKE,
    FaultResponse,
    World,
    WorldBuilder,
    google_error,
    kube_error,
)
from gkeingress.testing.fake_logging import FakeLogging
from gkeingress.testing.monitoring import FakeMonitoring
from gkeingress.testing.scenarios import HEALTHY, INCIDENTS
from gkeingress.testing.server import IncomingRequest

CONTEXT = "gke_demo-project_us-central1_demo"
"""A kubeconfig context as gcloud names it: the audit reads that cluster's Container API facts."""

FAILING: dict[DataKind, Callable[[str], bool]] = {
    DataKind.INGRESSES: lambda path: path.endswith("/ingresses"),
    DataKind.SERVICES: lambda path: path.endswith("/services"),
    DataKind.ENDPOINT_SLICES: lambda path: path.endswith("/endpointslices"),
    DataKind.PODS: lambda path: path.endswith("/pods"),
    DataKind.EVENTS: lambda path: path.endswith("/events"),
    DataKind.BACKEND_CONFIGS: lambda path: path.endswith("/backendconfigs"),
    DataKind.SVCNEGS: lambda path: path.endswith("/servicenetworkendpointgroups"),
    DataKind.FRONTEND_CONFIGS: lambda path: path.endswith("/frontendconfigs"),
    DataKind.SECRETS: lambda path: path.endswith("/secrets"),
    DataKind.REPLICASETS: lambda path: path.endswith("/replicasets"),
    DataKind.CLUSTER_IDENTITY: lambda path: path.endswith(
        ("/configmaps/ingress-uid", "/namespaces/kube-system")
    ),
    DataKind.URL_MAPS: lambda path: path.endswith("/aggregated/urlMaps"),
    DataKind.TARGET_PROXIES: lambda path: path.endswith(
        ("/aggregated/targetHttpProxies", "/aggregated/targetHttpsProxies")
    ),
    DataKind.FORWARDING_RULES: lambda path: path.endswith("/aggregated/forwardingRules"),
    DataKind.BACKEND_SERVICES: lambda path: path.endswith("/aggregated/backendServices"),
    DataKind.HEALTH_CHECKS: lambda path: path.endswith("/aggregated/healthChecks"),
    DataKind.NEGS: lambda path: path.endswith("/aggregated/networkEndpointGroups"),
    DataKind.FIREWALLS: lambda path: path.endswith("/global/firewalls"),
    DataKind.ADDRESSES: lambda path: path.endswith("/aggregated/addresses"),
    DataKind.BACKEND_HEALTH: lambda path: path.endswith("/getHealth"),
    DataKind.NEG_ENDPOINTS: lambda path: path.endswith("/listNetworkEndpoints"),
    DataKind.CLUSTER: lambda path: path.startswith("/v1/projects/demo-project/locations/"),
}
"""The HTTP requests that read each kind of data, by URL path (the APIs' own paths). Request
counts come from Cloud Monitoring over gRPC: that kind fails by permission instead."""

LOGS: dict[DataKind, str] = {
    DataKind.REQUEST_LOGS: "httpRequest.status",
    DataKind.HEALTH_CHECK_LOGS: "compute.googleapis.com%2Fhealthchecks",
    DataKind.AUDIT_LOGS: "cloudaudit.googleapis.com%2Factivity",
}
"""What the Cloud Logging query of each kind of log, over gRPC, has in its filter."""

Summary = dict[str, list[tuple[str, str | None, str, str]]]


def _forbidden(req: IncomingRequest) -> FaultResponse:
    if req.path.startswith(("/compute/", "/v1/projects/")):
        return google_error(403, "forbidden", f"Required permission for {req.path}")
    return kube_error(403, "Forbidden", f"{req.path} is forbidden: User cannot list it")


def _kubeconfig(server: FakeGKE, path: Path) -> str:
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": CONTEXT, "cluster": {"server": server.url}}],
                "users": [{"name": CONTEXT, "user": {"token": "kubeconfig-token"}}],
                "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
                "current-context": CONTEXT,
            }
        )
    )
    return str(path)


@pytest.fixture(name="world", scope="module")
def _world() -> World:
    """The demo world on a cluster whose facts the Container API gives."""
    builder = WorldBuilder()
    builder.cluster("us-central1")
    for scenario in (*HEALTHY, *(incident.scenario for incident in INCIDENTS)):
        scenario(builder)
    return builder.world


@pytest.fixture(name="server", scope="module")
def _server(world: World) -> Iterator[FakeGKE]:
    with FakeGKE(world) as server:
        yield server


@pytest.fixture(name="monitoring", scope="module")
def _monitoring(world: World) -> Iterator[FakeMonitoring]:
    with FakeMonitoring(world) as monitoring:
        yield monitoring


@pytest.fixture(name="logging", scope="module")
def _logging(world: World) -> Iterator[FakeLogging]:
    with FakeLogging(world) as logging:
        yield logging


@pytest.fixture(name="kubeconfig", scope="module")
def _kubeconfig_file(server: FakeGKE, tmp_path_factory: pytest.TempPathFactory) -> str:
    return _kubeconfig(server, tmp_path_factory.mktemp("kube") / "config")


def _audit(
    server: FakeGKE, monitoring: FakeMonitoring, logging: FakeLogging, kubeconfig: str
) -> Report:
    return audit(
        "demo-project",
        kubeconfig=kubeconfig,
        credentials=AnonymousCredentials(),
        compute_endpoint=server.url,
        container_endpoint=server.url,
        monitoring_endpoint=monitoring.endpoint,
        logging_endpoint=logging.address,
        now=DEMO_NOW,
        deep=True,
        rate_limit=None,
    )


def _by_code(report: Report) -> Summary:
    found: Summary = defaultdict(list)
    for f in report.findings:
        found[f.code].append((f.severity.value, f.ingress, f.resource, f.message))
    return found


@pytest.fixture(name="healthy", scope="module")
def _healthy(
    server: FakeGKE, monitoring: FakeMonitoring, logging: FakeLogging, kubeconfig: str
) -> Report:
    return _audit(server, monitoring, logging, kubeconfig)


def test_the_healthy_audit_reads_everything(healthy: Report) -> None:
    """The baseline: every call succeeds, the cluster's facts are read, every check ran."""
    assert healthy.errors == []
    assert healthy.cluster is not None
    assert healthy.unchecked == ()
    assert "CHECK_INCOMPLETE" not in _by_code(healthy)


def test_every_kind_of_data_is_failed_below() -> None:
    """The table below covers every kind of data the audit reads."""
    assert {*FAILING, *LOGS, DataKind.REQUEST_COUNTS} == set(DataKind)


@pytest.mark.parametrize("kind", list(DataKind), ids=lambda kind: kind.name)
def test_a_failed_kind_skips_its_checks_and_changes_no_other(  # noqa: PLR0917 - pytest fixtures
    server: FakeGKE,
    monitoring: FakeMonitoring,
    logging: FakeLogging,
    kubeconfig: str,
    healthy: Report,
    kind: DataKind,
) -> None:
    """With one kind's calls refused, its checks say so and every other check answers as before."""
    if kind is DataKind.REQUEST_COUNTS:
        monitoring.allow = frozenset()  # no permission at all: PERMISSION_DENIED
    elif kind in LOGS:
        logging.refuse = lambda _, text: LOGS[kind] in text
    else:
        fails = FAILING[kind]
        server.faults.append(lambda req: _forbidden(req) if fails(req.path) else None)
    try:
        report = _audit(server, monitoring, logging, kubeconfig)
    finally:
        server.faults.clear()
        monitoring.allow = None
        logging.refuse = None
    assert report.errors, f"no call for {kind.value} failed"
    assert {e.kind for e in report.errors} == {kind}

    before, after = _by_code(healthy), _by_code(report)
    skipped = {f.evidence["check"] for f in report.findings if f.code == "CHECK_INCOMPLETE"}
    for check in REGISTRY:
        if check.run is None or check.code in skipped:
            continue
        # A check that ran says exactly what it says with every call answered: no finding it
        # makes is new (no false "missing" or "empty"), none it made is silently dropped.
        assert after.get(check.code, []) == before.get(check.code, []), check.code
    assert set(after) <= {*before, "CHECK_INCOMPLETE"}

    # What the docs say each check reads (`gkeingress explain`) gives the reason it was skipped,
    # and every check documented as reading this kind, and which found something, was skipped.
    documented = {c.code for c in REGISTRY if c.run is not None and kind in c.requires}
    assert skipped <= documented
    assert {code for code in documented if before.get(code)} <= skipped
    assert report.unchecked == ()

    # No Ingress is called serving on the strength of checks that did not run.
    states = {p.name: p.verdict.state for p in report.ingresses if p.verdict is not None}
    if skipped:
        assert VerdictState.SERVING not in states.values()
