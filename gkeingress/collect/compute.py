"""Read the Compute side: one aggregated list per collection, followed to its last page.

Aggregated lists return global, regional and zonal resources in one pass, so the number of calls
does not depend on how many Ingresses, regions or zones there are. Pages are requested one by one so
that each page is retried on its own. By default each page is read as JSON through the client's own
REST transport (:mod:`gkeingress.collect.rest`), never built into protobuf messages, and parsed
into views as soon as it arrives, while the other chains are still being read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from itertools import groupby
from operator import itemgetter
from typing import Any

from google.api_core.client_options import ClientOptions
from google.auth.credentials import Credentials
from google.cloud import compute_v1
from google.protobuf.json_format import MessageToDict

from gkeingress.collect.gate import ApiGate, google_reasons, status_of
from gkeingress.collect.pages import list_items, scoped_items
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.collect.rest import call_text
from gkeingress.resources.refs import RefReader
from gkeingress.snapshot import CollectionError, DataKind, Parsed, parse_compute

PAGE_SIZE = 500
"""The most Compute returns per page."""
BY_LAST_CHARACTER = (
    "name eq .*[0-3]",
    "name eq .*[4-7]",
    "name eq .*[89ab]",
    "name ne .*[0-9ab]",
)
"""Filters that split a list into four chains read side by side, each name in exactly one: by its
last character, which for ingress-gce's names is a hex digit of a hash. Compute's filter reads
``name eq|ne <RE2>`` and matches the whole name."""


_SCOPE = itemgetter(0)
"""The scope of a ``(scope, resource)`` pair of :func:`~gkeingress.collect.pages.scoped_items`."""


class PageReader(Enum):
    """How list pages are turned into JSON."""

    JSON = "json"
    """The method's HTTP request through the client's own transport, the body read with ``json.loads``."""
    MESSAGES = "messages"
    """The client's method: protobuf messages, converted back to JSON; 5-10x the CPU per page."""


@dataclass(frozen=True, slots=True)
class ComputeList:
    """One Compute collection: its JSON name, client and list request."""

    kind: DataKind
    collection: str
    client: type[Any]
    request: type[Any]
    aggregated: bool = True
    shards: tuple[str, ...] = ()

    @property
    def verb(self) -> str:
        """The API method: ``aggregatedList`` or ``list``."""
        return "aggregatedList" if self.aggregated else "list"

    @property
    def method(self) -> str:
        """The client's method: ``aggregated_list`` or ``list``."""
        return "aggregated_list" if self.aggregated else "list"


LISTS: tuple[ComputeList, ...] = (
    ComputeList(
        DataKind.URL_MAPS,
        "urlMaps",
        compute_v1.UrlMapsClient,
        compute_v1.AggregatedListUrlMapsRequest,
    ),
    ComputeList(
        DataKind.TARGET_PROXIES,
        "targetHttpProxies",
        compute_v1.TargetHttpProxiesClient,
        compute_v1.AggregatedListTargetHttpProxiesRequest,
    ),
    ComputeList(
        DataKind.TARGET_PROXIES,
        "targetHttpsProxies",
        compute_v1.TargetHttpsProxiesClient,
        compute_v1.AggregatedListTargetHttpsProxiesRequest,
    ),
    ComputeList(
        DataKind.FORWARDING_RULES,
        "forwardingRules",
        compute_v1.ForwardingRulesClient,
        compute_v1.AggregatedListForwardingRulesRequest,
    ),
    ComputeList(
        DataKind.BACKEND_SERVICES,
        "backendServices",
        compute_v1.BackendServicesClient,
        compute_v1.AggregatedListBackendServicesRequest,
        shards=BY_LAST_CHARACTER,
    ),
    ComputeList(
        DataKind.HEALTH_CHECKS,
        "healthChecks",
        compute_v1.HealthChecksClient,
        compute_v1.AggregatedListHealthChecksRequest,
        shards=BY_LAST_CHARACTER,
    ),
    ComputeList(
        DataKind.NEGS,
        "networkEndpointGroups",
        compute_v1.NetworkEndpointGroupsClient,
        compute_v1.AggregatedListNetworkEndpointGroupsRequest,
        shards=BY_LAST_CHARACTER,
    ),
    ComputeList(
        DataKind.ADDRESSES,
        "addresses",
        compute_v1.AddressesClient,
        compute_v1.AggregatedListAddressesRequest,
    ),
    ComputeList(
        DataKind.FIREWALLS,
        "firewalls",
        compute_v1.FirewallsClient,
        compute_v1.ListFirewallsRequest,
        aggregated=False,
    ),
)


