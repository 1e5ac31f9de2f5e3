"""``gkeingress wait`` on a terminal and in a log: each round's hops, and how the wait ended.

On a terminal :func:`progress_table` is redrawn after every round: each hop, its state and how
long it has been waited for. In a log (no terminal) :func:`progress_line` writes one line per
round naming what is still awaited. :func:`result_text` is the last word on standard output.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gkeingress.live.serving import Outcome, WaitProgress, WaitResult, duration
from gkeingress.render.text import MARK, STYLE, verdict_text


def _header(progress: WaitProgress) -> str:
    then = (
        f"; next round in {duration(progress.next_round_in)}"
        if progress.next_round_in is not None
        else ""
    )
    return (
        f"{progress.ingress}: round {progress.round}, {duration(progress.seconds)} elapsed, "
        f"{progress.calls} API calls{then}"
    )


def progress_table(progress: WaitProgress) -> RenderableType:
    """Every hop of the round: ✔ or ✖, what it is, its state, and how long it has been awaited."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("hop", overflow="fold")
    table.add_column("state", overflow="fold")
    table.add_column("waiting", no_wrap=True, justify="right")
    for hop in progress.hops:
        mark = Text("✔", "green") if hop.ok else Text("✖" if hop.needs_change else "…", "yellow")
        waiting = "" if hop.ok else duration(hop.waiting)
        table.add_row(mark, hop.name, Text(hop.state, "" if hop.ok else "yellow"), waiting)
    return Group(Text(_header(progress), style="bold"), table)


def progress_line(progress: WaitProgress) -> str:
    """One line for a log: the round, and each hop still awaited with its state and for how long."""
    waiting = [h for h in progress.hops if not h.ok]
    if not waiting:
        return f"[{duration(progress.seconds)}] {_header(progress)}: serving"
    hops = "; ".join(f"{h.brief} ({duration(h.waiting)})" for h in waiting)
    return f"[{duration(progress.seconds)}] {_header(progress)}: waiting for {hops}"


def result_text(result: WaitResult) -> Text:
    """The outcome in one sentence, then the findings that block it, each with its fix."""
    style = {Outcome.SERVING: "bold green", Outcome.TIMEOUT: "bold red"}.get(
        result.outcome, "bold red"
    )
    text = Text(result.summary(), style=style)
    if result.serving:
        budget = max(result.calls[1:], default=0)
        text.append(
            f"\nAPI calls per round: {result.calls[0]} for the first (the namespace's audit), "
            f"then at most {budget} (bound {result.budget}).",
            style="",
        )
        return text
    if result.verdict is not None:
        text.append("\nverdict: ")
        text.append_text(verdict_text(result.report.ingress(result.ingress)))
    roots = list(result.verdict.root_causes) if result.verdict is not None else []
    for finding in result.blocking:
        text.append(f"\n{MARK[finding.severity]} {finding.code}", style=STYLE[finding.severity])
        if finding in roots:
            text.append(" (root cause)", style="bold")
        text.append(f"  {finding.message}")
        text.append(f"\n  fix: {finding.remediation}", style="dim")
    return text
