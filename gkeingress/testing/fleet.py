"""A fake fleet: GKE clusters in several projects, reached the way a Google Cloud user reaches them.

:class:`FakeFleet` serves, on one plain-HTTP loopback port, the Compute API and the Container API
of every project it holds; each cluster's Kubernetes API runs on a port of its own over HTTPS with
a certificate signed by a test CA, and accepts only the Google access tokens minted by the fleet's
:class:`FakeCredentials`. The Container API gives each cluster's ``endpoint`` and
``masterAuth.clusterCaCertificate`` as GKE does, so a client that follows them connects::

    shop = WorldBuilder(project="team-a", cluster_name="shop", cluster_uid="5f3e…")
    shop.cluster("us-central1")
    … build the cluster's Ingresses and load balancers …
    with FakeFleet([shop.world, other.world]) as fleet:
        gkeingress.audit_fleet(["team-a"], credentials=fleet.credentials,
                               compute_endpoint=fleet.url, container_endpoint=fleet.url)

Each world holds one cluster (its ``clusters`` entry, its Kubernetes objects) and that cluster's
load balancers; worlds of the same project share one Compute API, so their resource names must
differ (different ``cluster_uid``).
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from google.auth.credentials import Credentials

from gkeingress.errors import MissingDependencyError
from gkeingress.testing.server import FakeGKE, FaultResponse, Loopback, google_error
from gkeingress.testing.world import World

if TYPE_CHECKING:
    import trustme


def _utcnow() -> datetime:
    """Naive UTC, as google-auth compares ``expiry``."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class FakeCredentials(Credentials):
    """Google credentials that mint opaque access tokens; the fleet's clusters accept only those.

    Args:
        lifetime: how long each token is valid.
    """

    def __init__(self, lifetime: timedelta = timedelta(hours=1)) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # google-auth is unannotated
        self.lifetime = lifetime
        self.issued: list[str] = []
        self._expired: set[str] = set()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def refresh(self, request: Any) -> None:
        """Mint the next token, ``fake-token-<n>``."""
        del request
        with self._lock:
            self.token = f"fake-token-{next(self._counter)}"
            self.expiry = _utcnow() + self.lifetime
            self.issued.append(self.token)

    def expire(self) -> None:
        """Let every token issued so far expire now, as an hour into a long audit."""
        with self._lock:
            self._expired.update(self.issued)
            self.expiry = _utcnow() - timedelta(seconds=1)

    def accepts(self, token: str) -> bool:
        """True for a token this minted that has not expired."""
        with self._lock:
            return token in self.issued and token not in self._expired


class FakeFleet:
    """Serves several clusters' Kubernetes APIs and their projects' Compute and Container APIs.

    Args:
        worlds: one world per cluster, each with its ``clusters`` entry (``WorldBuilder.cluster``).
        credentials: the credentials whose tokens the clusters accept; default: new ones.
        page_size: as for :class:`FakeGKE`, for every API.
        latency: as for :class:`FakeGKE`: seconds added to every response of every API.

    Attributes:
        ca: the test CA that signs every cluster's serving certificate.
        credentials: pass these to the audit.
        projects: the Google APIs' server per project (not listening: the fleet's port routes to
            it by the project in the path); their ``requests`` record the calls.
        clusters: each cluster's Kubernetes API server, by cluster path.
    """

    def __init__(
        self,
        worlds: Iterable[World],
        *,
        credentials: FakeCredentials | None = None,
        page_size: int | None = None,
        latency: float = 0.0,
    ) -> None:
        self.ca = _test_ca()
        self.credentials = credentials or FakeCredentials()
        self.projects: dict[str, FakeGKE] = {}
        self.clusters: dict[str, FakeGKE] = {}
        self._cluster_json: dict[str, dict[str, Any]] = {}
        for world in worlds:
            if len(world.clusters) != 1:
                raise ValueError(
                    f"a fleet world holds exactly one cluster, not {len(world.clusters)}"
                )
            project = self.projects.setdefault(
                world.project, FakeGKE(World(world.project), page_size=page_size, latency=latency)
            ).world
            _merge(project, world)
            cluster = world.clusters[0]
            path = f"projects/{world.project}/locations/{cluster['location']}/clusters/{cluster['name']}"
            self._cluster_json[path] = cluster
            self.clusters[path] = FakeGKE(
                world,
                page_size=page_size,
                latency=latency,
                tls=self.ca,
                authenticate=self.credentials.accepts,
            )
        self._listener = Loopback(self, "FakeFleet")

    def __enter__(self) -> FakeFleet:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start every cluster's server, point its ``endpoint`` at it, and serve the Google APIs."""
        ca = base64.b64encode(self.ca.cert_pem.bytes()).decode()
        for path, server in self.clusters.items():
            server.start()
            cluster = self._cluster_json[path]
            cluster["endpoint"] = server.address
            cluster["masterAuth"] = {"clusterCaCertificate": ca}
            if "privateClusterConfig" in cluster:
                cluster["privateClusterConfig"]["publicEndpoint"] = server.address
        self._listener.start()

    def stop(self) -> None:
        """Stop every server."""
        for server in self.clusters.values():
            server.stop()
        self._listener.stop()

    @property
    def url(self) -> str:
        """The Compute and Container API endpoint, ``http://127.0.0.1:<port>``."""
        return f"http://{self._listener.address}"

    def _respond(
        self, method: str, target: str, body: bytes, headers: dict[str, str]
    ) -> FaultResponse:
        parts = target.split("/")
        # /compute/v1/projects/<p>/… and /v1/projects/<p>/…
        project = next((parts[i + 1] for i, p in enumerate(parts[:-1]) if p == "projects"), "")
        server = self.projects.get(project)
        if server is None:
            return google_error(
                403,
                "forbidden",
                f"Permission denied on resource project {project or '(none)'}.",
            )
        return server._respond(method, target, body, headers)


def _merge(into: World, world: World) -> None:
    """Add one cluster's world to its project's: Compute resources, health, endpoints, cluster."""
    for collection, scopes in world.compute.items():
        for scope, items in scopes.items():
            into.compute_resources(collection, scope).extend(items)
    into.backend_health.update(world.backend_health)
    into.network_endpoints.update(world.network_endpoints)
    into.clusters.extend(world.clusters)


def _test_ca() -> trustme.CA:
    """A throw-away certificate authority for the fleet's HTTPS Kubernetes servers."""
    try:
        import trustme  # noqa: PLC0415 - only fleets need it; `gkeingress demo` must run without it
    except ImportError as exc:
        raise MissingDependencyError(
            "trustme is not installed: pip install 'gkeingress[testing]'"
        ) from exc
    return trustme.CA()
