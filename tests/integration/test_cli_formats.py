"""`gkeingress audit` output formats, files, exit codes and progress, over HTTP to the fake world."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from gkeingress import REGISTRY
from gkeingress.cli import main
from gkeingress.schemas import report_schema
from gkeingress.testing import FakeGKE
from tests.integration.test_cli import _audit, _kubeconfig, _server  # noqa: F401 - shared fixtures


def test_sarif_has_a_rule_per_code_and_a_result_per_finding(
    server: FakeGKE, kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--format sarif` prints one SARIF run whose results are the report's findings."""
    assert main(_audit(server, kubeconfig, "--format", "json")) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert main(_audit(server, kubeconfig, "--format", "sarif")) == 1
    log = json.loads(capsys.readouterr().out)
    [run] = log["runs"]
    assert log["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [c.code for c in REGISTRY]
    assert [r["ruleId"] for r in run["results"]] == [f["code"] for f in findings]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_json_to_a_file_validates_against_the_shipped_schema(
    server: FakeGKE, kubeconfig: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--format json --output FILE` writes only the file, and it validates against the schema."""
    target = tmp_path / "report.json"
    assert main(_audit(server, kubeconfig, "--format", "json", "--output", str(target))) == 1
    assert capsys.readouterr().out == ""
    Draft202012Validator(report_schema()).validate(json.loads(target.read_text()))


def test_text_to_a_file_is_100_columns_without_colour(
    server: FakeGKE, kubeconfig: str, tmp_path: Path
) -> None:
    """A text report written to a file is laid out for 100 columns and holds no escape codes."""
    target = tmp_path / "report.txt"
    assert main(_audit(server, kubeconfig, "--output", str(target), "--fail-on", "never")) == 0
    text = target.read_text()
    assert "NEG_EMPTY" in text
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) == 100


def test_html_to_a_file_is_one_page(server: FakeGKE, kubeconfig: str, tmp_path: Path) -> None:
    """`--format html --output FILE` writes a single HTML page naming the findings."""
    target = tmp_path / "report.html"
    assert main(_audit(server, kubeconfig, "--format", "html", "--output", str(target))) == 1
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "NEG_EMPTY" in page


def test_an_unwritable_output_exits_2(
    server: FakeGKE, kubeconfig: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An output path that cannot be written is a one-line message and exit 2, not a traceback."""
    target = tmp_path / "missing-dir" / "report.sarif"
    assert main(_audit(server, kubeconfig, "--format", "sarif", "--output", str(target))) == 2
    assert capsys.readouterr().err.startswith(f"gkeingress: --output {target}: directory ")


def test_fail_on_warning(server: FakeGKE, kubeconfig: str) -> None:
    """A namespace with only warnings exits 0 by default and 1 with `--fail-on warning`."""
    args = _audit(server, kubeconfig, "--namespace", "analytics", "--format", "json")
    assert main(args) == 0
    assert main([*args, "--fail-on", "warning"]) == 1


def test_progress_on_a_terminal_and_quiet(
    server: FakeGKE,
    kubeconfig: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a terminal each list call and its count is shown on stderr; `--quiet` shows nothing."""
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then treats stderr as a terminal
    args = _audit(server, kubeconfig, "--format", "json")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "list networking.k8s.io/v1 ingresses" in err
    assert "compute.urlMaps.aggregatedList" in err
    assert main([*args, "--quiet"]) == 1
    assert capsys.readouterr().err == ""


def test_no_progress_when_stderr_is_not_a_terminal(
    server: FakeGKE,
    kubeconfig: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Piped or captured stderr gets no progress display."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    assert main(_audit(server, kubeconfig, "--format", "json")) == 1
    assert capsys.readouterr().err == ""


def test_explain_prints_the_whole_catalog_entry(capsys: pytest.CaptureFixture[str]) -> None:
    """`explain CODE` prints the code's title, severity, explanation, evidence, fix, data and links."""
    item = REGISTRY["HEALTH_CHECK_PATH_MISMATCH"]
    assert main(["explain", "health_check_path_mismatch"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    reads = "Reads: " + ", ".join(sorted(kind.value for kind in item.requires))
    parts = (item.title, item.explanation, item.evidence, item.fix, item.docs_url, reads)
    for part in (*parts, item.severity, *item.links):
        assert " ".join(part.split()) in out


def test_deep_asks_about_every_neg_and_no_rate_limit_never_waits(
    server: FakeGKE, kubeconfig: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--deep` lists every backend NEG's endpoints; `--rate-limit 0` never waits for pacing."""
    assert main(_audit(server, kubeconfig, "--format", "json", "--rate-limit", "0")) == 1
    cheap = json.loads(capsys.readouterr().out)
    assert main(_audit(server, kubeconfig, "--format", "json", "--deep", "--rate-limit", "0")) == 1
    deep = json.loads(capsys.readouterr().out)
    listed = "compute listNetworkEndpoints networkEndpointGroups"
    assert deep["api_calls"][listed] > cheap["api_calls"].get(listed, 0)
    assert cheap["waited_seconds"] == deep["waited_seconds"] == 0


def test_a_negative_rate_limit_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """A rate limit that is not a number of calls per second is a usage error, not a traceback."""
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--project", "p", "--rate-limit", "-3"])
    assert exit_.value.code == 2
    assert "calls per second" in capsys.readouterr().err
