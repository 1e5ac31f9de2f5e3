"""Jupyter's HTML views, looked up by class so the objects never import the render layer.

The render layer registers a view per class (:func:`register_html`); an object that mixes in
:class:`HtmlView` shows that view in a notebook. ``import gkeingress`` imports the render layer,
so the views are registered whenever the public API is in use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

_VIEWS: dict[type, Callable[[Any], str]] = {}

T = TypeVar("T")


def register_html(cls: type[T], view: Callable[[T], str]) -> None:
    """Show instances of ``cls`` (and its subclasses) in Jupyter as ``view(instance)``."""
    _VIEWS[cls] = view


class HtmlView:
    """Mixin: Jupyter shows an instance as the HTML view registered for its class."""

    __slots__ = ()

    def _repr_html_(self) -> str | None:
        """The registered HTML view, or None (plain repr) when none is registered."""
        for cls in type(self).__mro__:
            view = _VIEWS.get(cls)
            if view is not None:
                return view(self)
        return None
