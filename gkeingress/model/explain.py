"""Findings in a few words: the clause a headline quotes, and the root causes behind findings.

Shared by the verdict (:mod:`gkeingress.verdict`) and ``route``'s answer, so both say a fault the
same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from gkeingress.findings import Finding

SHORTEST, LONGEST = 40, 200
"""A clause is cut at the first sentence break after ``SHORTEST`` characters, and at a word before
``LONGEST`` characters."""

_MARKS = re.compile(r"[(\[{)\]}]|[.;](?=[ \n])")
"""What :func:`clause` looks at: brackets, and a ``.`` or ``;`` before a space or a line break."""


def clause(text: str) -> str:
    """The first sentence or clause of a message: up to a ``. `` or ``; `` outside brackets.

    A clause shorter than :data:`SHORTEST` runs on to the next break; one longer than
    :data:`LONGEST` is cut at a space and ends with ``…``.
    """
    depth = 0
    end = len(text)
    for mark in _MARKS.finditer(text):
        char = mark[0]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and mark.start() >= SHORTEST:
            end = mark.start()
            break
    cut = text[:end].rstrip(".")
    if len(cut) <= LONGEST:
        return cut
    return cut[: cut.rfind(" ", 0, LONGEST)].rstrip(",;:") + " …"


def why(finding: Finding) -> str:
    """One clause saying what is wrong: a controller event's own words, else the message's first."""
    evidence = finding.evidence
    said = evidence.get("message")
    if finding.code == "SYNC_ERROR" and isinstance(said, str):
        return f"ingress-gce reports {evidence.get('reason')}: {clause(said)}"
    changes = evidence.get("changes")
    if finding.code == "CHANGE_BEFORE_ERRORS" and changes and isinstance(changes[0], Mapping):
        first = changes[0]
        minutes = int(first.get("before_errors_seconds") or 0) // 60
        return f"{first.get('description')}, {minutes} min before the errors began"
    return clause(finding.message)


def root_causes(
    findings: Iterable[Finding], by_id: Mapping[str, Sequence[Finding]]
) -> list[Finding]:
    """The root causes behind ``findings``: each, or what explains it, up to what nothing explains."""
    roots: dict[int, Finding] = {}
    todo = list(findings)
    seen: set[int] = set()
    while todo:
        finding = todo.pop()
        if id(finding) in seen:
            continue
        seen.add(id(finding))
        causes = [c for i in finding.caused_by for c in by_id.get(i, ())]
        if causes:
            todo.extend(causes)
        else:
            roots[id(finding)] = finding
    return sorted(roots.values(), key=lambda f: -f.severity.rank)


def by_id(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings by :attr:`~gkeingress.findings.Finding.id`, to follow ``caused_by``."""
    index: dict[str, list[Finding]] = {}
    for finding in findings:
        index.setdefault(finding.id, []).append(finding)
    return index
