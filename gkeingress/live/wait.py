"""Wait until an Ingress's load balancer serves, polling cheaply, and say what it still waits for.

The first round is a full audit of the Ingress's namespace. Every later round re-reads only the
Ingress's own Kubernetes objects and its load balancer's resources by name, plus getHealth for
its backend services (:mod:`gkeingress.collect.refresh`; at most
:func:`~gkeingress.collect.refresh.round_budget` calls), and judges the result again.

What serving means is :func:`gkeingress.live.serving.assess`'s judgement of each round.

Rounds are ``interval`` apart; while nothing changes the pause doubles, up to six times the
interval, and any change brings it back. A finding whose check ``needs_change`` (waiting cannot
clear it) ends the wait early unless ``fail_fast`` is False.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from google.auth.credentials import Credentials
from kubernetes import client as k8s

from gkeingress.analysis import analyse
from gkeingress.api import (  # one connection for every round: the audit's own helpers make it
    audit,
    check_arguments,
    connect_kubernetes,
    google_credentials_for,
)
from gkeingress.collect.gate import DEFAULT_RATE, ApiGate
from gkeingress.collect.refresh import Refresher, round_budget
from gkeingress.connect import GKE_SCOPES
from gkeingress.errors import ArgumentError, AuditError
from gkeingress.live.probe import ProbeResult, probe
from gkeingress.live.serving import HopState, Outcome, WaitProgress, WaitResult, assess
from gkeingress.report import Report
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.snapshot import Snapshot

DEFAULT_TIMEOUT = 15 * 60.0
"""Seconds: ingress-gce's own end-to-end tests allow 15 minutes for a load balancer change."""
DEFAULT_INTERVAL = 10.0
BACKOFF_LIMIT = 6
"""While nothing changes the pause doubles, up to this many times the interval."""


