"""Connect to a GKE cluster's Kubernetes API as a Google Cloud user does: no gcloud, no kubeconfig.

From the cluster the Container API returns: ``https://<endpoint>`` verified against the cluster's
own CA (``masterAuth.clusterCaCertificate``), or the private endpoint when asked, or the DNS-based
endpoint when the cluster has one open to external traffic; that endpoint's certificate is issued
by a public CA (Google Trust Services), so it is verified with the system's trust store, as
``gcloud container clusters get-credentials --dns-endpoint`` does. Requests carry the Google
credentials' OAuth access token, refreshed shortly before it expires, as
``gke-gcloud-auth-plugin`` sends it.
"""

from __future__ import annotations

import base64
import binascii
import ssl
import threading

import google.auth.exceptions
import urllib3.exceptions
from google.auth.credentials import AnonymousCredentials, Credentials, with_scopes_if_required
from google.auth.transport.requests import Request
from kubernetes import client as k8s

from gkeingress.collect.container import ContainerReader
from gkeingress.collect.gate import ApiGate
from gkeingress.collect.kubernetes import CONNECTIONS
from gkeingress.errors import ClusterUnreachable
from gkeingress.resources.cluster import ClusterInfo
from gkeingress.snapshot import CollectionError

GKE_SCOPES = (
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/userinfo.email",
)
"""The OAuth scopes of a token GKE accepts (those ``gke-gcloud-auth-plugin`` asks for)."""


def endpoint(cluster: ClusterInfo, *, use_private_endpoint: bool = False) -> tuple[str, str | None]:
    """The URL of the cluster's Kubernetes API and the CA to verify it with (None: system CAs).

    Raises:
        ClusterUnreachable: the endpoint asked for does not exist, or the CA cannot be read.
    """
    if use_private_endpoint:
        if not cluster.private_endpoint:
            missing = (
                f"cluster {cluster.path} has no private endpoint (privateClusterConfig."
                "privateEndpoint); audit it without "
            )
            raise ClusterUnreachable(
                cluster.path,
                "endpoint",
                missing + "use_private_endpoint=True",
                cli=missing + "--use-private-endpoint",
            )
        return f"https://{cluster.private_endpoint}", _ca(cluster)
    if cluster.dns_endpoint:
        return f"https://{cluster.dns_endpoint}", None
    if not cluster.endpoint:
        raise ClusterUnreachable(
            cluster.path,
            "endpoint",
            f"cluster {cluster.path} has no endpoint (status {cluster.status})",
        )
    return f"https://{cluster.endpoint}", _ca(cluster)


