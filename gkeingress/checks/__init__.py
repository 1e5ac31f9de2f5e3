"""Every check gkeingress runs, registered in one place.

To add a check: write it in the module for its concern with :func:`~gkeingress.checks.registry.check`,
list it below, and add its scenario test. Codes are public API: never rename or reuse one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from gkeingress.checks import (
    backend_health,
    changes,
    cluster,
    controller_annotations,
    endpoints,
    firewall,
    health_checks,
    hosts,
    ingress_class,
    ingress_references,
    lb_logs,
    negs,
    observed_errors,
    probe_logs,
    probing,
    provisioning,
    routing,
    service_annotations,
    services,
    sync_errors,
)
from gkeingress.checks.registry import AuditOptions, Check, Hit, Registry
from gkeingress.errors import InternalError
from gkeingress.findings import Finding, Severity
from gkeingress.model.topology import Topology
from gkeingress.reads import recording
from gkeingress.snapshot import EVIDENCE_KINDS, CollectionError, DataKind, Snapshot

log = logging.getLogger(__name__)

CHECK_INCOMPLETE = Check(
    code="CHECK_INCOMPLETE",
    severity=Severity.WARNING,
    title="A check could not run: data it needs could not be read",
    explanation=(
        "An API call failed after retries (permission denied, API not enabled, custom resource not "
        "installed, throttling, a malformed response) or an object could not be read. "
        "A check that read data whose call failed is not trusted: its findings are dropped "
        "rather than report a false 'missing' or 'empty'; the report's `errors` list the failed "
        "calls."
    ),
    fix=(
        "Grant the permission or enable the API the message names (see the docs' minimal "
        "permissions page), then audit again."
    ),
    evidence=(
        "The check that was skipped and why: the calls that failed with their errors. `check` "
        "is the skipped code and `errors` the failed calls, as in the report's `errors`."
    ),
    links=(
        "https://cloud.google.com/iam/docs/roles-permissions/compute",
        "https://cloud.google.com/kubernetes-engine/docs/how-to/role-based-access-control",
    ),
    requires=frozenset(),
)

INTERNAL_ERROR = Check(
    code="INTERNAL_ERROR",
    severity=Severity.ERROR,
    title="gkeingress itself failed: a bug, not a fault of the cluster",
    explanation=(
        "A check, or a fleet's audit of one cluster, raised an exception that is not an API "
        "failure: a bug in gkeingress. What it was judging is not judged; the rest of the audit "
        "ran. The traceback is logged at ERROR on the `gkeingress` logger, kept in the report's "
        "`internal_errors`, and the command exits with code 3."
    ),
    fix=(
        "Report it to gkeingress's maintainers with the traceback (`internal_errors` in the JSON "
        "report) and the gkeingress version; the other findings stand."
    ),
    evidence=(
        "What failed (`where`: the check's code or the cluster), the exception (`error`) and "
        "its `traceback`."
    ),
    links=("https://docs.python.org/3/library/logging.html",),
    requires=frozenset(),
)
"""Emitted for a bug in gkeingress met during an audit (see :class:`~gkeingress.errors.InternalError`)."""


def internal_error(where: str, exc: BaseException) -> tuple[InternalError, Finding]:
    """Log a bug in gkeingress met inside ``where`` with its traceback; what the report keeps."""
    log.error("internal error in %s: this is a bug in gkeingress", where, exc_info=exc)
    error = InternalError.of(where, exc)
    finding = INTERNAL_ERROR.finding(
        Hit(
            ingress=None,
            resource=where,
            message=(
                f"gkeingress failed in {where} ({error.error}): a bug in gkeingress, not a fault "
                "of the cluster; what it judges was not judged."
            ),
            remediation=INTERNAL_ERROR.fix,
            evidence=error.to_dict(),
        )
    )
    return error, finding


REGISTRY = Registry(
    [
        # What did the load balancer answer?
        observed_errors.lb_errors_observed,
        # Is the Ingress handled, and is its spec coherent?
        cluster.http_load_balancing_disabled,
        ingress_class.ingress_class_ignored,
        hosts.rule_host_duplicate,
        hosts.ingress_host_conflict,
        ingress_references.frontend_config_not_found,
        ingress_references.static_ip_not_found,
        ingress_references.tls_secret_not_found,
        # Do the backend Services exist and have ready pods on the right port?
        services.service_not_found,
        services.service_port_not_found,
        services.service_type_incompatible,
        endpoints.service_selector_matches_no_pods,
        endpoints.service_no_ready_endpoints,
        endpoints.target_port_not_exposed,
        service_annotations.backend_config_invalid,
        service_annotations.backend_config_not_found,
        service_annotations.health_check_timeout_invalid,
        service_annotations.app_protocol_invalid,
        # Does the URL map route what the Ingress says?
        routing.url_map_out_of_sync,
        routing.path_subpaths_not_routed,
        routing.default_backend_404,
        # Does the load balancer probe and reach the pods?
        health_checks.health_check_path_mismatch,
        health_checks.health_check_port_mismatch,
        negs.neg_empty,
        negs.neg_missing,
        negs.neg_not_attached,
        negs.neg_endpoints_out_of_sync,
        cluster.cluster_not_vpc_native,
        backend_health.backend_unhealthy,
        firewall.health_check_firewall_missing,
        probe_logs.health_check_probe_failing,
        probe_logs.health_check_logging_disabled,
        # What did the load balancer log about the errors?
        lb_logs.lb_no_healthy_backend,
        lb_logs.lb_backend_connection_closed,
        lb_logs.lb_backend_timeout,
        lb_logs.lb_unmatched_urls_404,
        lb_logs.lb_application_404,
        lb_logs.lb_logging_disabled,
        # What did the controller say, is it finished, and what changed before the errors?
        sync_errors.sync_error,
        controller_annotations.controller_annotation_malformed,
        provisioning.propagation_pending,
        provisioning.ingress_not_provisioned,
        provisioning.lb_resource_missing,
        changes.change_before_errors,
        CHECK_INCOMPLETE,
        INTERNAL_ERROR,
        cluster.CLUSTER_UNREACHABLE,
        probing.PROBE_DISAGREES,
    ]
)
"""All checks, in the order they run."""


def _incomplete(item: Check, reason: str, errors: tuple[CollectionError, ...] = ()) -> Finding:
    return CHECK_INCOMPLETE.finding(
        Hit(
            ingress=None,
            resource=item.code,
            message=f"{item.code} was not checked: {reason}",
            remediation=CHECK_INCOMPLETE.fix,
            evidence={"check": item.code, "errors": [e.to_dict() for e in errors]},
        )
    )


CLUSTER_FACTS_UNREAD = (
    "the cluster's facts were not read from the Container API: audit with --cluster "
    "LOCATION/NAME (audit(cluster=...)), or from a kubeconfig context gcloud named, to check them"
)
"""Why the checks that need the cluster's facts did not run on a plain kubeconfig audit."""

