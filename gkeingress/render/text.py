"""The terminal report: a summary, then per Ingress its load balancer as a tree and its findings.

Each finding is a table row (severity, code, then resource and message) with its fix directly under
the message; cluster-wide findings and the API calls that failed come last. Laid out for 100
columns. :func:`route_text` is ``gkeingress route``'s answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from gkeingress.findings import Finding, Severity, VerdictState
from gkeingress.live.probe import ProbeResult
from gkeingress.model.routing import Route
from gkeingress.model.topology import PairedIngress, ServiceBackend
from gkeingress.model.traffic import ERROR_RATIO, observed_ratio, observed_summary
from gkeingress.report import AuditResult, FleetReport, Report
from gkeingress.resources.gce import ComputeResource
from gkeingress.snapshot import CollectionError
from gkeingress.verdict import fold, worst_first

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MARK = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "ℹ"}
INCOMPLETE = "CHECK_INCOMPLETE"


def _name(resource: ComputeResource | None, missing: str = "not found") -> Text:
    if resource is None:
        return Text(missing, style="red")
    where = "" if resource.location == "global" else f" ({resource.location})"
    return Text(resource.name + where)


def _backend_tree(tree: Tree, backend: ServiceBackend) -> None:
    label = Text(f"{backend.service_key}:{backend.ref.port}", style="bold")
    if backend.is_default:
        label.append(" default backend", style="dim")
    ready = sum(1 for p in backend.pods if p.ready and not p.terminating)
    label.append(f"  {ready}/{len(backend.pods)} pods ready", style="green" if ready else "red")
    if backend.health_state:
        color = "green" if backend.health_state.upper() == "HEALTHY" else "red"
        label.append(f"  {backend.health_state}", style=color)
    node = tree.add(label)
    node.add(Text("backend service ").append_text(_name(backend.backend_service)))
    if backend.health_check is not None:
        hc = backend.health_check
        port = "serving port" if hc.uses_serving_port else f"port {hc.port}"
        node.add(Text(f"health check {hc.name}: {hc.type} {hc.request_path} on {port}"))
    for neg in backend.negs:
        node.add(Text(f"NEG {neg.zone}: {neg.size} endpoint(s)", style="" if neg.size else "red"))


def ingress_header(paired: PairedIngress) -> Text:
    """One line naming an Ingress: ``namespace/name``, its addresses and its class."""
    ingress = paired.ingress
    header = Text(paired.name, style="bold")
    header.append(f"  {', '.join(ingress.addresses) or 'no address'}", style="green")
    cls = ingress.class_annotation or ingress.ingress_class_name or "gce (default)"
    header.append(f"  class {cls}")
    if not paired.managed:
        header.append("  (not a GKE Ingress)", style="dim")
    return header


def ingress_tree(paired: PairedIngress) -> Tree:
    """The load balancer of one Ingress, frontend to pods, under its header."""
    tree = Tree(ingress_header(paired))
    for rule in paired.forwarding_rules:
        tree.add(Text(f"forwarding rule {rule.name} {rule.ip_address}:{rule.port_range}"))
    for proxy in paired.target_proxies:
        tree.add(Text(f"target {'HTTPS' if proxy.https else 'HTTP'} proxy {proxy.name}"))
    tree.add(Text("URL map ").append_text(_name(paired.url_map)))
    for backend in paired.backends:
        _backend_tree(tree, backend)
    return tree


def findings_table(findings: Sequence[Finding]) -> Table:
    """One row per finding: severity, code, then the resource, the message and the fix under it.

    Root causes come first; the findings each explains follow it, marked ``↳``.
    """
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False, leading=1)
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("resource / what is wrong / → fix", overflow="fold")
    for root, beneath in fold(findings):
        for finding in (root, *beneath):
            style = STYLE[finding.severity]
            table.add_row(
                Text(f"{MARK[finding.severity]} {finding.severity.value}", style=style),
                Text(("↳ " if finding is not root else "") + finding.code, style=style),
                Text.assemble(
                    (finding.resource, "dim"),
                    "\n",
                    finding.message,
                    "\n",
                    (f"→ {finding.remediation}", "green"),
                ),
            )
    return table


VERDICT_STYLE = {
    VerdictState.FAILING: "bold red",
    VerdictState.NOT_PROVISIONED: "bold red",
    VerdictState.DEGRADED: "yellow",
    VerdictState.PROPAGATING: "cyan",
    VerdictState.NOT_MANAGED: "dim",
    VerdictState.SERVING: "green",
}


def verdict_text(paired: PairedIngress) -> Text:
    """The verdict's state and headline, e.g. ``Failing  502 on …``."""
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


def _panel(paired: PairedIngress, findings: Sequence[Finding], incomplete: int) -> Panel:
    worst = max((f.severity for f in findings), key=lambda s: s.rank, default=None)
    border = STYLE[worst] if worst and worst is not Severity.INFO else "green"
    if findings:
        verdict: RenderableType = findings_table(findings)
    elif incomplete:
        verdict = Text(f"? no faults found, but {incomplete} check(s) could not run", "yellow")
    else:
        verdict = Text("✔ no faults found", style="green")
    observed = observed_line(paired)
    parts = (
        verdict_text(paired),
        *((observed,) if observed else ()),
        ingress_tree(paired),
        verdict,
    )
    return Panel(Group(*parts), border_style=border)


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


def _summary(report: Report) -> Text:
    scope = f"project {report.project}"
    if report.cluster is not None:
        scope = f"cluster {report.cluster.path}"
    calls = sum(report.api_calls.values())
    return Text.assemble(
        (f"gkeingress audit of {scope}: ", "bold"),
        f"{len(report.ingresses)} Ingresses, ",
        _counts(report),
        (
            f"\n{calls} API calls, {report.retries} retried, "
            f"{report.waited:.1f} s waited for the quota and for backoff",
            "dim",
        ),
        *(
            (f"\nnot checked: {', '.join(codes)}: {reason}", "yellow")
            for reason, codes in report.unchecked_by_reason().items()
        ),
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


def _render_cluster(report: Report, console: Console) -> None:
    console.print(_summary(report))
    incomplete = sum(1 for f in report.findings if f.code == INCOMPLETE)
    for paired in worst_first(report.ingresses):
        console.print(_panel(paired, paired.findings, incomplete))
    general = [f for f in report.findings if f.ingress is None]
    if general:
        console.print(Panel(findings_table(general), title="Cluster-wide", title_align="left"))
    if report.errors:
        console.print(_errors_panel(report.errors))


def _render_fleet(fleet: FleetReport, console: Console) -> None:
    console.print(
        Text.assemble(
            (f"gkeingress audit of {len(fleet.clusters)} cluster(s) ", "bold"),
            (f"in {', '.join(fleet.projects)}: ", "bold"),
            f"{len(fleet.reports)} audited, {len(fleet.ingresses)} Ingresses, ",
            _counts(fleet),
        )
    )
    if fleet.fleet_findings:
        console.print(
            Panel(findings_table(fleet.fleet_findings), title="Fleet", title_align="left")
        )
    if fleet.fleet_errors:
        console.print(_errors_panel(fleet.fleet_errors))
    for report in fleet.reports:
        console.rule(report.cluster.path if report.cluster else report.project, align="left")
        _render_cluster(report, console)


def render(report: AuditResult, console: Console) -> None:
    """Print the whole report; a fleet's prints its own findings, then each cluster's report."""
    if isinstance(report, FleetReport):
        _render_fleet(report, console)
    else:
        _render_cluster(report, console)


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
