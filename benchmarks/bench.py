"""Audit fake worlds over HTTP with injected latency, against an ideal reader of the same pages.

Each Ingress routes to two Services whose pods and NEGs are spread over three zones, all healthy.
The world is served by :class:`gkeingress.testing.FakeGKE` from a child process, as a remote API
would be, adding ``--latency`` to every request. For each size, each audit (collection and
analysis) is followed by an **ideal reader** against the same server: the same first pages as the
audit requested, every page chain followed, all chains at once, each body decoded with
``json.loads`` and nothing else. The audit's ratio to it is the cost of everything gkeingress does
beyond reading the pages. Each audit and each ideal read starts from a collected heap with no
earlier report alive, as a new command would; the garbage collector's pauses during each are
reported beside it (the collector runs as it would in any program: only the harness collects).

Also measured: the audit's own CPU time (the server runs in its child process and is not counted),
nearly all of it Python code, which one interpreter runs one thread at a time: close to a floor for
the audit's wall time. API calls by kind (still one per page of each list at every size), the CPU
of the analysis alone (building the snapshot, pairing, checks: no I/O), peak memory (sizes up to
1000, in a separate run without latency), the time waited for pacing and backoff; at 1000 Ingresses
the Compute lists read as JSON (the default) against the same lists read through ``compute_v1``'s
protobuf messages, and the time to render the report as text and as JSON, and ``gkeingress audit``
start to end, as the command and as ``main()`` called from a program; ``import gkeingress`` and
``gkeingress explain``; and a fleet of 20 clusters in 3 projects (50 Ingresses each) against the
slowest single-cluster audit of the same fleet. Prints tables and writes
``benchmarks/results.json``.

    python benchmarks/bench.py [--latency 0.05] [--sizes 10 100 1000 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import http.client
import io
import json
import math
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from google.auth.credentials import AnonymousCredentials
from google.oauth2.credentials import Credentials as TokenCredentials
from kubernetes import client as k8s
from rich.console import Console
from rich.table import Table

from gkeingress import Report, analyse, audit, audit_fleet
from gkeingress.collect import ApiGate, PageReader, collect, list_compute
from gkeingress.collect.compute import LISTS, PAGE_SIZE
from gkeingress.collect.kubernetes import CONNECTIONS
from gkeingress.collect.kubernetes import PAGE_SIZE as KUBE_PAGE
from gkeingress.render.jsontext import json_text
from gkeingress.render.text import render
from gkeingress.snapshot import Snapshot, build_snapshot
from gkeingress.testing import DEMO_NOW, FakeFleet, FakeGKE
from gkeingress.testing.scale import fleet_of, world_of
from gkeingress.testing.snapshots import identity_of, parsed_lists

RESULTS = Path(__file__).with_name("results.json")
ANONYMOUS = AnonymousCredentials()  # type: ignore[no-untyped-call]  # google-auth is unannotated
PAGE_TOKENS = ("pageToken", "continue")
"""Query parameters that make a request a later page of a chain, not its first."""
EXPLAINED = "NEG_EMPTY"
FLEET = {"clusters": 20, "projects": 3, "ingresses": 50}


# -- The fake, in its own process -------------------------------------------------------------


@dataclass(frozen=True)
class FirstPage:
    """A request that starts a page chain, as the fake received it."""

    path: str
    query: tuple[tuple[str, str], ...]
    accept: str


def _serve(make: Callable[[], FakeGKE | FakeFleet], conn: Connection) -> None:
    """In a child process, like a remote API: build the fake, serve it, answer the parent."""
    with make() as server:
        token = ""
        if isinstance(server, FakeFleet):
            server.credentials.refresh(None)
            token = str(server.credentials.token)
        conn.send((server.url, token))
        while (command := conn.recv()) != "stop":
            since = int(command)
            recorded = server.requests if isinstance(server, FakeGKE) else []
            conn.send(
                [
                    FirstPage(r.path, tuple(sorted(r.query.items())), r.headers.get("accept", ""))
                    for r in recorded[since:]
                    if r.method == "GET" and not any(t in r.query for t in PAGE_TOKENS)
                ]
                if since >= 0
                else len(recorded)
            )


class Served:
    """A fake served from a child process: its URL and the first pages it was asked for."""

    def __init__(self, conn: Connection, url: str, token: str) -> None:
        self._conn = conn
        self.url = url
        self.token = token

    def answered(self) -> int:
        """How many requests the fake has answered so far."""
        self._conn.send(-1)
        count: int = self._conn.recv()
        return count

    def first_pages(self, since: int) -> list[FirstPage]:
        """The GET requests after the ``since``-th that started a page chain."""
        self._conn.send(since)
        pages: list[FirstPage] = self._conn.recv()
        return pages


@contextmanager
def served(make: Callable[[], FakeGKE | FakeFleet]) -> Iterator[Served]:
    """``make()``'s fake, built and served in another process."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(make, child), daemon=True)
    process.start()
    try:
        if not parent.poll(900):
            raise RuntimeError("the fake did not start")
        url, token = parent.recv()
        yield Served(parent, url, token)
    finally:
        parent.send("stop")
        process.join(timeout=30)


