"""``gkeingress audit --cluster``: no kubeconfig, the cluster found through the Container API."""

import json
from collections.abc import Iterator

import pytest

from gkeingress.cli import main
from gkeingress.testing import FakeFleet, WorldBuilder
from gkeingress.testing import incidents_cluster as incidents

CLUSTER = "projects/demo-project/locations/us-central1/clusters/demo"


@pytest.fixture(name="fleet")
def _fleet() -> Iterator[FakeFleet]:
    builder = WorldBuilder()
    incidents.http_load_balancing_disabled(builder)
    with FakeFleet([builder.world]) as fleet:
        # --no-credentials sends no Google token: this control plane lets the caller in.
        fleet.clusters[CLUSTER].authenticate = None
        yield fleet


def _args(fleet: FakeFleet, *extra: str) -> list[str]:
    return [
        "audit",
        "--project",
        "demo-project",
        "--no-credentials",
        "--compute-endpoint",
        fleet.url,
        "--container-endpoint",
        fleet.url,
        "--quiet",
        *extra,
    ]


def test_audit_by_cluster_name(fleet: FakeFleet, capsys: pytest.CaptureFixture[str]) -> None:
    """--cluster LOCATION/NAME audits the cluster; the JSON names it on the finding."""
    assert main(_args(fleet, "--cluster", "us-central1/demo", "--format", "json")) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["cluster"] == CLUSTER
    [finding] = [f for f in report["findings"] if f["code"] == "HTTP_LOAD_BALANCING_DISABLED"]
    assert finding["cluster"] == CLUSTER


def test_unknown_cluster_exits_2_with_its_name(
    fleet: FakeFleet, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown cluster is a clear one-line error, not a traceback."""
    assert main(_args(fleet, "--cluster", "us-central1/nope")) == 2
    assert "clusters/nope was not found" in capsys.readouterr().err


def test_private_endpoint_flag_reaches_the_connection(
    fleet: FakeFleet, capsys: pytest.CaptureFixture[str]
) -> None:
    """--use-private-endpoint is honoured: a public-only cluster says it has no private endpoint."""
    assert main(_args(fleet, "--cluster", "us-central1/demo", "--use-private-endpoint")) == 2
    assert "no private endpoint" in capsys.readouterr().err
