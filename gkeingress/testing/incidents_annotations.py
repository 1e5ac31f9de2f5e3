"""Annotations ingress-gce writes, edited by hand or by a tool, in the style of :mod:`.scenarios`.

``CONTROLLER_ANNOTATION_MALFORMED``: :func:`neg_status_truncated`, :func:`url_map_annotation_edited`.
"""

from __future__ import annotations

from gkeingress.testing.builder import Path, Rule, WorldBuilder


def neg_status_truncated(b: WorldBuilder) -> None:
    """``invoices/invoices``: a tool rewrote the Service's ``neg-status`` and cut it short."""
    b.service("invoices", "invoices")
    b.ingress("invoices", "invoices", rules=[Rule("invoices.example.com", [Path("/", "invoices")])])
    annotations = b.kube_object("services", "invoices", "invoices")["metadata"]["annotations"]
    whole = annotations["cloud.google.com/neg-status"]
    annotations["cloud.google.com/neg-status"] = whole[: len(whole) // 2]


def url_map_annotation_edited(b: WorldBuilder) -> None:
    """``wiki/docs``: someone pasted the URL map's self link into ``ingress.kubernetes.io/url-map``."""
    b.service("wiki", "docs")
    ingress = b.ingress("wiki", "docs", rules=[Rule("docs.example.com", [Path("/", "docs")])])
    annotations = ingress["metadata"]["annotations"]
    name = annotations["ingress.kubernetes.io/url-map"]
    annotations["ingress.kubernetes.io/url-map"] = b.link("global", "urlMaps", name)
