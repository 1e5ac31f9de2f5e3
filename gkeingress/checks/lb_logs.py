"""Why the load balancer answered errors, from its own request logs.

Each logged request says who answered and why: ``jsonPayload.statusDetails`` on the classic
Application Load Balancer, ``proxyStatus`` (an RFC 9209 error type) on the regional and internal
ones, and the backend service it was sent to. The checks here sort an Ingress's logged errors by
that cause and name the backend service, the Service and the fix. They run when the request logs
were read (``audit(evidence=True)``); the logs hold only what each backend service's
``logConfig`` lets through (ingress-gce turns logging on at a sample rate of 1.0 when it creates a
backend service; a BackendConfig ``spec.logging`` can turn it down or off).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit

from gkeingress.checks.explain import CAUSE_READS, causes
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.routing import route_ingress
from gkeingress.model.topology import TRAFFIC_READS, PairedIngress, ServiceBackend, Topology
from gkeingress.resources.logs import RequestLog
from gkeingress.snapshot import DataKind

NO_HEALTHY_BACKEND = frozenset({"failed_to_pick_backend", "destination_unavailable"})
"""No healthy endpoint to send to (``statusDetails``; the RFC 9209 type of the proxy LBs)."""
CONNECTION_CLOSED = frozenset(
    {
        "backend_connection_closed_before_data_sent_to_client",
        "backend_connection_closed_after_partial_response_sent",
        "connection_terminated",
    }
)
"""The backend closed the connection the load balancer sent the request on."""
BACKEND_TIMEOUT = frozenset({"backend_timeout", "http_response_timeout", "connection_read_timeout"})
"""The backend did not answer within the backend service's ``timeoutSec``."""
SENT_BY_BACKEND = frozenset({"response_sent_by_backend", ""})
"""The backend produced the status itself (the proxy LBs log no error type then)."""
LB_KEEPALIVE_SECONDS = 600
"""How long the load balancer keeps an idle connection to a backend open."""
TOP = 5

_LOGGING_LINK = "https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring"
_TROUBLESHOOTING_LINK = (
    "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing"
)


def requests_of(topology: Topology) -> Mapping[str, list[RequestLog]]:
    """Each managed Ingress's logged errors, by ``namespace/name``, through its URL map's name."""
    by_map: dict[str, list[RequestLog]] = defaultdict(list)
    for entry in topology.snapshot.request_logs:
        by_map[entry.url_map].append(entry)
    found: dict[str, list[RequestLog]] = {}
    for paired in managed(topology):
        name = (
            paired.url_map.name
            if paired.url_map
            else paired.ingress.annotations.get("ingress.kubernetes.io/url-map", "")
        )
        if by_map.get(name):
            found[paired.name] = by_map[name]
    return found


def _span(entries: Sequence[RequestLog]) -> str:
    first = min(e.at for e in entries)
    last = max(e.at for e in entries)
    return f"between {first:%Y-%m-%d %H:%M} and {last:%H:%M} UTC"


def _times(entries: Sequence[RequestLog]) -> dict[str, str]:
    return {
        "first": min(e.at for e in entries).isoformat(),
        "last": max(e.at for e in entries).isoformat(),
    }


def _statuses(entries: Iterable[RequestLog]) -> str:
    counts = Counter(e.status for e in entries)
    return ", ".join(f"{n} × {status}" for status, n in sorted(counts.items()))


def _path_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.path or "/"


def _top(values: Iterable[str]) -> list[tuple[str, int]]:
    return Counter(values).most_common(TOP)


def _by_backend(
    entries: Iterable[RequestLog], details: frozenset[str]
) -> dict[str, list[RequestLog]]:
    grouped: dict[str, list[RequestLog]] = defaultdict(list)
    for entry in entries:
        if entry.details in details:
            grouped[entry.backend_service].append(entry)
    return dict(sorted(grouped.items()))


def logs_read(entries: Sequence[object], topology: Topology, kind: DataKind) -> bool:
    """True when the audit read the logs of ``kind`` (``entries``, read so the runner knows)."""
    return bool(entries) or kind in topology.snapshot.evidence_kinds


def _classified(
    topology: Topology, details: frozenset[str]
) -> list[tuple[PairedIngress, str, list[RequestLog]]]:
    """Each managed Ingress's logged errors of ``details``, by the backend service that served them."""
    logged = requests_of(topology)
    return [
        (paired, name, entries)
        for paired in managed(topology)
        for name, entries in _by_backend(logged.get(paired.name, ()), details).items()
    ]


