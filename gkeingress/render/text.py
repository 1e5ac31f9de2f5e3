"""The terminal report: the answer first, worst Ingress first, each fault once, fit to copy from.

A summary line, then per Ingress its verdict (state and headline), what its load balancer answered
and its root causes (each with its message and fix, the findings it explains folded beneath it as
one line each); a serving Ingress without a fault is one line. Info findings are counted at the
end unless they are a verdict's root cause, ``verbose`` or ``min_severity=INFO``; ``verbose`` also
prints every message whole, each consequence in full and every Ingress's hops. Cluster-wide findings
and the API calls that failed come last.

Text is wrapped at spaces only, so resource names, URLs and commands are never split (a longer
one than the line goes on a line of its own); commands in a fix are set on lines of their own.
Laid out for 100 columns. :func:`route_text` is ``gkeingress route``'s answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.panel import Panel
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from gkeingress.findings import Finding, Severity, VerdictState
from gkeingress.live.probe import ProbeResult
from gkeingress.model.explain import why
from gkeingress.model.paths import PathHop, request_path
from gkeingress.model.routing import Route
from gkeingress.model.topology import PairedIngress
from gkeingress.model.traffic import ERROR_RATIO, observed_ratio, observed_summary
from gkeingress.report import AuditResult, FleetReport, Report, state_words, verdict_counts
from gkeingress.snapshot import CollectionError
from gkeingress.verdict import fold, worst_first

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MARK = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "ℹ"}
INCOMPLETE = "CHECK_INCOMPLETE"
VERDICT_STYLE = {
    VerdictState.FAILING: "bold red",
    VerdictState.NOT_PROVISIONED: "bold red",
    VerdictState.DEGRADED: "yellow",
    VerdictState.PROPAGATING: "cyan",
    VerdictState.NOT_MANAGED: "dim",
    VerdictState.UNVERIFIED: "yellow",
    VerdictState.SERVING: "green",
}
VERDICT_MARK = {
    VerdictState.FAILING: "✖",
    VerdictState.NOT_PROVISIONED: "✖",
    VerdictState.DEGRADED: "▲",
    VerdictState.PROPAGATING: "…",
    VerdictState.NOT_MANAGED: "-",
    VerdictState.UNVERIFIED: "?",
    VerdictState.SERVING: "✔",
}
HOP_MARK = {"ok": "✔", "degraded": "▲", "broken": "✖", "missing": "✖", "unknown": "?"}
HOP_STYLE = {"ok": "green", "degraded": "yellow", "broken": "red", "missing": "red", "unknown": ""}
_COMMAND = re.compile(
    r"`((?:kubectl|gcloud) [^`]+)`|^((?:kubectl|gcloud) [^`]+?)(?=, or |, and |$)"
)
"""A kubectl or gcloud command in a fix: quoted in backticks, or the fix itself."""

MESSAGE_CHARS = 240
"""A finding's message is cut after this many characters (at a sentence, else a word) unless
verbose: the first sentences say what is wrong, the JSON and ``--verbose`` hold the rest."""


@dataclass(frozen=True, slots=True)
class TextOptions:
    """What the text report shows.

    Attributes:
        verbose: every finding in full (info too), and every Ingress's hops.
        min_severity: the least severe finding shown; less severe ones are only counted.
    """

    verbose: bool = False
    min_severity: Severity = Severity.WARNING

    def shows(self, finding: Finding, roots: frozenset[str] = frozenset()) -> bool:
        """True when ``finding`` is printed, not only counted; verdicts' ``roots`` always are."""
        return (
            self.verbose or finding.severity.rank >= self.min_severity.rank or finding.id in roots
        )


class Indented:
    """Text wrapped at spaces to the width left after ``left`` columns of indent, no padding after."""

    def __init__(self, text: Text, left: int) -> None:
        self.text = text
        self.left = left

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Each wrapped line, indented."""
        indent = Segment(" " * self.left)
        for line in self.text.wrap(console, max(options.max_width - self.left, 1)):
            if self.left:
                yield indent
            line.rstrip()
            yield from line.render(console)
            yield Segment.line()


class Command:
    """A shell command on lines of its own.

    A command longer than the line is split at spaces with a backslash ending each line but the
    last, so it still pastes as one command.
    """

    def __init__(self, command: str, left: int) -> None:
        self.command = command
        self.left = left

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The command's lines, indented, each but the last ending in a backslash."""
        width = max(options.max_width - self.left - 4, 20)
        lines: list[str] = []
        for word in _SHELL_WORD.findall(self.command):
            if lines and len(lines[-1]) + 1 + len(word) <= width:
                lines[-1] += " " + word
            else:
                lines.append(word)
        for index, line in enumerate(lines):
            more = " \\" if index < len(lines) - 1 else ""
            yield Segment(" " * self.left + ("" if index == 0 else "  "))
            yield Segment(line + more, Style(bold=True))
            yield Segment.line()


