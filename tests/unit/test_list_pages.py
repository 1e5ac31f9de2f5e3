"""A list page decoded item by item reads exactly what ``json.loads`` reads, or fails as it does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gkeingress.collect.pages import list_items, scoped_items

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


AGGREGATED = [
    # as Compute writes it: scopes by name, a scope without resources says so in a warning
    '{"kind": "compute#networkEndpointGroupAggregatedList", "id": "projects/shop-prod/aggregated/'
    'networkEndpointGroups", "items": {"zones/us-central1-a": {"networkEndpointGroups": [{"name": '
    '"k8s1-1a2b3c4d-shop-web-80-5e6f7a8b", "size": 2}]}, "zones/us-central1-b": {"warning": {"code":'
    ' "NO_RESULTS_ON_PAGE", "message": "There are no results for scope \'zones/us-central1-b\' on '
    'this page.", "data": [{"key": "scope", "value": "zones/us-central1-b"}]}}, "zones/us-central1'
    '-c": {"networkEndpointGroups": [{"name": "k8s1-1a2b3c4d-shop-web-80-5e6f7a8b", "size": 0}, '
    '{"name": "k8s1-1a2b3c4d-shop-api-8080-806c299d", "size": 1}]}}, "nextPageToken": "CkQI", '
    '"selfLink": "https://www.googleapis.com/compute/v1/projects/shop-prod/aggregated/'
    'networkEndpointGroups"}',
    '{\n  "items": {},\n  "nextPageToken": "x"\n}',
    '{"kind": "compute#urlMapsAggregatedList", "items": null}',
    '{"items": {"global": {"networkEndpointGroups": null}}}',
    "{}",
]


@pytest.mark.parametrize("text", AGGREGATED)
def test_scoped_items_are_what_json_loads_reads(text: str) -> None:
    """Every resource comes with its scope, in order, and the page's other members are kept."""
    whole = json.loads(text)
    members: dict[str, Any] = {}
    items = list(scoped_items(text, members, "networkEndpointGroups"))
    scopes = whole.get("items") or {}
    assert items == [
        (scope, resource)
        for scope, held in scopes.items()
        for resource in held.get("networkEndpointGroups") or ()
    ]
    assert members == {k: v for k, v in whole.items() if not (k == "items" and isinstance(v, dict))}


@pytest.mark.parametrize(
    "text",
    [
        '{"items": {"zones/us-central1-a": {"networkEndpointGroups": [{"name": "a"}, {"na',
        '{"items": {"zones/us-central1-a": []}}',  # a scope that is not an object
        '{"items": [{"name": "a"}]}',  # a plain list where scopes belong
        '{"items": {}} trailing',
        "<html><body>502 Bad Gateway</body></html>",
    ],
)
def test_an_aggregated_page_that_is_not_one_is_a_decoding_error(text: str) -> None:
    """A body cut short, garbled, or holding its resources other than by scope fails to decode."""
    with pytest.raises(json.JSONDecodeError):
        list(scoped_items(text, {}, "networkEndpointGroups"))
