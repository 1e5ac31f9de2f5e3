"""The entry point that reads the APIs: :func:`audit` reads a project and a cluster, then analyses it."""

from __future__ import annotations

import functools
import ipaddress
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import google.auth
import google.auth.exceptions
from google.auth.credentials import Credentials
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from gkeingress.analysis import analyse
from gkeingress.checks import REGISTRY, Registry
from gkeingress.collect.compute import ComputeResult, project_unreadable
from gkeingress.collect.evidence import EvidenceClients, EvidenceResult, read_evidence
from gkeingress.collect.gate import DEFAULT_RATE, ApiGate
from gkeingress.collect.kubernetes import CONNECTIONS
from gkeingress.collect.logs import (
    DEFAULT_MAX_ENTRIES,
    LOGGING_READ,
    build_logging_client,
    read_logs,
)
from gkeingress.collect.monitoring import MONITORING_READ, build_monitoring_client
from gkeingress.collect.progress import NO_PROGRESS, Progress
from gkeingress.collect.run import collect
from gkeingress.connect import GKE_SCOPES, open_cluster, read_cluster
from gkeingress.errors import ArgumentError, AuditError
from gkeingress.report import Report
from gkeingress.resources.cluster import ClusterInfo, cluster_path, path_of_context
from gkeingress.resources.monitoring import TimeWindow
from gkeingress.snapshot import CollectionError, Snapshot

if TYPE_CHECKING:
    from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2Client
    from google.cloud.monitoring_v3 import MetricServiceClient

COMPUTE_READONLY = "https://www.googleapis.com/auth/compute.readonly"


def _kubeconfig_files(kubeconfig: str | None) -> list[Path]:
    """The files the Kubernetes client reads: ``kubeconfig``, else ``$KUBECONFIG``, else the default."""
    if kubeconfig is not None:
        return [Path(kubeconfig).expanduser()]
    listed = os.environ.get("KUBECONFIG", "")
    paths = [p for p in listed.split(os.pathsep) if p] or ["~/.kube/config"]
    return [Path(p).expanduser() for p in paths]


def check_kubeconfig(kubeconfig: str | None, context: str | None) -> None:
    """Check, without any network call, that the kubeconfig exists and has ``context``.

    Raises:
        ArgumentError: ``kubeconfig`` is not a readable file or ``context`` is not in it.
        AuditError: no kubeconfig was given and none is at ``$KUBECONFIG`` or ``~/.kube/config``.
    """
    files = _kubeconfig_files(kubeconfig)
    if kubeconfig is not None and not files[0].is_file():
        problem = "is a directory" if files[0].is_dir() else "no such file"
        raise ArgumentError("kubeconfig", kubeconfig, problem)
    if kubeconfig is None and not any(f.is_file() for f in files):
        where = " or ".join(str(f) for f in files)
        found = f"no kubeconfig at {where} (from $KUBECONFIG or the default)"
        raise AuditError(
            f"{found}: pass kube_client=, cluster= or kubeconfig=",
            cli=f"{found}: give --kubeconfig FILE, or --cluster LOCATION/NAME to reach the "
            "cluster through the Container API",
        )
    if context is None:
        return
    try:
        # kubernetes is unannotated
        contexts, _ = k8s_config.list_kube_config_contexts(kubeconfig)  # type: ignore[no-untyped-call]
    except (k8s_config.ConfigException, OSError, TypeError, ValueError) as exc:
        raise ArgumentError(
            "kubeconfig", kubeconfig or str(files[0]), f"unreadable ({exc})"
        ) from exc
    names = sorted(str(c.get("name")) for c in contexts or ())
    if context not in names:
        raise ArgumentError(
            "context", context, f"no such context in the kubeconfig (it has: {', '.join(names)})"
        )


