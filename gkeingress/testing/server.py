"""A fake GKE over real HTTP: the Kubernetes, Compute and Container APIs, served from a World.

One :class:`FakeGKE` listens on 127.0.0.1 and answers the requests the official ``kubernetes``,
``google.cloud.compute_v1`` and ``google.cloud.container_v1`` (REST transport) clients send, with
the JSON shapes the real services return: pagination, aggregated lists with their empty-scope
warnings, Google and Kubernetes error bodies. It is read-only: anything that would change the
world gets 405 and is recorded. With ``tls=`` it serves HTTPS with a certificate for 127.0.0.1
signed by a test CA, and with ``authenticate=`` the Kubernetes API answers 401 to requests
without an accepted ``Authorization: Bearer`` token, as a GKE control plane does.

Limits: Compute ``filter`` and Kubernetes ``watch`` parameters are ignored; set-based label
selectors (``in``, ``notin``) and unsupported field selectors are answered with 400.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, Protocol, overload
from urllib.parse import parse_qsl, unquote, urlsplit

from gkeingress.testing.world import COMPUTE_COLLECTIONS, KUBE_RESOURCES, JSONDict, World

if TYPE_CHECKING:
    import trustme
    from kubernetes.client import ApiClient

_COMPUTE_URL = "https://www.googleapis.com/compute/v1/"

_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",  # no canonical code for 405; only the fake's read-only refusal uses it
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
# Errors the server raises itself: (Google reason, Kubernetes reason) by status.
_REASONS = {
    400: ("invalid", "BadRequest"),
    404: ("notFound", "NotFound"),
    405: ("methodNotAllowed", "MethodNotAllowed"),
    500: ("backendError", "InternalError"),
}


# collection: (list kind, aggregatedList kind or None if the API has none, scope kinds served)
_COLLECTIONS: dict[str, tuple[str, str | None, str]] = {
    "urlMaps": ("urlMapList", "urlMapsAggregatedList", "global regions"),
    "targetHttpProxies": ("targetHttpProxyList", "targetHttpProxyAggregatedList", "global regions"),
    "targetHttpsProxies": (
        "targetHttpsProxyList",
        "targetHttpsProxyAggregatedList",
        "global regions",
    ),
    "forwardingRules": ("forwardingRuleList", "forwardingRuleAggregatedList", "global regions"),
    "backendServices": ("backendServiceList", "backendServiceAggregatedList", "global regions"),
    "healthChecks": ("healthCheckList", "healthChecksAggregatedList", "global regions"),
    "networkEndpointGroups": (
        "networkEndpointGroupList",
        "networkEndpointGroupAggregatedList",
        "global regions zones",
    ),
    "instanceGroups": ("instanceGroupList", "instanceGroupAggregatedList", "regions zones"),
    "firewalls": ("firewallList", None, "global"),
    "addresses": ("addressList", "addressAggregatedList", "global regions"),
    "sslCertificates": ("sslCertificateList", "sslCertificateAggregatedList", "global regions"),
}
if set(_COLLECTIONS) != set(COMPUTE_COLLECTIONS):
    raise RuntimeError("_COLLECTIONS is out of step with world.COMPUTE_COLLECTIONS")

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


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IncomingRequest:
    """A request as faults see it, before it is answered."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def accept(self) -> str:
        """The Accept header."""
        return self.headers.get("accept", "")


