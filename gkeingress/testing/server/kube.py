"""The Kubernetes API: discovery, and list or get of every served kind with selectors and paging."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from gkeingress.testing.server.paging import page_limit, paginate
from gkeingress.testing.server.protocol import IncomingRequest, Served, fail, fail_unknown_url
from gkeingress.testing.world import KUBE_RESOURCES, JSONDict

_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


_EVENT_FIELDS = (
    _FIELDS | {f"involvedObject.{f}" for f in ("kind", "name", "namespace")} | {"type", "reason"}
)


# Extra field selectors the API server supports for some kinds.
_SELECTABLE_FIELDS = {"events": _EVENT_FIELDS, "secrets": _FIELDS | {"type"}}


_METADATA_ONLY = "as=PartialObjectMetadataList"


_SELECTOR_TERM = re.compile(
    r"\s*(?P<absent>!)?\s*(?P<key>[^=!\s]+)\s*(?:(?P<op>==|!=|=)\s*(?P<value>[^=!\s]*))?\s*"
)


_VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.5-gke.1014001",
    "gitCommit": "8e2b7a3cbe4f9a7b0b7e6f0b2d5e4c8f9a1b2c3d",
    "gitTreeState": "clean",
    "buildDate": "2024-09-17T04:17:42Z",
    "goVersion": "go1.22.6 X:boringcrypto",
    "compiler": "gc",
    "platform": "linux/amd64",
}


_RESOURCE_VERSION = "1000042"


def _is_builtin(api_prefix: str) -> bool:
    """Built-in API groups always exist; others are CRDs, present only if the World has them."""
    group = api_prefix.split("/")[2] if api_prefix.startswith("/apis/") else ""
    return "." not in group or group.endswith(".k8s.io")


def _selector(req: IncomingRequest, text: str) -> list[tuple[str, str, str]]:
    """Parse an equality-based selector into (key, op, value); op is =, !=, exists or absent."""
    terms = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        t = _SELECTOR_TERM.fullmatch(raw)
        if t is None or (t["absent"] and t["op"]):
            fail(req, 400, f"unable to parse requirement: {raw.strip()!r}")
        op = {None: "absent" if t["absent"] else "exists", "==": "="}.get(t["op"], t["op"])
        terms.append((t["key"], op, t["value"] or ""))
    return terms


def _holds(op: str, actual: str | None, value: str) -> bool:
    if op in ("exists", "absent"):
        return (actual is not None) == (op == "exists")
    return (actual == value) == (op == "=")


def _matches(terms: list[tuple[str, str, str]], lookup: Callable[[str], str | None]) -> bool:
    return all(_holds(op, lookup(key), value) for key, op, value in terms)


def _field(obj: JSONDict, dotted: str) -> str:
    value: Any = obj
    for part in dotted.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value)


def kube_read(fake: Served, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """List (cluster-wide or in a namespace) or get one object of any served kind."""
    resource = KUBE_RESOURCES.get(m["plural"])
    namespace, name = m["namespace"], m["name"]
    if (
        resource is None
        or resource.api_prefix != m["prefix"]
        or (namespace is not None and not resource.namespaced)
        or (name is not None and resource.namespaced and namespace is None)
        or (not _is_builtin(resource.api_prefix) and resource.plural not in fake.world.kube)
    ):
        fail_unknown_url(req)
    objects = fake.world.kube.get(resource.plural, [])
    if namespace is not None:
        objects = [o for o in objects if o["metadata"].get("namespace") == namespace]
    if name is not None:
        found = next((o for o in objects if o["metadata"]["name"] == name), None)
        if found is None:
            group = resource.api_version.rpartition("/")[0]
            qualified = f"{resource.plural}.{group}" if group else resource.plural
            fail(req, 404, f'{qualified} "{name}" not found')
        return found
    labels = _selector(req, req.query.get("labelSelector", ""))
    fields = _selector(req, req.query.get("fieldSelector", ""))
    allowed = _SELECTABLE_FIELDS.get(resource.plural, _FIELDS)
    for key, op, _ in fields:
        if key not in allowed or op not in ("=", "!="):
            fail(req, 400, f"field label not supported: {key}")
    if labels or fields:
        objects = [
            o
            for o in objects
            if _matches(labels, (o["metadata"].get("labels") or {}).get)
            and _matches(fields, functools.partial(_field, o))
        ]
    limit = page_limit(fake, req, req.query.get("limit"))
    page = paginate(req, objects, req.query.get("continue", ""), limit)
    metadata: JSONDict = {"resourceVersion": _RESOURCE_VERSION}
    if page.next_token:
        metadata["continue"] = page.next_token
        metadata["remainingItemCount"] = page.remaining
    if _METADATA_ONLY in req.accept:
        return {
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": metadata,
            "items": [
                {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": o["metadata"],
                }
                for o in page.items
            ],
        }
    return {
        "kind": f"{resource.kind}List",
        "apiVersion": resource.api_version,
        "metadata": metadata,
        "items": [
            {k: v for k, v in o.items() if k not in {"apiVersion", "kind"}} for o in page.items
        ],
    }


def kube_discovery(fake: Served, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``/api``, ``/apis`` and ``/version``."""
    if m[0] == "/version":
        return dict(_VERSION)
    if m[0] == "/api":
        return {"kind": "APIVersions", "versions": ["v1"]}
    versions: dict[str, list[str]] = {}
    for r in KUBE_RESOURCES.values():
        if r.api_prefix.startswith("/apis/") and (
            _is_builtin(r.api_prefix) or r.plural in fake.world.kube
        ):
            group, version = r.api_version.split("/")
            if version not in versions.setdefault(group, []):
                versions[group].append(version)
    groups = []
    for group, vs in versions.items():
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in vs]
        groups.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