def _backend(paired: PairedIngress, name: str) -> ServiceBackend | None:
    return next((b for b in paired.backends if b.backend_service_name == name), None)


def _describe(paired: PairedIngress, name: str) -> str:
    backend = _backend(paired, name)
    if backend is None:
        return f"backend service {name}"
    if backend.is_system_default:
        return f"backend service {name} (GKE's default backend)"
    return f"backend service {name} (Service {backend.service_key} port {backend.ref.port})"


def _backend_config_name(backend: ServiceBackend | None, fallback: str) -> str:
    """The BackendConfig the Service names, or a name for a new one."""
    if backend is None:
        return f"{fallback}-backendconfig"
    return backend.backend_config_name or f"{backend.ref.service}-backendconfig"


def _pods(paired: PairedIngress, entries: Iterable[RequestLog]) -> list[str]:
    by_ip = {p.ip: p.meta.key for b in paired.backends for p in b.pods if p.ip}
    return sorted({by_ip.get(e.server_ip, e.server_ip) for e in entries if e.server_ip})


def _evidence(paired: PairedIngress, name: str, entries: Sequence[RequestLog]) -> dict[str, object]:
    backend = _backend(paired, name)
    return {
        "backend_service": name,
        "service": backend.service_key if backend and not backend.is_system_default else None,
        "requests": len(entries),
        "statuses": dict(Counter(str(e.status) for e in entries)),
        "details": sorted({e.details for e in entries}),
        **_times(entries),
        "top_paths": [
            {"path": p, "requests": n} for p, n in _top(_path_of(e.url)[1] for e in entries)
        ],
    }


REQUEST_LOG_READS = (
    DataKind.CLUSTER_IDENTITY,
    DataKind.FORWARDING_RULES,
    DataKind.INGRESSES,
    DataKind.REQUEST_LOGS,
    DataKind.SERVICES,
    DataKind.TARGET_PROXIES,
    DataKind.URL_MAPS,
)
"""What tying a logged request to its Ingress reads: the logs, and the frontend and Services that
name the URL map, forwarding rule and backend services an entry carries."""


