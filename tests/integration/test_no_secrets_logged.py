"""Credentials never reach the logs, even at DEBUG level with retries."""

import logging

import google.oauth2.credentials
import pytest

from gkeingress import audit
from gkeingress.testing import DEMO_NOW, FakeGKE, demo_world, google_error

GOOGLE_TOKEN = "ya29.secret-google-access-token"
KUBE_TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-kube-token"


def test_tokens_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A DEBUG-level log of a whole audit, retries included, holds neither token."""
    failures = iter([True])
    with FakeGKE(demo_world()) as server, server.kube_client() as client:
        client.configuration.api_key = {"authorization": KUBE_TOKEN}
        client.configuration.api_key_prefix = {"authorization": "Bearer"}
        server.faults.append(
            lambda req: (
                google_error(503, "backendError", "try again")
                if "aggregated/urlMaps" in req.path and next(failures, False)
                else None
            )
        )
        with caplog.at_level(logging.DEBUG):
            report = audit(
                "demo-project",
                kube_client=client,
                credentials=google.oauth2.credentials.Credentials(token=GOOGLE_TOKEN),
                compute_endpoint=server.url,
                now=DEMO_NOW,
            )
        seen = {r.headers.get("authorization") for r in server.requests} - {None}
    assert report.errors == []
    assert "retrying compute aggregatedList urlMaps" in caplog.text
    assert GOOGLE_TOKEN not in caplog.text
    assert KUBE_TOKEN not in caplog.text
    assert "Bearer" not in caplog.text
    assert seen == {f"Bearer {GOOGLE_TOKEN}", f"Bearer {KUBE_TOKEN}"}
