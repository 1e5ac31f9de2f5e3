"""The ``gkeingress`` command: ``audit``, ``demo``, ``route``, ``explain`` and ``checks``.

``audit`` and ``demo`` print the report as ``--format text`` (for a terminal, 100 columns wide),
``json`` (``Report.to_dict()``; its JSON Schema ships as ``gkeingress/schemas/report.schema.json``),
``sarif`` (SARIF 2.1.0 for code scanning) or ``html`` (one self-contained file), to stdout or to
``--output FILE``. While collecting, each API call and how many objects it read is shown on stderr
when stderr is a terminal, unless ``--quiet``. The installed command (:func:`run`, in a process of
its own) freezes the objects its imports left before it audits, so the garbage collector's full
passes skip them; :func:`main` called from another program leaves the collector alone.

Exit codes:

- 0: no finding is at least as severe as ``--fail-on`` (``error`` for ``audit``, ``never`` for
  ``demo``); ``route``'s URL reaches working pods; ``explain`` knows the code.
- 1: a finding is at least as severe as ``--fail-on`` (``error`` or ``warning``); ``route``'s URL
  does not reach working pods (404, 502, no load balancer).
- 2: the audit could not run (no cluster configuration or credentials, Ingresses could not be
  listed, the output file cannot be written), ``route`` cannot tell (the backend was not
  health-checked yet) or cannot route (not an http:// or https:// URL with a host), ``explain``
  does not know the code, or the command line is wrong.
- 3: a bug in gkeingress (a check, or a fleet's audit of a cluster, raised; or the command
  itself did): its traceback is logged on the ``gkeingress`` logger (stderr unless the caller
  configured logging) and, for a report, kept as an ``INTERNAL_ERROR`` finding and in
  ``internal_errors``. It wins over 1, whatever ``--fail-on`` says.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import importlib
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn, TypeVar

from rich import box
from rich.console import Console
from rich.live import Live
from rich.progress import Progress as ProgressBar
from rich.progress import SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from gkeingress.checks import REGISTRY, Check
from gkeingress.collect.gate import DEFAULT_RATE
from gkeingress.collect.logs import DEFAULT_MAX_ENTRIES
from gkeingress.collect.progress import HEALTH, LISTS, Progress
from gkeingress.errors import ArgumentError, AuditError
from gkeingress.findings import Severity
from gkeingress.live.probe import METHODS, ProbeError, ProbeResult
from gkeingress.live.serving import WaitProgress, WaitResult, duration
from gkeingress.model.routing import Route
from gkeingress.render.jsontext import json_text
from gkeingress.render.sarif import to_sarif
from gkeingress.render.text import STYLE, TextOptions, probe_text, render, route_text
from gkeingress.render.waiting import progress_line, progress_table, result_text
from gkeingress.report import AuditResult, FleetReport, Report
from gkeingress.resources.cluster import cluster_path
from gkeingress.resources.refs import parse_time
from gkeingress.snapshot import DataKind

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN, EXIT_INTERNAL_ERROR = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
"""Ctrl-C, as shells report a process ended by SIGINT (128 + 2)."""
ONE_CLUSTER = ("route", "probe", "wait")
"""The commands that go through one cluster's Ingresses."""
log = logging.getLogger(__name__)
Answered = TypeVar("Answered", Route, ProbeResult)
"""An answer to one URL: ``route``'s or ``probe``'s."""
FORMATS = ("text", "json", "sarif", "html")
REPORT_WIDTH = 100
"""Columns of a text report written to a file or a pipe."""


def _output_options(parser: argparse.ArgumentParser, fail_on: str) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "never"),
        default=fail_on,
        help=f"exit 1 when a finding is at least this severe (default: {fail_on})",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="text: every finding in full, info too, and every Ingress's hops",
    )
    parser.add_argument(
        "--min-severity",
        choices=("info", "warning", "error"),
        default="warning",
        help="text: the least severe finding printed; the others are counted (default: warning)",
    )
    _quiet_option(parser)


def _quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="show no progress while collecting")


