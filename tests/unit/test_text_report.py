"""The terminal report, rendered as a 100-column terminal (or a pipe) shows it."""

from __future__ import annotations

import io
import re

from rich.cells import cell_len
from rich.console import Console

from gkeingress import CollectionError, Report
from gkeingress.findings import Severity
from gkeingress.render.text import TextOptions, render, route_text
from gkeingress.snapshot import DataKind
from tests.unit.reports import PODS_FORBIDDEN, demo_report

WIDTH = 100


def _lines(report: Report, options: TextOptions | None = None) -> list[str]:
    console = Console(width=WIDTH, record=True, force_terminal=False, file=io.StringIO())
    render(report, console, options)
    return console.export_text().splitlines()


HEADER = re.compile(r"^[✖▲…✔-] ")


def _block(lines: list[str], ingress: str) -> list[str]:
    """The lines of one Ingress: from its header to a blank line or the next Ingress's header."""
    start = next(
        i for i, line in enumerate(lines) if HEADER.match(line) and f" {ingress}  " in line
    )
    end = next(
        (i for i in range(start + 1, len(lines)) if not lines[i].strip() or HEADER.match(lines[i])),
        len(lines),
    )
    return lines[start:end]


def test_the_demo_report_is_short_and_fits_100_columns() -> None:
    """Under 400 lines at 100 columns by default, no line wider, every error and warning code shown."""
    report = demo_report(PODS_FORBIDDEN)
    lines = _lines(report)
    assert len(_lines(demo_report())) < 400
    assert max(cell_len(line) for line in lines) <= WIDTH
    text = "\n".join(lines)
    shown = [f.code for f in report.findings if f.severity is not Severity.INFO]
    assert [code for code in shown if code not in text] == []
    assert lines[0].startswith(
        f"gkeingress audit of project demo-project: {len(report.ingresses)} Ingresses: "
    )


def test_worst_ingress_first_and_healthy_ones_in_one_line() -> None:
    """Failing Ingresses lead; a serving Ingress without a fault is a single line near the end."""
    lines = _lines(demo_report())
    headers = [line for line in lines if HEADER.match(line)]
    assert headers[0].startswith("✖ Failing  ")
    states = [h.split("  ")[0] for h in headers]
    assert states.index("✖ Not provisioned") > max(
        i for i, s in enumerate(states) if s == "✖ Failing"
    )
    assert " less severe findings not shown " in lines[lines.index(headers[-1]) + 2]
    shop = "✔ shop/web  34.117.0.11  serves shop/api, shop/web: 4 pods ready"
    assert shop in headers
    one_liners = [h for h in headers if re.match(r"^✔ [a-z-]+/[a-z-]+  ", h)]
    assert headers[-len(one_liners) :] == one_liners


def test_billing_shows_one_root_cause_with_the_empty_negs_folded_under_it() -> None:
    """The target port is the root cause, its fix follows, and both NEG_EMPTY are one line each."""
    block = _block(_lines(demo_report()), "billing/billing")
    assert block[0].startswith("✖ Failing  billing/billing")
    assert block[1].startswith("  502 on billing.example.com/*: Service billing/billing port 80")
    roots = [line for line in block if re.match(r"^  [✖▲ℹ] [A-Z_]+  ", line)]
    assert [r.split()[1] for r in roots] == ["TARGET_PORT_NOT_EXPOSED"]
    folded = [line for line in block if line.startswith("    ↳ ")]
    assert [line.split()[2] for line in folded] == ["NEG_EMPTY", "NEG_EMPTY"]
    assert block.index(folded[0]) > block.index(roots[0])
    assert "no container of its pods declares" not in "".join(folded)


def test_info_findings_are_counted_unless_asked_for() -> None:
    """DEFAULT_BACKEND_404 is summarised at the end; --verbose and --min-severity info print it."""
    report = demo_report()
    lines = _lines(report)
    infos = sum(1 for f in report.findings if f.code == "DEFAULT_BACKEND_404")
    assert not any("DEFAULT_BACKEND_404  " in line for line in lines)
    assert f"(DEFAULT_BACKEND_404 ×{infos}," in " ".join(lines)
    for options in (TextOptions(verbose=True), TextOptions(min_severity=Severity.INFO)):
        shown = [line for line in _lines(report, options) if "ℹ DEFAULT_BACKEND_404" in line]
        assert len(shown) == infos
    pending = _block(lines, "newsletter/newsletter")
    assert any("PROPAGATION_PENDING" in line for line in pending)


