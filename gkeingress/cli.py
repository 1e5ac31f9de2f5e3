"""The ``gkeingress`` command: ``audit``, ``demo``, ``route``, ``explain`` and ``checks``.

Exit codes: 0 when no finding reaches ``--fail-on``, 1 when one does, 2 when the audit could not run.
``route`` exits 0 once it has an answer (a 404 is an answer) and 2 when it cannot route.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from rich.console import Console

from gkeingress.api import audit
from gkeingress.checks import REGISTRY
from gkeingress.collect.snapshot import DataKind
from gkeingress.errors import AuditError
from gkeingress.findings import Severity
from gkeingress.model.refs import parse_time
from gkeingress.render.text import render
from gkeingress.report import Report

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2


def _output_options(parser: argparse.ArgumentParser, fail_on: str) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "never"),
        default=fail_on,
        help=f"exit 1 when a finding is at least this severe (default: {fail_on})",
    )


def _connection_options(parser: argparse.ArgumentParser, *, project_required: bool) -> None:
    parser.add_argument(
        "--project", required=project_required, help="GCP project id holding the load balancers"
    )
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"
    )
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--namespace", help="audit only this namespace's Ingresses")
    parser.add_argument("--compute-endpoint", help="Compute API endpoint (default: Google's)")


_SPAN = re.compile(r"(\d+)([smhd])")
_SPAN_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _errors_since(text: str) -> datetime:
    """Read ``--errors-since``: an ISO-8601 time, or a span before now such as ``30m`` or ``2h``."""
    span = _SPAN.fullmatch(text.strip())
    if span:
        return datetime.now(timezone.utc) - timedelta(**{_SPAN_UNITS[span[2]]: int(span[1])})
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
    _connection_options(where, project_required=False)
    explain = sub.add_parser("explain", help="explain a finding code")
    explain.add_argument("code", help="e.g. HEALTH_CHECK_PATH_MISMATCH")
    sub.add_parser("checks", help="list every finding code")
    return parser


def _emit(report: Report, args: argparse.Namespace, console: Console) -> int:
    if args.format == "json":
        console.file.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        render(report, console)
    if report.topology.snapshot.failed(DataKind.INGRESSES):
        console.file.write("gkeingress: could not list Ingresses; see the errors above\n")
        return EXIT_CANNOT_RUN
    if args.fail_on == "never":
        return EXIT_OK
    threshold = Severity(args.fail_on).rank
    return EXIT_FINDINGS if any(f.severity.rank >= threshold for f in report.findings) else EXIT_OK


def _route(report: Report, args: argparse.Namespace, console: Console) -> int:
    try:
        answer = report.route(args.url, ingress=args.ingress)
    except (LookupError, ValueError) as exc:
        print(f"gkeingress: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    text = json.dumps(answer.to_dict(), indent=2) if args.format == "json" else str(answer)
    console.file.write(text + "\n")
    return EXIT_OK


def _demo_report() -> Report:
    from gkeingress.testing import DEMO_NOW  # noqa: PLC0415 - the test world loads only for the demo
    from gkeingress.testing.scenarios import DEMO_ERRORS_SINCE, demo_world  # noqa: PLC0415
    from gkeingress.testing.server import FakeGKE  # noqa: PLC0415

    world = demo_world()
    with FakeGKE(world) as server, server.kube_client() as kube_client:
        return audit(
            world.project,
            kube_client=kube_client,
            compute_endpoint=server.compute_endpoint,
            now=DEMO_NOW,
            errors_since=DEMO_ERRORS_SINCE,
        )


def _explain(code: str, console: Console) -> int:
    key = code.upper()
    if key not in REGISTRY:
        console.print(f"unknown code {code!r}; `gkeingress checks` lists them")
        return EXIT_CANNOT_RUN
    item = REGISTRY[key]
    console.print(f"[bold]{item.code}[/bold] ({item.severity.value}): {item.title}\n")
    console.print(item.explanation + "\n")
    console.print(f"[bold]Fix:[/bold] {item.fix}\n\n{item.docs_url}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> Report:
    if args.command == "demo" or getattr(args, "demo", False):
        return _demo_report()
    return audit(
        args.project,
        kubeconfig=args.kubeconfig,
        context=args.context,
        namespace=args.namespace,
        compute_endpoint=args.compute_endpoint,
        errors_since=getattr(args, "errors_since", None),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "route" and not (args.demo or args.project):
        parser.error("route needs --project (or --demo)")
    console = Console(highlight=False)
    if args.command == "explain":
        return _explain(args.code, console)
    if args.command == "checks":
        for item in REGISTRY:
            console.print(f"{item.code:32} {item.severity.value:8} {item.title}")
        return EXIT_OK
    try:
        report = _report(args)
    except AuditError as exc:
        print(f"gkeingress: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if args.command == "route":
        return _route(report, args, console)
    return _emit(report, args, console)


if __name__ == "__main__":
    sys.exit(main())
