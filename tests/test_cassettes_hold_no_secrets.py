"""No cassette holds a credential, and the recorder's scrubbers remove the ones they meet."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from vcr.request import Request

from tests.conftest import (
    CASSETTES,
    ROOT,
    SCRUBBED_BODY,
    scrub_body,
    scrub_request,
    scrub_response,
)

PEM_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtoy\n-----END RSA PRIVATE KEY-----\n"
FORBIDDEN: dict[str, re.Pattern[str]] = {
    "bearer token": re.compile(r"Bearer "),
    "access_token": re.compile(r"access_token", re.IGNORECASE),
    "PEM private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "base64 PEM private key": re.compile(
        "|".join(
            re.escape(base64.b64encode(f"-----BEGIN {k}PRIVATE KEY".encode()).decode()[:28])
            for k in ("", "RSA ", "EC ", "ENCRYPTED ", "OPENSSH ")
        )
    ),
}
"""Text that must appear nowhere in a cassette file."""


def cassette_files() -> list[Path]:
    return sorted(p for p in CASSETTES.rglob("*") if p.is_file())


def _header_names(value: Any) -> set[str]:
    """Every header name in a cassette, at any depth under a ``headers`` key."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "headers" and isinstance(inner, dict):
                found |= {str(name).lower() for name in inner}
            found |= _header_names(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _header_names(inner)
    return found


def test_there_are_cassettes() -> None:
    assert cassette_files(), f"no cassettes under {CASSETTES}"


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cassette_holds_no_secret(path: Path) -> None:
    """No bearer token, access token or private key, in any form, anywhere in the file."""
    text = path.read_text()
    found = {what: p.search(text) for what, p in FORBIDDEN.items()}
    assert not {what for what, match in found.items() if match}, {
        what: text[max(m.start() - 60, 0) : m.end() + 20] for what, m in found.items() if m
    }


@pytest.mark.parametrize(
    "path",
    [p for p in cassette_files() if p.suffix in (".yaml", ".yml")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_cassette_has_no_authorization_header(path: Path) -> None:
    """No recorded request or response carries an ``Authorization`` header, in any case."""
    names = _header_names(yaml.safe_load(path.read_text()))
    assert not {n for n in names if n in ("authorization", "proxy-authorization", "cookie")}


# -- The scrubbers, on samples of what a real recording meets ---------------------------------


def _response(body: str, **headers: list[str]) -> dict[str, Any]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["application/json"], **headers},
        "body": {"string": body.encode()},
    }


def _leaks(value: object) -> list[str]:
    text = json.dumps(value, default=lambda v: v.decode() if isinstance(v, bytes) else str(v))
    leaks = [what for what, p in FORBIDDEN.items() if p.search(text)]
    leaks += [w for w in ("ya29.", "1//0g", "refresh_token", "id_token", "eyJ") if w in text]
    return leaks


def test_scrub_response_removes_tokens_and_auth_headers() -> None:
    """An OAuth token response loses its tokens; credential headers go, data stays."""
    token_response = _response(
        json.dumps(
            {
                "access_token": "ya29.a0AfB_byC",
                "id_token": "eyJhbGciOiJSUzI1NiJ9.e30.sig",
                "refresh_token": "1//0gLkQ",
                "expires_in": 3599,
                "token_type": "Bearer",
            }
        ),
        Authorization=["Bearer ya29.a0AfB_byC"],
        **{"Set-Cookie": ["SID=abc"], "Date": ["Fri, 20 Nov 2026 10:00:00 GMT"]},
    )
    scrubbed = scrub_response(token_response)
    assert _leaks(scrubbed) == []
    assert set(scrubbed["headers"]) == {"Content-Type"}
    assert json.loads(scrubbed["body"]["string"]) == {"expires_in": 3599, "token_type": "Bearer"}
    assert token_response["body"]["string"] != scrubbed["body"]["string"], "copy, not in place"


def test_scrub_response_strips_secret_data_but_keeps_certificates() -> None:
    """A Secret keeps its public ``tls.crt`` and loses keys, stringData and applied copies."""
    key = base64.b64encode(PEM_KEY.encode()).decode()
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    manifest = {"apiVersion": "v1", "kind": "Secret", "data": {"tls.key": key}}
    secret_list = {
        "kind": "SecretList",
        "apiVersion": "v1",
        "metadata": {},
        "items": [
            {
                "metadata": {
                    "name": "shop-tls",
                    "annotations": {
                        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(manifest),
                        "owner": "shop",
                    },
                },
                "type": "kubernetes.io/tls",
                "data": {"tls.crt": cert.decode(), "tls.key": key},
                "stringData": {"password": "hunter2"},
            }
        ],
    }
    scrubbed = scrub_response(_response(json.dumps(secret_list)))
    assert _leaks(scrubbed) == []
    item = json.loads(scrubbed["body"]["string"])["items"][0]
    assert item["data"] == {"tls.crt": cert.decode()}
    assert "stringData" not in item
    assert item["metadata"]["annotations"] == {"owner": "shop"}


def test_scrub_request_drops_token_exchanges_and_credentials() -> None:
    """Token endpoints are never recorded; other requests lose credential headers and fields."""
    exchange = Request(
        "POST",
        "https://oauth2.googleapis.com/token",
        "grant_type=refresh_token&refresh_token=1%2F%2F0gLkQ&client_secret=d-FL95Q",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert scrub_request(exchange) is None

    api_call = Request(
        "POST",
        "https://compute.googleapis.com/compute/v1/projects/p/global/backendServices/b/getHealth",
        json.dumps({"group": "zones/z/networkEndpointGroups/n", "access_token": "ya29.x"}),
        {"Authorization": "Bearer ya29.x", "Cookie": "SID=abc", "Content-Type": "application/json"},
    )
    scrubbed = scrub_request(api_call)
    assert scrubbed is not None
    assert {k.lower() for k in scrubbed.headers} == {"content-type"}
    assert json.loads(scrubbed.body) == {"group": "zones/z/networkEndpointGroups/n"}
    assert _leaks({"headers": dict(scrubbed.headers), "body": scrubbed.body}) == []


def test_scrub_body_replaces_what_it_cannot_take_apart() -> None:
    """A body that is neither JSON nor a form but holds a key is replaced whole."""
    assert scrub_body(PEM_KEY.encode()) == SCRUBBED_BODY.encode()
    assert scrub_body("plain text") == "plain text"
    assert scrub_body(None) is None
