"""The whole audit over the wire, replayed from cassettes: what users see survives the HTTP path.

Each test runs :func:`gkeingress.api.audit` with the real ``kubernetes`` and ``compute_v1``
clients against the demo world served by :class:`gkeingress.testing.FakeGKE`. By default
(pytest-recording's record mode ``none``) every response comes from
``cassettes/test_recorded_audit/demo_audit.yaml`` and the network is blocked, the fake server's
loopback port included, so the cassette alone must hold every request. ``nox -s record``
re-records it; see ``docs/recording.md``.

With ``GKEINGRESS_PROJECT`` set, :func:`test_real_project` records an audit of that project
(Application Default Credentials and the current kubeconfig context) instead; without it, that
test replays its cassette if one was committed and is skipped otherwise.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pytest
import yaml
from google.auth.credentials import AnonymousCredentials

from gkeingress.analysis import analyse
from gkeingress.api import audit, kube_client_from_config
from gkeingress.findings import Severity
from gkeingress.testing import DEMO_NOW, FakeGKE, demo_world, snapshot_of
from gkeingress.testing.fake_logging import FakeLogging
from gkeingress.testing.monitoring import FakeMonitoring
from gkeingress.testing.scenarios import INCIDENTS
from tests.conftest import CASSETTES

if TYPE_CHECKING:
    from gkeingress.findings import Finding
    from gkeingress.report import Report

REAL_PROJECT = os.environ.get("GKEINGRESS_PROJECT", "")
REAL_CASSETTE = CASSETTES / "test_recorded_audit" / "real_project.yaml"

FindingKey = tuple[str, str | None, str, str]

demo_cassette = pytest.mark.default_cassette("demo_audit.yaml")


def key(finding: Finding) -> FindingKey:
    """What a user reads of a finding."""
    return (finding.code, finding.ingress, finding.resource, finding.message)


def audit_demo_over_http(record_mode: str) -> Report:
    """Audit the demo world through the real clients, as ``gkeingress demo`` does (same clock).

    When replaying, the fake server still listens but must not see a single request: the
    cassette answers everything HTTP carries. Cloud Monitoring and Cloud Logging speak gRPC, which
    cassettes do not hold: the demo's :class:`FakeMonitoring` and :class:`FakeLogging` answer it
    live on loopback, as in ``gkeingress demo``.
    """
    world = demo_world()
    with (
        FakeGKE(world) as server,
        FakeMonitoring(world) as monitoring,
        FakeLogging(world) as logs,
        server.kube_client() as kube_client,
    ):
        report = audit(
            world.project,
            kube_client=kube_client,
            # Explicit, so no Application Default Credentials lookup (and no token exchange or
            # metadata-server probe) ever happens on the recording machine.
            credentials=AnonymousCredentials(),
            compute_endpoint=server.compute_endpoint,
            monitoring_endpoint=monitoring.endpoint,
            logging_client=logs.client(),
            now=DEMO_NOW,
        )
        if record_mode == "none":
            assert server.requests == [], "a replayed request reached the fake server"
    # A call the cassette lacks surfaces as a CollectionError (CannotOverwriteExistingCassette).
    assert not report.errors, f"stale cassette? re-record with `nox -s record`: {report.errors}"
    return report


def expected_demo_report() -> Report:
    """The same world judged straight from its objects, with no HTTP at all."""
    return analyse(snapshot_of(demo_world(), DEMO_NOW), now=DEMO_NOW)


@demo_cassette
@pytest.mark.vcr
@pytest.mark.block_network
def test_audit_over_http_loses_nothing(record_mode: str) -> None:
    """The findings read over HTTP are exactly those of the world's objects judged directly."""
    report = audit_demo_over_http(record_mode)
    expected = expected_demo_report()
    # The cassette holds the demo world as it was recorded: after a change to the builder or the
    # scenarios, re-record (`nox -s record`) before judging a difference here.
    assert sorted(map(key, report.findings)) == sorted(map(key, expected.findings))


@demo_cassette
@pytest.mark.vcr
@pytest.mark.block_network
def test_each_incident_ingress_carries_its_code(record_mode: str) -> None:
    """Every incident's root-cause code shows up over HTTP on the Ingress(es) that have it."""
    report = audit_demo_over_http(record_mode)
    expected = expected_demo_report()
    wrong = {}
    for cause in sorted({incident.cause for incident in INCIDENTS}):
        wanted = {f.ingress for f in expected.findings if f.code == cause}
        got = {f.ingress for f in report.findings if f.code == cause}
        if not wanted or got != wanted:
            wrong[cause] = {"expected": wanted, "over HTTP": got}
    assert not wrong


@demo_cassette
@pytest.mark.vcr
@pytest.mark.block_network
@pytest.mark.parametrize("name", ["shop/web", "blog/blog"])
def test_healthy_ingress_is_clean(name: str, record_mode: str) -> None:
    """A healthy Ingress has no error or warning, and its load balancer is paired."""
    report = audit_demo_over_http(record_mode)
    serious = [f for f in report.findings_for(name) if f.severity is not Severity.INFO]
    assert serious == []
    paired = report.ingress(name)
    assert paired.url_map is not None
    assert paired.forwarding_rules


@demo_cassette
@pytest.mark.vcr
@pytest.mark.block_network
def test_shop_web_is_paired_with_its_url_map_and_negs(record_mode: str) -> None:
    """``shop/web`` (v2 names, container-native) finds its URL map and a NEG per zone."""
    web = audit_demo_over_http(record_mode).ingress("shop/web")
    assert web.url_map is not None
    assert web.url_map.name.startswith("k8s2-um-")
    assert web.negs
    assert {n.name for n in web.negs} <= {bs.name for bs in web.backend_services}


def _recorded_project() -> str:
    """The project a committed real-project cassette was recorded against."""
    text = REAL_CASSETTE.read_text()
    for interaction in yaml.safe_load(text)["interactions"]:
        match = re.search(r"/compute/v1/projects/([^/]+)/", interaction["request"]["uri"])
        if match:
            return match[1]
    raise AssertionError(f"{REAL_CASSETTE} holds no Compute request")


@pytest.mark.default_cassette(REAL_CASSETTE.name)
@pytest.mark.vcr
@pytest.mark.block_network
@pytest.mark.skipif(
    not REAL_PROJECT and not REAL_CASSETTE.exists(),
    reason="set GKEINGRESS_PROJECT and run `nox -s record` to record a real project's audit",
)
def test_real_project(record_mode: str) -> None:
    """A real project's audit (recorded, or replayed from its cassette) reads every API."""
    if record_mode == "none":
        # Replay: no credentials and no kubeconfig are needed; the cassette answers.
        project = REAL_PROJECT or _recorded_project()
        from kubernetes import client as k8s  # noqa: PLC0415

        configuration = k8s.Configuration()
        configuration.host = "https://kubernetes.invalid"
        with k8s.ApiClient(configuration) as kube_client:
            report = audit(
                project,
                kube_client=kube_client,
                credentials=AnonymousCredentials(),
            )
    else:
        with kube_client_from_config() as kube_client:
            report = audit(REAL_PROJECT, kube_client=kube_client)
    assert report.errors == []
    assert report.api_calls
