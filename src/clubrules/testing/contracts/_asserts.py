"""The checks of idempotent, keyed adds that the contract suites repeat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

import pytest

from clubrules.errors import DuplicateError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Identified", "add_keyed", "add_once", "assert_idempotent_add", "assert_not_found"]

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class Identified(Protocol):
    """A value with a text `id`, by which the ports order and key what they store."""

    @property
    def id(self) -> str:
        """The value's id."""


_Item = TypeVar("_Item", bound=Identified)


def add_keyed(
    model: dict[_Key, _Value], key: _Key, item: _Value, add: Callable[[_Value], bool]
) -> None:
    """Add `item`, stored under `key`, and check the idempotent add against `model`.

    A new key is stored (`True`) and `model` follows; the same value again
    changes nothing (`False`); another value under a taken key raises
    `DuplicateError`.
    """
    stored = model.get(key)
    if stored is None:
        assert add(item) is True
        model[key] = item
    elif stored == item:
        assert add(item) is False
    else:
        with pytest.raises(DuplicateError):
            add(item)


def add_once(model: dict[str, _Item], item: _Item, add: Callable[[_Item], bool]) -> None:
    """Add `item` and check the idempotent add against `model`, which it then follows.

    A new id is stored (`True`); the same value again changes nothing
    (`False`); another value under a taken id raises `DuplicateError`.
    """
    add_keyed(model, item.id, item, add)


def assert_idempotent_add(add: Callable[[_Value], bool], value: _Value, clash: _Value) -> None:
    """`add` stores `value` once (`True`, then `False`) and refuses `clash`, its key taken.

    `clash` is another value under the key of `value`: `DuplicateError`.
    """
    assert add(value) is True
    assert add(value) is False
    with pytest.raises(DuplicateError):
        add(clash)


def assert_not_found(get: Callable[[str], object], key: str) -> None:
    """`get(key)` raises `NotFoundError`."""
    with pytest.raises(NotFoundError):
        get(key)
