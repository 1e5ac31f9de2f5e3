"""The annotations ingress-gce writes and gkeingress reads, and what makes one unreadable.

On the Ingress, ``pkg/loadbalancers/l7.go`` writes the frontend resource names and
``ingress.kubernetes.io/backends`` (``{"<backend service>": "<state>", …}``); on the Service, the NEG
controller writes ``cloud.google.com/neg-status``
(``{"network_endpoint_groups": {"<port>": "<NEG>"}, "zones": [...]}``, ``pkg/neg/types``). The
controller rewrites them on every sync, so a value it could not have written was edited by someone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gkeingress.resources.k8s import BACKENDS_ANNOTATION, Ingress, JsonAnnotation, Service

FRONTEND_ANNOTATIONS = tuple(
    f"ingress.kubernetes.io/{name}"
    for name in (
        "url-map",
        "forwarding-rule",
        "https-forwarding-rule",
        "target-proxy",
        "https-target-proxy",
    )
)
"""Annotations naming one Compute resource each (``getFrontendAnnotations``)."""

_GCE_NAME = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
"""A Compute resource name (RFC 1035), as ingress-gce's ``isValidGCEResourceName`` requires."""


@dataclass(frozen=True, slots=True)
class MalformedAnnotation:
    """A controller annotation whose value ingress-gce could not have written.

    Attributes:
        kind: ``Ingress`` or ``Service``.
        key: ``namespace/name`` of the object carrying it.
        annotation: the annotation's key.
        raw: its value.
        problem: what is wrong with it.
    """

    kind: str
    key: str
    annotation: str
    raw: str
    problem: str


def name_problem(value: str) -> str | None:
    """Why ``value`` is not a Compute resource name, or None when it is one."""
    if _GCE_NAME.fullmatch(value):
        return None
    return f"{value!r} is not a Compute resource name (lowercase letters, digits and hyphens)"


_JSON_TYPES = {bool: "boolean", int: "number", float: "number", str: "string", list: "list"}


def _object_problem(annotation: JsonAnnotation, what: str) -> str | None:
    """Why the annotation is not a JSON object at all (not JSON, or another JSON type)."""
    if annotation.error:
        return annotation.error
    value = annotation.value
    if isinstance(value, dict):
        return None
    return f"it is a JSON {_JSON_TYPES.get(type(value), 'null')}, not an object of {what}"


def backends_problem(annotation: JsonAnnotation) -> str | None:
    """Why an ``ingress.kubernetes.io/backends`` value is not ``{"<backend service>": "<state>"}``."""
    problem = _object_problem(annotation, "backend service states")
    if problem:
        return problem
    for name, state in annotation.value.items():
        if not isinstance(state, str):
            return f"the state of {name!r} is {state!r}, not a string such as HEALTHY"
        problem = name_problem(name)
        if problem:
            return problem
    return None


def neg_status_problem(annotation: JsonAnnotation) -> str | None:
    """Why a ``cloud.google.com/neg-status`` value is not what the NEG controller writes."""
    problem = _object_problem(annotation, "NEGs and zones")
    if problem:
        return problem
    groups = annotation.value.get("network_endpoint_groups", {})  # both omitempty in NegStatus
    zones = annotation.value.get("zones", [])
    if not isinstance(groups, dict):
        return "network_endpoint_groups is not an object of Service port to NEG name"
    if not isinstance(zones, list) or not all(isinstance(z, str) and z for z in zones):
        return "zones is not a list of zone names"
    return next((p for port, name in groups.items() if (p := _group_problem(port, name))), None)


def _group_problem(port: object, name: object) -> str | None:
    """Why one ``network_endpoint_groups`` entry is not a Service port number and a NEG name."""
    if not str(port).isdigit():
        return f"network_endpoint_groups key {port!r} is not a Service port number"
    problem = name_problem(name) if isinstance(name, str) else f"{name!r} is not a NEG name"
    return f"the NEG of port {port}: {problem}" if problem else None


def ingress_problems(ingress: Ingress) -> list[MalformedAnnotation]:
    """The controller annotations of ``ingress`` that cannot be read."""
    annotations = ingress.annotations
    found = []
    for key in FRONTEND_ANNOTATIONS:
        if key in annotations and (problem := name_problem(annotations[key])):
            found.append(
                MalformedAnnotation("Ingress", ingress.key, key, annotations[key], problem)
            )
    backends = JsonAnnotation.read(annotations, BACKENDS_ANNOTATION)
    if backends.present and (problem := backends_problem(backends)):
        found.append(
            MalformedAnnotation("Ingress", ingress.key, backends.key, backends.raw or "", problem)
        )
    return found


def service_problems(service: Service) -> list[MalformedAnnotation]:
    """The NEG controller's annotation on ``service``, when it cannot be read."""
    status = service.neg_status
    problem = neg_status_problem(status) if status.present else None
    if problem is None:
        return []
    return [MalformedAnnotation("Service", service.key, status.key, status.raw or "", problem)]