_SHELL_WORD = re.compile(r"""(?:[^\s'"]+|'[^']*'|"[^"]*")+""")
"""A shell word: quoted parts are kept whole, so a command is never split inside quotes."""

COMMAND_ALONE = 30
"""Commands at least this long are set on lines of their own; shorter ones stay in the sentence."""


def fix_lines(remediation: str, left: int) -> Iterator[RenderableType]:
    """``→ fix``, each long command it holds on lines of its own, so it copies whole."""
    prose = Text("→ ", style="green")
    done = 0
    for match in _COMMAND.finditer(remediation):
        command = match.group(1) or match.group(2)
        if len(command) < COMMAND_ALONE:
            continue
        prose.append(remediation[done : match.start()].rstrip(), style="green")
        if prose.plain.strip() not in ("→", ""):
            yield Indented(prose, left)
        yield Command(command, left + 2)
        done = match.end()
        prose = Text("  ", style="green")
    prose.append(remediation[done:].lstrip(", ").replace("`", ""), style="green")
    if prose.plain.strip():
        yield Indented(prose, left)


def shortened(message: str, limit: int = MESSAGE_CHARS) -> str:
    """``message`` up to ``limit`` characters: whole sentences, else whole words and ``…``."""
    if len(message) <= limit:
        return message
    end = message.rfind(". ", 0, limit)
    if end > limit // 2:
        return message[: end + 1] + " …"
    return message[: message.rfind(" ", 0, limit)].rstrip(",;:") + " …"


def finding_lines(
    finding: Finding, left: int, *, whole: bool = False, said: str = ""
) -> Iterator[RenderableType]:
    """A finding: mark, code and resource on one line, then its message and its fix.

    Unless ``whole``, the message is shortened, and its first clause left out when the verdict's
    headline (``said``) already quotes it.
    """
    style = STYLE[finding.severity]
    yield Indented(
        Text.assemble(
            (f"{MARK[finding.severity]} {finding.code}", style), "  ", (finding.resource, "dim")
        ),
        left,
    )
    message = finding.message
    if not whole:
        opening = why(finding)
        if opening in said and message.startswith(opening):
            message = message[len(opening) :].lstrip(" .;:")
        message = shortened(message)
    if message:
        yield Indented(Text(message), left + 2)
    yield from fix_lines(finding.remediation, left + 2)


def _findings(
    findings: Sequence[Finding],
    options: TextOptions,
    left: int,
    roots: frozenset[str] = frozenset(),
    said: str = "",
) -> Iterator[RenderableType]:
    """Root causes in full, each with the findings it explains folded beneath (``↳``).

    ``said`` is the verdict's headline: what it already quotes is not repeated.
    """
    for root, beneath in fold(findings):
        if not options.shows(root, roots):
            continue
        yield from finding_lines(root, left, whole=options.verbose, said=said)
        for finding in beneath:
            if not options.shows(finding):
                continue
            if options.verbose:
                yield Indented(Text("↳ explains:", style="dim"), left + 2)
                yield from finding_lines(finding, left + 4, whole=True)
            else:
                yield Indented(
                    Text.assemble(("↳ ", "dim"), *finding_lines_short(finding)), left + 2
                )


def finding_lines_short(finding: Finding) -> tuple[tuple[str, str], ...]:
    """A consequence in one line: mark, code, resource."""
    style = STYLE[finding.severity]
    return (
        (f"{MARK[finding.severity]} {finding.code}", style),
        ("  ", ""),
        (finding.resource, "dim"),
    )


def verdict_text(paired: PairedIngress) -> Text:
    """The verdict's state and headline in one line, e.g. ``Failing  502 on …``."""
    verdict = paired.verdict
    if verdict is None:
        return Text()
    return Text.assemble(
        (verdict.state.label, VERDICT_STYLE[verdict.state]), "  ", verdict.headline
    )


def observed_line(paired: PairedIngress) -> Text | None:
    """What the Ingress's load balancer answered, if it answered errors in the evidence window.

    ``502s since 10:02 UTC, 41% of requests``: red when at least 5% of requests failed.
    """
    traffic = paired.traffic
    if traffic is None or not traffic.errors:
        return None
    severe = observed_ratio(traffic) >= ERROR_RATIO
    mark = MARK[Severity.ERROR if severe else Severity.WARNING]
    return Text.assemble(
        (
            f"{mark} observed: {observed_summary(traffic)}",
            STYLE[Severity.ERROR if severe else Severity.WARNING],
        ),
        (" (load balancer metrics)", "dim"),
    )


