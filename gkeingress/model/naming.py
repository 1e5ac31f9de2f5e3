"""ingress-gce's resource names (``pkg/utils/namer``), recomputed to find resources by name.

Given the cluster UID (``kube-system/ingress-uid``) and the kube-system Namespace UID, these functions
give the exact names the controller uses, so an Ingress whose annotations are missing or stale can
still be paired with its load balancer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

_NAME_LIMIT = 62  # namer.go nameLenLimit; truncate() appends "0" to stay alphanumeric
_V2_FIELDS_LIMIT = 36  # frontendnamer.go maximumAllowedCombinedLength
_NEG_FIELDS_LIMIT = 38  # namer.go maxNEGDescriptiveLabel
_RXLB_FIELDS_LIMIT = _NEG_FIELDS_LIMIT - 2  # RXLBBackendName: "minus 2, as we added "-e" to prefix"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"

# Frontend prefixes by resource, v1 (namer.go) and v2 (frontendnamer.go).
_V1_PREFIX = {
    "url_map": "um",
    "http_proxy": "tp",
    "https_proxy": "tps",
    "http_rule": "fw",
    "https_rule": "fws",
}
_V2_PREFIX = {
    "url_map": "um",
    "redirect_url_map": "rm",
    "http_proxy": "tp",
    "https_proxy": "ts",
    "http_rule": "fr",
    "https_rule": "fs",
}


def truncate(name: str) -> str:
    """Cut a name longer than 62 characters to 62 and append ``0`` (ingress-gce ``truncate``)."""
    return name if len(name) <= _NAME_LIMIT else name[:_NAME_LIMIT] + "0"


def trim_fields_evenly(limit: int, *fields: str) -> tuple[str, ...]:
    """Shorten ``fields`` in proportion to their length so that together they fit ``limit``."""
    total = sum(len(f) for f in fields)
    if limit <= 0 or total <= limit:
        return fields
    excess = total - limit
    lengths = [len(f) - len(f) * excess // total - 1 for f in fields]
    for i in range(limit - sum(lengths)):
        lengths[i] += 1
    return tuple(f[:n] for f, n in zip(fields, lengths, strict=True))


def content_hash(text: str, length: int) -> str:
    """ingress-gce's base-36 ``ContentHash``: each of the first bytes of sha256, modulo 36."""
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(_BASE36[b % 36] for b in digest[:length])


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class FrontendNames:
    """The frontend resource names of one Ingress under one naming scheme."""

    url_map: str
    http_proxy: str
    https_proxy: str
    http_rule: str
    https_rule: str
    redirect_url_map: str | None = None


@dataclass(frozen=True, slots=True)
class Namer:
    """Names for one cluster.

    Attributes:
        uid: the ``uid`` key of ``kube-system/ingress-uid``; empty on clusters that predate it.
        kube_system_uid: the UID of the kube-system Namespace (v2 frontend names only).
    """

    uid: str
    kube_system_uid: str = ""

    @property
    def short_uid(self) -> str:
        """The first 8 characters of the cluster UID, as NEG names embed it."""
        return self.uid[:8]

    def _decorate(self, name: str) -> str:
        return truncate(f"{name}--{self.uid}") if self.uid else name

    def v1_frontend(self, namespace: str, name: str) -> FrontendNames:
        """v1 names (``k8s-um-<ns>-<name>--<uid>``), used by Ingresses without the V2 finalizer."""
        lb = self._decorate(f"{namespace}-{name}")
        return FrontendNames(**{k: truncate(f"k8s-{p}-{lb}") for k, p in _V1_PREFIX.items()})

    def v2_frontend(self, namespace: str, name: str) -> FrontendNames:
        """v2 names (``k8s2-um-<hash8>-<ns>-<name>-<hash8>``), used with the V2 finalizer."""
        ns, nm = trim_fields_evenly(_V2_FIELDS_LIMIT, namespace, name)
        cluster = content_hash(self.kube_system_uid, 8)
        suffix = content_hash(f"{self.kube_system_uid};{namespace};{name}", 8)
        lb = f"{cluster}-{ns}-{nm}-{suffix}"
        return FrontendNames(**{k: f"k8s2-{p}-{lb}" for k, p in _V2_PREFIX.items()})

    def frontend(self, namespace: str, name: str, *, v2: bool) -> FrontendNames:
        """The names for the scheme the Ingress's finalizer selects."""
        return self.v2_frontend(namespace, name) if v2 else self.v1_frontend(namespace, name)

    def _k8s1(self, kind: str, limit: int, namespace: str, service: str, port: int) -> str:
        """``k8s1-<uid8><kind>-<ns>-<svc>-<port>-<hash8>``, fields trimmed to ``limit`` together.

        The hash is over the untrimmed fields (``negSuffix`` in ``pkg/utils/namer/namer.go``).
        """
        ns, svc, prt = trim_fields_evenly(limit, namespace, service, str(port))
        suffix = _hex(f"{self.short_uid};{namespace};{service};{port}", 8)
        return f"k8s1-{self.short_uid}{kind}-{ns}-{svc}-{prt}-{suffix}"

    def neg(self, namespace: str, service: str, port: int) -> str:
        """The NEG (and NEG-mode backend service and health check) name for a Service port."""
        return self._k8s1("", _NEG_FIELDS_LIMIT, namespace, service, port)

    def rxlb_backend(self, namespace: str, service: str, port: int) -> str:
        """The backend service and health check name for a Service port of a regional external Ingress.

        ``RXLBBackendName`` (``pkg/utils/namer/namer.go``): the NEG name with ``-e`` after the short
        UID, fields trimmed to 36 instead of 38, and the same hash over the same untrimmed input as
        the NEG name. The NEGs themselves keep :meth:`neg` names (``ServicePort.BackendName`` and
        ``NEGName``, ``pkg/utils/serviceport.go``).
        """
        return self._k8s1("-e", _RXLB_FIELDS_LIMIT, namespace, service, port)

    def instance_group_backend(self, node_port: int) -> str:
        """The instance-group-mode backend service (and health check) name for a nodePort."""
        return self._decorate(f"k8s-be-{node_port}")

    @property
    def instance_group(self) -> str:
        """The per-zone instance group name, ``k8s-ig--<uid>``."""
        return self._decorate("k8s-ig")

    @property
    def firewall(self) -> str:
        """The L7 health-check firewall rule, ``k8s-fw-l7--<uid>``."""
        return truncate(f"k8s-fw-{'l7--' + self.uid if self.uid else 'l7'}")


def path_matcher_name(host: str) -> str:
    """The URL map path matcher ingress-gce makes for a host: ``host`` + md5(host)."""
    return "host" + hashlib.md5(host.encode(), usedforsecurity=False).hexdigest()
