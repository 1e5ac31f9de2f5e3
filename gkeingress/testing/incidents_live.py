"""Worlds for the live commands (``probe``, ``wait``), in the style of :mod:`.scenarios`.

:func:`tls_store` is a healthy Ingress served over HTTPS too, for probing TLS: its forwarding rule
on port 443, target HTTPS proxy and certificate as ingress-gce makes them for a ``spec.tls``
Secret (``k8s2-fs-``, ``k8s2-ts-``, ``k8s2-cr-`` names; the ``https-*`` and ``ssl-cert``
annotations).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from gkeingress.testing.builder import Path, Rule, WorldBuilder
from gkeingress.testing.builder.base import compute_time
from gkeingress.testing.world import JSONDict

TLS_HOST = "store.example.com"


def _https_frontend(b: WorldBuilder, ingress: JSONDict, secret: str) -> None:
    """Add what ingress-gce makes for an Ingress's ``spec.tls``: certificate, HTTPS proxy and rule."""
    meta = ingress["metadata"]
    namespace, name = meta["namespace"], meta["name"]
    names = b.namer.frontend(namespace, name, v2=True)
    annotations = meta["annotations"]
    http_rule = b.compute_resource(
        "forwardingRules", annotations["ingress.kubernetes.io/forwarding-rule"]
    )
    url_map = b.compute_resource("urlMaps", annotations["ingress.kubernetes.io/url-map"])
    created = compute_time(b.now - timedelta(days=2))
    certificate = f"k8s2-cr-adl25tto-{name}-{namespace}-tls0000"[:63]
    hosts = [h for entry in ingress["spec"]["tls"] for h in entry["hosts"]]
    description = json.dumps({"kubernetes.io/ingress-name": f"{namespace}/{name}"})
    resources: list[tuple[str, JSONDict]] = [
        (
            "sslCertificates",
            {
                "kind": "compute#sslCertificate",
                "name": certificate,
                "type": "SELF_MANAGED",
                "subjectAlternativeNames": hosts,
                "expireTime": compute_time(b.now + timedelta(days=60)),
            },
        ),
        (
            "targetHttpsProxies",
            {
                "kind": "compute#targetHttpsProxy",
                "name": names.https_proxy,
                "description": description,
                "urlMap": url_map["selfLink"],
                "sslCertificates": [b.link("global", "sslCertificates", certificate)],
                "quicOverride": "NONE",
                "fingerprint": "oYbkHqB1ZQk=",
            },
        ),
        (
            "forwardingRules",
            {
                "kind": "compute#forwardingRule",
                "name": names.https_rule,
                "description": description,
                "IPAddress": http_rule["IPAddress"],
                "IPProtocol": "TCP",
                "portRange": "443-443",
                "target": b.link("global", "targetHttpsProxies", names.https_proxy),
                "loadBalancingScheme": "EXTERNAL",
                "networkTier": "PREMIUM",
                "labelFingerprint": "42WmSpB8rSM=",
                "fingerprint": "Zp0Ju2x5vPs=",
            },
        ),
    ]
    for collection, body in resources:
        body.update(
            id=str(
                5_000_000_000_000_000_000 + len(b.world.compute_resources(collection, "global"))
            ),
            creationTimestamp=created,
            selfLink=b.link("global", collection, body["name"]),
        )
        b.world.compute_resources(collection, "global").append(body)
    annotations.update(
        {
            "ingress.kubernetes.io/https-forwarding-rule": names.https_rule,
            "ingress.kubernetes.io/https-target-proxy": names.https_proxy,
            "ingress.kubernetes.io/ssl-cert": certificate,
        }
    )
    b.world.kube_objects("secrets").append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {
                "name": secret,
                "namespace": namespace,
                "creationTimestamp": meta["creationTimestamp"],
            },
            # Placeholders: the audit reads Secret metadata only, and the fake load balancer
            # issues its own certificate for the hosts above.
            "data": {
                "tls.crt": base64.b64encode(b"certificate placeholder").decode(),
                "tls.key": base64.b64encode(b"key placeholder").decode(),
            },
        }
    )


def tls_store(b: WorldBuilder) -> None:
    """``store/store``: store.example.com over HTTP and HTTPS (``spec.tls`` Secret ``store-tls``). Healthy."""
    b.service("store", "store")
    ingress = b.ingress("store", "store", rules=[Rule(TLS_HOST, [Path("/", "store")])])
    ingress["spec"]["tls"] = [{"hosts": [TLS_HOST], "secretName": "store-tls"}]
    _https_frontend(b, ingress, "store-tls")


def _newsletter(b: WorldBuilder) -> JSONDict:
    """The demo's ``newsletter/newsletter``, created three minutes before ``DEMO_NOW``."""
    b.service("newsletter", "newsletter")
    return b.ingress(
        "newsletter",
        "newsletter",
        rules=[Rule("news.example.com", [Path("/", "newsletter")])],
        age=timedelta(minutes=3),
    )


def newsletter_addressed(b: WorldBuilder) -> None:
    """``newsletter/newsletter`` 90 s into its rollout: an address, backends still being checked.

    The forwarding rule exists and the Ingress has its IP, but ingress-gce still reports the
    backends ``Unknown`` and the zone-b endpoint has not passed its health check yet.
    """
    ingress = _newsletter(b)
    annotations = ingress["metadata"]["annotations"]
    annotations["ingress.kubernetes.io/backends"] = annotations[
        "ingress.kubernetes.io/backends"
    ].replace("HEALTHY", "Unknown")
    name = b.backend_name("newsletter", "newsletter", 80)
    for (backend_service, group), health in b.world.backend_health.items():
        if backend_service.endswith(f"/{name}") and f"/zones/{b.zones[1]}/" in group:
            for status in health.get("healthStatus", ()):
                status["healthState"] = "UNHEALTHY"


def newsletter_serving(b: WorldBuilder) -> None:
    """``newsletter/newsletter`` once its rollout settled: every hop there, every endpoint healthy."""
    _newsletter(b)