def _connection_options(parser: argparse.ArgumentParser, *, project_required: bool) -> None:
    parser.add_argument(
        "--project",
        action="append",
        required=project_required,
        help="GCP project id holding the load balancers (repeat, with --all-clusters, for a fleet)",
    )
    parser.add_argument(
        "--cluster",
        metavar="CLUSTER",
        help="GKE cluster, projects/P/locations/L/clusters/C or LOCATION/NAME: found through the "
        "Container API and reached with Google credentials alone (no kubeconfig)",
    )
    parser.add_argument(
        "--all-clusters",
        action="store_true",
        help="audit every cluster of every --project (a fleet)",
    )
    parser.add_argument(
        "--use-private-endpoint",
        action="store_true",
        help="connect to the cluster's private endpoint (from inside its VPC)",
    )
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"
    )
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--namespace", help="audit only this namespace's Ingresses")
    parser.add_argument(
        "--compute-endpoint",
        help="Compute API endpoint, e.g. a proxy (default: Google's); the credentials still go",
    )
    parser.add_argument(
        "--no-credentials",
        dest="anonymous",
        action="store_true",
        help="send no Google credentials, for a fake or an emulator on this machine "
        "(default: Application Default Credentials, whatever the endpoints)",
    )
    parser.add_argument("--container-endpoint", help="Container API endpoint (default: Google's)")
    parser.add_argument(
        "--deep",
        action="store_true",
        help="ask Compute about every backend group (getHealth, listNetworkEndpoints), not only "
        "those whose state or size suggests a fault",
    )
    parser.add_argument(
        "--no-evidence",
        dest="evidence",
        action="store_false",
        help="do not read the load balancers' own evidence (Cloud Monitoring request counts, Cloud Logging)",
    )
    parser.add_argument(
        "--errors-window",
        type=_span,
        default=timedelta(hours=6),
        metavar="SPAN",
        help="how far back the evidence is read, e.g. 90m or 6h (default 6h)",
    )
    parser.add_argument(
        "--monitoring-endpoint",
        metavar="HOST:PORT",
        help="Cloud Monitoring gRPC endpoint (default: Google's)",
    )
    parser.add_argument(
        "--logging-endpoint",
        metavar="HOST:PORT",
        help="Cloud Logging gRPC endpoint (default: Google's)",
    )
    parser.add_argument(
        "--max-log-entries",
        type=_positive,
        default=DEFAULT_MAX_ENTRIES,
        metavar="N",
        help="the most entries each Cloud Logging query reads, newest first "
        f"(default {DEFAULT_MAX_ENTRIES})",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate,
        default=DEFAULT_RATE,
        metavar="CALLS_PER_S",
        help=f"Compute API calls per second at most, after a first burst (default {DEFAULT_RATE:g}, "
        "80%% of the per-project read quota; slower while Compute throttles; 0: no limit)",
    )


def _rate(text: str) -> float | None:
    """Read ``--rate-limit``: calls per second, 0 for none."""
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if rate < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of calls per second (0: none)")
    return rate or None