@check(
    "LB_NO_HEALTHY_BACKEND",
    severity=Severity.ERROR,
    title="The load balancer had no healthy endpoint to send requests to",
    explanation=(
        "The request logs show `statusDetails: failed_to_pick_backend` (`proxyStatus` "
        "`destination_unavailable` on regional and internal load balancers): the load balancer "
        "answered 502 (or 503) itself because every endpoint of the backend service was failing "
        "its health check, or there was none. The cause is in the configuration or the pods: a "
        "health-check path or port the pods do not serve, no firewall rule for the health "
        "checkers, empty or detached NEGs, or no ready pods. The finding names the configuration "
        "findings of the same backend that explain it, or says that none does."
    ),
    fix=(
        "Fix the configuration finding the message names for this backend; if none is named, read "
        "the health-check logs (HEALTH_CHECK_PROBE_FAILING) and the pods' readiness."
    ),
    evidence=(
        "Per backend service: how many requests, their statuses, when the first and last were "
        "logged, the top paths, and the configuration findings that explain it. "
        "`backend_service`, `service`, `requests`, `statuses`, `details`, `first`, `last`, "
        "`top_paths` and `explained_by` (code and message) hold them."
    ),
    links=(_TROUBLESHOOTING_LINK, _LOGGING_LINK),
    requires=(*CAUSE_READS, DataKind.REQUEST_LOGS),
)
def lb_no_healthy_backend(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report backends the load balancer found without healthy endpoints, and why."""
    found = _classified(topology, NO_HEALTHY_BACKEND)
    explained = causes(topology, options) if found else {}
    for paired, name, entries in found:
        reasons = explained.get((paired.name, name), ())
        because = (
            "Configuration findings that explain it: "
            + "; ".join(f"{c.code}: {c.message}" for c in reasons)
            if reasons
            else "No configuration finding explains it: the health checks fail for a reason "
            "only the pods or the health-check logs show."
        )
        yield Hit(
            ingress=paired.name,
            resource=name,
            message=(
                f"{len(entries)} requests ({_statuses(entries)}) {_span(entries)} were answered "
                f"by the load balancer with failed_to_pick_backend: {_describe(paired, name)} "
                f"had no healthy endpoint. {because}"
            ),
            remediation=(
                f"Fix {reasons[0].code} first (see that finding)."
                if reasons
                else "Read the health-check logs of the backend (enable them if needed) and "
                "`kubectl describe` its pods for failing readiness."
            ),
            evidence={
                **_evidence(paired, name, entries),
                "explained_by": [c.to_dict() for c in reasons],
            },
        )


_KEEPALIVE_FIX = (
    "Set the server's HTTP keep-alive (idle) timeout above the load balancer's 600 s, e.g. 620 s: "
    "nginx `keepalive_timeout 620s;`, gunicorn `--keep-alive 620`, uvicorn "
    "`--timeout-keep-alive 620`, Node.js `server.keepAliveTimeout = 620000` (and "
    "`server.headersTimeout = 621000`), Go `http.Server{IdleTimeout: 620 * time.Second}`, "
    "Apache `KeepAliveTimeout 620`."
)


@check(
    "LB_BACKEND_CONNECTION_CLOSED",
    severity=Severity.ERROR,
    title="The backend closed kept-alive connections: 502s no configuration shows",
    explanation=(
        "The request logs show `statusDetails: backend_connection_closed_before_data_sent_to_client` "
        "(or `backend_connection_closed_after_partial_response_sent`; `proxyStatus` "
        "`connection_terminated` on regional and internal load balancers): the backend closed the "
        "connection the load balancer had sent the request on. The load balancer keeps idle "
        "connections to backends open for 600 seconds; an application server whose keep-alive "
        "timeout is shorter (most default to 5 to 75 seconds) closes them first, and a request "
        "that meets the closing connection gets a 502. Nothing in the Ingress, the Service or the "
        "load balancer shows it: only the logs do."
    ),
    fix=_KEEPALIVE_FIX,
    evidence=(
        "Per backend service: how many requests, their statuses, when, the top paths and the pods "
        "that answered (from `httpRequest.serverIp`). `backend_service`, `service`, `requests`, "
        "`statuses`, `details`, `first`, `last`, `top_paths` and `pods` hold them."
    ),
    links=(
        "https://cloud.google.com/load-balancing/docs/https#timeouts_and_retries",
        _LOGGING_LINK,
    ),
    requires=(*REQUEST_LOG_READS, DataKind.PODS),
)
def lb_backend_connection_closed(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report backends that closed the load balancer's kept-alive connections."""
    del options
    for paired, name, entries in _classified(topology, CONNECTION_CLOSED):
        pods = _pods(paired, entries)
        yield Hit(
            ingress=paired.name,
            resource=name,
            message=(
                f"{len(entries)} requests ({_statuses(entries)}) {_span(entries)} failed because "
                f"{_describe(paired, name)} closed the connection first "
                f"({', '.join(sorted({e.details for e in entries}))})"
                + (f", on pods {', '.join(pods)}" if pods else "")
                + ": the application's keep-alive timeout is shorter than the load "
                f"balancer's {LB_KEEPALIVE_SECONDS} s."
            ),
            remediation=_KEEPALIVE_FIX,
            evidence={**_evidence(paired, name, entries), "pods": pods},
        )


@check(
    "LB_BACKEND_TIMEOUT",
    severity=Severity.ERROR,
    title="Requests outlasted the backend service timeout",
    explanation=(
        "The request logs show `statusDetails: backend_timeout` (`proxyStatus` "
        "`http_response_timeout` on regional and internal load balancers): the backend did not "
        "answer within the backend service's `timeoutSec` (30 s unless a BackendConfig sets it), "
        "so the load balancer gave up and answered 502."
    ),
    fix=(
        "If the slow requests are legitimate, raise the timeout with the Service's BackendConfig "
        "`spec.timeoutSec`; otherwise make them faster."
    ),
    evidence=(
        "Per backend service: how many requests, when, the top paths, the slowest latency logged "
        "and the backend service's timeout. `backend_service`, `service`, `requests`, "
        "`statuses`, `details`, `first`, `last`, `top_paths`, `slowest_seconds` and "
        "`timeout_sec` hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration#timeout",
        _LOGGING_LINK,
    ),
    requires=(*REQUEST_LOG_READS, DataKind.BACKEND_SERVICES),
)
def lb_backend_timeout(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report backends whose requests outlasted the backend service timeout."""
    del options
    for paired, name, entries in _classified(topology, BACKEND_TIMEOUT):
        backend = _backend(paired, name)
        service = backend.backend_service if backend else None
        timeout = service.timeout_sec if service else 30
        slowest = max((e.latency or 0.0 for e in entries), default=0.0)
        wanted = max(2 * timeout, math.ceil(slowest / 30 + 1) * 30)
        config = _backend_config_name(backend, name)
        yield Hit(
            ingress=paired.name,
            resource=name,
            message=(
                f"{len(entries)} requests ({_statuses(entries)}) {_span(entries)} to "
                f"{_describe(paired, name)} got no answer within its timeout of {timeout} s "
                f"(slowest logged: {slowest:.1f} s), so the load balancer answered them itself."
            ),
            remediation=(
                f"If these requests are legitimately slow, set `spec.timeoutSec: {wanted}` in "
                f"BackendConfig {config} and attach it to the Service "
                '(`cloud.google.com/backend-config: \'{"default": "' + config + "\"}'`); "
                "otherwise find why the paths listed are slow."
            ),
            evidence={
                **_evidence(paired, name, entries),
                "slowest_seconds": slowest,
                "timeout_sec": timeout,
            },
        )


def _not_found(entries: Iterable[RequestLog]) -> Iterator[RequestLog]:
    return (e for e in entries if e.status == 404 and e.details in SENT_BY_BACKEND)


def _default_backend_names(paired: PairedIngress) -> set[str]:
    return {
        b.backend_service_name
        for b in paired.backends
        if b.is_system_default and b.backend_service_name
    }


@check(
    "LB_UNMATCHED_URLS_404",
    severity=Severity.WARNING,
    title="Requests matched no rule and got GKE's default 404",
    explanation=(
        "The request logs show 404s answered by the backend service of GKE's default backend "
        "(`kube-system/default-http-backend`): the URL map matched no host and path rule, so "
        "its default service answered. Clients are asking for hosts or paths the Ingress does not "
        "route. For each of the most requested, the finding gives gkeingress's own routing "
        "answer: which rule came closest and why it did not match."
    ),
    fix=(
        "Add the missing host or path to the Ingress rules (mind `pathType`: `Exact` and "
        "`ImplementationSpecific` match only the path itself on GKE), or fix the clients."
    ),
    evidence=(
        "How many 404s and when, and the top requested URLs with their counts and why no rule "
        "matched. `requests`, `first`, `last` and `urls` (`url`, `requests`, `reason`) hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress#default_backend",
        _LOGGING_LINK,
    ),
    requires=(
        DataKind.BACKEND_HEALTH,
        DataKind.BACKEND_SERVICES,
        DataKind.CLUSTER_IDENTITY,
        DataKind.FORWARDING_RULES,
        DataKind.HEALTH_CHECKS,
        DataKind.INGRESSES,
        DataKind.NEGS,
        DataKind.PODS,
        DataKind.REQUEST_LOGS,
        DataKind.SERVICES,
        DataKind.TARGET_PROXIES,
        DataKind.URL_MAPS,
    ),
)
def lb_unmatched_urls_404(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report URLs the URL map matched no rule for, with routing's explanation of each."""
    del options
    logged = requests_of(topology)
    for paired in managed(topology):
        defaults = _default_backend_names(paired)
        entries = [
            e for e in _not_found(logged.get(paired.name, ())) if e.backend_service in defaults
        ]
        if not entries:
            continue
        urls = []
        for url, count in _top(e.url for e in entries):
            try:
                reason = route_ingress(paired, url, snapshot=topology.snapshot).reason
            except ValueError as exc:
                reason = f"not a routable URL ({exc})"
            urls.append({"url": url, "requests": count, "reason": reason})
        listed = " ".join(f"{u['url']} ({u['requests']}×): {u['reason']}" for u in urls)
        yield Hit(
            ingress=paired.name,
            resource=f"Ingress {paired.name}",
            message=(
                f"{len(entries)} requests {_span(entries)} matched no rule of the URL map and got "
                f"404 from GKE's default backend. Most requested: {listed}"
            ),
            remediation=(
                "Route these URLs in the Ingress rules if they should work, or fix the clients "
                "that request them."
            ),
            evidence={"requests": len(entries), **_times(entries), "urls": urls},
        )


@check(
    "LB_APPLICATION_404",
    severity=Severity.INFO,
    title="The application answered 404: the load balancer routed correctly",
    explanation=(
        "The request logs show 404s with `statusDetails: response_sent_by_backend` from a backend "
        "service of your own Service: the URL map routed the request where the Ingress says, and "
        "the application answered 404. The load balancer is not the cause; look at the "
        "application's routes (for example a path prefix the application does not strip)."
    ),
    fix=(
        "Check the application's routes for the paths listed; the Ingress passes the full path "
        "through unchanged."
    ),
    evidence=(
        "Per backend service: how many 404s, when, and the top paths. `backend_service`, "
        "`service`, `requests`, `statuses`, `details`, `first`, `last` and `top_paths` hold them."
    ),
    links=(_LOGGING_LINK,),
    requires=REQUEST_LOG_READS,
)
def lb_application_404(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report 404s the application itself answered, per backend service."""
    del options
    logged = requests_of(topology)
    for paired in managed(topology):
        defaults = _default_backend_names(paired)
        grouped: dict[str, list[RequestLog]] = defaultdict(list)
        for entry in _not_found(logged.get(paired.name, ())):
            if entry.backend_service not in defaults:
                grouped[entry.backend_service].append(entry)
        for name, entries in sorted(grouped.items()):
            paths = ", ".join(f"{p} ({n}×)" for p, n in _top(_path_of(e.url)[1] for e in entries))
            yield Hit(
                ingress=paired.name,
                resource=name,
                message=(
                    f"{len(entries)} requests {_span(entries)} were routed to "
                    f"{_describe(paired, name)} and the application answered 404: {paths}."
                ),
                remediation=(
                    "The load balancer routed these correctly: check the application's routes for "
                    "these paths."
                ),
                evidence=_evidence(paired, name, entries),
            )


def _logging_yaml(name: str) -> str:
    return (
        "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n"
        f"  name: {name}\nspec:\n  logging:\n    enable: true\n    sampleRate: 1.0\n"
    )


@check(
    "LB_LOGGING_DISABLED",
    severity=Severity.INFO,
    title="A backend service with errors does not log requests: they cannot be explained",
    explanation=(
        "The load balancer's request counts show errors served by a backend service that does not "
        "log requests. Only requests a backend service logs (`logConfig.enable`, at `logConfig.sampleRate`) "
        "reach the request logs, and the request-log checks (LB_NO_HEALTHY_BACKEND, "
        "LB_BACKEND_CONNECTION_CLOSED, LB_BACKEND_TIMEOUT, the 404 checks) see nothing of a "
        "backend service that does not log. ingress-gce enables logging at a sample rate of 1.0 "
        "when it creates a backend service; a BackendConfig `spec.logging` with `enable: false` "
        "(or a sample rate of 0) turns it off."
    ),
    fix=(
        "Set `spec.logging: {enable: true, sampleRate: 1.0}` in the Service's BackendConfig "
        "(a lower sample rate logs a share of requests, at lower cost)."
    ),
    evidence=(
        "The backend service, its Service, its `logConfig` and how many errors its metrics show. "
        "`backend_service`, `service`, `enabled`, `sample_rate` and `errors` hold them."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/ingress-configuration#http_logging",
        _LOGGING_LINK,
    ),
    requires=(
        *TRAFFIC_READS,  # the errors its request counts show
        DataKind.BACKEND_SERVICES,
        DataKind.CLUSTER_IDENTITY,
        DataKind.INGRESSES,
        DataKind.REQUEST_LOGS,
        DataKind.SERVICES,
    ),
)
def lb_logging_disabled(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report user backend services whose requests are not logged, with the BackendConfig to fix it."""
    del options
    if not logs_read(topology.snapshot.request_logs, topology, DataKind.REQUEST_LOGS):
        return
    for paired in managed(topology):
        errors: Counter[str] = Counter()
        for served in paired.traffic.served if paired.traffic else ():
            errors[served.backend] += served.count
        for backend in paired.backends:
            service = backend.backend_service
            if (
                backend.is_system_default
                or service is None
                or (service.log_enabled and service.log_sample_rate > 0)
                or not errors[service.name]
            ):
                continue
            config = _backend_config_name(backend, service.name)
            yield Hit(
                ingress=paired.name,
                resource=str(service.ref),
                message=(
                    f"Backend service {service.name} (Service {backend.service_key} port "
                    f"{backend.ref.port}) does not log requests (logConfig enable "
                    f"{str(service.log_enabled).lower()}, sampleRate {service.log_sample_rate:g}), "
                    f"so the {errors[service.name]} errors its metrics show it served cannot be "
                    "explained from the request logs."
                ),
                remediation=(
                    f"Set spec.logging in BackendConfig {config}, attached to Service "
                    f"{backend.service_key} (`cloud.google.com/backend-config: "
                    f'\'{{"default": "{config}"}}\'`):\n' + _logging_yaml(config)
                ),
                evidence={
                    "backend_service": service.name,
                    "service": backend.service_key,
                    "enabled": service.log_enabled,
                    "sample_rate": service.log_sample_rate,
                    "errors": errors[service.name],
                },
            )