def ingress_header(paired: PairedIngress, *, short: bool = False) -> Text:
    """One line naming an Ingress: verdict state, ``namespace/name``, addresses and class.

    ``short`` leaves out the state's name (the mark says it) and the class.
    """
    ingress = paired.ingress
    verdict = paired.verdict
    header = Text()
    if verdict is not None:
        label = "" if short else f" {verdict.state.label}"
        header.append(f"{VERDICT_MARK[verdict.state]}{label}", style=VERDICT_STYLE[verdict.state])
        header.append(" " if short else "  ")
    header.append(paired.name, style="bold")
    header.append(f"  {', '.join(ingress.addresses) or 'no address'}", style="green")
    if not short:
        cls = ingress.class_annotation or ingress.ingress_class_name or "gce (default)"
        header.append(f"  class {cls}")
    return header


def one_line(paired: PairedIngress, options: TextOptions) -> Text | None:
    """A serving Ingress with no finding to show in one line: state, name, address, headline."""
    verdict = paired.verdict
    serving = verdict is None or verdict.state is VerdictState.SERVING
    if not serving or options.verbose or any(options.shows(f) for f in paired.findings):
        return None
    return ingress_header(paired, short=True).append(f"  {verdict.headline if verdict else ''}")


def _hop_text(hop: PathHop) -> Text:
    where = f" {hop.location}" if hop.location and hop.location != "global" else ""
    return Text.assemble(
        (f"{HOP_MARK[hop.state]} ", HOP_STYLE[hop.state]),
        f"{hop.kind}{where} ",
        (hop.name, "dim"),
        f": {hop.detail}" if hop.detail else "",
    )


def hop_lines(paired: PairedIngress) -> Iterator[RenderableType]:
    """Every hop of the Ingress's load balancer, lane by lane, judged as the HTML picture is."""
    path = request_path(paired)
    for hop in (*path.forwarding_rules, *path.target_proxies, path.url_map):
        yield Indented(_hop_text(hop), 2)
    for lane in path.lanes:
        title = lane.title + (" (default backend)" if lane.default else "")
        yield Indented(Text(title, style="bold"), 2)
        for hop in lane.hops:
            yield Indented(_hop_text(hop), 4)


def ingress_lines(paired: PairedIngress, options: TextOptions) -> Iterator[RenderableType]:
    """One Ingress: header, headline, the errors its load balancer answered, faults, broken hops.

    A serving Ingress with no finding to show is :func:`one_line`.
    """
    short = one_line(paired, options)
    if short is not None:
        yield short
        return
    verdict = paired.verdict
    headline = verdict.headline if verdict else ""
    roots = frozenset(f.id for f in verdict.root_causes) if verdict else frozenset()
    yield ingress_header(paired)
    if headline:
        yield Indented(Text(headline, style="bold"), 2)
    observed = observed_line(paired)
    if observed is not None:
        yield Indented(observed, 2)
    yield from _findings(paired.findings, options, 2, roots, headline)
    if options.verbose:
        yield from hop_lines(paired)
        yield Text()


def _counts(report: AuditResult) -> Text:
    counts = report.counts
    return Text.assemble(
        (f"{counts['error']} errors", STYLE[Severity.ERROR] if counts["error"] else "green"),
        ", ",
        (f"{counts['warning']} warnings", STYLE[Severity.WARNING] if counts["warning"] else ""),
        f", {counts['info']} info",
        (f"; {len(report.errors)} API call(s) failed", "yellow") if report.errors else "",
        (
            f"; {len(report.internal_errors)} internal error(s): a bug in gkeingress, see "
            "INTERNAL_ERROR",
            "bold red",
        )
        if report.internal_errors
        else "",
    )


def _states(ingresses: Sequence[PairedIngress]) -> Text:
    """``9 failing, 5 not provisioned, …``: how many Ingresses in each verdict state, worst first."""
    text = Text()
    for state, count in verdict_counts(ingresses):
        if text:
            text.append(", ")
        text.append(f"{count} {state_words(state)}", style=VERDICT_STYLE[state])
    return text


def _summary(report: Report) -> Text:
    scope = f"project {report.project}"
    if report.cluster is not None:
        scope = f"cluster {report.cluster.path}"
    calls = sum(report.api_calls.values())
    return Text.assemble(
        (f"gkeingress audit of {scope}: ", "bold"),
        f"{len(report.ingresses)} Ingresses: ",
        _states(report.ingresses),
        "\n",
        _counts(report),
        (
            f"; {calls} API calls, {report.retries} retried, "
            f"{report.waited:.1f} s waited for the quota and for backoff",
            "dim",
        ),
        *(
            (f"\nnot checked: {', '.join(codes)}: {reason}", "yellow")
            for reason, codes in report.unchecked_by_reason().items()
        ),
    )


