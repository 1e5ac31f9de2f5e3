"""Three Cloud Logging queries per project, over real gRPC to the fake, whatever the audit's size."""

from datetime import timedelta

import grpc
import pytest
from google.api_core.exceptions import InvalidArgument
from google.auth.credentials import AnonymousCredentials

from gkeingress import audit
from gkeingress.collect.gate import ApiGate
from gkeingress.collect.logs import (
    DEFAULT_MAX_ENTRIES,
    LogCollector,
    LogResult,
    LogScope,
    log_scope,
)
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.snapshot import DataKind
from gkeingress.testing import DEMO_NOW, FakeGKE, WorldBuilder, incidents_evidence, snapshot_of
from gkeingress.testing.fake_logging import FakeLogging
from gkeingress.testing.logbook import LogBook
from gkeingress.testing.scale import builder_of
from gkeingress.testing.scenarios import healthy_blog, healthy_shop

HOUR = timedelta(hours=1)


@pytest.fixture(name="builder")
def _builder() -> WorldBuilder:
    return WorldBuilder()


def _scope(builder: WorldBuilder) -> LogScope:
    snapshot = snapshot_of(builder.world, DEMO_NOW, errors_window=None)
    return log_scope(snapshot, DEMO_NOW - 6 * HOUR, DEMO_NOW)


def _collect(
    fake: FakeLogging, scope: LogScope, max_entries: int = DEFAULT_MAX_ENTRIES
) -> tuple[LogResult, ApiGate]:
    gate = ApiGate(rate=None, sleep=lambda _: None)
    result = LogCollector(fake.client(), gate, max_entries=max_entries).collect(scope)
    return result, gate


def test_the_library_filters_select_the_audited_ingresses_in_the_window(
    builder: WorldBuilder,
) -> None:
    """Errors of shop/web in the window come back; older ones, 2xx and other projects' do not."""
    healthy_shop(builder)
    healthy_blog(builder)
    traffic = LogBook(builder)
    url = "http://shop.example.com/old"
    traffic.requests(
        "shop",
        "web",
        url=url,
        status=404,
        details="response_sent_by_backend",
        since=DEMO_NOW - 2 * HOUR,
        count=7,
    )
    traffic.requests(
        "shop",
        "web",
        url=url,
        status=404,
        details="response_sent_by_backend",
        since=DEMO_NOW - 7 * HOUR,
        count=5,
    )  # before the 6 h window
    traffic.requests(
        "shop",
        "web",
        url=url,
        status=200,
        details="response_sent_by_backend",
        since=DEMO_NOW - HOUR,
        count=9,
    )  # not an error
    foreign = traffic.requests(
        "blog",
        "blog",
        url="http://blog/",
        status=502,
        details="failed_to_pick_backend",
        since=DEMO_NOW - HOUR,
        count=3,
    )
    for entry in foreign:  # the same load balancer names, in another project's log
        entry["logName"] = entry["logName"].replace("demo-project", "other-project")
    traffic.compute_write(
        "healthChecks",
        builder.backend_name("shop", "web", 80),
        "patch",
        at=DEMO_NOW - 7 * HOUR,
        principal="alice@example.com",
    )  # 2 h before
    traffic.compute_write(
        "urlMaps",
        "k8s2-um-someone-elses-map",
        "patch",
        at=DEMO_NOW - HOUR,
        principal="bob@example.com",
    )

    with FakeLogging(builder.world) as fake:
        result, gate = _collect(fake, _scope(builder))

    assert [len(result.entries[k]) for k in DataKind if k in result.entries] == [7, 0, 1]
    assert gate.counts() == {"logging.entries.list": 3}
    assert {r.page_size for r in fake.requests} == {1000}
    assert {r.order_by for r in fake.requests} == {"timestamp desc"}
    assert all('timestamp<="2026-11-20T10:00:00Z"' in r.filter for r in fake.requests)


def test_a_query_stops_at_the_entry_limit_newest_first_and_says_so(builder: WorldBuilder) -> None:
    """2,500 errors and a limit of 1,500: two pages, the newest 1,500, marked truncated."""
    healthy_shop(builder)
    LogBook(builder).requests(
        "shop",
        "web",
        url="http://shop.example.com/x",
        status=502,
        details="failed_to_pick_backend",
        since=DEMO_NOW - 5 * HOUR,
        count=2500,
        every=timedelta(seconds=5),
    )

    with FakeLogging(builder.world) as fake:
        result, gate = _collect(fake, _scope(builder), max_entries=1500)

    requests = result.entries[DataKind.REQUEST_LOGS]
    assert len(requests) == 1500
    assert requests[0]["timestamp"] > requests[-1]["timestamp"]
    read = next(r for r in result.reads if r.kind == "requestLogs")
    assert (read.entries, read.truncated) == (1500, True)
    assert gate.counts() == {"logging.entries.list": 4}  # 2 pages + 2 other queries


