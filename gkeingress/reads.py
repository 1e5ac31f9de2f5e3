"""Which data a check read: the kinds of data behind every attribute it touched while it ran.

:func:`derived_from` marks the attributes of the snapshot and of the paired topology with the kinds
of data their values were built from. While :func:`recording` is active in the current thread (or
asyncio task), every read of a marked attribute adds its kinds to the recording; a read outside
costs one context-variable lookup. The check runner records each check this way, so a check that
read data whose API call failed is reported as not checked instead of trusted: what a check needs
is what it touched, not what someone wrote down.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

Kinds = Iterable[enum.Enum] | Callable[[Any], Iterable[enum.Enum]]
"""The kinds behind one attribute: fixed, or computed from the object that holds it."""

_ACTIVE: ContextVar[set[enum.Enum] | None] = ContextVar("gkeingress_reads", default=None)
_active = _ACTIVE.get  # looked up on every read of a marked attribute


class _Marked(property):
    """A slot whose reads are recorded (see :func:`_marked`)."""


def _marked(slot: Any, kinds: Kinds) -> _Marked:
    """``slot`` as a property whose reads add ``kinds`` to the active recording.

    A property, so that reading runs one small function and storing goes straight to the slot
    (a dataclass ``__init__`` stores every field once per object built).
    """
    read = slot.__get__
    if callable(kinds):
        of = kinds

        def get(obj: object) -> Any:
            found = _active()
            if found is not None:
                found.update(of(obj))
            return read(obj)

    else:
        fixed = frozenset(kinds)

        def get(obj: object) -> Any:
            found = _active()
            if found is not None:
                found.update(fixed)
            return read(obj)

    return _Marked(get, slot.__set__, slot.__delete__)


def derived_from(
    cls: type,
    kinds: Mapping[str, Kinds],
    *,
    plain: Iterable[str] = (),
    implied: Iterable[enum.Enum] = (),
) -> None:
    """Mark the fields of a slotted dataclass: reading field ``name`` records ``kinds[name]``.

    Every field is either marked or named in ``plain`` (not read from any API, such as the
    project id), so a field added later cannot go unrecorded by accident.

    ``implied`` are the kinds already recorded on the only way to reach an object of ``cls``
    (every paired Ingress is reached through the recorded list of Ingresses): a field built from
    those kinds alone stays a plain slot, since recording its reads would add nothing. Its entry
    in ``kinds`` still says what it is built from.

    Raises:
        TypeError: a field is neither marked nor plain, or a marked name is not a slot of ``cls``.
    """
    fields = set(getattr(cls, "__dataclass_fields__", ()))
    unsorted = fields - set(kinds) - set(plain)
    if unsorted:
        raise TypeError(f"{cls.__name__}: say what {', '.join(sorted(unsorted))} derive from")
    already = frozenset(implied)
    for name, behind in kinds.items():
        slot = cls.__dict__.get(name)
        if name not in fields or not hasattr(slot, "__set__") or isinstance(slot, _Marked):
            raise TypeError(f"{cls.__name__}.{name} is not an unmarked dataclass slot")
        if not callable(behind) and already.issuperset(behind):
            continue
        setattr(cls, name, _marked(slot, behind))


@contextmanager
def recording() -> Iterator[set[enum.Enum]]:
    """Record the kinds read in this thread or task until the block ends, into the set it yields."""
    found: set[enum.Enum] = set()
    token = _ACTIVE.set(found)
    try:
        yield found
    finally:
        _ACTIVE.reset(token)


def unrecorded(read: Callable[[], T]) -> T:
    """``read()`` without recording: for data a check can do without (it falls back when absent)."""
    token = _ACTIVE.set(None)
    try:
        return read()
    finally:
        _ACTIVE.reset(token)
