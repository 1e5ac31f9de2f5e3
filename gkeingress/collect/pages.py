"""Decode a list page item by item, so each item's JSON is dropped as soon as it is read.

``json.loads`` builds a whole page (thousands of objects, each a tree of dicts and lists) before
the first item can be read, and everything it builds lives until the last item is parsed: long
enough for Python's cyclic garbage collector to move it to its oldest generation, whose every
collection then walks the whole heap. Decoding one item at a time with the standard library's own
decoder (``JSONDecoder.raw_decode``) keeps each item's JSON alive only while that item is parsed.

Two shapes of page are read: a list (Kubernetes, and Compute's plain ``list``) holds its items in
an ``items`` array; a Compute ``aggregatedList`` holds them by scope,
``{"items": {"zones/us-central1-a": {"networkEndpointGroups": [...]}, ...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_DECODER = json.JSONDecoder()
_SPACE = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]  # a compiled pattern


class _Cursor:
    """A position in a JSON text, moved forward as its values are read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = self._skip(0)

    def _skip(self, index: int) -> int:
        end: int = _SPACE(self.text, index).end()
        return end

    def _expect(self, *marks: str) -> str:
        """The mark here (one of ``marks``), stepped over; else a decoding error naming them."""
        found = self.text[self.index : self.index + 1]
        if found not in marks:
            raise json.JSONDecodeError(
                f"expected {' or '.join(map(repr, marks))}", self.text, self.index
            )
        self.index = self._skip(self.index + 1)
        return found

    def at(self, mark: str) -> bool:
        """True when the next value starts with ``mark`` (``[`` or ``{``)."""
        return self.text.startswith(mark, self.index)

    def value(self) -> Any:
        """The whole value here, decoded."""
        value, index = _DECODER.raw_decode(self.text, self.index)
        self.index = self._skip(index)
        return value

    def members(self) -> Iterator[str]:
        """The names of the object here; the caller reads each member's value before the next name."""
        self._expect("{")
        if self.at("}"):
            self._expect("}")
            return
        while True:
            if not self.at('"'):
                self._expect('"')
            name = self.value()
            self._expect(":")
            yield name
            if self._expect(",", "}") == "}":
                return

    def elements(self) -> Iterator[Any]:
        """Each element of the array here, decoded only when the one before has been handed over."""
        self._expect("[")
        if self.at("]"):
            self._expect("]")
            return
        while True:
            yield self.value()
            if self._expect(",", "]") == "]":
                return

    def end(self) -> None:
        """Fail unless the whole text has been read."""
        if self.index != len(self.text):
            raise json.JSONDecodeError("extra data", self.text, self.index)


def list_items(text: str, members: dict[str, Any], key: str = "items") -> Iterator[Any]:
    """Each element of the ``key`` array of the JSON object ``text``, as it is decoded.

    The object's other members (``metadata``, ``nextPageToken``…) go into ``members``, complete
    once the iterator is exhausted. An object whose ``key`` is not an array keeps it there.

    Raises:
        json.JSONDecodeError: the text is not one JSON object: cut short, garbled or followed by
            more text.
    """
    page = _Cursor(text)
    for name in page.members():
        if name == key and page.at("["):
            yield from page.elements()
        else:
            members[name] = page.value()
    page.end()


def scoped_items(text: str, members: dict[str, Any], collection: str) -> Iterator[tuple[str, Any]]:
    """``(scope, resource)`` for each resource of an aggregated list page, as it is decoded.

    The page's other members (``nextPageToken``…) go into ``members``; what a scope holds besides
    ``collection`` (a ``warning`` that it has none) is read and left out.

    Raises:
        json.JSONDecodeError: the text is not one JSON object, or its ``items`` or a scope is not
            an object.
    """
    page = _Cursor(text)
    for name in page.members():
        if name != "items" or page.at("n"):  # "items": null is no resource at all
            members[name] = page.value()
            continue
        for scope in page.members():
            for held in page.members():
                if held == collection and page.at("["):
                    yield from ((scope, resource) for resource in page.elements())
                else:
                    page.value()
    page.end()