def test_names_urls_and_commands_are_never_split() -> None:
    """Every resource and URL is whole on one line; a long command continues with a backslash."""
    report = demo_report()
    lines = _lines(report)
    for finding in report.findings:
        if finding.severity is not Severity.INFO and len(finding.resource) < WIDTH - 10:
            assert any(finding.resource in line for line in lines), finding.resource
    firewall = next(i for i, line in enumerate(lines) if "gcloud compute firewall-rules" in line)
    command = []
    for line in lines[firewall:]:
        command.append(line.strip().removesuffix("\\").strip())
        if not line.endswith("\\"):
            break
    assert " ".join(command) == (
        "gcloud compute firewall-rules create allow-gclb-health-checks --direction=INGRESS "
        "--allow=tcp:8443 --source-ranges=130.211.0.0/22,35.191.0.0/16 "
        "--target-tags=gke-demo-1a2b3c4d-node"
    )
    wiki = _block(lines, "wiki/wiki")
    quoted = 'cloud.google.com/backend-config=\'{"default": "<backendconfig>"}\''
    assert any(quoted in line for line in wiki)


def test_verbose_prints_every_hop_as_the_picture_judges_it() -> None:
    """With --verbose every hop is listed: billing's backend service is broken, NEGs empty."""
    block = _block(_lines(demo_report(), TextOptions(verbose=True)), "billing/billing")
    [backend] = [line for line in block if "backend service k8s1-1a2b3c4d-billing" in line]
    assert backend.strip().startswith("✖ backend service")
    assert "no healthy endpoint" in backend
    negs = [line for line in block if line.strip().startswith("✖ NEG ")]
    assert len(negs) == 2


def test_clean_ingress_says_so_and_failed_calls_come_last() -> None:
    """With pods unreadable, checks that could not run are said; the failed calls close the report."""
    lines = _lines(demo_report(PODS_FORBIDDEN))
    text = "\n".join(lines)
    assert "check(s) could not run" in text
    cluster_wide = next(i for i, line in enumerate(lines) if line == "Cluster-wide")
    could_not = next(i for i, line in enumerate(lines) if "Could not read" in line)
    assert cluster_wide < could_not
    assert "CHECK_INCOMPLETE" in lines[cluster_wide + 1]
    assert "list v1 pods" in lines[could_not + 3]
    assert "403 Forbidden" in lines[could_not + 3]


def test_api_messages_print_as_written() -> None:
    """An API error whose message holds square brackets is printed as is, not read as markup."""
    odd = CollectionError(
        DataKind.PODS, "list v1 pods", "path [/api/v1] refused [bold]twice[/bold]", 500, "Internal"
    )
    text = "\n".join(_lines(demo_report(odd)))
    assert "path [/api/v1] refused [bold]twice[/bold]" in text


def test_reprs_are_one_short_line() -> None:
    """Repr of a report and of a paired Ingress names it and counts, in one line."""
    report = demo_report()
    text = repr(report)
    assert text.startswith(f"<Report demo-project: {len(report.ingresses)} Ingresses (")
    assert " failing, 5 not provisioned, " in text
    assert text.endswith(
        f" serving), {report.counts['error']} errors, {report.counts['warning']} warnings, "
        f"{report.counts['info']} info>"
    )
    assert "\n" not in text
    assert len(text) < 200
    billing = report.ingress("billing/billing")
    assert repr(billing) == "<PairedIngress billing/billing failing: 4 findings, 2 backends>"
    assert report._repr_html_() is not None
    assert billing._repr_html_() is not None


def test_route_marks_each_hop_in_colour() -> None:
    """`route` reads as its plain answer, with working hops green and broken ones red."""
    route = demo_report().route("https://shop.example.com/api/users")
    text = route_text(route)
    assert text.plain == str(route)
    styles = {text.plain[s.start : s.end].strip()[:1]: str(s.style) for s in text.spans}
    assert styles["✖"] == "bold red"
    assert styles["✔"] == "green"


def test_each_ingress_with_errors_leads_with_what_was_observed() -> None:
    """payments/payments opens with its verdict, then its 502s and their onset, then its findings."""
    block = _block(_lines(demo_report()), "payments/payments")
    observed = next(i for i, line in enumerate(block) if "observed: 502s since 09:33 UTC" in line)
    assert "100% of requests" in block[observed]
    first_finding = next(i for i, line in enumerate(block) if re.match(r"^  [✖▲ℹ] [A-Z_]+", line))
    assert 0 < observed < first_finding
    shop = _block(_lines(demo_report()), "shop/web")
    assert len(shop) == 1
    assert "observed" not in shop[0]
