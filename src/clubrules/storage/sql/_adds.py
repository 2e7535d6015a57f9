"""The answer of an idempotent add, shared by the SQL adapters that add by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clubrules.errors import DuplicateError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from clubrules.storage._values import Keyed

__all__ = ["settle_add"]


def settle_add(
    outcome: tuple[bool, Any], value: Keyed, read: Callable[[Sequence[Any]], Keyed], kind: str
) -> bool:
    """What an add of `value` answers, given `Dialect.insert_or_read_back`'s `outcome`.

    True if the row was inserted; False if the row stored under the id
    reads back (through `read`) equal to `value`; else `DuplicateError`
    naming `kind` and the id.
    """
    inserted, stored = outcome
    if inserted:
        return True
    if stored is not None and read(stored) == value:
        return False
    raise DuplicateError(f"{kind} {value.id!r} already exists with other content")
