"""The terminal report: per Ingress, its load balancer as a tree and its findings with their fixes."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.text import Text
from rich.tree import Tree

from gkeingress.findings import Finding, Severity
from gkeingress.model.gce import ComputeResource
from gkeingress.model.topology import PairedIngress, ServiceBackend
from gkeingress.report import Report

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MARK = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "ℹ"}


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


def ingress_tree(paired: PairedIngress) -> Tree:
    """The load balancer of one Ingress, frontend to pods."""
    title = Text(paired.name, style="bold")
    if paired.ingress.addresses:
        title.append(f"  {', '.join(paired.ingress.addresses)}", style="green")
    if not paired.managed:
        title.append("  (not a GKE Ingress)", style="dim")
    tree = Tree(title)
    for rule in paired.forwarding_rules:
        tree.add(Text(f"forwarding rule {rule.name} {rule.ip_address}:{rule.port_range}"))
    for proxy in paired.target_proxies:
        tree.add(Text(f"target {'HTTPS' if proxy.https else 'HTTP'} proxy {proxy.name}"))
    tree.add(Text("URL map ").append_text(_name(paired.url_map)))
    for backend in paired.backends:
        _backend_tree(tree, backend)
    return tree


def finding_text(finding: Finding) -> Text:
    """One finding: severity, code, message, and the fix underneath."""
    text = Text()
    text.append(f"{MARK[finding.severity]} {finding.code}", style=STYLE[finding.severity])
    text.append(f"  {finding.message}\n")
    text.append(f"  → {finding.remediation}", style="dim")
    return text


def _panel(paired: PairedIngress, findings: Iterable[Finding], incomplete: int) -> Panel:
    items = list(findings)
    worst = max((f.severity for f in items), key=lambda s: s.rank, default=None)
    border = STYLE[worst] if worst and worst is not Severity.INFO else "green"
    body: list[RenderableType] = [ingress_tree(paired)]
    clean = (
        Text(f"? no faults found, but {incomplete} check(s) could not run", style="yellow")
        if incomplete
        else Text("✔ no faults found", style="green")
    )
    body += [finding_text(f) for f in items] or [clean]
    return Panel(Group(*body), border_style=border, title_align="left")


def render(report: Report, console: Console) -> None:
    """Print the whole report."""
    counts = report.counts
    console.print(
        Text.assemble(
            (f"gkeingress audit of project {report.project}: ", "bold"),
            f"{len(report.ingresses)} Ingresses, ",
            (f"{counts['error']} errors", STYLE[Severity.ERROR] if counts["error"] else "green"),
            ", ",
            (f"{counts['warning']} warnings", STYLE[Severity.WARNING] if counts["warning"] else ""),
            f", {counts['info']} info",
        )
    )
    incomplete = sum(1 for f in report.findings if f.code == "CHECK_INCOMPLETE")
    for paired in report.ingresses:
        console.print(_panel(paired, report.findings_for(paired.name), incomplete))
    general = [f for f in report.findings if f.ingress is None]
    for finding in general:
        console.print(finding_text(finding))
    for error in report.errors:
        console.print(Text(f"could not read: {error.call}: {error.message}", style="yellow"))
