"""Compute answers as JSON, sent through a ``compute_v1`` client's own REST transport.

``compute_v1`` parses every response into protobuf messages, in pure Python; a page of 500 NEGs
costs tens of milliseconds of CPU that an audit, which reads JSON dicts, then spends again turning
the messages back into JSON. :func:`call_text` sends exactly the request the client's method would
send and returns the body's text, for the caller to decode as it reads
(:mod:`gkeingress.collect.pages`). What the client library gives is kept: the request
types and the method's URL rule and transcoding, the endpoint and ``client_options`` as the client
resolved them, its authorized session (credentials, token refresh, quota project, mutual TLS) and
the ``google.api_core`` exception for an HTTP error, which the :class:`~gkeingress.collect.gate.ApiGate`
retries as it retries the client's own.

``compute_v1`` has no public way to reach the session or the URL rule, so two private names are
read: the REST transport's ``_session`` and the method stub's ``_get_http_options()``.
``tests/integration/test_compute_seam.py`` pins both for every method called here, and fails on a
``google-cloud-compute`` release that renames or changes them.
"""

from __future__ import annotations

import functools
from typing import Any

import requests
from google.api_core import exceptions as core_exceptions
from google.api_core import gapic_v1, rest_helpers


@functools.cache
def _api_client() -> tuple[str, str]:
    """The ``x-goog-api-client`` header the client's own methods send."""
    from google.cloud.compute_v1 import gapic_version  # noqa: PLC0415 - a heavy package

    info = gapic_v1.client_info.ClientInfo(  # type: ignore[no-untyped-call]  # google.api_core is unannotated
        gapic_version=gapic_version.__version__,
        grpc_version=None,
        rest_version=f"requests@{requests.__version__}",
    )
    header: tuple[str, str] = info.to_grpc_metadata()  # type: ignore[no-untyped-call]  # google.api_core is unannotated
    return header


def call_text(client: Any, method: str, request: Any, *, timeout: float) -> str:
    """Call ``client.<method>(request)`` over REST and return the response body's text.

    Args:
        client: a ``compute_v1`` client built with the REST transport (its default).
        method: the method's name on the client and its transport (``aggregated_list``).
        request: the method's request message (``compute_v1.AggregatedListUrlMapsRequest``).
        timeout: seconds the HTTP request may take.

    Raises:
        google.api_core.exceptions.GoogleAPICallError: the API answered with an HTTP error.
        requests.RequestException: the request could not be sent or answered.
        TypeError: the client does not use the REST transport.
    """
    transport = client.transport
    if transport.kind != "rest":
        raise TypeError(f"{type(client).__name__} uses the {transport.kind} transport, not rest")
    rule = getattr(transport, method)._get_http_options()  # pinned by test_compute_seam
    transcoded, body, query = rest_helpers.transcode_request(rule, request)
    routing = gapic_v1.routing_header.to_grpc_metadata((("project", request.project),))  # type: ignore[no-untyped-call]  # google.api_core is unannotated
    headers = dict((_api_client(), routing, ("Content-Type", "application/json")))
    response = transport._session.request(  # pinned by test_compute_seam
        transcoded["method"].upper(),
        f"{transport.host}{transcoded['uri']}",
        params=rest_helpers.flatten_query_params(query, strict=True),  # type: ignore[no-untyped-call]  # google.api_core is unannotated
        data=body,
        headers=headers,
        timeout=timeout,
    )
    if response.status_code >= 400:
        raise core_exceptions.from_http_response(response)  # type: ignore[no-untyped-call]  # google.api_core is unannotated
    text: str = response.content.decode()  # JSON is UTF-8 (RFC 8259); no charset guessing
    return text
