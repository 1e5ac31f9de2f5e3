"""What the health checks saw, from their logs: which endpoints fail, and how.

A health check that logs (``logConfig.enable``) writes one entry per endpoint state transition
to ``compute.googleapis.com%2Fhealthchecks``, with the detailed state and the probe's result
(``probeResultText``). The latest entry of each endpoint of an Ingress's NEGs or instance groups
is its current state; several transitions in the window mean it flaps. The result text tells the
configuration faults apart: an HTTP status means the probe reached the pod and the path is wrong,
a connection timeout or refusal means the port is wrong or a firewall drops the probes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from gkeingress.checks.explain import CAUSE_READS, Cause, causes
from gkeingress.checks.lb_logs import logs_read
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.topology import PairedIngress, ServiceBackend, Topology
from gkeingress.resources.logs import ProbeLog
from gkeingress.snapshot import DataKind

FLAPPING = 3
"""Transitions of one endpoint in the window from which it is called flapping."""
_HTTP_STATUS = re.compile(r"HTTP response: (?P<status>\d{3})")
_CONNECT = ("timeout waiting for connect", "connection refused", "connect: ")
PATH_CODE = "HEALTH_CHECK_PATH_MISMATCH"
CONNECT_CODES = ("HEALTH_CHECK_PORT_MISMATCH", "HEALTH_CHECK_FIREWALL_MISSING")
_LINKS = (
    "https://cloud.google.com/load-balancing/docs/health-check-logging",
    "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/ingress-health-checks",
)


def failure_kind(entry: ProbeLog) -> str:
    """``path`` (the pod answered an HTTP error), ``connect`` (no connection) or ``other``."""
    status = _HTTP_STATUS.search(entry.result)
    if status and not status["status"].startswith("2"):
        return "path"
    text = entry.result.lower()
    if entry.detailed_state == "TIMEOUT" or any(c in text for c in _CONNECT):
        return "connect"
    return "other"


def _groups(backend: ServiceBackend) -> set[str]:
    """The NEG ids and instance-group names whose probe entries are this backend's."""
    groups = {neg.id for neg in backend.negs if neg.id}
    service = backend.backend_service
    if service is not None:
        groups.update(b.group.name for b in service.backends if not b.is_neg)
    return groups


def _latest(entries: Sequence[ProbeLog]) -> dict[str, list[ProbeLog]]:
    """Each endpoint's entries, newest first, by IP."""
    by_ip: dict[str, list[ProbeLog]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e.at, reverse=True):
        by_ip[entry.ip].append(entry)
    return by_ip


def _verdict(kind: str, explained: Sequence[Cause]) -> tuple[str, list[str]]:
    codes = {c.code for c in explained}
    if kind == "path":
        confirmed = [PATH_CODE] if PATH_CODE in codes else []
        meaning = "the probe reached the pods and got an HTTP error: the path (or host) is wrong"
    elif kind == "connect":
        confirmed = [c for c in CONNECT_CODES if c in codes]
        meaning = "the probe could not connect: the port is wrong or a firewall drops the probes"
    else:
        return "the probe result does not point at the path, the port or a firewall", []
    if confirmed:
        return f"{meaning}, which confirms {' and '.join(confirmed)}", confirmed
    return f"{meaning}, and no configuration finding explains it", []


def _endpoint(ip: str, entry: ProbeLog, pods: Mapping[str, str]) -> str:
    """What was probed: a node of an instance group, else the pod at ``ip`` (if known)."""
    if entry.group_type == "gce_instance_group":
        return f"node {ip}"
    return f"{pods.get(ip, 'unknown pod')} ({ip})"


def _probed(topology: Topology) -> Iterator[tuple[PairedIngress, ServiceBackend, list[ProbeLog]]]:
    by_group: dict[str, list[ProbeLog]] = defaultdict(list)
    for entry in topology.snapshot.probe_logs:
        by_group[entry.group].append(entry)
    for paired in managed(topology):
        seen: set[str] = set()
        for backend in paired.backends:
            name = backend.backend_service_name or ""
            if name in seen:
                continue
            seen.add(name)
            entries = [e for g in sorted(_groups(backend)) for e in by_group.get(g, ())]
            yield paired, backend, entries


