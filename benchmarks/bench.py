"""Audit fake worlds of 10, 100 and 1000 Ingresses over HTTP with injected latency, and measure.

Each Ingress routes to two Services whose pods and NEGs are spread over three zones, all healthy.
The world is served by :class:`gkeingress.testing.FakeGKE` from a child process, as a remote API
would be. For each size: wall time of the whole audit (collection and analysis), API calls by
kind, CPU time of the analysis alone (pairing and checks, no I/O), peak memory of collection plus
analysis (measured in a separate run, without latency), and the time the audit waited for pacing
and backoff. Each size runs ``--repeat`` times; the table shows medians. Prints a table and writes
``benchmarks/results.json``.

    python benchmarks/bench.py [--latency 0.05] [--sizes 10 100 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials
from kubernetes import client as k8s
from rich.console import Console
from rich.table import Table

from gkeingress import analyse
from gkeingress.collect import ApiGate, collect
from gkeingress.collect.compute import PAGE_SIZE
from gkeingress.collect.kubernetes import PAGE_SIZE as KUBE_PAGE
from gkeingress.snapshot import Snapshot
from gkeingress.testing import DEMO_NOW, FakeGKE
from gkeingress.testing.scale import world_of

RESULTS = Path(__file__).with_name("results.json")
if KUBE_PAGE != PAGE_SIZE:
    raise RuntimeError("the Kubernetes and Compute collectors ask for pages of different sizes")


def _serve(size: int, latency: float, urls: Queue[str], stop: Event) -> None:
    """In a child process, like a remote API: build the world and serve it until told to stop."""
    with FakeGKE(world_of(size), latency=latency) as server:
        urls.put(server.url)
        stop.wait()


@contextmanager
def served(size: int, latency: float) -> Iterator[str]:
    """The URL of a fake world of ``size`` Ingresses served from another process."""
    context = multiprocessing.get_context("fork")
    urls: Queue[str] = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve, args=(size, latency, urls, stop), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=600)
    finally:
        stop.set()
        process.join(timeout=30)


class ItemsPerCall:
    """A collection progress receiver that keeps how many items each call returned, by gate label."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}
        self._lock = threading.Lock()

    def phase(self, name: str) -> None:
        """Phases do not matter here."""

    def call_done(self, call: str, items: int | None, error: str | None) -> None:
        """Keep the item count under the label the API gate counts the call by."""
        if call.startswith("compute."):
            _, collection, verb = call.split(".", 2)
            label = f"compute {verb} {collection}"
        else:
            label = f"kubernetes {call}"
        with self._lock:
            self.items[label] = items or 0


def _collect(url: str, progress: ItemsPerCall | None = None) -> Snapshot:
    configuration = k8s.Configuration()
    configuration.host = url
    with k8s.ApiClient(configuration) as client:
        return collect(
            "demo-project",
            kube_client=client,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # unannotated
            compute_endpoint=url,
            gate=ApiGate(),
            progress=progress or ItemsPerCall(),
        )


def beyond_pages(calls: dict[str, int], items: dict[str, int]) -> dict[str, int]:
    """Calls of each kind beyond one per page of what it returned; all zero when nothing repeats."""
    extra = {}
    for label, count in calls.items():
        pages = max(1, math.ceil(items.get(label, 0) / PAGE_SIZE))
        if count != pages:
            extra[label] = count - pages
    return extra


def one_audit(url: str) -> dict[str, Any]:
    """Collect and analyse once; wall time, analysis CPU, calls."""
    progress = ItemsPerCall()
    started = time.perf_counter()
    snapshot = _collect(url, progress)
    cpu = time.process_time()
    report = analyse(snapshot, now=DEMO_NOW)
    analysis_cpu = time.process_time() - cpu
    wall = time.perf_counter() - started
    calls = dict(snapshot.calls)
    return {
        "wall_s": wall,
        "analysis_cpu_s": analysis_cpu,
        "calls_by_kind": calls,
        "items_by_kind": progress.items,
        "calls_beyond_pages": beyond_pages(calls, progress.items),
        "waited_s": snapshot.waited,
        "retries": snapshot.retries,
        "errors": len(report.errors),
        "findings": len(report.findings),
    }


def peak_memory(size: int) -> float:
    """Peak traced memory, in MiB, of collecting and analysing ``size`` Ingresses (no latency)."""
    with served(size, 0.0) as url:
        tracemalloc.start()
        try:
            analyse(_collect(url), now=DEMO_NOW)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak / 2**20


def measure(size: int, latency: float, repeat: int) -> dict[str, Any]:
    """One size: ``repeat`` audits (after one to warm up), their medians, and peak memory."""
    with served(size, latency) as url:
        _collect(url)  # warm the client libraries' lazy imports and connection set-up
        runs = [one_audit(url) for _ in range(repeat)]
    last = runs[-1]
    peak = peak_memory(size)
    return {
        "ingresses": size,
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
        "analysis_cpu_s": round(statistics.median(r["analysis_cpu_s"] for r in runs), 3),
        "peak_memory_mib": round(peak, 1),
        "peak_kib_per_ingress": round(peak * 1024 / size, 1),
        "api_calls": sum(last["calls_by_kind"].values()),
        "calls_by_kind": last["calls_by_kind"],
        "items_by_kind": last["items_by_kind"],
        "calls_beyond_pages": last["calls_beyond_pages"],
        "waited_s": round(max(r["waited_s"] for r in runs), 3),
        "retries": max(r["retries"] for r in runs),
        "errors": last["errors"],
        "findings": last["findings"],
        "runs": [
            {"wall_s": round(r["wall_s"], 3), "analysis_cpu_s": round(r["analysis_cpu_s"], 3)}
            for r in runs
        ],
    }


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpus": os.cpu_count(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    """Run the benchmark, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5, help="audits per size (median shown)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = [measure(size, args.latency, args.repeat) for size in args.sizes]
    kinds = [set(r["calls_by_kind"]) for r in results]
    identical = all(k == kinds[0] for k in kinds) and not any(
        r["calls_beyond_pages"] for r in results
    )
    document = {
        "latency_s": args.latency,
        "repeat": args.repeat,
        "machine": machine(),
        "calls_identical_apart_from_pages": identical,
        "results": results,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n")

    table = Table(title=f"gkeingress audit, {args.latency * 1000:.0f} ms per request")
    columns = ("Ingresses", "wall s", "API calls", "analysis CPU s", "peak MiB", "waited s")
    for column in columns:
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            str(r["ingresses"]),
            f"{r['wall_s']:.2f}",
            str(r["api_calls"]),
            f"{r['analysis_cpu_s']:.2f}",
            f"{r['peak_memory_mib']:.1f}",
            f"{r['waited_s']:.2f}",
        )
    console = Console()
    console.print(table)
    console.print(
        "calls by kind identical at every size apart from pages "
        f"(one call per {PAGE_SIZE} items): {'yes' if identical else 'NO'}"
    )
    for r in results:
        if r["calls_beyond_pages"]:
            console.print(f"  {r['ingresses']} Ingresses, extra calls: {r['calls_beyond_pages']}")
    console.print(
        "peak memory per Ingress (KiB): "
        + ", ".join(f"{r['ingresses']}: {r['peak_kib_per_ingress']:.0f}" for r in results)
    )
    console.print(f"{len(args.sizes)} sizes x {args.repeat} runs; results written to {args.output}")


if __name__ == "__main__":
    main()