def _fake_world(size: int, latency: float) -> FakeGKE:
    return FakeGKE(world_of(size), latency=latency)


# -- The ideal reader -------------------------------------------------------------------------


def ideal_read(url: str, first_pages: list[FirstPage]) -> tuple[float, int]:
    """Follow every chain from its first page, all at once, decoding with json.loads; wall, pages."""
    address = urlsplit(url)

    def chain(first: FirstPage) -> int:
        connection = http.client.HTTPConnection(address.hostname or "", address.port)
        headers = {"Accept": first.accept} if first.accept else {}
        query = dict(first.query)
        pages = 0
        try:
            while True:
                connection.request("GET", f"{first.path}?{urlencode(query)}", headers=headers)
                body = json.loads(connection.getresponse().read())
                pages += 1
                if token := body.get("nextPageToken"):
                    query["pageToken"] = token
                elif token := (body.get("metadata") or {}).get("continue"):
                    query["continue"] = token
                else:
                    return pages
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(len(first_pages)) as pool:
        pages = sum(pool.map(chain, first_pages))
    return time.perf_counter() - started, pages


# -- The audit ---------------------------------------------------------------------------------


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
            self.items[label] = self.items.get(label, 0) + (items or 0)


def _kube(url: str) -> k8s.ApiClient:
    """A Kubernetes client for ``url`` with as many connections as the clients gkeingress builds."""
    configuration = k8s.Configuration()
    configuration.host = url
    configuration.connection_pool_maxsize = CONNECTIONS
    return k8s.ApiClient(configuration)


def _collect(url: str, progress: ItemsPerCall | None = None) -> Snapshot:
    with _kube(url) as client:
        return collect(
            "demo-project",
            kube_client=client,
            credentials=ANONYMOUS,
            compute_endpoint=url,
            gate=ApiGate(),
            progress=progress or ItemsPerCall(),
        )


def beyond_pages(calls: dict[str, int], items: dict[str, int]) -> dict[str, int]:
    """Calls of each kind beyond one per page of what it returned; empty when nothing repeats.

    A list read as several chains (:data:`~gkeingress.collect.compute.BY_LAST_CHARACTER`) may
    take up to one call more per extra chain: each chain ends on a page of its own.
    """
    chains = {f"compute {c.verb} {c.collection}": len(c.shards) or 1 for c in LISTS}
    extra = {}
    for label, count in calls.items():
        size = KUBE_PAGE if label.startswith("kubernetes ") else PAGE_SIZE
        pages = max(1, math.ceil(items.get(label, 0) / size))
        if not 0 <= count - pages < chains.get(label, 1):
            extra[label] = count - pages
    return extra


