"""Compute list ``filter`` expressions of the regular-expression form, as the Compute API reads them.

The documented form (the ``filter`` field of every ``compute_v1`` list request): ``field eq
literal`` or ``field ne literal``, alone and unparenthesised, or several parenthesised expressions
side by side, all of which must hold: ``(name eq k8s1-.*) (zone ne .*-b)``. The literal is unquoted
or in single or double quotes, read as an RE2 regular expression that must match the entire field;
nested fields are dotted (``scheduling.automaticRestart``). The AIP-160 form (``=``, ``!=``,
``:``) is not served: the fake answers it with 400, as it answers anything it cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from gkeingress.testing.server.protocol import IncomingRequest, fail

_TERM = r"""(?P<field>[A-Za-z_][\w.]*)\s+(?P<op>eq|ne)\s+(?P<literal>'[^']*'|"[^"]*"|\S+)"""
_ALONE = re.compile(rf"\s*{_TERM}\s*")
_PARENTHESISED = re.compile(rf"\s*\(\s*{_TERM}\s*\)\s*")

Predicate = Callable[[Mapping[str, Any]], bool]


def _value(resource: Mapping[str, Any], dotted: str) -> str | None:
    value: Any = resource
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if isinstance(value, Mapping | list) else str(value)


def _term(req: IncomingRequest, match: re.Match[str]) -> Predicate:
    literal = match["literal"]
    if literal[0] in "'\"":
        literal = literal[1:-1]
    try:
        pattern = re.compile(literal)
    except re.error:
        fail(req, 400, f"Invalid value for field 'filter': '{req.query['filter']}'.")
    field, wanted = match["field"], match["op"] == "eq"

    def holds(resource: Mapping[str, Any]) -> bool:
        value = _value(resource, field)
        return (value is not None and pattern.fullmatch(value) is not None) == wanted

    return holds


def compute_filter(req: IncomingRequest) -> Predicate | None:
    """What the request's ``filter`` keeps; None when it has none; 400 when unreadable."""
    text = req.query.get("filter", "")
    if not text.strip():
        return None
    alone = _ALONE.fullmatch(text)
    if alone is not None:
        return _term(req, alone)
    terms: list[Predicate] = []
    position = 0
    while position < len(text):
        found = _PARENTHESISED.match(text, position)
        if found is None:
            fail(
                req,
                400,
                f"Invalid value for field 'filter': '{text}'. Invalid list filter expression.",
            )
        terms.append(_term(req, found))
        position = found.end()
    return lambda resource: all(term(resource) for term in terms)
