"""Host rules that override each other inside one Ingress, or collide across Ingresses."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.checks.scope import managed
from gkeingress.findings import Severity
from gkeingress.model.topology import Topology
from gkeingress.model.translate import translate
from gkeingress.snapshot import DataKind


@check(
    "RULE_HOST_DUPLICATE",
    needs_change=True,
    severity=Severity.ERROR,
    title="Two rules of one Ingress have the same host; only the last one is used",
    explanation=(
        "ingress-gce makes one URL map host rule per host. When a host appears in two rules of the "
        "same Ingress, the second rule's paths replace the first's: the first rule's paths are not "
        "routed and answer 404 from the default backend."
    ),
    fix="Merge the paths into a single rule for that host.",
    evidence=(
        "The Ingress, the repeated host, the paths of the rule that is kept and the paths that "
        "answer 404. `host` is the host (empty for rules without one), `rules` how many rules "
        "name it, and `dropped_paths` the paths of the earlier rules."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
        "https://cloud.google.com/load-balancing/docs/url-map-concepts",
    ),
    requires=(DataKind.INGRESSES,),
)
def rule_host_duplicate(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report hosts that appear in more than one rule of the same Ingress."""
    del options
    for paired in managed(topology):
        rules = [r for r in paired.ingress.rules if r.has_http]
        counts = Counter(r.host for r in rules)
        for host, count in counts.items():
            if count < 2:
                continue
            lost = [p.path for r in rules[:-1] if r.host == host for p in r.paths]
            kept = next(r for r in reversed(rules) if r.host == host)
            shown = host or "(no host: every host)"
            yield Hit(
                ingress=paired.name,
                resource=f"Ingress {paired.name}",
                message=(
                    f"Ingress {paired.name} has {count} rules for host {shown}; ingress-gce keeps "
                    f"only the last one ({', '.join(p.path for p in kept.paths)}), so "
                    f"{', '.join(lost) or 'the earlier paths'} answer 404."
                ),
                remediation=f"Merge the rules for host {shown} into one rule with all the paths.",
                evidence={"host": host, "rules": count, "dropped_paths": lost},
            )


@check(
    "INGRESS_HOST_CONFLICT",
    severity=Severity.WARNING,
    title="The same host and path are served by more than one Ingress",
    explanation=(
        "Each GKE Ingress gets its own load balancer and IP address. When two Ingresses route the "
        "same host and path, two load balancers answer for it and DNS decides which one clients "
        "reach: changes to the other Ingress seem to have no effect."
    ),
    fix="Serve each host from a single Ingress, or make sure DNS points at the one you change.",
    evidence=(
        "Both Ingresses, the other one's address, and the host and path pairs they share. "
        "`other` is the other Ingress (`namespace/name`) and `routes` the shared `host/path` "
        "strings. Each of the two Ingresses gets its own finding."
    ),
    links=(
        "https://cloud.google.com/kubernetes-engine/docs/concepts/ingress-xlb",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/load-balance-ingress",
    ),
    requires=(DataKind.INGRESSES,),
)
def ingress_host_conflict(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """Report (host, path) pairs routed by several Ingresses, on each of them."""
    del options
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for paired in managed(topology):
        for host, routed in translate(paired.ingress).hosts.items():
            if host == "*":
                continue
            for path in dict.fromkeys(r.path for r in routed):
                owners[(host, path)].append(paired.name)
    shared: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (host, path), names in owners.items():
        for name in names:
            for other in names:
                if other != name:
                    shared[name][other].add(f"{host}{path}")
    for name, others in sorted(shared.items()):
        for other, routes in sorted(others.items()):
            address = ", ".join(topology.ingress(other).ingress.addresses) or "no address yet"
            yield Hit(
                ingress=name,
                resource=f"Ingress {name}",
                message=(
                    f"Ingress {name} and Ingress {other} ({address}) both route "
                    f"{', '.join(sorted(routes))}; DNS decides which load balancer answers."
                ),
                remediation=f"Remove the overlap from one of {name} and {other}.",
                evidence={"other": other, "routes": sorted(routes)},
            )