class Pauses:
    """Seconds the cyclic garbage collector held the interpreter while the block ran.

    A reading only: the collector runs as the host process has it, as it would for any user.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _heard(self, phase: str, _: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> Pauses:
        gc.callbacks.append(self._heard)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._heard)


def one_audit(server: Served) -> tuple[dict[str, Any], Report]:
    """Collect and analyse once, then read the same first pages ideally; the figures and report."""
    progress = ItemsPerCall()
    since = server.answered()
    gc.collect()  # the benchmark's own leftovers are not the audit's to collect
    with Pauses() as audit_pauses:
        started, cpu_started = time.perf_counter(), time.process_time()
        snapshot = _collect(server.url, progress)
        report = analyse(snapshot, now=DEMO_NOW)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    first_pages = server.first_pages(since)
    gc.collect()  # nor the audit's the ideal reader's
    with Pauses() as ideal_pauses:
        ideal, ideal_pages = ideal_read(server.url, first_pages)
    calls = dict(snapshot.calls)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "ideal_s": ideal,
        "ratio": wall / ideal,
        "gc_s": audit_pauses.seconds,
        "ideal_gc_s": ideal_pauses.seconds,
        "chains": len(first_pages),
        "ideal_pages": ideal_pages,
        "calls_by_kind": calls,
        "items_by_kind": progress.items,
        "calls_beyond_pages": beyond_pages(calls, progress.items),
        "waited_s": snapshot.waited,
        "retries": snapshot.retries,
        "errors": len(report.errors),
        "findings": len(report.findings),
    }, report


def analysis_cpu(size: int) -> tuple[float, float, int]:
    """CPU seconds to parse the world into a snapshot and to pair and check it, and its findings.

    An audit parses each page as it arrives, while other pages are still on their way; here the
    parsing is measured alone, over the objects the fake serves, in the cluster the fake serves.
    """
    world = world_of(size)
    gc.collect()
    started = time.process_time()
    snapshot = build_snapshot(
        world.project,
        datetime.now(timezone.utc),
        parsed=parsed_lists(world),
        identity=identity_of(world),
    )
    built = time.process_time() - started
    del world
    started = time.process_time()
    report = analyse(snapshot, now=DEMO_NOW)
    return built, time.process_time() - started, len(report.findings)


def peak_memory(size: int) -> float:
    """Peak traced memory, in MiB, of collecting and analysing ``size`` Ingresses (no latency)."""
    with served(partial(_fake_world, size, 0.0)) as server:
        tracemalloc.start()
        try:
            analyse(_collect(server.url), now=DEMO_NOW)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak / 2**20


def _median(values: Iterator[float] | list[float], digits: int = 3) -> float:
    return round(statistics.median(values), digits)


def compute_readers(url: str, repeat: int) -> dict[str, Any]:
    """The Compute lists read as JSON and through protobuf messages, alternately: wall and CPU."""
    runs: dict[str, list[tuple[float, float]]] = {r.value: [] for r in PageReader}
    for _ in range(repeat):
        for reader in PageReader:
            wall, cpu = time.perf_counter(), time.process_time()
            result = list_compute(
                "demo-project",
                credentials=ANONYMOUS,
                compute_endpoint=url,
                gate=ApiGate(),
                reader=reader,
            )
            runs[reader.value].append((time.perf_counter() - wall, time.process_time() - cpu))
            if result.errors:
                raise RuntimeError(f"Compute lists failed: {result.errors}")
    return {
        name: {
            "wall_s": _median(w for w, _ in pairs),
            "cpu_s": _median(c for _, c in pairs),
        }
        for name, pairs in runs.items()
    }


def rendering(report: Report, repeat: int) -> dict[str, float]:
    """Seconds to render ``report`` as text (100 columns, as the CLI) and as JSON (``--format json``).

    Both as the command line does: ``render`` to a console, ``json_text(report.to_dict())``.
    """
    text, document = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        render(report, Console(file=io.StringIO(), width=100, highlight=False))
        text.append(time.perf_counter() - started)
        started = time.perf_counter()
        json_text(report.to_dict())
        document.append(time.perf_counter() - started)
    return {"text_s": _median(text), "json_s": _median(document)}


def command_audit(url: str, repeat: int) -> dict[str, float]:
    """Wall time of ``gkeingress audit`` as a command, start-up included, two ways alternating.

    ``command``: the installed script, whose process is its own, so it freezes what its imports
    left before it audits; ``called``: the same :func:`gkeingress.cli.main` called from a program,
    which leaves the collector alone.
    """
    with tempfile.TemporaryDirectory() as folder:
        kubeconfig = Path(folder, "kubeconfig")
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": url}}],
                    "users": [{"name": "fake", "user": {"token": "fake"}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
                    "current-context": "fake",
                }
            )
        )
        options = ["audit", "--project", "demo-project", "--kubeconfig", str(kubeconfig)]
        options += ["--no-credentials", "--no-evidence", "--compute-endpoint", url, "--quiet"]
        options += ["--format", "json", "--output", os.devnull]
        called = [
            sys.executable,
            "-c",
            "import sys; from gkeingress.cli import main; sys.exit(main())",
        ]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        walls: dict[str, list[float]] = {"command": [], "called": []}
        for _ in range(repeat):
            for way, argv in (("command", _command()), ("called", called)):
                started = time.perf_counter()
                subprocess.run([*argv, *options], check=True, capture_output=True, env=env)
                walls[way].append(time.perf_counter() - started)
    return {f"{way}_wall_s": _median(times) for way, times in walls.items()}


def measure(size: int, latency: float, repeat: int, *, memory: bool) -> dict[str, Any]:
    """One size: ``repeat`` audits, each followed by the ideal reader, after one to warm up."""
    extra: dict[str, Any] = {}
    with served(partial(_fake_world, size, latency)) as server:
        _collect(server.url)  # warm the client libraries' lazy imports and connection set-up
        runs = []
        for _ in range(repeat):
            report = None  # no earlier report alive, as in a new command
            run, report = one_audit(server)
            runs.append(run)
        cpu = [analysis_cpu(size) for _ in range(min(repeat, 3))]
        if any(found != runs[-1]["findings"] for _, _, found in cpu):
            raise AssertionError("analysed alone, the world is not judged as audited over HTTP")
        if size == 1000 and report is not None:
            extra["compute_lists"] = compute_readers(server.url, 3)
            extra["rendering"] = rendering(report, 3)
            extra["command"] = command_audit(server.url, 5)
    last = runs[-1]
    peak = peak_memory(size) if memory else None
    return {
        "ingresses": size,
        "wall_s": _median(r["wall_s"] for r in runs),
        "cpu_s": _median(r["cpu_s"] for r in runs),
        "ideal_s": _median(r["ideal_s"] for r in runs),
        "ratio": _median((r["ratio"] for r in runs), 2),
        "gc_s": _median(r["gc_s"] for r in runs),
        "ideal_gc_s": _median(r["ideal_gc_s"] for r in runs),
        "chains": last["chains"],
        "analysis_cpu_s": _median(b + a for b, a, _ in cpu),
        "snapshot_cpu_s": _median(b for b, _, _ in cpu),
        "pairing_and_checks_cpu_s": _median(a for _, a, _ in cpu),
        "peak_memory_mib": round(peak, 1) if peak is not None else None,
        "peak_kib_per_ingress": round(peak * 1024 / size, 1) if peak is not None else None,
        "api_calls": sum(last["calls_by_kind"].values()),
        "calls_by_kind": last["calls_by_kind"],
        "items_by_kind": last["items_by_kind"],
        "calls_beyond_pages": last["calls_beyond_pages"],
        "waited_s": round(max(r["waited_s"] for r in runs), 3),
        "retries": max(r["retries"] for r in runs),
        "errors": last["errors"],
        "findings": last["findings"],
        **extra,
        "runs": [
            {
                k: round(r[k], 3)
                for k in ("wall_s", "cpu_s", "ideal_s", "ratio", "gc_s", "ideal_gc_s")
            }
            for r in runs
        ],
    }


# -- Start-up -----------------------------------------------------------------------------------


def _command() -> list[str]:
    """The ``gkeingress`` console script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("gkeingress")
    script = str(beside) if beside.exists() else shutil.which("gkeingress")
    if script is None:
        raise RuntimeError("the gkeingress command is not installed")
    return [script]