@dataclass
class ComputeResult:
    """A project's Compute resources parsed into views, and the calls that failed.

    Every cluster of a fleet's project is audited against the same result.
    """

    parsed: Parsed = field(default_factory=Parsed)
    errors: list[CollectionError] = field(default_factory=list)


def to_json(message: Any) -> dict[str, Any]:
    """A proto-plus message as the JSON the REST API sent (camelCase keys, enum names)."""
    result: dict[str, Any] = type(message).to_dict(
        message, use_integers_for_enums=False, preserving_proto_field_name=False
    )
    return result


def page_json(page: Any) -> dict[str, Any]:
    """A list page (proto-plus) as the JSON the REST API sent: the fields it holds, no more.

    :func:`to_json` also writes an empty value for every absent list or map, which the REST API
    leaves out; on pages of thousands of resources that is a third of the conversion time.
    """
    result: dict[str, Any] = MessageToDict(type(page).pb(page))
    return result


def _error(listing: ComputeList, call: str, exc: Exception) -> CollectionError:
    status = status_of(exc)
    reasons = sorted(google_reasons(exc))
    message = getattr(exc, "message", None) or str(exc)
    if status == 403 and "accessNotConfigured" in reasons:
        message = f"the Compute Engine API is not enabled for this project: {message}"
    elif status == 403:
        message = f"permission denied (needs compute.{listing.collection}.list): {message}"
    return CollectionError(
        listing.kind, call, str(message), status, ",".join(reasons) or type(exc).__name__
    )


