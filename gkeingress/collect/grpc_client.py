"""The gRPC-only Google clients (Monitoring, Logging): with the caller's credentials, or plain on loopback."""

from __future__ import annotations

from typing import Any, TypeVar

from google.auth.credentials import Credentials

C = TypeVar("C")

LOOPBACK_PREFIXES = ("127.", "localhost", "[::1]")


def grpc_client(
    client_type: type[C], transport_type: Any, credentials: Credentials | None, endpoint: str | None
) -> C:
    """A ``client_type`` with ``credentials``; a loopback ``endpoint`` gets plain gRPC.

    ``endpoint`` is ``host:port`` (default: Google's). A loopback one is a test world (such as
    :class:`gkeingress.testing.FakeMonitoring`): no TLS, no credentials.
    """
    from google.api_core.client_options import ClientOptions  # noqa: PLC0415 - optional client

    if endpoint and endpoint.startswith(LOOPBACK_PREFIXES):
        import grpc  # noqa: PLC0415 - comes with the client

        return client_type(transport=transport_type(channel=grpc.insecure_channel(endpoint)))  # type: ignore[call-arg]  # a generated client
    options = ClientOptions(api_endpoint=endpoint) if endpoint else None
    return client_type(credentials=credentials, client_options=options)  # type: ignore[call-arg]  # a generated client
