"""HTML views for Jupyter and ``--format html``: summary, findings by Ingress, request-path pictures.

Pure functions returning strings; no I/O, no JavaScript, nothing loaded from elsewhere. Every value
from the cluster or the project is escaped. Structure is marked for tests and styling: each hop is
``<div class="hop STATE" data-hop="url-map" data-state="STATE" data-finding-code="CODE …">``, each
finding ``<li class="finding error" data-finding-code="CODE" data-severity="error">``, each
Ingress ``<section class="ingress" data-ingress="namespace/name">`` with a
``<figure class="request-path">``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from gkeingress.display import register_html
from gkeingress.errors import InternalError
from gkeingress.findings import Finding, Severity
from gkeingress.model.paths import (
    BROKEN,
    DEGRADED,
    MISSING,
    OK,
    UNKNOWN,
    Lane,
    PathHop,
    request_path,
)
from gkeingress.model.routing import Hop, Route
from gkeingress.model.topology import PairedIngress
from gkeingress.model.traffic import ERROR_RATIO, observed_ratio, observed_summary
from gkeingress.render.sparkline import sparkline
from gkeingress.report import AuditResult, FleetReport, Report
from gkeingress.snapshot import CollectionError
from gkeingress.verdict import fold, worst_first

CSS = """
.gki{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#202124;
  max-width:100%}
