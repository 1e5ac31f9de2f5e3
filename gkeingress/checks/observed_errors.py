"""What the load balancer itself answered: errors seen in Cloud Monitoring's request counts."""

from __future__ import annotations

from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.findings import Severity
from gkeingress.model.topology import TRAFFIC_READS, Topology
from gkeingress.model.traffic import ERROR_RATIO, observed_ratio, observed_summary


@check(
    "LB_ERRORS_OBSERVED",
    severity=Severity.WARNING,
    other_severities=(Severity.ERROR,),
    title="The load balancer answered errors",
    explanation=(
        "Cloud Monitoring counts every request each Application Load Balancer answered, by URL "
        "map, backend, path rule and status code (`loadbalancing.googleapis.com/https/"
        "request_count` and its internal and regional variants). gkeingress reads those counts "
        "per minute over the evidence window (`--errors-window`, 6 hours by default) and finds "
        "when the current errors began: the first minute of the latest run of minutes in which "
        "at least 5% of requests got a 4xx or a 5xx, after at least 5 quiet minutes (runs "
        "less than 10 quiet minutes apart are one episode). It is an error when at least 5% of "
        "the requests failed (over the episode, or over the window when there is none)."
    ),
    fix=(
        "Read the configuration findings of the same Ingress: they say why. 502s and 503s "
        "usually mean no healthy backend (health check, NEG, firewall and endpoint findings); 404s "
        "a URL no rule matches (the default backend answered). Then look at what changed just "
        "before the onset (CHANGE_BEFORE_ERRORS lists it)."
    ),
    evidence=(
        "What was observed in one line (the codes, since when, the share of requests), the "
        "status codes and how often, and the backend services and URL-map path rules that served "
        "them. `onset` (null when the errors began before the window), `ongoing`, `error_class`, "
        "`requests`, `errors`, `ratio`, `codes` (by status), `served` (backend, path rule, "
        "code, count) and `window`."
    ),
    links=(
        "https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring#monitoring",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
    ),
    requires=TRAFFIC_READS,
)
def lb_errors_observed(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """One finding per Ingress whose load balancer answered 4xx or 5xx in the window."""
    del options
    for paired in topology.ingresses:
        traffic = paired.traffic
        if traffic is None or not traffic.errors:
            continue
        ratio = observed_ratio(traffic)
        episode = traffic.episode
        served = [
            f"{s.code} ×{s.count} by {s.backend or 'the load balancer'} (path rule {s.path_rule})"
            for s in traffic.served[:3]
        ]
        yield Hit(
            ingress=paired.name,
            resource=paired.url_map.name if paired.url_map else paired.name,
            message=(
                f"The load balancer answered {observed_summary(traffic)}, from its own metrics. "
                f"Served: {'; '.join(served)}."
            ),
            remediation=(
                "Read this Ingress's other findings for the cause, and the changes just before "
                "the onset (CHANGE_BEFORE_ERRORS)."
            ),
            evidence={
                "onset": traffic.onset.isoformat() if traffic.onset else None,
                "ongoing": episode.ongoing if episode else False,
                "error_class": episode.error_class.value if episode else None,
                "requests": episode.requests if episode else traffic.requests,
                "errors": episode.errors if episode else traffic.errors,
                "ratio": round(ratio, 4),
                "codes": {str(c): n for c, n in sorted(traffic.codes.items())},
                "served": [
                    {
                        "backend": s.backend,
                        "path_rule": s.path_rule,
                        "code": s.code,
                        "count": s.count,
                    }
                    for s in traffic.served
                ],
                "window": traffic.window.to_dict(),
            },
            severity=Severity.ERROR if ratio >= ERROR_RATIO else Severity.WARNING,
        )