def _unshown(
    findings: Sequence[Finding], options: TextOptions, roots: frozenset[str]
) -> Text | None:
    """How many findings are only counted, by code, and how to see them."""
    hidden = Counter(f.code for f in findings if not options.shows(f, roots))
    if not hidden:
        return None
    codes = ", ".join(f"{code} ×{n}" for code, n in hidden.most_common())
    return Text(
        f"{sum(hidden.values())} less severe findings not shown ({codes}); "
        "--verbose or --min-severity info shows them",
        style="dim",
    )


def _errors_table(errors: Sequence[CollectionError]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column("call", ratio=2, overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("what the API said", ratio=3)
    for error in errors:
        # API messages are data: Text keeps "[...]" in them from being read as rich markup.
        table.add_row(Text(error.call), Text(error.status_text), Text(error.message))
    return table


def _errors_panel(errors: Sequence[CollectionError]) -> Panel:
    return Panel(
        _errors_table(errors),
        title="Could not read (the checks that needed it report CHECK_INCOMPLETE)",
        title_align="left",
        border_style="yellow",
    )


def _render_cluster(report: Report, console: Console, options: TextOptions) -> None:
    console.print(Indented(_summary(report), 0))
    console.print()
    incomplete = sum(1 for f in report.findings if f.code == INCOMPLETE)
    ones: list[Text] = []
    for paired in worst_first(report.ingresses):
        short = one_line(paired, options)
        if short is not None:
            ones.append(short)  # printed together: one print per line is slow for thousands
            continue
        for line in ingress_lines(paired, options):
            console.print(line)
    if ones:
        console.print(Text("\n").join(ones))
    if incomplete:
        console.print(
            Text(f"? {incomplete} check(s) could not run: see CHECK_INCOMPLETE below", "yellow")
        )
    general = [f for f in report.findings if f.ingress is None]
    if general:
        console.print(Text("Cluster-wide", style="bold"))
        for line in _findings(general, options, 2):
            console.print(line)
    if report.errors:
        console.print(_errors_panel(report.errors))
    roots = frozenset(f.id for p in report.ingresses if p.verdict for f in p.verdict.root_causes)
    hidden = _unshown(report.findings, options, roots)
    if hidden is not None:
        console.print()
        console.print(Indented(hidden, 0))


def _render_fleet(fleet: FleetReport, console: Console, options: TextOptions) -> None:
    console.print(
        Text.assemble(
            (f"gkeingress audit of {len(fleet.clusters)} cluster(s) ", "bold"),
            (f"in {', '.join(fleet.projects)}: ", "bold"),
            f"{len(fleet.reports)} audited, {len(fleet.ingresses)} Ingresses, ",
            _counts(fleet),
        )
    )
    if fleet.fleet_findings:
        console.print(Text("Fleet", style="bold"))
        for line in _findings(fleet.fleet_findings, options, 2):
            console.print(line)
    if fleet.fleet_errors:
        console.print(_errors_panel(fleet.fleet_errors))
    for report in fleet.reports:
        console.rule(report.cluster.path if report.cluster else report.project, align="left")
        _render_cluster(report, console, options)


def render(report: AuditResult, console: Console, options: TextOptions | None = None) -> None:
    """Print the whole report; a fleet's prints its own findings, then each cluster's report."""
    chosen = options or TextOptions()
    if isinstance(report, FleetReport):
        _render_fleet(report, console, chosen)
    else:
        _render_cluster(report, console, chosen)


_ROUTE_STYLES = (
    ("  ✔ ", "green"),
    ("  ✖ ", "bold red"),
    ("no rule matched:", "yellow"),
    ("disagreement:", "yellow"),
)


def probe_text(result: ProbeResult) -> Text:
    """``gkeingress probe``'s answer (``str(result)``): agreement green, disagreement yellow."""
    first, *rest = str(result).splitlines()
    text = Text()
    text.append(first, style="bold")
    for line in rest:
        style = {"agrees": "green", "disagrees": "yellow"}.get(line.partition(":")[0], "")
        if line.startswith("DNS: ") and result.dns is not None and not result.dns.ok:
            style = "yellow"
        text.append("\n" + line, style=style)
    return text


def route_text(route: Route) -> Text:
    """Where a URL goes (``str(route)``), coloured: each hop green ✔ or red ✖, doubts in yellow."""
    first, *rest = str(route).splitlines()
    text = Text()
    text.append(first, style="bold")
    for line in rest:
        style = next((s for prefix, s in _ROUTE_STYLES if line.startswith(prefix)), "")
        text.append("\n" + line, style=style)
    return text
