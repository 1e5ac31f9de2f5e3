"""The terminal report, rendered as a 100-column terminal shows it."""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console

from gkeingress import CollectionError, Finding, Report
from gkeingress.render.text import render, route_text
from gkeingress.snapshot import DataKind
from gkeingress.verdict import fold, worst_first
from tests.unit.reports import PODS_FORBIDDEN, demo_report

WIDTH = 100
ROW_STARTS = ("✖ error", "▲ warning", "ℹ info")


def _lines(report: Report) -> list[str]:
    console = Console(width=WIDTH, record=True, force_terminal=False, file=io.StringIO())
    render(report, console)
    return console.export_text().splitlines()


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _row_message_column(lines: list[str], finding: Finding, start: int) -> tuple[int, str]:
    """Where the finding's row begins at or after ``start``, and its last column, unwrapped."""
    begin = next(i for i in range(start, len(lines)) if f" {finding.code} " in lines[i])
    after_code = lines[begin].index(finding.code) + len(finding.code)
    column = lines[begin].index(finding.resource[:8], after_code)
    end = begin + 1
    while end < len(lines) and not any(m in lines[end] for m in (*ROW_STARTS, "╰")):
        end += 1
    cells = [line[column:].rstrip().removesuffix("│") for line in lines[begin:end]]
    return begin, _squeeze("".join(cells))


def test_fits_100_columns_and_shows_every_code() -> None:
    """No line is wider than 100 cells, and every finding code of the demo is in the report."""
    report = demo_report(PODS_FORBIDDEN)
    lines = _lines(report)
    assert max(cell_len(line) for line in lines) <= WIDTH
    text = "\n".join(lines)
    assert [f.code for f in report.findings if f.code not in text] == []
    assert lines[0].startswith(
        f"gkeingress audit of project demo-project: {len(report.ingresses)} Ingresses, "
    )


def test_each_fix_is_under_its_finding() -> None:
    """Every finding's resource, message, then remediation are in its own row, in order."""
    report = demo_report()
    lines = _lines(report)
    row = 0
    for paired in worst_first(report.ingresses):
        for finding in (f for root, beneath in fold(paired.findings) for f in (root, *beneath)):
            row, cell = _row_message_column(lines, finding, row)
            expected = f"{finding.resource} {finding.message} → {finding.remediation}"
            assert cell == _squeeze(expected), finding.code
            row += 1


def test_clean_ingress_says_so_and_failed_calls_come_last() -> None:
    """A clean Ingress is one line under its tree; the failed API calls close the report."""
    lines = _lines(demo_report(PODS_FORBIDDEN))
    text = "\n".join(lines)
    assert "no faults found, but" in text
    assert "✔ no faults found" in "\n".join(_lines(demo_report()))
    cluster_wide = next(i for i, line in enumerate(lines) if "Cluster-wide" in line)
    could_not = next(i for i, line in enumerate(lines) if "Could not read" in line)
    assert cluster_wide < could_not
    assert "CHECK_INCOMPLETE" in lines[cluster_wide + 3]
    assert "list v1 pods" in lines[could_not + 3]
    assert "403 Forbidden" in lines[could_not + 3]


def test_api_messages_print_as_written() -> None:
    """An API error whose message holds square brackets is printed as is, not read as markup."""
    odd = CollectionError(
        DataKind.PODS, "list v1 pods", "path [/api/v1] refused [bold]twice[/bold]", 500, "Internal"
    )
    text = "\n".join(_lines(demo_report(odd)))
    assert "path [/api/v1] refused [bold]twice[/bold]" in text


def test_route_marks_each_hop_in_colour() -> None:
    """`route` reads as its plain answer, with working hops green and broken ones red."""
    route = demo_report().route("https://shop.example.com/api/users")
    text = route_text(route)
    assert text.plain == str(route)
    styles = {text.plain[s.start : s.end].strip()[:1]: str(s.style) for s in text.spans}
    assert styles["✖"] == "bold red"
    assert styles["✔"] == "green"


def test_each_ingress_with_errors_leads_with_what_was_observed() -> None:
    """payments/payments opens with its 502s and their onset, before the tree and its findings."""
    lines = _lines(demo_report())
    observed = next(i for i, line in enumerate(lines) if "observed: 502s since 09:33 UTC" in line)
    assert "100% of requests" in lines[observed]
    assert lines[observed + 1].lstrip("│ ").startswith("payments/payments")
    healthy = next(i for i, line in enumerate(lines) if line.lstrip("│ ").startswith("shop/web"))
    assert "observed" not in lines[healthy - 1]