EVIDENCE_UNREAD = (
    "the load balancers' own evidence was not read (--no-evidence, audit(evidence=False), or a "
    "test world without Cloud Monitoring or Cloud Logging): audit with it to check them"
)
"""Why the checks that need the load balancers' evidence did not run."""


def _unread(snapshot: Snapshot) -> dict[DataKind, str]:
    """The kinds of data the audit never asked for, and why."""
    unread: dict[DataKind, str] = {}
    if snapshot.cluster is None and not snapshot.failed(DataKind.CLUSTER):
        unread[DataKind.CLUSTER] = CLUSTER_FACTS_UNREAD
    unread.update(dict.fromkeys(EVIDENCE_KINDS - snapshot.evidence_kinds, EVIDENCE_UNREAD))
    return unread


def unchecked_by_reason(unchecked: Mapping[str, str]) -> dict[str, list[str]]:
    """The unchecked codes grouped by why, for reports that say each reason once."""
    grouped: dict[str, list[str]] = {}
    for code, reason in unchecked.items():
        grouped.setdefault(reason, []).append(code)
    return grouped


@dataclass(frozen=True, slots=True)
class CheckResults:
    """What running the registry over a topology gave.

    Attributes:
        findings: every check's findings, and ``CHECK_INCOMPLETE`` for each check that read data
            whose API call failed (its own findings dropped).
        unchecked: the checks that read data the audit never asked for (the cluster's Container
            API facts on a kubeconfig audit it could not tie to a cluster, the load balancers'
            evidence when it was not read): code → why. They had nothing to judge. (Data that
            was asked for and failed gives ``CHECK_INCOMPLETE`` instead.)
        reads: the kinds of data each check that ran read, by code.
        internal_errors: the checks that raised (a bug in gkeingress), each also an
            ``INTERNAL_ERROR`` finding.
    """

    findings: tuple[Finding, ...]
    unchecked: Mapping[str, str]
    reads: Mapping[str, frozenset[DataKind]]
    internal_errors: tuple[InternalError, ...] = ()


def run_checks(
    topology: Topology, options: AuditOptions, registry: Registry = REGISTRY
) -> CheckResults:
    """Run every check, recording which data each one read (:mod:`gkeingress.reads`).

    A check that read a kind of data whose call failed yields ``CHECK_INCOMPLETE`` instead of
    its findings, whatever it declares in ``requires``: its answer may rest on what is missing.
    A check that raises is a bug in gkeingress: logged with its traceback, an ``INTERNAL_ERROR``
    finding and an entry of ``internal_errors``.
    Whether a check applies is part of the check: what ``applies`` reads counts too.
    """
    snapshot = topology.snapshot
    unread = _unread(snapshot)
    findings: list[Finding] = []
    unchecked: dict[str, str] = {}
    reads: dict[str, frozenset[DataKind]] = {}
    internal: list[InternalError] = []
    for item in registry:
        if item.run is None:
            continue
        with recording() as read:
            try:
                found = (
                    [item.finding(hit) for hit in item.run(topology, options)]
                    if item.applies is None or item.applies(options)
                    else []
                )
            except Exception as exc:  # noqa: BLE001 - a bug in one check must not sink the audit
                error, finding = internal_error(f"check {item.code}", exc)
                internal.append(error)
                findings.append(finding)
                continue
        kinds = sorted(k for k in read if isinstance(k, DataKind))
        reads[item.code] = frozenset(kinds)
        errors = tuple(e for kind in kinds for e in snapshot.failed(kind))
        if errors:
            reason = "; ".join(f"{e.call}: {e.message}" for e in errors)
            findings.append(_incomplete(item, reason, errors))
            continue
        why = dict.fromkeys(unread[k] for k in kinds if k in unread)
        if why:
            unchecked[item.code] = "; ".join(why)
        findings.extend(found)
    return CheckResults(tuple(findings), unchecked, reads, tuple(internal))


__all__ = [
    "CHECK_INCOMPLETE",
    "CLUSTER_FACTS_UNREAD",
    "EVIDENCE_UNREAD",
    "INTERNAL_ERROR",
    "REGISTRY",
    "AuditOptions",
    "Check",
    "CheckResults",
    "Hit",
    "Registry",
    "internal_error",
    "run_checks",
    "unchecked_by_reason",
]
