"""Read the Compute side: one aggregated list per collection, followed to its last page.

Aggregated lists return global, regional and zonal resources in one pass, so the number of calls
does not depend on how many Ingresses, regions or zones there are. Pages are requested one by one so
that each page is retried on its own.

Lists are read as the JSON the REST API sent, through google-auth's ``AuthorizedSession`` (the HTTP
session the ``compute_v1`` client itself uses) and with the client library's exceptions. Reading
them through ``compute_v1`` would parse every page into protobuf messages only to turn each one
back into JSON: most of the CPU time of collecting a large project.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import google.auth
from google.api_core import exceptions as gexc
from google.auth.credentials import Credentials, with_scopes_if_required
from google.auth.transport.requests import AuthorizedSession

from gkeingress.collect.gate import ApiGate, google_reasons, status_of
from gkeingress.collect.gcpause import gc_paused
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.collect.snapshot import CollectionError, DataKind

PAGE_SIZE = 500
"""The most Compute returns per page."""
COMPUTE_READONLY = "https://www.googleapis.com/auth/compute.readonly"
DEFAULT_ENDPOINT = "https://compute.googleapis.com"


@dataclass(frozen=True, slots=True)
class ComputeList:
    """One Compute collection, read with ``aggregatedList`` or, if it has none, global ``list``."""

    kind: DataKind
    collection: str
    aggregated: bool = True

    @property
    def verb(self) -> str:
        """The API method: ``aggregatedList`` or ``list``."""
        return "aggregatedList" if self.aggregated else "list"

    def path(self, project: str) -> str:
        """The URL path of the list."""
        scope = "aggregated" if self.aggregated else "global"
        return f"/compute/v1/projects/{project}/{scope}/{self.collection}"

    def items(self, page: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The resources of one page; an aggregated page holds them by scope."""
        if not self.aggregated:
            yield from page.get("items") or ()
            return
        for scoped in (page.get("items") or {}).values():
            yield from scoped.get(self.collection) or ()


LISTS: tuple[ComputeList, ...] = (
    ComputeList(DataKind.URL_MAPS, "urlMaps"),
    ComputeList(DataKind.TARGET_PROXIES, "targetHttpProxies"),
    ComputeList(DataKind.TARGET_PROXIES, "targetHttpsProxies"),
    ComputeList(DataKind.FORWARDING_RULES, "forwardingRules"),
    ComputeList(DataKind.BACKEND_SERVICES, "backendServices"),
    ComputeList(DataKind.HEALTH_CHECKS, "healthChecks"),
    ComputeList(DataKind.NEGS, "networkEndpointGroups"),
    ComputeList(DataKind.ADDRESSES, "addresses"),
    ComputeList(DataKind.FIREWALLS, "firewalls", aggregated=False),
)


@dataclass
class ComputeResult:
    """Resources as JSON dicts by collection, and the calls that failed."""

    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)


def to_json(message: Any) -> dict[str, Any]:
    """A proto-plus message as the JSON the REST API sent (camelCase keys, enum names)."""
    result: dict[str, Any] = type(message).to_dict(
        message, use_integers_for_enums=False, preserving_proto_field_name=False
    )
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
    """Lists the Compute resources of one project over the REST API."""

    def __init__(
        self,
        project: str,
        *,
        credentials: Credentials | None,
        endpoint: str | None,
        gate: ApiGate,
        progress: Progress = NO_PROGRESS,
    ) -> None:
        self._project = project
        self._credentials = credentials
        endpoint = endpoint or DEFAULT_ENDPOINT
        self._endpoint = (endpoint if "://" in endpoint else f"https://{endpoint}").rstrip("/")
        self._gate = gate
        self._progress = progress

    def _session(self) -> AuthorizedSession:
        """A session with the given credentials (scoped if they need it), else ADC's."""
        if self._credentials is None:
            credentials, _ = google.auth.default(scopes=[COMPUTE_READONLY])
        else:
            credentials = with_scopes_if_required(  # type: ignore[no-untyped-call]
                self._credentials, [COMPUTE_READONLY]
            )
        return AuthorizedSession(credentials)  # type: ignore[no-untyped-call]

    def _get(self, session: AuthorizedSession, url: str, params: dict[str, str]) -> Any:
        response = session.get(url, params=params, timeout=self._gate.timeout)
        if response.status_code >= 400:
            raise gexc.from_http_response(response)  # type: ignore[no-untyped-call]
        with gc_paused():
            return json.loads(response.content)

    def _pages(self, listing: ComputeList, session: AuthorizedSession) -> Iterator[dict[str, Any]]:
        url = self._endpoint + listing.path(self._project)
        params = {"maxResults": str(PAGE_SIZE)}
        while True:
            page = self._gate.call(
                f"compute {listing.verb} {listing.collection}", self._get, session, url, params
            )
            yield from listing.items(page)
            token = page.get("nextPageToken")
            if not token:
                return
            params = {**params, "pageToken": str(token)}

    def _list(self, listing: ComputeList) -> list[dict[str, Any]] | CollectionError:
        call = f"compute.{listing.collection}.{listing.verb}"
        try:
            with self._session() as session:
                items = list(self._pages(listing, session))
        except Exception as exc:  # noqa: BLE001 - every failure is recorded as data
            error = _error(listing, call, exc)
            self._progress.call_done(call, None, error.message)
            return error
        self._progress.call_done(call, len(items), None)
        return items

    def collect(self) -> ComputeResult:
        """Every collection the audit reads; a collection whose call failed is recorded and left empty."""
        result = ComputeResult()
        with ThreadPoolExecutor(self._gate.workers) as pool:
            for listing, items in zip(LISTS, pool.map(self._list, LISTS), strict=True):
                if isinstance(items, CollectionError):
                    result.errors.append(items)
                else:
                    result.resources[listing.collection] = items
        return result
