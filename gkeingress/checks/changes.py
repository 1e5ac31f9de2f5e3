"""What changed shortly before the errors began: the runbook's first question in an outage."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from gkeingress.checks.propagation import RECENT_CHANGE_READS
from gkeingress.checks.registry import AuditOptions, Hit, check
from gkeingress.findings import Severity
from gkeingress.model.timeline import Change, ChangeKind, build_timeline
from gkeingress.model.topology import TRAFFIC_READS, PairedIngress, Topology
from gkeingress.snapshot import DataKind


@dataclass(frozen=True, slots=True)
class Window:
    """How long before the onset a change of one kind is a suspect, at first and once widened."""

    usual: timedelta
    widened: timedelta

    def span(self, widened: bool) -> timedelta:
        """The usual or the widened span."""
        return self.widened if widened else self.usual


_MIN = timedelta(minutes=1)

WINDOWS: Mapping[ChangeKind, Window] = {
    ChangeKind.INGRESS_SPEC: Window(30 * _MIN, 60 * _MIN),
    ChangeKind.INGRESS_CLASS: Window(30 * _MIN, 60 * _MIN),
    ChangeKind.INGRESS_ANNOTATIONS: Window(30 * _MIN, 60 * _MIN),
    ChangeKind.SERVICE: Window(30 * _MIN, 60 * _MIN),
    ChangeKind.ROLLOUT: Window(60 * _MIN, 120 * _MIN),
    ChangeKind.SYNC_ERROR: Window(5 * _MIN, 10 * _MIN),
    # Not in the runbook: ingress-gce (re)creates load balancer resources within minutes of the
    # Ingress or Service change that needs them, so they share that change's window.
    ChangeKind.CLOUD_RESOURCE: Window(30 * _MIN, 60 * _MIN),
    # Not in the runbook either: an edit outside Kubernetes acts at once, like a Service change.
    ChangeKind.CLOUD_EDIT: Window(30 * _MIN, 60 * _MIN),
}
"""The runbook's windows before the onset, by kind of change."""

LIKELIHOOD: tuple[ChangeKind, ...] = (
    ChangeKind.INGRESS_SPEC,
    ChangeKind.INGRESS_CLASS,
    ChangeKind.INGRESS_ANNOTATIONS,
    ChangeKind.SERVICE,
    ChangeKind.CLOUD_EDIT,
    ChangeKind.ROLLOUT,
    ChangeKind.SYNC_ERROR,
    ChangeKind.CLOUD_RESOURCE,
)
"""Kinds of change, most likely cause of an outage first; ties go to the change closest to the onset."""

_LABELS = {
    ChangeKind.INGRESS_SPEC: "Ingress changes",
    ChangeKind.INGRESS_CLASS: "Ingress changes",
    ChangeKind.INGRESS_ANNOTATIONS: "Ingress changes",
    ChangeKind.SERVICE: "Service changes",
    ChangeKind.ROLLOUT: "rollouts",
    ChangeKind.SYNC_ERROR: "sync errors",
    ChangeKind.CLOUD_RESOURCE: "load balancer resources",
    ChangeKind.CLOUD_EDIT: "load balancer edits",
}

_NEXT_STEP = {
    ChangeKind.INGRESS_SPEC: (
        "Compare {subject} with its previous version (your Git history or CI log) and revert the "
        "rules if they broke routing."
    ),
    ChangeKind.INGRESS_CLASS: (
        "Check the class of {subject}: GKE serves only gce, gce-internal and gce-regional-external, "
        "through the kubernetes.io/ingress.class annotation."
    ),
    ChangeKind.INGRESS_ANNOTATIONS: (
        "Review the annotation change on {subject} (static IP, FrontendConfig, TLS) and revert it "
        "if it broke the load balancer."
    ),
    ChangeKind.SERVICE: (
        "Compare {subject} with its previous version: selector, ports and annotations; recreate it "
        "if it was deleted."
    ),
    ChangeKind.ROLLOUT: (
        "Compare the new revision of {subject} with the previous one (`kubectl rollout history`); "
        "roll back with `kubectl rollout undo` if it broke serving or readiness."
    ),
    ChangeKind.SYNC_ERROR: "Fix the error ingress-gce reports on {subject} (see SYNC_ERROR).",
    ChangeKind.CLOUD_RESOURCE: (
        "{subject} was (re)created: look for the change that made ingress-gce recreate it, or for "
        "someone editing the load balancer outside Kubernetes."
    ),
    ChangeKind.CLOUD_EDIT: (
        "{subject} was changed outside Kubernetes: revert the edit, and make lasting changes "
        "through the Ingress, its Services' BackendConfigs or FrontendConfig, which ingress-gce "
        "applies (it may also undo edits it manages)."
    ),
}


