"""Does the VPC let Google's health checkers reach a port on the cluster's nodes or pods?

Google's L7 health checks come from ``130.211.0.0/22`` and ``35.191.0.0/16``. ingress-gce opens them in
its rule ``k8s-fw-l7--<uid>`` for node ports, NEG target ports and BackendConfig health-check ports;
clusters that manage firewalls themselves (Shared VPC) must do it by hand.

Only allow rules are evaluated; a higher-priority deny rule is not taken into account.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from gkeingress.resources.gce import Firewall

HEALTH_CHECK_RANGES = ("130.211.0.0/22", "35.191.0.0/16")
"""Source ranges of Google Cloud's L7 load balancer health checks."""

_GKE_NODE_RULE = re.compile(r"^gke-.+-(all|vms|ssh)$")


@functools.lru_cache(maxsize=4096)
def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _covers(ranges: Iterable[str], cidr: str) -> bool:
    wanted = _network(cidr)
    for value in ranges:
        network = _network(value)
        if (
            wanted is not None
            and network is not None
            and wanted.version == network.version
            and wanted.subnet_of(network)  # type: ignore[arg-type]  # same version, checked above
        ):
            return True
    return False


def _port_allowed(rule: Firewall, port: int) -> bool:
    for protocol, ports in rule.allowed:
        if protocol not in ("tcp", "all"):
            continue
        if not ports:
            return True
        for spec in ports:
            low, _, high = spec.partition("-")
            if low.isdigit() and int(low) <= port <= int(high or low):
                return True
    return False


@dataclass(frozen=True, slots=True)
class Reach:
    """Whether health checkers reach one port, and through which rule."""

    port: int
    rule: str | None
    missing_ranges: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """True when every health-check range reaches the port."""
        return not self.missing_ranges


def node_tags(firewalls: Iterable[Firewall]) -> frozenset[str]:
    """The cluster's node network tags, as GKE's own rules (``gke-…-all`` and friends) target them."""
    return frozenset(
        tag for rule in firewalls if _GKE_NODE_RULE.match(rule.name) for tag in rule.target_tags
    )


def reach(
    firewalls: Iterable[Firewall], port: int, *, network: str | None, tags: frozenset[str]
) -> Reach:
    """Which health-check ranges no enabled ingress allow rule lets reach ``port``.

    ``network`` limits the rules to one VPC (a URL, or None when unknown); ``tags`` are the node tags
    (a rule with target tags applies only if it shares one; with no known tags every rule counts).
    """
    rules = [
        r
        for r in firewalls
        if not r.disabled
        and r.direction == "INGRESS"
        and (network is None or r.network.rsplit("/", 1)[-1] == network.rsplit("/", 1)[-1])
        and (not r.target_tags or not tags or bool(tags & set(r.target_tags)))
        and _port_allowed(r, port)
    ]
    missing = []
    used: str | None = None
    for cidr in HEALTH_CHECK_RANGES:
        rule = next((r for r in rules if _covers(r.source_ranges, cidr)), None)
        if rule is None:
            missing.append(cidr)
        else:
            used = used or rule.name
    return Reach(port, used, tuple(missing))