def test_without_permission_each_query_fails_naming_logging_log_entries_list(
    builder: WorldBuilder,
) -> None:
    """A 403 is recorded per kind of evidence with the permission to grant; nothing is raised."""
    healthy_shop(builder)
    with FakeLogging(builder.world, refuse=lambda projects, _: "demo-project" in projects) as fake:
        result, _ = _collect(fake, _scope(builder))

    assert result.entries == {}
    assert [e.kind for e in result.errors] == [
        DataKind.REQUEST_LOGS,
        DataKind.HEALTH_CHECK_LOGS,
        DataKind.AUDIT_LOGS,
    ]
    assert all(e.status == 403 and "logging.logEntries.list" in e.message for e in result.errors)


def test_throttling_is_retried_by_the_gate_and_counted(builder: WorldBuilder) -> None:
    """RESOURCE_EXHAUSTED (the 60-a-minute read quota) is retried; the retry is a counted call."""
    healthy_shop(builder)
    with FakeLogging(builder.world) as fake:
        fake.faults.append((grpc.StatusCode.RESOURCE_EXHAUSTED, "Quota exceeded"))
        result, gate = _collect(fake, _scope(builder))

    assert result.errors == []
    assert gate.counts() == {"logging.entries.list": 4}
    assert gate.retries == 1


@pytest.mark.parametrize("page_size", [1001, -1])
def test_the_fake_refuses_what_the_api_refuses(builder: WorldBuilder, page_size: int) -> None:
    """page_size over 1,000 is INVALID_ARGUMENT, as the API documents."""
    with FakeLogging(builder.world) as fake, pytest.raises(InvalidArgument):
        fake.client().list_log_entries(
            request={"resource_names": ["projects/demo-project"], "page_size": page_size},
            retry=None,
        )


def test_logging_calls_do_not_grow_with_the_number_of_ingresses() -> None:
    """Ten times the Ingresses, each with errors: still one query per kind of evidence."""
    calls = []
    for size in (3, 30):
        builder = builder_of(size, zones=1)
        traffic = LogBook(builder)
        for i in range(size):
            traffic.requests(
                f"team-{i // 50:03d}",
                f"app-{i:04d}",
                url=f"http://app-{i:04d}.example.com/x",
                status=502,
                details="failed_to_pick_backend",
                since=DEMO_NOW - HOUR,
                count=2,
            )
        with FakeLogging(builder.world) as fake:
            result, gate = _collect(fake, _scope(builder))
        assert len(result.entries[DataKind.REQUEST_LOGS]) == 2 * size
        calls.append(gate.counts()["logging.entries.list"])
    assert calls == [3, 3]


def test_an_audit_without_the_logging_permission_completes_and_names_it(
    builder: WorldBuilder,
) -> None:
    """403 on every log query: the log checks are CHECK_INCOMPLETE naming the permission."""
    incidents_evidence.keepalive_resets(builder)
    with (
        FakeGKE(builder.world) as server,
        server.kube_client() as kube_client,
        FakeLogging(builder.world, refuse=lambda *_: True) as fake,
    ):
        report = audit(
            builder.world.project,
            kube_client=kube_client,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.compute_endpoint,
            logging_client=fake.client(),
            now=DEMO_NOW,
        )

    incomplete = {
        f.evidence["check"]: f.message for f in report.findings if f.code == "CHECK_INCOMPLETE"
    }
    assert "LB_BACKEND_CONNECTION_CLOSED" in incomplete
    assert "HEALTH_CHECK_PROBE_FAILING" in incomplete
    assert all("logging.logEntries.list" in m for m in incomplete.values())
    assert "LB_BACKEND_CONNECTION_CLOSED" not in {f.code for f in report.findings}
    assert {e.kind for e in report.errors} == {
        DataKind.REQUEST_LOGS,
        DataKind.HEALTH_CHECK_LOGS,
        DataKind.AUDIT_LOGS,
    }


def test_a_named_cluster_reads_only_its_own_kubernetes_writes(builder: WorldBuilder) -> None:
    """An audit of a known cluster asks the audit logs for that cluster's writes, no other's."""
    incidents_evidence.keepalive_resets(builder)
    cluster = ClusterInfo.from_json(builder.cluster(), builder.world.project)
    with (
        FakeGKE(builder.world) as server,
        server.kube_client() as kube_client,
        FakeLogging(builder.world) as fake,
    ):
        audit(
            builder.world.project,
            kube_client=kube_client,
            cluster=cluster,
            credentials=AnonymousCredentials(),
            compute_endpoint=server.compute_endpoint,
            logging_client=fake.client(),
            now=DEMO_NOW,
        )
    audit_queries = [r.filter for r in fake.requests if "cloudaudit" in r.filter]
    assert len(audit_queries) == 1
    assert f'resource.labels.cluster_name="{builder.cluster_name}"' in audit_queries[0]
