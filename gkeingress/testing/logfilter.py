r"""The part of the Cloud Logging query language gkeingress sends, evaluated over LogEntry JSON.

The fake Cloud Logging (:mod:`gkeingress.testing.fake_logging`) answers ``entries.list`` with the
entries of its world that a filter selects. The subset it understands:

- comparisons ``FIELD OP VALUE`` with ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` and ``:`` (has:
  a case-insensitive substring), on a dotted path into the entry's JSON (``httpRequest.status``,
  ``resource.labels.url_map_name``, ``protoPayload.authenticationInfo.principalEmail``);
- values in double quotes (with ``\"`` and ``\\`` escapes), or bare words and numbers;
- ``NOT``, ``OR`` and ``AND`` (also implied between adjacent terms) with the language's
  precedence, which is not the usual one: ``NOT`` binds tightest, then ``OR``, then ``AND``
  (so ``a AND b OR c`` is ``a AND (b OR c)``); and parentheses.

Comparisons follow the real service: a field that is absent matches nothing (not even ``!=``),
numbers compare as numbers, ``timestamp`` compares as a time, everything else as text. Anything
outside the subset raises :class:`FilterError`, which the fake answers with ``INVALID_ARGUMENT``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Entry = Mapping[str, Any]
Predicate = Callable[[Entry], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op><=|>=|!=|=|<|>|:)
      | (?P<paren>[()])
      | (?P<word>[A-Za-z0-9_.\-+/%@*]+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"AND", "OR", "NOT"})


class FilterError(ValueError):
    """The filter is not in the subset the fake understands, or is malformed."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FilterError(f"cannot read the filter at {text[position : position + 20]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word" and value in _KEYWORDS:
            kind = "keyword"
        tokens.append((kind, value))
    return tokens


def _lookup(entry: Entry, path: str) -> Any:
    value: Any = entry
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _as_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _compare(actual: Any, op: str, wanted: str, field: str) -> bool:
    if actual is None or isinstance(actual, Mapping | list):
        return False
    if op == ":":
        return wanted.lower() in str(actual).lower()
    left: Any
    right: Any
    if field == "timestamp":
        left, right = _as_time(str(actual)), _as_time(wanted)
        if left is None or right is None:
            raise FilterError(f"timestamp {wanted!r} is not an RFC 3339 time")
    elif isinstance(actual, bool):
        left, right = str(actual).lower(), wanted.lower()
    elif isinstance(actual, int | float):
        try:
            left, right = float(actual), float(wanted)
        except ValueError:
            left, right = str(actual), wanted
    else:
        left, right = str(actual), wanted
    result: bool = {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]
    return result


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterError("the filter ends too early")
        self.at += 1
        return token

    def conjunction(self) -> Predicate:
        """Terms joined by ``AND`` or by nothing: the loosest binding."""
        parts = [self.disjunction()]
        while (token := self.peek()) is not None and token != ("paren", ")"):
            if token == ("keyword", "AND"):
                self.take()
            parts.append(self.disjunction())
        return lambda e: all(p(e) for p in parts)

    def disjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.peek() == ("keyword", "OR"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda e: any(p(e) for p in parts))

    def negation(self) -> Predicate:
        if self.peek() == ("keyword", "NOT"):
            self.take()
            inner = self.negation()
            return lambda e: not inner(e)
        return self.primary()

    def primary(self) -> Predicate:
        kind, value = self.take()
        if (kind, value) == ("paren", "("):
            inner = self.conjunction()
            if self.take() != ("paren", ")"):
                raise FilterError("unbalanced parentheses")
            return inner
        if kind != "word":
            raise FilterError(f"expected a field name, found {value!r}")
        field = value
        op_kind, op = self.take()
        if op_kind != "op":
            raise FilterError(f"the fake understands only FIELD OP VALUE, not {field} {op}")
        value_kind, wanted = self.take()
        if value_kind not in {"string", "word"}:
            raise FilterError(f"expected a value after {field}{op}, found {wanted!r}")
        return lambda e: _compare(_lookup(e, field), op, wanted, field)


def compile_filter(text: str) -> Predicate:
    """A predicate over LogEntry JSON (camelCase, as the REST API shows it); empty selects all.

    Raises:
        FilterError: the filter is outside the subset or malformed.
    """
    if not text.strip():
        return lambda _: True
    parser = _Parser(text)
    predicate = parser.conjunction()
    leftover = parser.peek()
    if leftover is not None:
        raise FilterError(f"unexpected {leftover[1]!r}")
    return predicate
