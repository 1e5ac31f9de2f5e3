"""A list page decoded item by item reads exactly what ``json.loads`` reads, or fails as it does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gkeingress.collect.pages import list_items

PAGES = [
    # as the API server writes it: one line, metadata before items
    '{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"eyJ2"},'
    '"items":[{"metadata":{"name":"web-0","labels":{"app":"web"}}},{"metadata":{"name":"web-1"}}]}',
    # indented, items first, strings with escapes and non-ASCII text
    '{\n  "items": [\n    {"message": "Readiness probe failed: \\"/healthz\\" \\u2192 503"},\n'
    '    {"message": "caf\u00e9"}\n  ],\n  "metadata": {}\n}\n',
    '{"kind": "EventList", "metadata": {"resourceVersion": "3"}, "items": []}',
    '{"kind": "EventList", "metadata": {}, "items": null}',
    "{}",
    '{"items": [1, "two", [3], {"four": 4}, null, true]}',
]


@pytest.mark.parametrize("text", PAGES)
def test_items_and_members_are_what_json_loads_reads(text: str) -> None:
    """Every item comes in order, and every other member is kept, as json.loads would read them."""
    whole = json.loads(text)
    members: dict[str, Any] = {}
    items = list(list_items(text, members))
    array = isinstance(whole.get("items"), list)
    assert items == (whole["items"] if array else [])
    assert members == {k: v for k, v in whole.items() if not (k == "items" and array)}


@pytest.mark.parametrize(
    "text",
    [
        '{"items": [{"metadata": {"name": "web-0"}}, {"metadata": {"na',  # cut inside an item
        '{"items": [{"metadata": {"name": "web-0"}}',  # cut after one
        '{"metadata": {}, "items": [1, 2]',  # the object never closed
        '{"items": [1 2]}',
        '{"items": [1,]}',
        '{"items": [1], }',
        '{"items": [1]} {"items": [2]}',
        "<html><body>502 Bad Gateway</body></html>",
        "[1, 2]",  # JSON, but no list page
        "",
    ],
)
def test_a_body_that_is_not_one_json_object_is_a_decoding_error(text: str) -> None:
    """A body cut short, garbled, followed by more text or not an object fails to decode."""
    with pytest.raises(json.JSONDecodeError):
        list(list_items(text, {}))


def test_each_item_is_handed_over_before_the_next_is_decoded() -> None:
    """The items already read are there when a later one turns out to be cut short."""
    items = list_items('{"items": [{"n": 1}, {"n": 2}, {"n": ', {})
    assert [next(items), next(items)] == [{"n": 1}, {"n": 2}]
    with pytest.raises(json.JSONDecodeError):
        next(items)