@check(
    "HEALTH_CHECK_PROBE_FAILING",
    severity=Severity.ERROR,
    title="The health-check logs show endpoints failing their probes",
    explanation=(
        "The latest health-check log entry of an endpoint says UNHEALTHY (or TIMEOUT): the load "
        "balancer sends it nothing. `probeResultText` says why: an HTTP status such as "
        "`HTTP response: 404` means the probe reached the pod and the path is wrong "
        "(HEALTH_CHECK_PATH_MISMATCH); a connection timeout or refusal means the port is wrong "
        "(HEALTH_CHECK_PORT_MISMATCH) or a firewall drops the probes "
        "(HEALTH_CHECK_FIREWALL_MISSING). The finding says which of these the log confirms, or "
        "that none explains it, and which endpoints flap (several transitions in the window)."
    ),
    fix="Fix the configuration finding the log confirms; else fix what the probe result names.",
    evidence=(
        "Per backend: the failing endpoints with their pod, latest detailed state and probe "
        "result, the flapping ones, and the configuration findings confirmed. `backend_service`, "
        "`health_check`, `failing` (`ip`, `pod`, `state`, `result`, `at`), `flapping` (pods or "
        "IPs), `kind` (`path`, `connect` or `other`) and `confirms` hold them."
    ),
    links=_LINKS,
    requires=(*CAUSE_READS, DataKind.HEALTH_CHECK_LOGS),
)
def health_check_probe_failing(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report backends whose endpoints' latest probe entry is unhealthy, and what it confirms."""
    probed = [(p, b, e) for p, b, e in _probed(topology) if e]
    if not probed:
        return
    explained = causes(topology, options)
    for paired, backend, entries in probed:
        pods = {p.ip: p.meta.key for p in backend.pods if p.ip}
        by_ip = _latest(entries)
        failing = {ip: log[0] for ip, log in by_ip.items() if log[0].state == "UNHEALTHY"}
        flapping = sorted(pods.get(ip, ip) for ip, log in by_ip.items() if len(log) >= FLAPPING)
        if not failing:
            continue
        latest = max(failing.values(), key=lambda e: e.at)
        kind = failure_kind(latest)
        name = backend.backend_service_name or ""
        meaning, confirmed = _verdict(kind, explained.get((paired.name, name), ()))
        check_name = backend.health_check.name if backend.health_check else name
        listed = "; ".join(
            f"{_endpoint(ip, e, pods)} {e.detailed_state} since "
            f"{e.at:%H:%M} UTC: {e.result or 'no probe result'}"
            for ip, e in sorted(failing.items())
        )
        yield Hit(
            ingress=paired.name,
            resource=check_name,
            message=(
                f"Health check {check_name} of Service {backend.service_key} logs "
                f"{len(failing)} of {len(by_ip)} endpoints failing: {listed}. {meaning[0].upper()}"
                f"{meaning[1:]}." + (f" Flapping: {', '.join(flapping)}." if flapping else "")
            ),
            remediation=(
                f"Fix {confirmed[0]} (see that finding)."
                if confirmed
                else "Probe a pod by hand on the health check's port and path "
                "(`kubectl exec`, or a debug pod) and fix what answers."
            ),
            evidence={
                "backend_service": name,
                "health_check": check_name,
                "failing": [
                    {
                        "ip": ip,
                        "pod": pods.get(ip),
                        "state": e.detailed_state,
                        "result": e.result,
                        "at": e.at.isoformat(),
                    }
                    for ip, e in sorted(failing.items())
                ],
                "flapping": flapping,
                "kind": kind,
                "confirms": confirmed,
            },
        )


@check(
    "HEALTH_CHECK_LOGGING_DISABLED",
    severity=Severity.INFO,
    title="An unhealthy backend's health check does not log: why its probes fail is unknown",
    explanation=(
        "Health checks log state transitions only when their `logConfig.enable` is true, and "
        "ingress-gce creates them without logging; BackendConfig has no field for it. When a "
        "backend is unhealthy and no configuration finding explains why, the health-check logs "
        "are what say how each probe fails (HEALTH_CHECK_PROBE_FAILING). Logging turned on with "
        "gcloud stays on: ingress-gce keeps settings it does not manage."
    ),
    fix=(
        "`gcloud compute health-checks update http NAME --enable-logging` (with `--region` for a "
        "regional one)."
    ),
    evidence="The health check and the backend service. `health_check` and `backend_service` hold them.",
    links=_LINKS,
    requires=(*CAUSE_READS, DataKind.BACKEND_HEALTH, DataKind.HEALTH_CHECK_LOGS),
)
def health_check_logging_disabled(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report health checks that do not log, of unhealthy backends no configuration explains."""
    if not logs_read(topology.snapshot.probe_logs, topology, DataKind.HEALTH_CHECK_LOGS):
        return
    unhealthy = {
        g.backend_service.name
        for g in topology.snapshot.backend_health
        if any(e.health_state == "UNHEALTHY" for e in g.endpoints)
    }
    if not unhealthy:
        return
    explained = causes(topology, options)
    for paired, backend, _ in _probed(topology):
        check_ = backend.health_check
        name = backend.backend_service_name or ""
        if (
            check_ is None
            or check_.log_enabled
            or name not in unhealthy
            or explained.get((paired.name, name))
        ):
            continue
        where = "" if check_.location == "global" else f" --region {check_.location}"
        command = (
            f"gcloud compute health-checks update {check_.type.lower() or 'http'} "
            f"{check_.name}{where} --enable-logging"
        )
        yield Hit(
            ingress=paired.name,
            resource=str(check_.ref),
            message=(
                f"Backend service {name} of Service {backend.service_key} has unhealthy endpoints "
                f"and no configuration finding explains why, but its health check {check_.name} "
                "does not log: how its probes fail cannot be read."
            ),
            remediation=f"Turn its logging on (ingress-gce keeps the setting): `{command}`.",
            evidence={"health_check": check_.name, "backend_service": name},
        )