def kube_client_from_config(
    kubeconfig: str | None = None, context: str | None = None
) -> k8s.ApiClient:
    """An ``ApiClient`` for a kubeconfig context (the current one by default).

    Raises:
        AuditError: no usable kubeconfig.
    """
    check_kubeconfig(kubeconfig, context)
    configuration = k8s.Configuration()
    configuration.connection_pool_maxsize = CONNECTIONS
    try:
        k8s_config.load_kube_config(  # type: ignore[no-untyped-call]  # kubernetes is unannotated
            config_file=kubeconfig, context=context, client_configuration=configuration
        )
    except (k8s_config.ConfigException, OSError, TypeError, ValueError) as exc:
        unusable = f"cannot load Kubernetes configuration ({exc})"
        raise AuditError(
            f"{unusable}; pass kube_client=, cluster=, or kubeconfig= and context= naming a "
            "context for the cluster (gcloud container clusters get-credentials …)",
            cli=f"{unusable}; give --kubeconfig and --context for the cluster (gcloud container "
            "clusters get-credentials …), or --cluster LOCATION/NAME",
        ) from exc
    return k8s.ApiClient(configuration)


def is_loopback(endpoint: str | None) -> bool:
    """True when ``endpoint`` is this machine (``localhost`` or a loopback IP address)."""
    host = urlsplit(endpoint if endpoint and "//" in endpoint else f"//{endpoint}").hostname
    if host is None:
        return False
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name such as 127.example.com: not an address
        return False


def google_credentials_for(
    credentials: Credentials | None, scopes: tuple[str, ...] = (COMPUTE_READONLY,)
) -> Credentials:
    """The caller's credentials, else Application Default Credentials; never chosen by endpoint.

    A test world or a local emulator passes ``AnonymousCredentials()`` itself.
    """
    if credentials is not None:
        return credentials
    try:
        found, _ = google.auth.default(scopes=list(scopes))
    except google.auth.exceptions.DefaultCredentialsError as exc:
        missing = (
            "no Google credentials: run `gcloud auth application-default login` or set "
            "GOOGLE_APPLICATION_CREDENTIALS"
        )
        raise AuditError(
            f"{missing}, or pass credentials= ({exc})", cli=f"{missing} ({exc})"
        ) from exc
    return found


def _current_context(kubeconfig: str | None, context: str | None) -> str:
    if context:
        return context
    try:
        _, active = k8s_config.list_kube_config_contexts(kubeconfig)  # type: ignore[no-untyped-call]  # unannotated
    except (k8s_config.ConfigException, OSError, TypeError):
        return ""
    return str((active or {}).get("name", ""))


def _cluster_path(cluster: str, project: str) -> str:
    """The cluster's path, or the argument error that says why ``cluster`` is not one."""
    try:
        return cluster_path(cluster, project)
    except ValueError as exc:
        raise ArgumentError("cluster", cluster, str(exc)) from exc


def check_arguments(
    cluster: str | ClusterInfo | None,
    kube_client: k8s.ApiClient | None,
    kubeconfig: str | None,
    context: str | None,
) -> None:
    """Find the mistakes in the arguments before any credentials are looked for.

    Raises:
        ArgumentError: the cluster, kubeconfig or context is wrong.
    """
    if isinstance(cluster, str):
        _cluster_path(cluster, "")
    elif cluster is None and kube_client is None:
        check_kubeconfig(kubeconfig, context)