@dataclass(frozen=True)
class FaultResponse:
    """A canned answer sent instead of the normal one."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


Fault = Callable[[IncomingRequest], FaultResponse | None]
"""Inspects a request; returns a response to send instead of the normal one, or None."""


def google_error(status: int, reason: str, message: str) -> FaultResponse:
    """A Google API JSON error, as Compute sends it."""
    domain = "usageLimits" if status == 429 or "Limit" in reason or "quota" in reason else "global"
    error = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": _GOOGLE_STATUS.get(status, "UNKNOWN"),
    }
    return FaultResponse(status, json.dumps({"error": error}).encode())


def kube_error(status: int, reason: str, message: str) -> FaultResponse:
    """A Kubernetes ``Status`` failure, as the API server sends it."""
    body: JSONDict = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": status,
    }
    return FaultResponse(status, json.dumps(body).encode())


class _ReplyError(Exception):
    """Raised by a handler to answer with an error."""

    def __init__(self, response: FaultResponse) -> None:
        super().__init__(response.status)
        self.response = response


def _is_google(path: str) -> bool:
    """True for the Compute and Container APIs, False for the Kubernetes API."""
    return path.startswith(("/compute/", "/v1/projects/"))


def _error(req: IncomingRequest, status: int, message: str) -> FaultResponse:
    """The error body of the API ``req`` is addressed to."""
    google_reason, kube_reason = _REASONS[status]
    if _is_google(req.path):
        return google_error(status, google_reason, message)
    return kube_error(status, kube_reason, message)


def _fail(req: IncomingRequest, status: int, message: str) -> NoReturn:
    raise _ReplyError(_error(req, status, message))


def _page_limit(fake: FakeGKE, req: IncomingRequest, requested: str | None) -> int | None:
    """The client's limit or the server's ``page_size``, whichever is smaller; None: no limit."""
    try:
        asked = int(requested or 0)
    except ValueError:
        _fail(req, 400, f"Invalid page size: {requested!r}")
    sizes = [n for n in (asked, fake.page_size) if n and n > 0]
    return min(sizes) if sizes else None


def _fail_unknown_url(req: IncomingRequest) -> NoReturn:
    if _is_google(req.path):
        _fail(req, 404, f"The requested URL {req.path} was not found on this server.")
    _fail(req, 404, "the server could not find the requested resource")


class _Page(NamedTuple):
    items: list[Any]
    next_token: str | None
    remaining: int


def _paginate(req: IncomingRequest, items: Sequence[Any], token: str, limit: int | None) -> _Page:
    """Cut one page from ``items``; tokens are opaque offsets."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token).decode().removeprefix("offset="))
        except (ValueError, binascii.Error):
            start = -1
        if start < 0:
            _fail(req, 400, f"Invalid page token: {token!r}")
    end = len(items) if limit is None else min(len(items), start + limit)
    next_token = base64.urlsafe_b64encode(f"offset={end}".encode()).decode()
    return _Page(list(items[start:end]), next_token if end < len(items) else None, len(items) - end)


def _normalise(link: str) -> str:
    """``projects/P/...`` from a full or partial Compute URL."""
    return link.split("/compute/v1/", 1)[-1].lstrip("/")


# -- Compute --------------------------------------------------------------------------------


def _compute_scope(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> tuple[str, str]:
    """Check project and collection; return (collection, scope)."""
    project, collection, scope = m["project"], m["collection"], m.groupdict().get("scope")
    if project != fake.world.project:
        _fail(req, 404, f"The resource 'projects/{project}' was not found")
    kinds = _COLLECTIONS.get(collection, ("", None, ""))[2].split()
    if (scope is not None and scope.split("/")[0] not in kinds) or not kinds:
        _fail_unknown_url(req)
    return collection, scope or ""


def _compute_page(fake: FakeGKE, req: IncomingRequest, items: Sequence[Any]) -> _Page:
    limit = _page_limit(fake, req, req.query.get("maxResults")) or 500
    return _paginate(req, items, req.query.get("pageToken", ""), limit)


def _compute_list_body(kind: str, path: str, page: _Page) -> JSONDict:
    body: JSONDict = {"kind": f"compute#{kind}", "id": path}
    if page.items:
        body["items"] = page.items
    body["selfLink"] = _COMPUTE_URL + path
    if page.next_token:
        body["nextPageToken"] = page.next_token
    return body


class _ScopedItems(Sequence[tuple[str, JSONDict]]):
    """The (scope, item) pairs of an aggregated list, in order; a page is cut without the rest."""

    def __init__(self, scopes: dict[str, list[JSONDict]]) -> None:
        self._scopes = scopes
        self._len = sum(map(len, scopes.values()))

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> tuple[str, JSONDict]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, JSONDict]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, JSONDict] | list[tuple[str, JSONDict]]:
        if isinstance(index, int):
            found = self[index : index + 1 or None]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, step = index.indices(self._len)
        if step != 1:
            raise ValueError("aggregated pages are contiguous")
        pairs: list[tuple[str, JSONDict]] = []
        offset = 0
        for scope, items in self._scopes.items():
            if offset >= stop:
                break
            pairs.extend((scope, item) for item in items[max(start - offset, 0) : stop - offset])
            offset += len(items)
        return pairs