@dataclass
class _Clock:
    """The wait's time: seconds from ``clock`` and the wall time they stand for."""

    clock: Callable[[], float]
    started_at: datetime
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self.start

    @property
    def now(self) -> datetime:
        return self.started_at + timedelta(seconds=self.elapsed)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def wait(
    project: str,
    ingress: str,
    *,
    timeout: float | timedelta = DEFAULT_TIMEOUT,
    interval: float | timedelta = DEFAULT_INTERVAL,
    urls: Sequence[str] = (),
    fail_fast: bool = True,
    on_progress: Callable[[WaitProgress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    started_at: datetime | None = None,
    kube_client: k8s.ApiClient | None = None,
    credentials: Credentials | None = None,
    compute_endpoint: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    cluster: str | ClusterInfo | None = None,
    container_endpoint: str | None = None,
    use_private_endpoint: bool = False,
    rate_limit: float | None = DEFAULT_RATE,
    connect_to: Mapping[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
) -> WaitResult:
    """Wait until the load balancer of ``ingress`` (``namespace/name``) serves, or ``timeout``.

    Args:
        project: the GCP project of the load balancers.
        ingress: ``namespace/name``.
        timeout: how long to wait at most (seconds or a timedelta; default 15 minutes).
        interval: the pause between rounds (default 10 s); doubled while nothing changes, up to
            six times this.
        urls: URLs to probe each round once the Ingress has an address; each must get the answer
            the route predicts from the application (one request per URL per round).
        fail_fast: stop at once on a finding waiting cannot fix (``Check.needs_change``).
        on_progress: called after every round with a :class:`WaitProgress`.
        clock: seconds, monotonic (``time.monotonic``); tests pass a fake.
        sleep: how to pause (``time.sleep``); tests pass one that advances their clock.
        started_at: the wall time the wait starts, for time-based judgements (default: now).
        kube_client: a ``kubernetes.client.ApiClient``; default: as :func:`gkeingress.audit`.
        credentials: Google credentials; default: as :func:`gkeingress.audit`.
        compute_endpoint: the Compute API endpoint; default: Google's.
        kubeconfig: the kubeconfig file when ``kube_client`` and ``cluster`` are not given.
        context: its context.
        cluster: the GKE cluster, as for :func:`gkeingress.audit`.
        container_endpoint: the Container API endpoint; default: Google's.
        use_private_endpoint: connect to the cluster's private endpoint.
        rate_limit: Compute calls per second at most (the first round's audit is paced).
        connect_to: for ``urls``: where to connect instead of an address, as for
            :func:`gkeingress.live.probe.probe`.
        tls: for ``urls``: the client TLS context for https URLs.

    Raises:
        ArgumentError: ``ingress`` is not ``namespace/name``, or a connection argument is wrong.
        AuditError: the audit cannot run, the Ingress does not exist, or it was deleted meanwhile.
        KeyboardInterrupt: passed on untouched; the command line turns it into exit code 130.
    """
    namespace, _, name = ingress.partition("/")
    if not namespace or not name or "/" in name:
        raise ArgumentError("ingress", ingress, "not namespace/name")
    check_arguments(cluster, kube_client, kubeconfig, context)
    google_credentials = google_credentials_for(credentials, GKE_SCOPES)
    time_of = _Clock(clock, started_at or datetime.now(timezone.utc))
    client, info, _ = connect_kubernetes(
        project,
        cluster,
        kube_client=kube_client,
        kubeconfig=kubeconfig,
        context=context,
        credentials=google_credentials,
        container_endpoint=container_endpoint,
        use_private_endpoint=use_private_endpoint,
        gate=ApiGate(rate=rate_limit),
    )
    try:
        first = audit(
            project,
            kube_client=client,
            credentials=google_credentials,
            compute_endpoint=compute_endpoint,
            namespace=namespace,
            now=time_of.now,
            cluster=info,
            rate_limit=rate_limit,
            evidence=False,
        )
        if ingress not in {p.name for p in first.ingresses}:
            raise AuditError(f"no Ingress {ingress} in the cluster")
        refresher = Refresher(
            project,
            kube_client=client,
            credentials=google_credentials,
            compute_endpoint=compute_endpoint,
        )
        poll = _Poll(
            ingress,
            refresher,
            urls=urls,
            connect_to=connect_to,
            tls=tls,
            time_of=time_of,
            first_calls=sum(first.api_calls.values()),
        )
        return poll.run(
            first.topology.snapshot,
            timeout=_seconds(timeout),
            interval=_seconds(interval),
            fail_fast=fail_fast,
            on_progress=on_progress,
            sleep=sleep,
        )
    finally:
        if kube_client is None:  # made here, so closed here
            client.close()  # type: ignore[no-untyped-call]  # kubernetes is unannotated


class _Poll:
    """The rounds of one wait: refresh, judge, report progress, decide, pause."""

    def __init__(
        self,
        ingress: str,
        refresher: Refresher,
        *,
        urls: Sequence[str],
        connect_to: Mapping[str, str] | None,
        tls: ssl.SSLContext | None,
        time_of: _Clock,
        first_calls: int,
    ) -> None:
        self.ingress = ingress
        self.refresher = refresher
        self.urls = urls
        self.connect_to = connect_to
        self.tls = tls
        self.time_of = time_of
        self.calls: list[int] = []
        self.pending_calls = first_calls
        self.first_seen: dict[str, float] = {}

    def _judge(
        self, snapshot: Snapshot
    ) -> tuple[Report, tuple[ProbeResult, ...], tuple[HopState, ...]]:
        report = analyse(snapshot, now=self.time_of.now)
        try:
            paired = report.ingress(self.ingress)
        except KeyError:
            raise AuditError(f"Ingress {self.ingress} was deleted while waiting") from None
        has_address = bool(paired.ingress.addresses or paired.forwarding_rules)
        probes = tuple(
            probe(
                report.topology, url, ingress=self.ingress, connect_to=self.connect_to, tls=self.tls
            )
            for url in self.urls
            if has_address
        )
        hops = assess(report, self.ingress, probes)
        if self.urls and not has_address:
            hops += tuple(
                HopState(f"probe {url}", "no address to send it to yet", False) for url in self.urls
            )
        elapsed = self.time_of.elapsed
        for hop in hops:
            if hop.ok:
                self.first_seen.pop(hop.name, None)
            else:
                self.first_seen.setdefault(hop.name, elapsed)
        timed = tuple(
            hop if hop.ok else replace(hop, waiting=elapsed - self.first_seen[hop.name])
            for hop in hops
        )
        return report, probes, timed

    def run(
        self,
        snapshot: Snapshot,
        *,
        timeout: float,
        interval: float,
        fail_fast: bool,
        on_progress: Callable[[WaitProgress], None] | None,
        sleep: Callable[[float], None],
    ) -> WaitResult:
        pause, last = interval, None
        paired = analyse(snapshot, now=self.time_of.now).ingress(self.ingress)
        budget = round_budget(paired)
        while True:
            snapshot = self.refresher.refresh(snapshot, paired, self.time_of.now)
            self.calls.append(self.pending_calls + sum(snapshot.calls.values()))
            self.pending_calls = 0
            report, probes, hops = self._judge(snapshot)
            paired = report.ingress(self.ingress)
            budget = max(budget, round_budget(paired))
            elapsed = self.time_of.elapsed
            outcome = None
            if all(h.ok for h in hops):
                outcome = Outcome.SERVING
            elif fail_fast and any(h.needs_change for h in hops):
                outcome = Outcome.NEEDS_CHANGE
            elif elapsed >= timeout:
                outcome = Outcome.TIMEOUT
            state = tuple((h.name, h.state, h.ok) for h in hops)
            pause = interval if state != last else min(pause * 2, interval * BACKOFF_LIMIT)
            last = state
            delay = None if outcome else max(0.0, min(pause, timeout - elapsed))
            if on_progress is not None:
                on_progress(
                    WaitProgress(
                        self.ingress, len(self.calls), elapsed, self.calls[-1], hops, delay
                    )
                )
            if outcome is not None:
                return WaitResult(
                    self.ingress, outcome, elapsed, tuple(self.calls), budget, hops, report, probes
                )
            sleep(delay or 0.0)