def connect_kubernetes(
    project: str,
    cluster: str | ClusterInfo | None,
    *,
    kube_client: k8s.ApiClient | None,
    kubeconfig: str | None,
    context: str | None,
    credentials: Credentials,
    container_endpoint: str | None,
    use_private_endpoint: bool,
    gate: ApiGate,
) -> tuple[k8s.ApiClient, ClusterInfo | None, tuple[CollectionError, ...]]:
    """The Kubernetes client, the cluster's Container API facts, and why they could not be read.

    ``kube_client`` wins over ``cluster``, which wins over the kubeconfig. A kubeconfig context
    ``gcloud`` wrote (``gke_<project>_<location>_<name>``) names its cluster: its facts are read
    too, and a failure to read them is recorded, never fatal.
    """
    info: ClusterInfo | None = cluster if isinstance(cluster, ClusterInfo) else None
    if isinstance(cluster, str):
        path = _cluster_path(cluster, project)
        answer = read_cluster(
            path, credentials=credentials, container_endpoint=container_endpoint, gate=gate
        )
        if isinstance(answer, CollectionError):
            raise AuditError(answer.message)
        info = answer
    if kube_client is not None:
        return kube_client, info, ()
    if info is not None:
        return open_cluster(info, credentials, use_private_endpoint=use_private_endpoint), info, ()
    client = kube_client_from_config(kubeconfig, context)
    gcloud_path = path_of_context(_current_context(kubeconfig, context))
    if gcloud_path is None:
        return client, None, ()
    found = read_cluster(
        gcloud_path, credentials=credentials, container_endpoint=container_endpoint, gate=gate
    )
    if isinstance(found, CollectionError):
        return client, None, (found,)
    return client, found, ()


def read_snapshot(
    project: str,
    *,
    kube_client: k8s.ApiClient | None = None,
    credentials: Credentials | None = None,
    compute_endpoint: str | None = None,
    namespace: str | None = None,
    now: datetime | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    deep: bool = False,
    progress: Progress | None = None,
    cluster: str | ClusterInfo | None = None,
    container_endpoint: str | None = None,
    use_private_endpoint: bool = False,
    rate_limit: float | None = DEFAULT_RATE,
    compute_lists: ComputeResult | Callable[[], ComputeResult] | None = None,
    evidence: bool = True,
    errors_window: timedelta = timedelta(hours=6),
    monitoring_client: MetricServiceClient | None = None,
    monitoring_endpoint: str | None = None,
    project_evidence: EvidenceResult | Callable[[], EvidenceResult | None] | None = None,
    logging_client: LoggingServiceV2Client | None = None,
    logging_endpoint: str | None = None,
    max_log_entries: int = DEFAULT_MAX_ENTRIES,
) -> Snapshot:
    """What :func:`audit` reads of the cluster and ``project``, before any judgement.

    Takes :func:`audit`'s arguments but those of the judgement; :func:`gkeingress.audit_fleet`
    reads every cluster's snapshot first, then each project's logs once for all its clusters.
    ``compute_lists`` and ``project_evidence`` may also be what waits for them, called beside
    the cluster's Kubernetes lists: a fleet reads them once per project while its clusters are read.

    Raises:
        ArgumentError, AuditError: as :func:`audit`.
    """
    check_arguments(cluster, kube_client, kubeconfig, context)
    google_credentials = google_credentials_for(
        credentials,
        # The Container API is read for a named cluster and for a gcloud kubeconfig context.
        (
            *((COMPUTE_READONLY,) if kube_client is not None and cluster is None else GKE_SCOPES),
            *((MONITORING_READ, LOGGING_READ) if evidence else ()),
        ),
    )
    gate = ApiGate(rate=rate_limit)
    moment = now or datetime.now(timezone.utc)
    window_end = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    window = TimeWindow.ending(window_end, errors_window)
    own_monitoring = (
        evidence
        and project_evidence is None
        and monitoring_client is None
        and (monitoring_endpoint is not None or not is_loopback(compute_endpoint))
    )
    monitoring = (
        build_monitoring_client(google_credentials, monitoring_endpoint)
        if own_monitoring
        else monitoring_client
    )
    reader: EvidenceResult | Callable[[], EvidenceResult | None] | None = project_evidence
    if reader is None and evidence and monitoring is not None:
        reader = functools.partial(
            read_evidence,
            project,
            window=window,
            clients=EvidenceClients(monitoring=monitoring),
            gate=gate,
            progress=progress or NO_PROGRESS,
        )
    own_logging = (
        evidence
        and logging_client is None
        and (logging_endpoint is not None or not is_loopback(compute_endpoint))
    )
    logging = (
        build_logging_client(google_credentials, logging_endpoint)
        if own_logging
        else logging_client
    )
    logs = (
        functools.partial(
            read_logs,
            window=window,
            now=window_end,
            client=logging,
            gate=gate,
            max_entries=max_log_entries,
            progress=progress or NO_PROGRESS,
        )
        if evidence and logging is not None
        else None
    )
    client, info, problems = connect_kubernetes(
        project,
        cluster,
        kube_client=kube_client,
        kubeconfig=kubeconfig,
        context=context,
        credentials=google_credentials,
        container_endpoint=container_endpoint,
        use_private_endpoint=use_private_endpoint,
        gate=gate,
    )
    try:
        snapshot = collect(
            project,
            kube_client=client,
            credentials=google_credentials,
            compute_endpoint=compute_endpoint,
            namespace=namespace,
            deep=deep,
            gate=gate,
            progress=progress or NO_PROGRESS,
            compute_lists=compute_lists,
            evidence=reader,
            logs=logs,
            cluster=info,
        )
    finally:
        if kube_client is None:  # made here, so closed here; a caller's client stays open
            client.close()  # type: ignore[no-untyped-call]  # kubernetes is unannotated
        if own_monitoring and monitoring is not None:
            monitoring.transport.close()  # type: ignore[no-untyped-call]  # the client is unannotated
        if own_logging and logging is not None:
            logging.transport.close()  # type: ignore[no-untyped-call]  # the client is unannotated
    unreadable = project_unreadable(project, snapshot.errors)
    if unreadable:
        raise AuditError(unreadable)
    return replace(snapshot, cluster=info, errors=(*snapshot.errors, *problems))