def _positive(text: str) -> int:
    """Read ``--max-log-entries``: a whole number above zero."""
    if not text.isdigit() or not int(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above zero")
    return int(text)


_SPAN = re.compile(r"(\d+)([smhd])")
_SPAN_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _as_span(text: str) -> timedelta | None:
    span = _SPAN.fullmatch(text.strip())
    return timedelta(**{_SPAN_UNITS[span[2]]: int(span[1])}) if span else None


def _span(text: str) -> timedelta:
    """Read ``--errors-window``: a span such as ``90m``, ``6h`` or ``1d``."""
    span = _as_span(text)
    if span is None or not span:
        raise argparse.ArgumentTypeError(f"{text!r} is not a span such as 90m, 6h or 1d")
    return span


def _errors_since(text: str) -> datetime:
    """Read ``--errors-since``: an ISO-8601 time, or a span before now such as ``30m`` or ``2h``."""
    span = _as_span(text)
    if span is not None:
        return datetime.now(timezone.utc) - span
    when = parse_time(text.strip())
    if when is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an ISO-8601 time nor a span before now such as 30m or 2h"
        )
    return when


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gkeingress",
        description="Audit GKE Ingress: pair each Ingress with its load balancer and explain faults.",
        epilog=(
            "Exit codes: 0 no finding reaches --fail-on, 1 one does, 2 the audit could not run, "
            "3 a bug in gkeingress (traceback on stderr)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "audit", help="audit a cluster's Ingresses and the project's load balancers"
    )
    _connection_options(run, project_required=True)
    run.add_argument(
        "--errors-since",
        type=_errors_since,
        metavar="TIME",
        help="when the errors began: ISO-8601 (UTC unless it says otherwise) or a span before now "
        "such as 30m or 2h; lists the changes shortly before (CHANGE_BEFORE_ERRORS)",
    )
    _output_options(run, "error")
    demo = sub.add_parser("demo", help="audit the built-in demo world (no GCP needed)")
    _output_options(demo, "never")
    where = sub.add_parser(
        "route", help="show where a URL goes: the rule that matches, and each hop to the pods"
    )
    where.add_argument("url", help="e.g. https://shop.example.com/api/users")
    where.add_argument(
        "--ingress",
        metavar="NS/NAME",
        help="route through this Ingress (default: the one with a host rule for the URL's host)",
    )
    where.add_argument("--demo", action="store_true", help="route through the demo world")
    where.add_argument("--format", choices=("text", "json"), default="text", help="answer format")
    _quiet_option(where)
    _connection_options(where, project_required=False)
    probe = sub.add_parser(
        "probe",
        help="send one real request for a URL to the Ingress's address and compare with the route",
    )
    probe.add_argument("url", help="e.g. https://shop.example.com/api/users")
    probe.add_argument(
        "--ingress",
        metavar="NS/NAME",
        help="send it to this Ingress's address (default: the one with a host rule for the host)",
    )
    probe.add_argument(
        "--resolve", action="store_true", help="also check that DNS resolves the host to it"
    )
    probe.add_argument("--method", choices=METHODS, default="GET", help="request method")
    probe.add_argument(
        "--demo", action="store_true", help="probe the demo world's fake load balancer"
    )
    probe.add_argument("--format", choices=("text", "json"), default="text", help="answer format")
    _quiet_option(probe)
    _connection_options(probe, project_required=False)
    waiting = sub.add_parser(
        "wait",
        help="wait until an Ingress's load balancer serves (exit 0), or say what blocks it (exit 1)",
    )
    waiting.add_argument("ingress", metavar="NAMESPACE/NAME", help="the Ingress, e.g. shop/web")
    waiting.add_argument(
        "--timeout",
        type=_span,
        default=timedelta(minutes=15),
        metavar="SPAN",
        help="give up after this long (default 15m)",
    )
    waiting.add_argument(
        "--interval",
        type=_span,
        default=timedelta(seconds=10),
        metavar="SPAN",
        help="pause between rounds (default 10s; doubled while nothing changes, up to 6 times)",
    )
    waiting.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="URL",
        help="also wait until a real request for URL gets the application's answer (repeatable)",
    )
    waiting.add_argument(
        "--no-fail-fast",
        action="store_true",
        help="keep waiting on a fault waiting cannot fix (a wrong health check path, a missing "
        "Service) instead of stopping at once",
    )
    waiting.add_argument(
        "--demo",
        action="store_true",
        help="wait on the demo world, in simulated time (newsletter/newsletter settles in 5m)",
    )
    waiting.add_argument("--format", choices=("text", "json"), default="text", help="result format")
    _quiet_option(waiting)
    _connection_options(waiting, project_required=False)
    explain = sub.add_parser("explain", help="explain a finding code")
    explain.add_argument("code", help="e.g. HEALTH_CHECK_PATH_MISMATCH")
    sub.add_parser("checks", help="list every finding code")
    return parser


PHASE_LABELS = {
    LISTS: "listing Kubernetes objects and Compute resources",
    HEALTH: "asking Compute for backend health",
}


