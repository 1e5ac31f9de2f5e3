"""Decode a list page item by item, so each item's JSON is dropped as soon as it is read.

``json.loads`` builds a whole page (thousands of objects, each a tree of dicts and lists) before
the first item can be read, and everything it builds lives until the last item is parsed: long
enough for Python's cyclic garbage collector to move it to its oldest generation, whose every
collection then walks the whole heap. Decoding one item at a time with the standard library's own
decoder (``JSONDecoder.raw_decode``) keeps each item's JSON alive only while that item is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_DECODER = json.JSONDecoder()
_SPACE = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]  # a compiled pattern


def _skip(text: str, index: int) -> int:
    end: int = _SPACE(text, index).end()
    return end


def _expect(text: str, index: int, *marks: str) -> str:
    """The mark at ``index`` (one of ``marks``), or a decoding error naming what was expected."""
    found = text[index : index + 1]
    if found not in marks:
        raise json.JSONDecodeError(f"expected {' or '.join(map(repr, marks))}", text, index)
    return found


def list_items(text: str, members: dict[str, Any], key: str = "items") -> Iterator[Any]:
    """Each element of the ``key`` array of the JSON object ``text``, as it is decoded.

    The object's other members (``metadata``, ``nextPageToken``…) go into ``members``, complete
    once the iterator is exhausted. An object whose ``key`` is not an array keeps it there.

    Raises:
        json.JSONDecodeError: the text is not one JSON object: cut short, garbled or followed by
            more text.
    """
    index = _skip(text, 0)
    _expect(text, index, "{")
    index = _skip(text, index + 1)
    if text.startswith("}", index):
        index += 1
    else:
        while True:
            _expect(text, index, '"')
            name, index = _DECODER.raw_decode(text, index)
            index = _skip(text, index)
            _expect(text, index, ":")
            index = _skip(text, index + 1)
            if name == key and text.startswith("[", index):
                index = _skip(text, index + 1)
                if text.startswith("]", index):
                    index += 1
                else:
                    while True:
                        item, index = _DECODER.raw_decode(text, index)
                        yield item
                        del item  # before the next one is decoded
                        index = _skip(text, index)
                        mark = _expect(text, index, ",", "]")
                        index = _skip(text, index + 1)
                        if mark == "]":
                            break
            else:
                members[name], index = _DECODER.raw_decode(text, index)
            index = _skip(text, index)
            mark = _expect(text, index, ",", "}")
            index = _skip(text, index + 1)
            if mark == "}":
                break
    if _skip(text, index) != len(text):
        raise json.JSONDecodeError("extra data", text, index)
