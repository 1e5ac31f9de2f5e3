"""The ``gkeingress`` command: ``audit``, ``demo``, ``explain`` and ``checks``.

Exit codes: 0 when no finding reaches ``--fail-on``, 1 when one does, 2 when the audit could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from rich.console import Console

from gkeingress.api import audit
from gkeingress.checks import REGISTRY
from gkeingress.collect.snapshot import DataKind
from gkeingress.errors import AuditError
from gkeingress.findings import Severity
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gkeingress",
        description="Audit GKE Ingress: pair each Ingress with its load balancer and explain faults.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "audit", help="audit a cluster's Ingresses and the project's load balancers"
    )
    run.add_argument("--project", required=True, help="GCP project id holding the load balancers")
    run.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"
    )
    run.add_argument("--context", help="kubeconfig context (default: the current one)")
    run.add_argument("--namespace", help="audit only this namespace's Ingresses")
    run.add_argument("--compute-endpoint", help="Compute API endpoint (default: Google's)")
    _output_options(run, "error")
    demo = sub.add_parser("demo", help="audit the built-in demo world (no GCP needed)")
    _output_options(demo, "never")
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


def _demo_report() -> Report:
    from gkeingress.testing import DEMO_NOW  # noqa: PLC0415 - the test world loads only for the demo
    from gkeingress.testing.scenarios import demo_world  # noqa: PLC0415
    from gkeingress.testing.server import FakeGKE  # noqa: PLC0415

    world = demo_world()
    with FakeGKE(world) as server, server.kube_client() as kube_client:
        return audit(
            world.project,
            kube_client=kube_client,
            compute_endpoint=server.compute_endpoint,
            now=DEMO_NOW,
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    console = Console(highlight=False)
    if args.command == "explain":
        return _explain(args.code, console)
    if args.command == "checks":
        for item in REGISTRY:
            console.print(f"{item.code:32} {item.severity.value:8} {item.title}")
        return EXIT_OK
    try:
        if args.command == "demo":
            report = _demo_report()
        else:
            report = audit(
                args.project,
                kubeconfig=args.kubeconfig,
                context=args.context,
                namespace=args.namespace,
                compute_endpoint=args.compute_endpoint,
            )
    except AuditError as exc:
        print(f"gkeingress: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return _emit(report, args, console)


if __name__ == "__main__":
    sys.exit(main())