class _ProgressDisplay:
    """Collection progress on stderr: each list call and its count as it arrives, then getHealth.

    List calls and failed calls are printed one per line above a spinner; successful getHealth
    calls are only counted. Implements :class:`gkeingress.collect.progress.Progress`.
    """

    def __init__(self, console: Console) -> None:
        self._bar = ProgressBar(
            SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True
        )
        self._task = self._bar.add_task("starting", total=None)
        self._lock = threading.Lock()
        self._phase = ""
        self._calls = 0

    def __enter__(self) -> _ProgressDisplay:
        self._bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.stop()

    def _describe(self) -> None:
        label = PHASE_LABELS.get(self._phase, self._phase)
        self._bar.update(self._task, description=f"{label}: {self._calls} call(s) done")

    def phase(self, name: str) -> None:
        """Start counting the calls of a new phase."""
        with self._lock:
            self._phase, self._calls = name, 0
            self._describe()

    def call_done(self, call: str, items: int | None, error: str | None) -> None:
        """Print a finished list call with its count, or a failed call with its error."""
        with self._lock:
            self._calls += 1
            self._describe()
            if error is not None:
                line = Text.assemble(("✖ ", "bold red"), call, (f": {error}", "red"))
            elif self._phase == HEALTH:
                return
            else:
                line = Text.assemble(("✔ ", "green"), call, (f"  {items}", "bold"))
            self._bar.console.print(line, soft_wrap=True)

    def cluster_started(self, cluster: str) -> Progress:
        """A fleet's cluster begins: its calls are printed under its name."""
        self._bar.console.print(Text.assemble(("▶ ", "bold"), "auditing ", (cluster, "bold")))
        return _ClusterCalls(self, cluster.rpartition("/")[2])

    def cluster_done(self, cluster: str, error: str | None) -> None:
        """A fleet's cluster ended: audited, or why it could not be."""
        if error is None:
            line = Text.assemble(("✔ ", "green"), (cluster, "bold"), " audited")
        else:
            line = Text.assemble(("✖ ", "bold red"), (cluster, "bold"), (f": {error}", "red"))
        self._bar.console.print(line, soft_wrap=True)


class _ClusterCalls:
    """One cluster's collection progress in a fleet audit, named after the cluster."""

    def __init__(self, display: _ProgressDisplay, name: str) -> None:
        self._display = display
        self._name = name

    def phase(self, name: str) -> None:
        """Clusters run side by side: their phases are not shown."""

    def call_done(self, call: str, items: int | None, error: str | None) -> None:
        """Show the call under the cluster's name."""
        self._display.call_done(f"{self._name}: {call}", items, error)