def startup(repeat: int) -> dict[str, float]:
    """Start-up costs: ``import gkeingress`` and ``gkeingress explain``.

    The import: wall of a fresh interpreter less a bare one, and ``-X importtime``'s own figure;
    ``explain``: wall of the whole command.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def wall(argv: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        return time.perf_counter() - started

    bare = _median([wall([sys.executable, "-c", "pass"]) for _ in range(repeat)])
    imported = _median([wall([sys.executable, "-c", "import gkeingress"]) for _ in range(repeat)])
    self_reported = []
    for _ in range(repeat):
        trace = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import gkeingress"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stderr
        found = re.search(r"\|\s*(\d+)\s*\|\s*gkeingress$", trace, re.MULTILINE)
        if found:
            self_reported.append(int(found[1]) / 1e6)
    explain = _median([wall([*_command(), "explain", EXPLAINED]) for _ in range(repeat)])
    return {
        "python_bare_s": bare,
        "import_wall_s": round(imported - bare, 3),
        "import_importtime_s": _median(self_reported) if self_reported else math.nan,
        "explain_wall_s": explain,
    }


# -- A fleet ------------------------------------------------------------------------------------


def _fake_fleet(latency: float) -> FakeFleet:
    return FakeFleet(fleet_of(**FLEET), latency=latency)


def _by_api(calls: dict[str, int]) -> tuple[Counter[str], Counter[str]]:
    compute = Counter({k: v for k, v in calls.items() if k.startswith("compute ")})
    kube = Counter({k: v for k, v in calls.items() if k.startswith("kubernetes ")})
    return compute, kube


def fleet(latency: float, repeat: int) -> dict[str, Any]:
    """The fleet audited whole, and each of its clusters alone; calls checked against the sum."""
    projects = [f"fleet-project-{n}" for n in range(FLEET["projects"])]
    with served(partial(_fake_fleet, latency)) as server:
        credentials = TokenCredentials(server.token)  # type: ignore[no-untyped-call]  # unannotated

        def whole() -> tuple[float, float, Any]:
            started, cpu_started = time.perf_counter(), time.process_time()
            report = audit_fleet(
                projects,
                credentials=credentials,
                compute_endpoint=server.url,
                container_endpoint=server.url,
                now=DEMO_NOW,
            )
            return time.perf_counter() - started, time.process_time() - cpu_started, report

        whole()  # warm up
        fleet_runs = [whole() for _ in range(repeat)]
        report = fleet_runs[-1][2]
        singles: dict[str, tuple[float, Report]] = {}
        for info in report.clusters:
            started = time.perf_counter()
            alone = audit(
                info.project,
                cluster=info,
                credentials=credentials,
                compute_endpoint=server.url,
                container_endpoint=server.url,
                now=DEMO_NOW,
            )
            singles[info.path] = (time.perf_counter() - started, alone)
    compute_by_project: dict[str, Counter[str]] = {}
    kube_expected: Counter[str] = Counter()
    for info in report.clusters:
        compute, kube = _by_api(singles[info.path][1].api_calls)
        compute_by_project[info.project] = compute
        kube_expected += kube
    compute_expected = sum(compute_by_project.values(), Counter[str]())
    compute_made, kube_made = _by_api(report.api_calls)
    if (compute_made, kube_made) != (compute_expected, kube_expected):
        raise AssertionError(
            "fleet calls are not (Compute lists per project) + (Kubernetes lists per cluster): "
            f"{compute_made - compute_expected} {compute_expected - compute_made} "
            f"{kube_made - kube_expected} {kube_expected - kube_made}"
        )
    slowest = max(wall for wall, _ in singles.values())
    wall = _median([w for w, _, _ in fleet_runs])
    return {
        **FLEET,
        "wall_s": wall,
        "cpu_s": _median([c for _, c, _ in fleet_runs]),
        "slowest_single_cluster_s": round(slowest, 3),
        "ratio_to_slowest_single": round(wall / slowest, 2),
        "api_calls": sum(report.api_calls.values()),
        "compute_calls": sum(compute_made.values()),
        "kubernetes_calls": sum(kube_made.values()),
        "other_calls": sum(report.api_calls.values())
        - sum(compute_made.values())
        - sum(kube_made.values()),
        "calls_are_lists_per_project_plus_per_cluster": True,
        "ingresses_audited": len(report.ingresses),
        "findings": len(report.findings),
        "waited_s": round(report.waited, 3),
        "runs": [round(w, 3) for w, _, _ in fleet_runs],
    }


# -- Report -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _print(document: dict[str, Any], console: Console) -> None:
    latency = document["latency_s"]
    table = Table(title=f"gkeingress audit vs ideal reader, {latency * 1000:.0f} ms per request")
    columns = (
        "Ingresses",
        "audit s",
        "audit CPU s",
        "ideal s",
        "ratio",
        "GC s (ideal)",
        "API calls",
        "analysis CPU s",
        "peak MiB",
        "waited s",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for r in document["results"]:
        peak = r["peak_memory_mib"]
        table.add_row(
            str(r["ingresses"]),
            f"{r['wall_s']:.2f}",
            f"{r['cpu_s']:.2f}",
            f"{r['ideal_s']:.2f}",
            f"{r['ratio']:.2f}x",
            f"{r['gc_s']:.2f} ({r['ideal_gc_s']:.2f})",
            str(r["api_calls"]),
            f"{r['analysis_cpu_s']:.2f}",
            "-" if peak is None else f"{peak:.1f}",
            f"{r['waited_s']:.2f}",
        )
    console.print(table)
    identical = document["calls_identical_apart_from_pages"]
    console.print(
        "calls by kind identical at every size apart from pages (one call per "
        f"{PAGE_SIZE} Compute or {KUBE_PAGE} Kubernetes items): {'yes' if identical else 'NO'}"
    )
    for r in document["results"]:
        if r["calls_beyond_pages"]:
            console.print(f"  {r['ingresses']} Ingresses, extra calls: {r['calls_beyond_pages']}")
        if "compute_lists" in r:
            lists = r["compute_lists"]
            console.print(
                f"{r['ingresses']} Ingresses, Compute lists: as JSON "
                f"{lists['json']['wall_s']:.2f} s ({lists['json']['cpu_s']:.2f} s CPU), through "
                f"compute_v1 messages {lists['messages']['wall_s']:.2f} s "
                f"({lists['messages']['cpu_s']:.2f} s CPU)"
            )
            shown = r["rendering"]
            console.print(
                f"{r['ingresses']} Ingresses, rendering: text {shown['text_s']:.2f} s, "
                f"JSON {shown['json_s']:.2f} s"
            )
            command = r["command"]
            console.print(
                f"{r['ingresses']} Ingresses, `gkeingress audit` start to end: "
                f"{command['command_wall_s']:.2f} s as the command, "
                f"{command['called_wall_s']:.2f} s with main() called from a program"
            )
    if start := document.get("startup"):
        console.print(
            f"import gkeingress: {start['import_wall_s']:.2f} s wall "
            f"({start['import_importtime_s']:.2f} s by -X importtime); "
            f"gkeingress explain {EXPLAINED}: {start['explain_wall_s']:.2f} s wall"
        )
    if f := document.get("fleet"):
        console.print(
            f"fleet of {f['clusters']} clusters in {f['projects']} projects, {f['ingresses']} "
            f"Ingresses each: {f['wall_s']:.2f} s ({f['cpu_s']:.2f} s CPU), {f['api_calls']} calls "
            f"({f['compute_calls']} Compute, {f['kubernetes_calls']} Kubernetes, "
            f"{f['other_calls']} Container); "
            f"slowest single cluster {f['slowest_single_cluster_s']:.2f} s, ratio "
            f"{f['ratio_to_slowest_single']:.2f}x; waited {f['waited_s']:.2f} s"
        )


def main() -> None:
    """Run the benchmark, print the tables, write the JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=5, help="audits per size (median shown)")
    parser.add_argument(
        "--large-repeat", type=int, default=2, help="audits per size above 1000 Ingresses"
    )
    parser.add_argument("--no-fleet", action="store_true", help="skip the fleet")
    parser.add_argument("--no-startup", action="store_true", help="skip import and explain")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    machine_now = machine()
    results = [
        measure(
            size,
            args.latency,
            args.repeat if size <= 1000 else args.large_repeat,
            memory=size <= 1000,
        )
        for size in args.sizes
    ]
    kinds = [set(r["calls_by_kind"]) for r in results]
    document: dict[str, Any] = {
        "latency_s": args.latency,
        "repeat": args.repeat,
        "large_repeat": args.large_repeat,
        "machine": machine_now,
        "calls_identical_apart_from_pages": all(k == kinds[0] for k in kinds)
        and not any(r["calls_beyond_pages"] for r in results),
        "results": results,
    }
    if not args.no_startup:
        document["startup"] = startup(args.repeat)
    if not args.no_fleet:
        document["fleet"] = fleet(args.latency, min(args.repeat, 3))
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    console = Console()
    _print(document, console)
    console.print(f"results written to {args.output}")


if __name__ == "__main__":
    main()
