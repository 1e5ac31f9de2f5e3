"""Paging shared by the APIs: a page cut from a list with an opaque token, within a size limit."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, NamedTuple

from gkeingress.testing.server.protocol import IncomingRequest, Served, fail


def page_limit(fake: Served, req: IncomingRequest, requested: str | None) -> int | None:
    """The client's limit or the server's ``page_size``, whichever is smaller; None: no limit."""
    try:
        asked = int(requested or 0)
    except ValueError:
        fail(req, 400, f"Invalid page size: {requested!r}")
    sizes = [n for n in (asked, fake.page_size) if n and n > 0]
    return min(sizes) if sizes else None


class Page(NamedTuple):
    """One page of a list, the token of the next (None on the last) and how many items follow."""

    items: list[Any]
    next_token: str | None
    remaining: int


def paginate(req: IncomingRequest, items: Sequence[Any], token: str, limit: int | None) -> Page:
    """Cut one page from ``items``; tokens are opaque offsets."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token).decode().removeprefix("offset="))
        except (ValueError, binascii.Error):
            start = -1
        if start < 0:
            fail(req, 400, f"Invalid page token: {token!r}")
    end = len(items) if limit is None else min(len(items), start + limit)
    next_token = base64.urlsafe_b64encode(f"offset={end}".encode()).decode()
    return Page(list(items[start:end]), next_token if end < len(items) else None, len(items) - end)