def _duration(delta: timedelta) -> str:
    """``45 s``, ``12 min``, ``1 h``, ``1 h 5 min``."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _rank(change: Change, onset: datetime) -> tuple[int, timedelta]:
    return LIKELIHOOD.index(change.kind), onset - change.at


def suspects(changes: Sequence[Change], onset: datetime, *, widened: bool) -> list[Change]:
    """The changes inside their kind's window before ``onset``, most likely cause first."""
    inside = [c for c in changes if onset - WINDOWS[c.kind].span(widened) <= c.at <= onset]
    return sorted(inside, key=lambda c: _rank(c, onset))


def _widened_note() -> str:
    spans = dict.fromkeys(f"{_LABELS[k]} {_duration(WINDOWS[k].widened)}" for k in LIKELIHOOD)
    return f"Nothing changed in the usual windows; widened them once ({', '.join(spans)}). "


def _changes_for(paired: PairedIngress, timeline: Sequence[Change]) -> list[Change]:
    """The Ingress's changes; of an Ingress GKE does not serve, only class changes (moving it away)."""
    return [
        c
        for c in timeline
        if paired.name in c.ingresses and (paired.managed or c.kind is ChangeKind.INGRESS_CLASS)
    ]


@check(
    "CHANGE_BEFORE_ERRORS",
    severity=Severity.WARNING,
    title="Something changed shortly before the errors began",
    explanation=(
        "Given when errors began (`errors_since`, `--errors-since`, or else, per Ingress, the "
        "onset its load balancer's request counts show: see LB_ERRORS_OBSERVED), gkeingress dates "
        "every change Kubernetes and Compute record around each Ingress: creation and deletion times, "
        "`metadata.managedFields` writes (spec or annotations, told apart by the fields written and "
        "the Ingress `generation`), ingress-gce Warning events, ReplicaSet creation (Deployment "
        "rollouts of the backend pods), load balancer resource creation and, when the Admin "
        "Activity audit logs were read, every write to those objects and to the load balancer's "
        "resources, deletions included, with who made it (ingress-gce's own writes, as GKE's "
        "service agent, told apart from people's and pipelines'). Changes inside the "
        "runbook's windows before the onset are suspects: Ingress rules, class or annotations and "
        "backend Services within 30 minutes, controller sync errors within 5 minutes, rollouts "
        "within 1 hour. When nothing falls inside, each window is widened once (to 1 hour, 10 "
        "minutes and 2 hours) and the finding says so. Writes by ingress-gce itself are not "
        "changes, and a rollback, which reuses an old ReplicaSet, leaves no date to find."
    ),
    fix=(
        "Start with the first change listed: it is the most likely cause. Revert it, or compare it "
        "with the previous version, and watch whether the errors stop."
    ),
    evidence=(
        "When the errors began and each suspect change, most likely cause first: how long before "
        "the onset, what changed and which record dates it; it says so when the windows were "
        "widened. `errors_since` (the onset used), `onset_source` (`errors_since` or `metrics`), "
        "`widened` and `changes` hold them; each change has `at`, `kind`, `subject`, "
        "`description`, `source`, `ingresses`, `actor`, `by_controller` and "
        "`before_errors_seconds`."
    ),
    links=(
        "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/",
        "https://cloud.google.com/kubernetes-engine/docs/troubleshooting/load-balancing",
    ),
    requires=(
        *RECENT_CHANGE_READS,
        *TRAFFIC_READS,  # the onset its load balancer's metrics show, without errors_since
        DataKind.EVENTS,
        DataKind.REPLICASETS,
        DataKind.AUDIT_LOGS,  # who changed what, deletions included, when they were read
    ),
    applies=lambda options: options.errors_since is not None or bool(options.onsets),
)
def change_before_errors(topology: Topology, options: AuditOptions) -> Iterator[Hit]:
    """List, per Ingress, the changes inside the windows before its onset, most likely first.

    The onset is ``errors_since`` when given, else the one the Ingress's load balancer metrics show.
    """
    timeline = build_timeline(topology)
    for paired in topology.ingresses:
        onset = options.errors_since or options.onsets.get(paired.name)
        if onset is None:
            continue
        source = "" if options.errors_since else " (the onset its load balancer's metrics show)"
        began = onset.astimezone(timezone.utc)
        changes = _changes_for(paired, timeline)
        found = suspects(changes, onset, widened=False)
        widened = not found
        if widened:
            found = suspects(changes, onset, widened=True)
        if not found:
            continue
        lines = [
            f"{_duration(onset - c.at)} before errors began: {c.description} ({c.source})"
            for c in found
        ]
        yield Hit(
            ingress=paired.name,
            resource=found[0].subject,
            message=(
                (_widened_note() if widened else "")
                + f"Errors began at {began:%Y-%m-%d %H:%M:%S} UTC{source}; changes before then, most "
                + f"likely cause first: {'; '.join(lines)}."
            ),
            remediation=_NEXT_STEP[found[0].kind].format(subject=found[0].subject),
            evidence={
                "errors_since": onset.isoformat(),
                "onset_source": "errors_since" if options.errors_since else "metrics",
                "widened": widened,
                "changes": [
                    {**c.to_dict(), "before_errors_seconds": int((onset - c.at).total_seconds())}
                    for c in found
                ],
            },
        )