.gki *{box-sizing:border-box}
.gki code,.gki .name{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace}
.gki .summary{font-size:15px;margin:4px 0 12px}
.gki .summary b{font-size:16px}
.gki .unchecked{color:#8a5300;margin:-8px 0 12px}
.gki .count{display:inline-block;padding:1px 8px;border-radius:10px;margin-left:6px;
  font-weight:600}
.gki .count.error,.gki .sev.error{background:#fce8e6;color:#a50e0e}
.gki .count.warning,.gki .sev.warning{background:#fef7e0;color:#8a5300}
.gki .count.info,.gki .sev.info{background:#e8f0fe;color:#174ea6}
.gki table.index{border-collapse:collapse;margin:0 0 16px}
.gki table.index td,.gki table.index th{padding:2px 10px;border-bottom:1px solid #e0e0e0;
  text-align:left}
.gki section.ingress{border:1px solid #dadce0;border-left:6px solid #34a853;border-radius:6px;
  margin:0 0 18px;padding:8px 12px}
.gki section.ingress.error{border-left-color:#d93025}
.gki section.ingress.warning{border-left-color:#f9ab00}
.gki h3{margin:2px 0 6px;font-size:16px}
.gki h3 .addr{font-weight:400;color:#5f6368;font-size:13px;margin-left:8px}
.gki .observed{display:flex;align-items:center;gap:10px;margin:0 0 6px;font-weight:600}
.gki .observed.error{color:#a50e0e}
.gki .observed.warning{color:#8a5300}
.gki .observed .source{font-weight:400;color:#5f6368}
.gki figure.request-path{margin:6px 0 8px;overflow-x:auto;padding-bottom:4px}
.gki .frontend{display:flex;align-items:flex-end;min-width:max-content}
.gki .frontend .arrow{margin-bottom:18px}
.gki .col{display:flex;flex-direction:column;gap:6px}
.gki .fan{margin-left:30px;width:687px;height:12px;border-right:2px solid #80868b;
  border-bottom:2px solid #80868b}
.gki .lanes{margin-left:30px;min-width:max-content}
.gki .lane-box{position:relative;padding:6px 0 4px}
.gki .lane-box::before{content:"";position:absolute;left:0;top:0;bottom:0;
  border-left:2px solid #80868b}
.gki .lane-box:last-child::before{bottom:auto;height:50px}
.gki .lane{display:flex;align-items:flex-start}
.gki .lane-title{font-size:11.5px;color:#3c4043;font-weight:600;margin:0 0 2px 24px}
.gki .lane .arrow{margin-top:20px}
.gki .arrow{flex:none;width:22px;height:14px;color:#80868b}
.gki .hop{width:180px;border:2px solid #34a853;background:#e6f4ea;border-radius:6px;
  padding:4px 6px;font-size:12px}
.gki .hop[data-hop=url-map]{width:300px}
.gki .hop[data-hop=pods],.gki .hop[data-hop=ingress]{width:140px}
.gki .hop .kind{font-size:11px;color:#3c4043;font-weight:600}
.gki .hop .name{font-size:11px;overflow-wrap:anywhere;color:#202124}
.gki .hop .detail{font-size:11.5px;color:#3c4043;overflow-wrap:anywhere}
.gki .hop.broken{border-color:#d93025;background:#fce8e6}
.gki .hop.missing{border:2px dashed #d93025;background:#f8f9fa}
.gki .hop.missing .name{text-decoration:line-through;color:#80868b}
.gki .hop.unknown{border-color:#9aa0a6;background:#f1f3f4}
.gki .hop.degraded{border-color:#f9ab00;background:#fef7e0}
.gki .hop.degraded .state{color:#8a5300}
.gki .state{float:right;font-weight:700}
.gki .hop.ok .state{color:#188038}.gki .hop.broken .state,.gki .hop.missing .state{color:#d93025}
.gki .hop.unknown .state{color:#5f6368}
.gki .hop.flagged{box-shadow:0 0 0 3px #fbbc04}
.gki .hop.flagged.sev-error{box-shadow:0 0 0 3px #f28b82}
.gki .hop.flagged.sev-info{box-shadow:none}
.gki .mark{display:inline-block;max-width:100%;overflow-wrap:anywhere;font-size:10.5px;
  font-weight:600;border-radius:3px;padding:0 4px;margin:2px 2px 0 0}
.gki .mark.error{background:#d93025;color:#fff}
.gki .mark.warning{background:#f9ab00;color:#202124}
.gki .mark.info{background:#d2e3fc;color:#174ea6}
.gki table.rules{border-collapse:collapse;margin-top:3px;font-size:11px;width:100%}
.gki table.rules td{padding:1px 3px;border-top:1px solid #c8e6c9;vertical-align:top;
  overflow-wrap:anywhere}
.gki table.rules tr.host td{font-weight:600;color:#202124}
.gki table.rules td.paths{padding-left:10px}
.gki ul.findings{list-style:none;margin:4px 0 0;padding:0}
.gki li.finding{border-left:4px solid #1a73e8;background:#f8f9fa;margin:0 0 6px;
  padding:4px 8px}
.gki li.finding.error{border-left-color:#d93025}
.gki li.finding.warning{border-left-color:#f9ab00}
.gki .sev{font-size:11px;font-weight:700;padding:0 5px;border-radius:3px;text-transform:uppercase}
.gki .finding .code{font-weight:700;margin:0 6px}
.gki .finding .resource{color:#5f6368;font-size:12px;overflow-wrap:anywhere}
.gki .finding .message{margin:2px 0}
.gki .finding .fix{color:#3c4043}
.gki .finding .fix b{color:#188038}
.gki .errors{border:1px solid #f9ab00;background:#fef7e0;padding:6px 10px;margin:0 0 12px}
.gki .internal{border:1px solid #d93025;background:#fce8e6;padding:6px 10px;margin:0 0 12px}
.gki figure.route-path{margin:6px 0;overflow-x:auto}
.gki .route-path .path{display:flex;flex-wrap:wrap;row-gap:8px;align-items:flex-start}
.gki .route{margin:0 0 14px}
.gki .route-path .arrow{margin-top:20px}
.gki .route .reason,.gki .route .spec,.gki .route .disagreement{margin:4px 0}
.gki .route .disagreement{color:#a50e0e}
.gki p.verdict{margin:2px 0 6px;font-size:14px}
.gki p.verdict b,.gki .state-label{padding:0 6px;border-radius:3px;margin-right:6px;
  background:#e6f4ea;color:#188038;white-space:nowrap}
.gki p.verdict.failing b,.gki p.verdict.not_provisioned b,.gki .state-label.failing,
.gki .state-label.not_provisioned{background:#fce8e6;color:#a50e0e}
.gki p.verdict.degraded b,.gki .state-label.degraded,.gki p.verdict.unverified b,
.gki .state-label.unverified{background:#fef7e0;color:#8a5300}
.gki p.verdict.propagating b,.gki p.verdict.not_managed b,.gki .state-label.propagating,
.gki .state-label.not_managed{background:#f1f3f4;color:#3c4043}
.gki details.consequences{margin:4px 0 0}
.gki details.consequences summary{cursor:pointer;color:#5f6368;font-size:12px}
.gki .legend{font-size:11px;color:#5f6368;margin:0 0 10px}
.gki .legend .hop{display:inline-block;width:auto;padding:0 6px;margin-right:6px}
"""

_STATE_MARK = {OK: "✔", DEGRADED: "▲", BROKEN: "✖", MISSING: "missing", UNKNOWN: "?"}
_MARK = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "ℹ"}
_ARROW = (
    '<svg class="arrow" viewBox="0 0 22 14" aria-hidden="true">'
    '<path d="M1 7h14" stroke="currentColor" stroke-width="2"/>'
    '<path d="M14 2l7 5-7 5z" fill="currentColor"/></svg>'
)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _breakable(code: str) -> str:
    """A finding code that may wrap after its underscores."""
    return _e(code).replace("_", "_<wbr>")


def _worst(findings: Iterable[Finding]) -> Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def _wrap(body: str, kind: str) -> str:
    return f'<div class="gki {kind}"><style>{CSS}</style>{body}</div>'


# -- Findings -------------------------------------------------------------------------------------


def _finding_item(finding: Finding) -> str:
    sev = finding.severity.value
    docs = f' <a class="docs" href="{_e(finding.docs_url)}">explain</a>' if finding.docs_url else ""
    return (
        f'<li class="finding {sev}" data-finding-code="{_e(finding.code)}" data-severity="{sev}">'
        f'<span class="sev {sev}">{_MARK[finding.severity]} {sev}</span>'
        f'<code class="code">{_e(finding.code)}</code>'
        f'<span class="resource">{_e(finding.resource)}</span>'
        f'<div class="message">{_e(finding.message)}</div>'
        f'<div class="fix"><b>Fix:</b> {_e(finding.remediation)}{docs}</div></li>'
    )


def _findings_list(findings: Sequence[Finding]) -> str:
    """Root causes first, the findings each explains folded beneath it (``ul.consequences``)."""
    if not findings:
        return '<p class="clean">✔ no findings</p>'
    items = ""
    for root, beneath in fold(findings):
        item = _finding_item(root)
        if beneath:
            folded = "".join(_finding_item(f) for f in beneath)
            item = item.removesuffix("</li>") + (
                f'<details class="consequences"><summary>{len(beneath)} consequence(s)</summary>'
                f'<ul class="findings consequences">{folded}</ul></details></li>'
            )
        items += item
    return f'<ul class="findings">{items}</ul>'


def _verdict(paired: PairedIngress) -> str:
    verdict = paired.verdict
    if verdict is None:
        return ""
    return (
        f'<p class="verdict {verdict.state.value}" data-state="{verdict.state.value}">'
        f"<b>{_e(verdict.state.label)}</b> {_e(verdict.headline)}</p>"
    )


def finding_html(finding: Finding) -> str:
    """One finding: severity, code, resource, message and fix."""
    return _wrap(f'<ul class="findings">{_finding_item(finding)}</ul>', "gki-finding")


# -- The request-path picture ------------------------------------------------------------------


def _rules_table(hop: PathHop) -> str:
    if not hop.rules:
        return ""
    rows, host = "", None
    for rule in hop.rules:
        if rule.host != host:
            host = rule.host
            rows += f'<tr class="host"><td colspan="2">{_e(host)}</td></tr>'
        rows += f'<tr><td class="paths">{_e(rule.paths)}</td><td>→ {_e(rule.target)}</td></tr>'
    return f'<table class="rules">{rows}</table>'


def _hop(hop: PathHop) -> str:
    classes = ["hop", hop.state]
    worst = hop.worst
    if worst is not None:
        classes += ["flagged", f"sev-{worst.value}"]
    codes = " ".join(dict.fromkeys(f.code for f in hop.findings))
    marks = "".join(
        f'<span class="mark {f.severity.value}" data-finding-code="{_e(f.code)}" '
        f'title="{_e(f.message)}">{_MARK[f.severity]} {_breakable(f.code)}</span>'
        for f in hop.findings
    )
    where = f" · {_e(hop.location)}" if hop.location and hop.location != "global" else ""
    return (
        f'<div class="{" ".join(classes)}" data-hop="{hop.hop}" data-state="{hop.state}" '
        f'data-name="{_e(hop.name)}" data-finding-code="{_e(codes)}" title="{_e(hop.self_link)}">'
        f'<span class="state">{_STATE_MARK[hop.state]}</span>'
        f'<div class="kind">{_e(hop.kind)}{where}</div>'
        f'<div class="name">{_e(hop.name)}</div>'
        f'<div class="detail">{_e(hop.detail)}</div>{_rules_table(hop)}'
        f"{f'<div class=marks>{marks}</div>' if marks else ''}</div>"
    )


def _column(hops: Iterable[PathHop]) -> str:
    return f'<div class="col">{"".join(_hop(h) for h in hops)}</div>'


def _lane(lane: Lane) -> str:
    columns = [(lane.backend_service,), lane.health_checks, lane.groups]
    if lane.pods is not None:
        columns.append((lane.pods,))
    cells = "".join(_ARROW + _column(hops) for hops in columns if hops)
    default = " · default backend" if lane.default else ""
    return (
        f'<div class="lane-box" data-lane="{_e(lane.title)}">'
        f'<div class="lane-title">{_e(lane.title)}{default}</div><div class="lane">{cells}</div></div>'
    )


def _picture(paired: PairedIngress, findings: Sequence[Finding]) -> str:
    """Ingress → forwarding rules → target proxies → URL map, then fanning out one lane per backend."""
    path = request_path(paired, findings)
    columns = (path.ingress,), path.forwarding_rules, path.target_proxies, (path.url_map,)
    frontend = _ARROW.join(_column(hops) for hops in columns)
    lanes = sorted(path.lanes, key=lambda lane: lane.default)
    return (
        f'<figure class="request-path" data-ingress="{_e(paired.name)}">'
        f'<div class="frontend">{frontend}</div><div class="fan"></div>'
        f'<div class="lanes">{"".join(_lane(lane) for lane in lanes)}</div></figure>'
    )


_LEGEND = (
    '<div class="legend">Hops: <span class="hop ok">✔ works</span>'
    '<span class="hop degraded">▲ partly works</span>'
    '<span class="hop broken">✖ broken</span><span class="hop missing">missing</span>'
    '<span class="hop unknown">? not known yet</span>'
    '<span class="hop ok flagged sev-error">a finding points here</span></div>'
)


def _anchor(paired: PairedIngress) -> str:
    """The element id of an Ingress's section: its cluster and ``namespace/name``, kept whole.

    HTML ids may hold ``/``; replacing it would make ``a-b/c`` and ``a/b-c`` the same id.
    """
    where = f"{paired.cluster}/" if paired.cluster else ""
    return "gki-" + _e(f"{where}{paired.name}")


def _observed(paired: PairedIngress) -> str:
    """What the load balancer answered, with its per-minute sparkline; empty without errors."""
    traffic = paired.traffic
    if traffic is None or not traffic.errors:
        return ""
    severity = Severity.ERROR if observed_ratio(traffic) >= ERROR_RATIO else Severity.WARNING
    return (
        f'<div class="observed {severity.value}">{sparkline(traffic)}'
        f"<span>{_STATE_MARK[BROKEN]} observed: {_e(observed_summary(traffic))}"
        '<span class="source"> (load balancer metrics)</span></span></div>'
    )


def _section(paired: PairedIngress, findings: Sequence[Finding]) -> str:
    worst = _worst(findings)
    addresses = ", ".join(paired.ingress.addresses) or "no address"
    managed = "" if paired.managed else " · not a GKE Ingress"
    return (
        f'<section class="ingress {worst.value if worst else "clean"}" '
        f'data-ingress="{_e(paired.name)}" id="{_anchor(paired)}">'
        f'<h3>Ingress {_e(paired.name)}<span class="addr">{_e(addresses)}{managed}</span></h3>'
        f"{_verdict(paired)}{_observed(paired)}{_picture(paired, findings)}"
        f"{_findings_list(findings)}</section>"
    )


def ingress_html(paired: PairedIngress) -> str:
    """One Ingress: its request-path picture and its findings (``paired.findings``)."""
    return _wrap(_LEGEND + _section(paired, paired.findings), "gki-ingress")


# -- A route --------------------------------------------------------------------------------------


def _route_hop(hop: Hop) -> str:
    slug = hop.kind.lower().replace(" ", "-")
    slug = "target-proxy" if slug.startswith("target-") else slug
    state = OK if hop.ok else BROKEN
    return (
        f'<div class="hop {state}" data-hop="{_e(slug)}" data-state="{state}" '
        f'data-name="{_e(hop.name)}"><span class="state">{_STATE_MARK[state]}</span>'
        f'<div class="kind">{_e(hop.kind)}</div><div class="name">{_e(hop.name)}</div>'
        f'<div class="detail">{_e(hop.note)}</div></div>'
    )


def route_html(route: Route) -> str:
    """Where one URL goes: the verdict, the rule that decided, and each hop to the pods."""
    mark = {True: "✔", False: "✖", None: "?"}[route.serves]
    verdict = f"{mark} {_e(route.answer)}"
    service = f" (Service {route.service}:{route.port})" if route.service else ""
    head = (
        f'<div class="summary"><code>{_e(route.url)}</code> → Ingress <b>{_e(route.ingress)}</b>: '
        f'<span class="verdict">{verdict}</span></div>'
        f'<div class="reason">{"matched" if route.matched else "no rule matched"}: backend '
        f"service {_e(route.backend_service or '-')}{_e(service)}. {_e(route.reason)}</div>"
    )
    hops = _ARROW.join(_route_hop(h) for h in route.hops)
    tail = f'<div class="spec">Ingress spec (Kubernetes rules): {_e(route.spec.describe())}</div>'
    if route.disagreement:
        tail += f'<div class="disagreement">Disagreement: {_e(route.disagreement)}</div>'
    if route.candidates:
        others = ", ".join(route.candidates)
        tail += f'<div class="candidates">Other Ingresses serving this host: {_e(others)}</div>'
    picture = f'<figure class="route-path"><div class="path">{hops}</div></figure>'
    ok = "true" if route.ok else "false"
    serves = {True: "true", False: "false", None: "unknown"}[route.serves]
    body = f'<div class="route" data-ok="{ok}" data-serves="{serves}">{head}{picture}{tail}</div>'
    return _wrap(body, "gki-route")


# -- The report -----------------------------------------------------------------------------------


def _counts(report: AuditResult) -> str:
    return "".join(
        f'<span class="count {s}" data-severity="{s}">{n} {s}</span>'
        for s, n in report.counts.items()
    )


def _summary(report: Report) -> str:
    when = report.generated_at.isoformat(timespec="seconds")
    cluster = f" · cluster <code>{_e(report.cluster.path)}</code>" if report.cluster else ""
    unchecked = "".join(
        f'<div class="unchecked">Not checked: {_e(", ".join(codes))}: {_e(reason)}</div>'
        for reason, codes in report.unchecked_by_reason().items()
    )
    return (
        f'<div class="summary"><b>gkeingress</b> · project <code>{_e(report.project)}</code>'
        f"{cluster} · {len(report.ingresses)} Ingress(es) · {_e(when)} {_counts(report)}</div>"
        f"{unchecked}"
    )


def _collection_errors(errors: Sequence[CollectionError]) -> str:
    if not errors:
        return ""
    items = "".join(
        f"<li><code>{_e(e.call)}</code> {_e(e.status_text)}: {_e(e.message)}</li>" for e in errors
    )
    return (
        f'<div class="errors"><b>Could not read everything ({len(errors)}):</b> the checks '
        f"that needed it report CHECK_INCOMPLETE.<ul>{items}</ul></div>"
    )


def _internal_errors(errors: Sequence[InternalError]) -> str:
    if not errors:
        return ""
    items = "".join(f"<li><code>{_e(e.where)}</code>: {_e(e.error)}</li>" for e in errors)
    return (
        f'<div class="internal"><b>Internal errors ({len(errors)}):</b> bugs in gkeingress, '
        f"not faults of the cluster; what they judge was not judged (INTERNAL_ERROR).<ul>{items}"
        "</ul></div>"
    )


def _ordered(report: Report) -> list[tuple[PairedIngress, list[Finding]]]:
    """Ingresses with their findings, the worst verdict first."""
    return [(p, list(p.findings)) for p in worst_first(report.ingresses)]


def _index(rows: Sequence[tuple[PairedIngress, list[Finding]]]) -> str:
    body = ""
    for paired, findings in rows:
        worst = _worst(findings)
        verdict = paired.verdict
        state = verdict.state if verdict else None
        label = (
            f'<span class="state-label {state.value}">{_e(state.label)}</span>' if state else "-"
        )
        body += (
            f'<tr data-ingress="{_e(paired.name)}" data-state="{state.value if state else ""}">'
            f'<td><a href="#{_anchor(paired)}">{_e(paired.name)}</a></td><td>{label}</td>'
            f'<td class="sev-{worst.value if worst else "none"}">'
            f"{_e(verdict.headline if verdict else '-')}</td></tr>"
        )
    return (
        f'<table class="index"><tr><th>Ingress</th><th>verdict</th><th>why</th></tr>{body}</table>'
    )


def _cluster_findings(report: Report) -> str:
    cluster = [f for f in report.findings if f.ingress is None]
    if not cluster:
        return ""
    return f'<section class="cluster"><h3>Cluster-wide</h3>{_findings_list(cluster)}</section>'


def _report_body(report: Report) -> str:
    rows = _ordered(report)
    sections = "".join(_section(p, f) for p, f in rows)
    return (
        f"{_summary(report)}{_internal_errors(report.internal_errors)}"
        f"{_collection_errors(report.errors)}{_index(rows)}{_LEGEND}"
        f"{_cluster_findings(report)}{sections}"
    )


def _fleet_body(fleet: FleetReport) -> str:
    audited = len(fleet.reports)
    head = (
        f'<div class="summary"><b>gkeingress</b> · fleet of {len(fleet.clusters)} cluster(s) in '
        f"{_e(', '.join(fleet.projects))} · {audited} audited · "
        f"{_e(fleet.generated_at.isoformat(timespec='seconds'))} {_counts(fleet)}</div>"
    )
    unreachable = (
        f'<section class="cluster"><h3>Fleet</h3>{_findings_list(fleet.fleet_findings)}</section>'
        if fleet.fleet_findings
        else ""
    )
    clusters = "".join(
        f'<section class="cluster-report" data-cluster="{_e(r.cluster.path if r.cluster else "")}">'
        f"{_report_body(r)}</section>"
        for r in fleet.reports
    )
    return (
        f"{head}{_internal_errors(fleet.fleet_internal_errors)}"
        f"{_collection_errors(fleet.fleet_errors)}{unreachable}{clusters}"
    )


def report_html(report: AuditResult) -> str:
    """The report as an HTML fragment for a notebook; its ``<style>`` applies inside it only.

    A fleet's report shows the fleet's own findings first, then each cluster's report.
    """
    body = _fleet_body(report) if isinstance(report, FleetReport) else _report_body(report)
    return _wrap(body, "gki-report")


def report_document(report: AuditResult) -> str:
    """The report as a complete, self-contained HTML page: the notebook view, inline CSS only."""
    scope = ", ".join(report.projects) if isinstance(report, FleetReport) else report.project
    title = f"gkeingress report: {scope}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title></head>"
        f'<body style="margin:16px">{report_html(report)}</body></html>\n'
    )


register_html(Report, report_html)
register_html(FleetReport, report_html)
register_html(PairedIngress, ingress_html)
register_html(Finding, finding_html)
register_html(Route, route_html)