def _fail_threshold_reached(report: AuditResult, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = Severity(fail_on).rank
    return any(f.severity.rank >= threshold for f in report.findings)


def _html(report: AuditResult) -> str:
    from gkeingress.render.html import report_document  # noqa: PLC0415 - only for --format html

    return report_document(report)


_DOCUMENTS: dict[str, Callable[[AuditResult], str]] = {
    "json": lambda report: json_text(report.to_dict()),
    "sarif": lambda report: json.dumps(to_sarif(report), indent=2) + "\n",
    "html": _html,
}


def _write(report: AuditResult, args: argparse.Namespace, console: Console) -> None:
    """Print the report in its format, to ``--output`` or to ``console``.

    Raises:
        OSError: the output file cannot be written.
    """
    if args.format == "text":
        options = TextOptions(verbose=args.verbose, min_severity=Severity(args.min_severity))
        if args.output:
            with Path(args.output).open("w", encoding="utf-8") as out:
                render(report, Console(file=out, width=REPORT_WIDTH, highlight=False), options)
        else:
            render(report, console, options)
        return
    document = _DOCUMENTS[args.format](report)
    if args.output:
        Path(args.output).write_text(document, encoding="utf-8")
    else:
        console.file.write(document)


def _why_not_run(report: AuditResult) -> str | None:
    """Why the audit did not run at all, or None when it did."""
    if isinstance(report, FleetReport):
        if report.reports or not (report.fleet_findings or report.fleet_errors):
            return None
        return "no cluster could be audited; see the report's findings and errors"
    if report.topology.snapshot.failed(DataKind.INGRESSES):
        return "could not list Ingresses; see the report's errors"
    return None


def _emit(report: AuditResult, args: argparse.Namespace, console: Console) -> int:
    try:
        _write(report, args, console)
    except OSError as exc:
        print(f"gkeingress: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if report.internal_errors:
        where = ", ".join(e.where for e in report.internal_errors)
        print(
            f"gkeingress: internal error in {where}: a bug in gkeingress (traceback above); "
            "the rest of the report stands",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
    failure = _why_not_run(report)
    if failure:
        print(f"gkeingress: {failure}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return EXIT_FINDINGS if _fail_threshold_reached(report, args.fail_on) else EXIT_OK


def _answer(
    console: Console,
    output: str,
    ask: Callable[[], Answered],
    text: Callable[[Answered], Text],
    agrees: Callable[[Answered], bool | None],
) -> int:
    """Print ``route``'s or ``probe``'s answer as text or JSON.

    0 when the answer is yes, 1 when it is no, 2 when there is none or it cannot tell.
    """
    try:
        answer = ask()
    except (LookupError, ValueError, ProbeError) as exc:
        print(f"gkeingress: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if output == "json":
        console.file.write(json.dumps(answer.to_dict(), indent=2) + "\n")
    else:
        console.print(text(answer), soft_wrap=True)
    verdict = agrees(answer)
    if verdict is None:
        return EXIT_CANNOT_RUN
    return EXIT_OK if verdict else EXIT_FINDINGS


def _route(report: Report, args: argparse.Namespace, console: Console) -> int:
    def ask() -> Route:
        return report.route(args.url, ingress=args.ingress)

    def reaches(answer: Route) -> bool | None:
        return answer.serves

    return _answer(console, args.format, ask, route_text, reaches)


def _demo_report(progress: Progress | None) -> Report:
    from gkeingress.testing.demo import audit_demo  # noqa: PLC0415 - the test world, for the demo only

    return audit_demo(progress=progress)


def _send_probe(report: Report, args: argparse.Namespace) -> ProbeResult:
    """Probe the URL: against the demo world's fake load balancer with ``--demo``."""
    resolve = bool(args.resolve)
    if not args.demo:
        return report.probe(args.url, ingress=args.ingress, method=args.method, resolve=resolve)
    from gkeingress.testing import demo_world  # noqa: PLC0415 - the test world, for the demo only
    from gkeingress.testing.loadbalancer import FakeLoadBalancer  # noqa: PLC0415 - same

    with FakeLoadBalancer(demo_world()) as balancer:
        return report.probe(
            args.url,
            ingress=args.ingress,
            method=args.method,
            connect_to=balancer.connect_to,
            resolve=resolve,
        )


def _probe(report: Report, args: argparse.Namespace, console: Console) -> int:
    def ask() -> ProbeResult:
        return _send_probe(report, args)

    return _answer(console, args.format, ask, probe_text, lambda result: result.agrees)


class _WaitDisplay:
    """``wait``'s progress on stderr: a table redrawn each round on a terminal, else one line."""

    def __init__(self, console: Console, *, quiet: bool) -> None:
        self._console = console
        self._quiet = quiet
        self._live: Live | None = None

    def __enter__(self) -> _WaitDisplay:
        if not self._quiet and self._console.is_terminal:
            self._live = Live(console=self._console, auto_refresh=False)
            self._live.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.stop()

    def show(self, progress: WaitProgress) -> None:
        """Show one round."""
        if self._quiet:
            return
        if self._live is not None:
            self._live.update(progress_table(progress), refresh=True)
        else:
            self._console.print(progress_line(progress), soft_wrap=True, markup=False)


def _run_wait(args: argparse.Namespace, on_progress: Callable[[WaitProgress], None]) -> WaitResult:
    """Wait for the Ingress: in the demo world's simulated time with ``--demo``."""
    from gkeingress.live.wait import wait  # noqa: PLC0415 - the API clients load only to wait

    options = {
        "timeout": args.timeout,
        "interval": args.interval,
        "urls": args.url,
        "fail_fast": not args.no_fail_fast,
        "on_progress": on_progress,
    }
    if not args.demo:
        return wait(
            args.project[0],
            args.ingress,
            credentials=_anonymous() if args.anonymous else None,
            kubeconfig=args.kubeconfig,
            context=args.context,
            cluster=args.cluster,
            compute_endpoint=args.compute_endpoint,
            container_endpoint=args.container_endpoint,
            use_private_endpoint=args.use_private_endpoint,
            rate_limit=args.rate_limit,
            **options,
        )
    from gkeingress.testing import DEMO_NOW, FakeGKE, FakeLoadBalancer, demo_world  # noqa: PLC0415 - the demo only
    from gkeingress.testing.rollout import demo_rollout  # noqa: PLC0415 - the demo only

    world = demo_world()
    rollout = demo_rollout(world)
    with FakeGKE(world) as server, server.kube_client() as kube, FakeLoadBalancer(world) as lb:
        return wait(
            world.project,
            args.ingress,
            kube_client=kube,
            credentials=_anonymous(),
            compute_endpoint=server.compute_endpoint,
            clock=rollout.clock,
            sleep=rollout.sleep,
            started_at=DEMO_NOW,
            connect_to=lb.connect_to,
            **options,
        )


def _wait(args: argparse.Namespace, console: Console) -> int:
    """Wait; 0 serving, 1 not (timeout or a fault waiting cannot fix), 130 on Ctrl-C.

    Raises:
        AuditError: the wait cannot run (exit 2).
    """
    started = time.monotonic()
    try:
        with _WaitDisplay(Console(stderr=True, highlight=False), quiet=args.quiet) as display:
            result = _run_wait(args, display.show)
    except KeyboardInterrupt:
        print(
            f"gkeingress: interrupted after {duration(time.monotonic() - started)}, before "
            f"{args.ingress} was seen serving",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if args.format == "json":
        console.file.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        console.print(result_text(result), soft_wrap=True)
    return EXIT_OK if result.serving else EXIT_FINDINGS


def _severity_text(item: Check) -> Text:
    """The severities a check's findings take, least to most severe, each in its colour."""
    low, high = item.severities[0], item.severities[-1]
    text = Text(low.value, STYLE[low])
    if high is not low:
        text.append("–").append(high.value, STYLE[high])
    return text


def _checks_table() -> Table:
    """Every finding code, the severities its findings take and its title; codes never wrap."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("code", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("title")
    for item in REGISTRY:
        table.add_row(item.code, _severity_text(item), Text(item.title))
    return table


def _explain(code: str, console: Console) -> int:
    key = code.strip().upper().replace("-", "_")
    if key not in REGISTRY:
        near = difflib.get_close_matches(key, [c.code for c in REGISTRY], n=1, cutoff=0.6)
        hint = f"did you mean {near[0]}? " if near else ""
        print(
            f"gkeingress: unknown code {code!r}; {hint}`gkeingress checks` lists them",
            file=sys.stderr,
        )
        return EXIT_CANNOT_RUN
    item = REGISTRY[key]
    console.print(Text.assemble((item.code, "bold"), "  ", _severity_text(item), "\n", item.title))
    console.print(Text("\nWhat it means", style="bold"))
    console.print(Text(item.explanation))
    console.print(Text("\nWhat the finding shows", style="bold"))
    console.print(Text(item.evidence))
    console.print(Text("\nHow to fix it", style="bold"))
    console.print(Text(item.fix))
    reads = (
        ", ".join(sorted(kind.value for kind in item.requires)) or "nothing: the engine emits it"
    )
    console.print(Text.assemble(("\nReads: ", "bold"), reads))
    console.print(Text.assemble(("More: ", "bold"), item.docs_url), soft_wrap=True)
    for link in item.links:
        console.print(Text.assemble(("      ", ""), link), soft_wrap=True)
    return EXIT_OK


def _is_fleet(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "all_clusters", False) or len(args.project or ()) > 1)


def _anonymous() -> Credentials:
    from google.auth.credentials import AnonymousCredentials  # noqa: PLC0415 - only to audit

    return AnonymousCredentials()  # type: ignore[no-untyped-call]  # google-auth is unannotated


def _report(args: argparse.Namespace, progress: _ProgressDisplay | None = None) -> AuditResult:
    if args.command == "demo" or getattr(args, "demo", False):
        return _demo_report(progress)
    from gkeingress import audit, audit_fleet  # noqa: PLC0415 - the API clients load only to audit

    credentials = _anonymous() if args.anonymous else None
    if _is_fleet(args):
        return audit_fleet(
            args.project,
            credentials=credentials,
            clusters=[args.cluster] if args.cluster else None,
            compute_endpoint=args.compute_endpoint,
            container_endpoint=args.container_endpoint,
            use_private_endpoint=args.use_private_endpoint,
            namespace=args.namespace,
            progress=progress,
            deep=args.deep,
            rate_limit=args.rate_limit,
            errors_since=getattr(args, "errors_since", None),
            evidence=args.evidence,
            errors_window=args.errors_window,
            monitoring_endpoint=args.monitoring_endpoint,
            logging_endpoint=args.logging_endpoint,
            max_log_entries=args.max_log_entries,
        )
    ingress = getattr(args, "ingress", None)
    return audit(
        args.project[0],
        credentials=credentials,
        kubeconfig=args.kubeconfig,
        context=args.context,
        # Routing through a named Ingress needs its namespace only (GKE's default backend too).
        namespace=args.namespace or (ingress.partition("/")[0] if ingress else None),
        compute_endpoint=args.compute_endpoint,
        errors_since=getattr(args, "errors_since", None),
        progress=progress,
        cluster=args.cluster,
        container_endpoint=args.container_endpoint,
        use_private_endpoint=args.use_private_endpoint,
        deep=args.deep,
        rate_limit=args.rate_limit,
        evidence=args.evidence,
        errors_window=args.errors_window,
        monitoring_endpoint=args.monitoring_endpoint,
        logging_endpoint=args.logging_endpoint,
        max_log_entries=args.max_log_entries,
    )


def _check_output(output: str) -> None:
    """Check that the report can be written to ``output``, before anything is collected.

    Raises:
        ArgumentError: its directory does not exist or is not writable, or it is a directory.
    """
    path = Path(output)
    folder = path.parent
    if path.is_dir():
        raise ArgumentError("output", output, "is a directory")
    if not folder.is_dir():
        raise ArgumentError("output", output, f"directory {folder} does not exist")
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise ArgumentError(
            "output",
            output,
            "not writable" if path.exists() else f"directory {folder} not writable",
        )


def _check_options(args: argparse.Namespace) -> None:
    """Find the mistakes of the command line before credentials are looked for or an API called.

    Raises:
        AuditError: the first wrong option, in the order a person gives them: the cluster or the
            kubeconfig and its context, then the output file.
    """
    collects = args.command == "audit" or (
        args.command in ("route", "probe", "wait") and not args.demo
    )
    if collects and args.cluster:
        try:
            cluster_path(args.cluster, args.project[0])
        except ValueError as exc:
            raise ArgumentError("cluster", args.cluster, str(exc)) from exc
    elif collects and not _is_fleet(args):
        from gkeingress.api import check_kubeconfig  # noqa: PLC0415 - the clients load only to audit

        check_kubeconfig(args.kubeconfig, args.context)
    if getattr(args, "output", None):
        _check_output(args.output)


def _collect(args: argparse.Namespace) -> AuditResult:
    """Run the audit, showing progress on stderr when it is a terminal and not ``--quiet``."""
    stderr = Console(stderr=True, highlight=False)
    if args.quiet or not stderr.is_terminal:
        return _report(args)
    with _ProgressDisplay(stderr) as progress:
        return _report(args, progress)


def _settle_heap() -> None:
    """Load the client libraries every audit uses, then freeze every object the process holds.

    A full pass of CPython's cyclic garbage collector walks every object it tracks, and the client
    libraries leave about 250,000; an audit of 1000 Ingresses sets off such a pass. Frozen
    (:func:`gc.freeze`), they are skipped by every later pass. Only the command does this, in a
    process of its own (:func:`run`): the library, and :func:`main` called from another program,
    leave the collector to the program that runs them.
    """
    importlib.import_module("gkeingress.api")
    gc.freeze()


def run() -> NoReturn:
    """The ``gkeingress`` command: :func:`main` in a process of its own, which it exits with."""
    sys.exit(main(own_process=True))


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run the command line; returns the exit code (3 for a bug in gkeingress, logged).

    ``own_process``: the process is the command's alone (:func:`run`), so it may tune the garbage
    collector for the audit; called from another program, it does not.
    """
    try:
        return _main(argv, own_process=own_process)
    except Exception as exc:
        log.error("internal error: this is a bug in gkeingress", exc_info=exc)
        print(
            f"gkeingress: internal error ({type(exc).__name__}: {exc}): a bug in gkeingress; "
            "the traceback is above",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR


def _main(argv: Sequence[str] | None, *, own_process: bool) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in ONE_CLUSTER and not (args.demo or args.project):
        parser.error(f"{args.command} needs --project (or --demo)")
    if args.command in ONE_CLUSTER and _is_fleet(args):
        parser.error(
            f"{args.command} goes through one cluster: give one --project and no --all-clusters"
        )
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=REPORT_WIDTH)
    if args.command == "explain":
        return _explain(args.code, console)
    if args.command == "checks":
        console.print(_checks_table())
        return EXIT_OK
    try:
        _check_options(args)
        if own_process:
            _settle_heap()
        if args.command == "wait":
            return _wait(args, console)
        report = _collect(args)
    except AuditError as exc:
        print(f"gkeingress: {exc.cli}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    answer = {"route": _route, "probe": _probe}.get(args.command)
    if isinstance(report, Report) and answer is not None:
        return answer(report, args, console)
    return _emit(report, args, console)


if __name__ == "__main__":
    run()