def _ca(cluster: ClusterInfo) -> str:
    try:
        return base64.b64decode(cluster.ca_certificate, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ClusterUnreachable(
            cluster.path,
            "tls",
            f"cluster {cluster.path}: masterAuth.clusterCaCertificate is not a base64 PEM ({exc})",
        ) from exc


_REFRESH = threading.Lock()
"""Serialises token refreshes: one credentials object serves every cluster of a fleet and the
collectors' threads, and google-auth's credentials are not safe to refresh concurrently."""


class _BearerToken:
    """``Configuration.refresh_api_key_hook``: a fresh access token before each request.

    The token goes under ``api_key["authorization"]`` with its ``Bearer`` prefix, as the client's
    own kubeconfig loader stores it: every client version since 29 reads that key.
    """

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def __call__(self, configuration: k8s.Configuration) -> None:
        with _REFRESH:
            if not self._credentials.valid:  # expired, or within google-auth's refresh margin
                self._credentials.refresh(Request())  # type: ignore[no-untyped-call]  # unannotated
            configuration.api_key["authorization"] = f"Bearer {self._credentials.token}"


def kube_client(
    cluster: ClusterInfo, credentials: Credentials, *, use_private_endpoint: bool = False
) -> k8s.ApiClient:
    """A ``kubernetes.client.ApiClient`` for the cluster, authenticated with ``credentials``.

    Raises:
        ClusterUnreachable: no usable endpoint or CA.
    """
    host, ca = endpoint(cluster, use_private_endpoint=use_private_endpoint)
    configuration = k8s.Configuration(host=host, ca_cert_data=ca)
    configuration.verify_ssl = True
    configuration.connection_pool_maxsize = CONNECTIONS
    if not isinstance(credentials, AnonymousCredentials):
        scoped = with_scopes_if_required(credentials, GKE_SCOPES)  # type: ignore[no-untyped-call]  # unannotated
        hook = _BearerToken(scoped)
        configuration.refresh_api_key_hook = hook  # type: ignore[assignment]  # typed as None
        try:
            hook(configuration)  # the client asks the hook only once a token is there
        except google.auth.exceptions.GoogleAuthError as exc:
            raise ClusterUnreachable(
                cluster.path, "auth", f"cannot get a Google access token for {cluster.path}: {exc}"
            ) from exc
    return k8s.ApiClient(configuration)


def _is_tls(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", None)
    return isinstance(exc, ssl.SSLError | urllib3.exceptions.SSLError) or (
        reason is not None and reason is not exc and _is_tls(reason)
    )


def check_reachable(client: k8s.ApiClient, cluster: ClusterInfo, *, timeout: float = 30.0) -> None:
    """Ask the API server its version (one call) and explain a failure.

    Raises:
        ClusterUnreachable: TLS verification failed, the token was refused, or no answer came.
    """
    host = client.configuration.host
    try:
        k8s.VersionApi(client).get_code(_request_timeout=timeout)
    except google.auth.exceptions.GoogleAuthError as exc:  # refreshing the token failed
        raise ClusterUnreachable(
            cluster.path, "auth", f"cannot get a Google access token for {cluster.path}: {exc}"
        ) from exc
    except k8s.ApiException as exc:
        if exc.status in (401, 403):
            raise ClusterUnreachable(
                cluster.path,
                "auth",
                f"the Kubernetes API of {cluster.path} refused the Google access token "
                f"({exc.status} {exc.reason}): the caller needs container.clusters.get on the "
                "cluster (e.g. roles/container.clusterViewer) and Kubernetes RBAC to read "
                "Ingresses, Services, pods and events (see the docs' minimal permissions)",
            ) from exc
        raise ClusterUnreachable(
            cluster.path,
            "api",
            f"the Kubernetes API of {cluster.path} answered {exc.status} {exc.reason}",
        ) from exc
    except urllib3.exceptions.HTTPError as exc:
        if _is_tls(exc):
            raise ClusterUnreachable(
                cluster.path,
                "tls",
                f"TLS verification of {host} failed for {cluster.path}: its certificate is not "
                "signed by the cluster's CA (masterAuth.clusterCaCertificate); is the endpoint "
                f"right? ({exc})",
            ) from exc
        cause = getattr(exc, "reason", None) or exc
        timed_out = isinstance(cause, urllib3.exceptions.TimeoutError) and not isinstance(
            cause,
            urllib3.exceptions.NewConnectionError,  # a refused connection, not a timeout
        )
        unreached = (
            f"cannot reach the Kubernetes API of {cluster.path} at {host}: {exc}; for a private "
            "cluster audit from inside its network with "
        )
        raise ClusterUnreachable(
            cluster.path,
            "timeout" if timed_out else "connection",
            unreached + "use_private_endpoint=True",
            cli=unreached + "--use-private-endpoint",
        ) from exc


def read_cluster(
    path: str, *, credentials: Credentials, container_endpoint: str | None, gate: ApiGate
) -> ClusterInfo | CollectionError:
    """The cluster at ``path`` from the Container API, or the error that says why not."""
    answer = ContainerReader(credentials=credentials, endpoint=container_endpoint, gate=gate).get(
        path
    )
    if isinstance(answer, CollectionError):
        return answer
    return ClusterInfo.from_json(answer)


def open_cluster(
    cluster: ClusterInfo, credentials: Credentials, *, use_private_endpoint: bool = False
) -> k8s.ApiClient:
    """A client for the cluster, once the API server has answered through it.

    Raises:
        ClusterUnreachable: why it cannot be used (TLS, token, timeout, connection).
    """
    client = kube_client(cluster, credentials, use_private_endpoint=use_private_endpoint)
    try:
        check_reachable(client, cluster)
    except ClusterUnreachable:
        client.close()  # type: ignore[no-untyped-call]  # kubernetes is unannotated
        raise
    return client