def _compute_aggregated(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``aggregatedList``: pages over (scope, item) pairs, regrouped by scope per page."""
    collection, _ = _compute_scope(fake, req, m)
    kind = _COLLECTIONS[collection][1]
    if kind is None:
        _fail_unknown_url(req)
    scopes = fake.world.compute.get(collection, {})
    page = _compute_page(fake, req, _ScopedItems(scopes))
    grouped: dict[str, JSONDict] = {}
    for scope, item in page.items:
        grouped.setdefault(scope, {collection: []})[collection].append(item)
    for scope in [*scopes, "regions/us-central1"]:
        if scope not in grouped:
            grouped[scope] = {
                "warning": {
                    "code": "NO_RESULTS_ON_PAGE",
                    "message": f"There are no results for scope '{scope}' on this page.",
                    "data": [{"key": "scope", "value": scope}],
                }
            }
    path = f"projects/{fake.world.project}/aggregated/{collection}"
    return {**_compute_list_body(kind, path, page), "items": grouped}


def _compute_list(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``list`` in one scope."""
    collection, scope = _compute_scope(fake, req, m)
    kind = _COLLECTIONS[collection][0]
    if collection == "instanceGroups" and scope.startswith("regions/"):
        kind = "regionInstanceGroupList"  # served by the regionInstanceGroups API
    page = _compute_page(fake, req, fake.world.compute.get(collection, {}).get(scope, []))
    return _compute_list_body(kind, f"projects/{fake.world.project}/{scope}/{collection}", page)


def _compute_get(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``get`` one resource."""
    collection, scope = _compute_scope(fake, req, m)
    for item in fake.world.compute.get(collection, {}).get(scope, []):
        if item.get("name") == m["name"]:
            return item
    path = f"projects/{fake.world.project}/{scope}/{collection}/{m['name']}"
    _fail(req, 404, f"The resource '{path}' was not found")


def _compute_get_health(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``backendServices.getHealth`` for the group named in the body."""
    resource = _compute_get(fake, req, m)
    try:
        group = json.loads(req.body or b"{}").get("group", "")
    except (ValueError, AttributeError):
        _fail(req, 400, "Invalid JSON payload received.")
    if not group:
        _fail(req, 400, "Required field 'resource.group' not specified")
    key = (_normalise(resource["selfLink"]), _normalise(group))
    return fake.world.backend_health.get(key, {"kind": "compute#backendServiceGroupHealth"})


def _compute_list_endpoints(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``networkEndpointGroups.listNetworkEndpoints`` (zonal)."""
    neg = _compute_get(fake, req, m)
    page = _compute_page(
        fake, req, fake.world.network_endpoints.get(_normalise(neg["selfLink"]), [])
    )
    body: JSONDict = {"kind": "compute#networkEndpointGroupsListNetworkEndpoints"}
    if page.items:
        body["items"] = page.items
    if page.next_token:
        body["nextPageToken"] = page.next_token
    return body


# -- Kubernetes -----------------------------------------------------------------------------


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
            _fail(req, 400, f"unable to parse requirement: {raw.strip()!r}")
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


def _kube_read(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
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
        _fail_unknown_url(req)
    objects = fake.world.kube.get(resource.plural, [])
    if namespace is not None:
        objects = [o for o in objects if o["metadata"].get("namespace") == namespace]
    if name is not None:
        found = next((o for o in objects if o["metadata"]["name"] == name), None)
        if found is None:
            group = resource.api_version.rpartition("/")[0]
            qualified = f"{resource.plural}.{group}" if group else resource.plural
            _fail(req, 404, f'{qualified} "{name}" not found')
        return found
    labels = _selector(req, req.query.get("labelSelector", ""))
    fields = _selector(req, req.query.get("fieldSelector", ""))
    allowed = _SELECTABLE_FIELDS.get(resource.plural, _FIELDS)
    for key, op, _ in fields:
        if key not in allowed or op not in ("=", "!="):
            _fail(req, 400, f"field label not supported: {key}")
    if labels or fields:
        objects = [
            o
            for o in objects
            if _matches(labels, (o["metadata"].get("labels") or {}).get)
            and _matches(fields, functools.partial(_field, o))
        ]
    limit = _page_limit(fake, req, req.query.get("limit"))
    page = _paginate(req, objects, req.query.get("continue", ""), limit)
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


def _kube_discovery(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
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


# -- Container ------------------------------------------------------------------------------


def _container_clusters(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``projects.locations.clusters.list``: ``-`` lists every location; no clusters is ``{}``."""
    project, location = m["project"], m["location"]
    if project != fake.world.project:
        _fail(req, 404, f"Not found: projects/{project}.")
    found = [c for c in fake.world.clusters if location in ("-", c.get("location"), c.get("zone"))]
    return {"clusters": found} if found else {}


def _container_cluster(fake: FakeGKE, req: IncomingRequest, m: re.Match[str]) -> JSONDict:
    """``projects.locations.clusters.get``."""
    project, location, name = m["project"], m["location"], m["name"]
    for c in fake.world.clusters if project == fake.world.project else []:
        if c.get("name") == name and location in ("-", c.get("location")):
            return c
    _fail(req, 404, f"Not found: projects/{project}/locations/{location}/clusters/{name}.")


_Handler = Callable[["FakeGKE", IncomingRequest, "re.Match[str]"], JSONDict]
_CONTAINER = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/clusters"

_PROJECT = r"/compute/v1/projects/(?P<project>[^/]+)"
_SCOPE = r"(?P<scope>global|(?:regions|zones)/[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], _Handler]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in (
        ("GET", rf"{_PROJECT}/aggregated/(?P<collection>\w+)", _compute_aggregated),
        ("GET", rf"{_PROJECT}/{_SCOPE}/(?P<collection>\w+)", _compute_list),
        ("GET", rf"{_PROJECT}/{_SCOPE}/(?P<collection>\w+)/(?P<name>[^/]+)", _compute_get),
        (
            "POST",
            rf"{_PROJECT}/(?P<scope>global|regions/[^/]+)/(?P<collection>backendServices)"
            r"/(?P<name>[^/]+)/getHealth",
            _compute_get_health,
        ),
        (
            "POST",
            rf"{_PROJECT}/(?P<scope>zones/[^/]+)/(?P<collection>networkEndpointGroups)"
            r"/(?P<name>[^/]+)/listNetworkEndpoints",
            _compute_list_endpoints,
        ),
        ("GET", _CONTAINER, _container_clusters),
        ("GET", rf"{_CONTAINER}/(?P<name>[^/]+)", _container_cluster),
        ("GET", r"/api|/apis|/version", _kube_discovery),
        (
            "GET",
            r"(?P<prefix>/api/v1|/apis/[^/]+/[^/]+)(?:/namespaces/(?P<namespace>[^/]+))?"
            r"/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?",
            _kube_read,
        ),
    )
]


def _is_read(method: str, path: str) -> bool:
    """GET, or one of the Compute read methods that use POST."""
    return method == "GET" or any(
        m == method and p.fullmatch(path.rstrip("/")) for m, p, _ in _ROUTES if m == "POST"
    )


# -- Server ---------------------------------------------------------------------------------


class FakeGKE:
    """The fake Kubernetes and Compute APIs for one :class:`World`, on a loopback port.

    Args:
        world: what to serve; read on every request, so tests may change it between calls.
        page_size: if set, no list page holds more items than this.
        allow: if set, the only permissions the caller has: Compute IAM permissions
            (``compute.backendServices.list``) and Kubernetes verbs (``list ingresses.networking.k8s.io``);
            anything else gets the API's own 403.
        latency: seconds added to every response, as a remote API would take.
        tls: if set, serve HTTPS with a certificate for 127.0.0.1 issued by this ``trustme.CA``
            (a cluster's ``masterAuth.clusterCaCertificate``); :meth:`kube_client` trusts it.
        authenticate: if set, Kubernetes API requests need ``Authorization: Bearer <token>`` with
            a token this accepts, else 401 ``Unauthorized``; Compute and Container are not checked.
    """

    def __init__(
        self,
        world: World,
        *,
        page_size: int | None = None,
        allow: Collection[str] | None = None,
        latency: float = 0.0,
        tls: trustme.CA | None = None,
        authenticate: Callable[[str], bool] | None = None,
    ) -> None:
        self.world = world
        self.page_size = page_size
        self.latency = latency
        self.tls = tls
        self.authenticate = authenticate
        self.allow = frozenset(allow) if allow is not None else None
        self.faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._listener = Loopback(self, "FakeGKE", tls)

    def __enter__(self) -> FakeGKE:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on 127.0.0.1 on a free port and serve from a daemon thread."""
        self._listener.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._listener.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https`` with ``tls``); every API lives under it."""
        return f"{'https' if self.tls else 'http'}://{self.address}"

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``: a cluster's ``endpoint`` as the Container API gives it."""
        return self._listener.address

    @property
    def compute_endpoint(self) -> str:
        """The ``api_endpoint`` client option for ``compute_v1`` clients."""
        return self.url

    def kube_client(self) -> ApiClient:
        """A ``kubernetes.client.ApiClient`` pointed at this server; close it when done."""
        from kubernetes import client  # noqa: PLC0415 - optional heavy import

        configuration = client.Configuration()
        configuration.host = self.url
        if self.tls is not None:
            configuration.ca_cert_data = self.tls.cert_pem.bytes().decode()
        return client.ApiClient(configuration)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request answered so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def mutating_requests(self) -> list[RecordedRequest]:
        """The requests refused because they would have changed something."""
        return [r for r in self.requests if not _is_read(r.method, r.path)]

    def calls(self) -> Counter[str]:
        """How many times each ``"METHOD path"`` was requested."""
        return Counter(f"{r.method} {r.path}" for r in self.requests)

    def _authenticate(self, req: IncomingRequest) -> None:
        if self.authenticate is None or _is_google(req.path):
            return
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self.authenticate(token.strip()):
            raise _ReplyError(kube_error(401, "Unauthorized", "Unauthorized"))

    def _authorize(self, req: IncomingRequest) -> None:
        needed = permission(req)
        if needed is None or self.allow is None or needed in self.allow:
            return
        if req.path.startswith("/compute/"):
            project = self.world.project
            message = f"Required '{needed}' permission for 'projects/{project}'"
            raise _ReplyError(google_error(403, "forbidden", message))
        if _is_google(req.path):
            resource = req.path.removeprefix("/v1/")
            message = (
                f"Permission '{needed}' denied on resource '{resource}' (or it may not exist)."
            )
            raise _ReplyError(google_error(403, "forbidden", message))
        verb, _, resource = needed.partition(" ")
        message = (
            f'{resource} is forbidden: User "gkeingress-auditor" cannot {verb} resource '
            f'"{resource.split(".")[0]}" in API group "{resource.partition(".")[2]}"'
        )
        raise _ReplyError(kube_error(403, "Forbidden", message))

    def _respond(
        self, method: str, target: str, body: bytes, headers: dict[str, str]
    ) -> FaultResponse:
        """Answer one request (``target`` is the path and query) and record it."""
        parts = urlsplit(target)
        req = IncomingRequest(
            method,
            unquote(parts.path),
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            body,
            headers,
        )
        if self.latency:
            time.sleep(self.latency)
        response = self._answer(req)
        with self._lock:
            self._requests.append(
                RecordedRequest(req.method, req.path, req.query, response.status, req.headers)
            )
        return response

    def _answer(self, req: IncomingRequest) -> FaultResponse:
        try:
            if not _is_read(req.method, req.path):
                _fail(req, 405, f"the fake GKE is read-only: {req.method} {req.path} refused")
            self._authenticate(req)
            if self.allow is not None:
                self._authorize(req)
            for fault in list(self.faults):
                canned = fault(req)
                if canned is not None:
                    return canned
            for method, pattern, handler in _ROUTES:
                match = pattern.fullmatch(req.path.rstrip("/"))
                if match and method == req.method:
                    return FaultResponse(200, json.dumps(handler(self, req, match)).encode())
            _fail_unknown_url(req)
        except _ReplyError as error:
            return error.response
        except Exception as error:  # noqa: BLE001 - a fake that hangs up hides the bug
            return _error(req, 500, f"fake GKE failed: {error!r}")


_GLOBAL_IAM = frozenset({"forwardingRules", "addresses", "networkEndpointGroups"})
_REGIONAL_IAM = frozenset(
    {"backendServices", "healthChecks", "urlMaps", "targetHttpProxies", "targetHttpsProxies"}
)


def _iam_collection(scope: str, collection: str) -> str:
    """Compute's IAM name for a collection in a scope (``regionBackendServices``, …)."""
    cap = collection[0].upper() + collection[1:]
    if scope == "global" and collection in _GLOBAL_IAM:
        return f"global{cap}"
    if scope.startswith("regions/") and collection in _REGIONAL_IAM:
        return f"region{cap}"
    return collection


_CONTAINER_IAM: dict[_Handler, str] = {
    _container_clusters: "container.clusters.list",
    _container_cluster: "container.clusters.get",
}


def permission(req: IncomingRequest) -> str | None:
    """The permission a read request needs, or None for discovery and unknown paths."""
    path = req.path.rstrip("/")
    for method, pattern, handler in _ROUTES:
        match = pattern.fullmatch(path)
        if not match or method != req.method:
            continue
        groups = match.groupdict()
        if handler is _compute_aggregated:
            return f"compute.{groups['collection']}.list"
        if handler is _compute_list:
            return f"compute.{_iam_collection(groups['scope'], groups['collection'])}.list"
        if handler in (_compute_get, _compute_get_health, _compute_list_endpoints):
            return f"compute.{_iam_collection(groups['scope'], groups['collection'])}.get"
        if handler in _CONTAINER_IAM:
            return _CONTAINER_IAM[handler]
        if handler is _kube_read:
            resource = KUBE_RESOURCES.get(groups["plural"])
            group = resource.api_version.rpartition("/")[0] if resource else ""
            verb = "get" if groups["name"] else "list"
            return f"{verb} {groups['plural']}{'.' + group if group else ''}"
    return None


class _Responder(Protocol):
    def _respond(
        self, method: str, target: str, body: bytes, headers: dict[str, str]
    ) -> FaultResponse: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: _Responder, tls: trustme.CA | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.fake = fake
        self._tls: ssl.SSLContext | None = None
        if tls is not None:
            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.issue_cert("127.0.0.1").configure_cert(self._tls)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection; with TLS, the handshake happens on the handler's thread."""
        sock, address = super().get_request()
        if self._tls is not None:
            sock = self._tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up or refuses the certificate; report anything else."""
        if not isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            super().handle_error(request, client_address)


class Loopback:
    """A threaded HTTP(S) server on a free 127.0.0.1 port that hands each request to a responder.

    Args:
        responder: answers each request (its ``_respond``).
        name: the fake's name, for its thread and its errors.
        tls: if set, serve HTTPS with a certificate for 127.0.0.1 issued by this CA.
    """

    def __init__(self, responder: _Responder, name: str, tls: trustme.CA | None = None) -> None:
        self._responder = responder
        self._name = name
        self._tls = tls
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen and serve from a daemon thread.

        Raises:
            RuntimeError: it is already running.
        """
        if self._server is not None:
            raise RuntimeError(f"{self._name} is already running")
        self._server = _Server(self._responder, self._tls)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self._name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket; nothing if it is not running."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``.

        Raises:
            RuntimeError: it is not running.
        """
        if self._server is None:
            raise RuntimeError(f"{self._name} is not running")
        return f"127.0.0.1:{self._server.server_address[1]}"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.fake._respond(self.command, self.path, body, headers)
        self.send_response(response.status)
        for name, value in {"Content-Type": "application/json", **response.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; requests are recorded on the FakeGKE instead."""