def audit(
    project: str,
    *,
    kube_client: k8s.ApiClient | None = None,
    credentials: Credentials | None = None,
    compute_endpoint: str | None = None,
    namespace: str | None = None,
    now: datetime | None = None,
    propagation_window: timedelta = timedelta(minutes=10),
    kubeconfig: str | None = None,
    context: str | None = None,
    deep: bool = False,
    errors_since: datetime | None = None,
    progress: Progress | None = None,
    cluster: str | ClusterInfo | None = None,
    container_endpoint: str | None = None,
    use_private_endpoint: bool = False,
    rate_limit: float | None = DEFAULT_RATE,
    compute_lists: ComputeResult | None = None,
    evidence: bool = True,
    errors_window: timedelta = timedelta(hours=6),
    monitoring_client: MetricServiceClient | None = None,
    monitoring_endpoint: str | None = None,
    project_evidence: EvidenceResult | None = None,
    registry: Registry = REGISTRY,
    logging_client: LoggingServiceV2Client | None = None,
    logging_endpoint: str | None = None,
    max_log_entries: int = DEFAULT_MAX_ENTRIES,
) -> Report:
    """Audit every GKE Ingress of a cluster against the load balancers of ``project``.

    Args:
        project: GCP project id that holds the cluster's load balancers.
        kube_client: a ``kubernetes.client.ApiClient``; default: the ``cluster``'s, else
            ``kubeconfig``/``context``, else the current kubeconfig context.
        credentials: Google credentials, sent to every Google API whatever its endpoint;
            default: Application Default Credentials. A test world (``gkeingress.testing``) or a
            local emulator passes ``google.auth.credentials.AnonymousCredentials()``.
        compute_endpoint: Compute API endpoint, e.g. ``http://127.0.0.1:8123``; default: Google's.
        namespace: audit only the Ingresses of this namespace.
        now: the time for time-based judgements; default: the current UTC time.
        propagation_window: how long after a change a missing or unhealthy resource is expected.
        kubeconfig: kubeconfig file used when ``kube_client`` is not given.
        context: kubeconfig context used when ``kube_client`` is not given.
        deep: ask Compute for the health of every backend, not only those ingress-gce does not
            report ``HEALTHY``.
        errors_since: when the errors being investigated began (naive means UTC): list the changes
            in the runbook's windows before then (finding ``CHANGE_BEFORE_ERRORS``).
        progress: told of each collection phase and each finished API call, e.g. to show
            progress (see :class:`gkeingress.collect.progress.Progress`); default: nothing.
        cluster: the GKE cluster, ``projects/P/locations/L/clusters/C`` or ``LOCATION/NAME`` in
            ``project`` (or a :class:`~gkeingress.resources.cluster.ClusterInfo`): read from the
            Container API and connected to over TLS verified with its CA, with the Google
            credentials' access token; no gcloud and no kubeconfig needed. Its facts (add-ons,
            VPC-native, network, node tags) feed the checks.
        container_endpoint: Container API endpoint; default: Google's.
        use_private_endpoint: connect to the cluster's private endpoint (from inside its VPC).
        rate_limit: Compute API calls per second at most, after a first burst of ten seconds'
            worth (None: no limit). The default is 80% of Compute's per-project read quota, which
            the project's other automation shares; the pace halves on each throttling answer and
            recovers as calls succeed. ``Report.waited`` says how long the audit waited for it.
        compute_lists: the project's Compute lists, already read with
            :func:`gkeingress.collect.list_compute`, to audit several clusters of one project
            without reading them again (as :func:`gkeingress.audit_fleet` does); default: read.
        evidence: read the load balancers' own evidence (Cloud Monitoring request counts) over
            ``errors_window``: when errors began, how many, which codes. False reads none.
        errors_window: how far back before ``now`` the evidence is read (default 6 hours).
        monitoring_client: a ``google.cloud.monitoring_v3.MetricServiceClient``; default: one
            built with the same credentials as the Compute clients (for a loopback
            ``compute_endpoint``, only when ``monitoring_endpoint`` is given: a test world without
            Monitoring reads no evidence).
        monitoring_endpoint: Cloud Monitoring's gRPC ``host:port``; default: Google's.
        project_evidence: the project's evidence, already read with
            :func:`gkeingress.collect.read_evidence` (as :func:`gkeingress.audit_fleet` does once
            per project); default: read here when ``evidence``.
        registry: the checks to run; default: :data:`gkeingress.REGISTRY`. Add your own with
            ``Registry([*REGISTRY, my_check])`` (see the docs' page on your own checks).
        logging_client: a ``google.cloud.logging_v2`` ``LoggingServiceV2Client`` for the request,
            health-check and Admin Activity audit logs (three queries, whatever the number of
            Ingresses); default: one built with the same credentials as the Compute clients (for
            a loopback ``compute_endpoint``, only when ``logging_endpoint`` is given).
        logging_endpoint: Cloud Logging's gRPC ``host:port``; default: Google's.
        max_log_entries: the most entries each log query reads, newest first (default 5000).

    Raises:
        ArgumentError: ``cluster``, ``kubeconfig`` or ``context`` is wrong; checked before any
            credentials are looked for.
        AuditError: the audit could not start (no cluster configuration, no credentials), or
            ``project`` does not exist or cannot be read (every Compute list answered 403 or 404).
            Other API errors during collection do not raise: see ``Report.errors``.
    """
    snapshot = read_snapshot(
        project,
        kube_client=kube_client,
        credentials=credentials,
        compute_endpoint=compute_endpoint,
        namespace=namespace,
        now=now,
        kubeconfig=kubeconfig,
        context=context,
        deep=deep,
        progress=progress,
        cluster=cluster,
        container_endpoint=container_endpoint,
        use_private_endpoint=use_private_endpoint,
        rate_limit=rate_limit,
        compute_lists=compute_lists,
        evidence=evidence,
        errors_window=errors_window,
        monitoring_client=monitoring_client,
        monitoring_endpoint=monitoring_endpoint,
        project_evidence=project_evidence,
        logging_client=logging_client,
        logging_endpoint=logging_endpoint,
        max_log_entries=max_log_entries,
    )
    return analyse(
        snapshot,
        now=now,
        propagation_window=propagation_window,
        errors_since=errors_since,
        registry=registry,
    )