class ComputeCollector:
    """Lists the Compute resources of one project through the official client library."""

    def __init__(
        self,
        project: str,
        *,
        credentials: Credentials | None,
        endpoint: str | None,
        gate: ApiGate,
        progress: Progress = NO_PROGRESS,
        reader: PageReader = PageReader.JSON,
    ) -> None:
        self._project = project
        self._refs = RefReader(project)
        self._credentials = credentials
        self._options = ClientOptions(api_endpoint=endpoint) if endpoint else None
        self._gate = gate
        self._progress = progress
        self._read = self._json_page if reader is PageReader.JSON else self._message_page

    def _client(self, listing: ComputeList) -> Any:
        return listing.client(credentials=self._credentials, client_options=self._options)

    def _json_page(
        self, listing: ComputeList, client: Any, request: Any
    ) -> tuple[Parsed, dict[str, Any]]:
        text = call_text(client, listing.method, request, timeout=self._gate.timeout)
        members: dict[str, Any] = {}
        if listing.aggregated:
            scoped = scoped_items(text, members, listing.collection)
            return self._parse_scoped(listing, scoped), members
        return self._parse(listing, list_items(text, members)), members

    def _message_page(
        self, listing: ComputeList, client: Any, request: Any
    ) -> tuple[Parsed, dict[str, Any]]:
        method: Callable[..., Any] = getattr(client, listing.method)
        pager = method(
            request=request,
            retry=None,  # the gate retries; a second, hidden layer would hide throttling
            timeout=self._gate.timeout,
        )
        # The pager's first page is the response just read (a second would be fetched),
        # converted whole: proto-plus would cost as much again once per resource.
        page = page_json(next(pager.pages))
        if listing.aggregated:
            scopes: dict[str, Any] = page.get("items") or {}
            scoped = (
                (scope, resource)
                for scope, held in scopes.items()
                for resource in held.get(listing.collection) or ()
            )
            return self._parse_scoped(listing, scoped), page
        return self._parse(listing, page.get("items") or ()), page

    def _parse(self, listing: ComputeList, resources: Iterable[object]) -> Parsed:
        return parse_compute(self._refs, listing.collection, resources)

    def _parse_scoped(self, listing: ComputeList, scoped: Iterable[tuple[str, object]]) -> Parsed:
        """An aggregated page's ``(scope, resource)`` pairs parsed, the scopes in name order.

        In name order whichever reader read the page: the client keeps scopes in a protobuf map,
        whose order changes from one process to the next.
        """
        by_scope = [
            (scope, self._parse(listing, (resource for _, resource in pairs)))
            for scope, pairs in groupby(scoped, _SCOPE)
        ]
        parts = [parsed for _, parsed in sorted(by_scope, key=_SCOPE)]
        return Parsed.merge(parts) if parts else self._parse(listing, ())

    def _chain(self, listing: ComputeList, shard: str | None) -> Parsed:
        """The resources of one chain of pages (the whole list, or one shard of it), parsed.

        Each page is decoded and parsed inside its call, so a body cut short or garbled is retried.
        """
        request = listing.request(project=self._project, max_results=PAGE_SIZE)
        if shard is not None:
            request.filter = shard
        pages = []
        with self._client(listing) as client:
            while True:
                parsed, members = self._gate.call(
                    f"compute {listing.verb} {listing.collection}",
                    self._read,
                    listing,
                    client,
                    request,
                )
                pages.append(parsed)
                token = members.get("nextPageToken")
                if not token:
                    return Parsed.merge(pages)
                request.page_token = token

    def _list(self, listing: ComputeList, chains: list[Future[Parsed]]) -> Parsed | CollectionError:
        """A collection whole from its chains; any chain that failed fails it (never half a list)."""
        call = f"compute.{listing.collection}.{listing.verb}"
        try:
            items = Parsed.merge(chain.result() for chain in chains)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded as data
            error = _error(listing, call, exc)
            self._progress.call_done(call, None, error.message)
            return error
        self._progress.call_done(call, len(items), None)
        return items

    def collect(self) -> ComputeResult:
        """Every collection the audit reads; a collection whose call failed is recorded and left empty.

        Every chain of pages has a thread of its own, all at once: one per collection, four for
        the collections that grow with the Ingresses (:data:`BY_LAST_CHARACTER`).
        """
        parts: list[Parsed] = []
        errors: list[CollectionError] = []
        chains = [(listing, shard) for listing in LISTS for shard in listing.shards or (None,)]
        with ThreadPoolExecutor(len(chains)) as pool:
            futures = {chain: pool.submit(self._chain, *chain) for chain in chains}
            for listing in LISTS:
                shards = listing.shards or (None,)
                items = self._list(listing, [futures[listing, shard] for shard in shards])
                if isinstance(items, CollectionError):
                    errors.append(items)
                else:
                    parts.append(items)
        return ComputeResult(Parsed.merge(parts), errors)


def project_unreadable(project: str, errors: Iterable[CollectionError]) -> str | None:
    """Why ``project`` cannot be read at all, when every Compute list answered 403 or 404.

    Such a project does not exist, has the Compute API disabled, or is closed to the credentials:
    auditing on would only report every load balancer resource missing. None when one list worked.
    """
    calls = [f"compute.{listing.collection}.{listing.verb}" for listing in LISTS]
    refused = {e.call: e for e in errors if e.call in calls and e.status in (403, 404)}
    if len(refused) < len(calls):
        return None
    first = refused[calls[0]]
    statuses = " or ".join(str(s) for s in sorted({e.status for e in refused.values() if e.status}))
    return (
        f"project {project} does not exist or cannot be read: all {len(calls)} Compute lists "
        f"answered {statuses} ({first.call}: {first.message}); check the project id, and that "
        "the credentials may read it (roles/compute.viewer, or the docs' minimal permissions)"
    )
