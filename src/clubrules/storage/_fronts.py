"""Checked fronts: a port method's signature, checks and conversions, written once.

A front is a base class whose public method checks its arguments and
converts them once, then calls a private primitive that each adapter
supplies with the storage work alone. The memory, SQLite and PostgreSQL
adapters take the same front, so they reject bad input alike: the same
error type, naming the same field first. Not part of the public API.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, NoReturn

from clubrules._checks import LIVE_HANDLE, refuse_pickle
from clubrules._time import require_aware, to_epoch_us

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.booking import Booking

__all__ = ["BookingFinder", "find_bounds"]


def find_bounds(start: datetime | None, end: datetime | None) -> tuple[int | None, int | None]:
    """`BookingRepository.find`'s optional bounds, checked aware, as epoch microseconds.

    `start` is checked first. An `end` before `start` is no error here: the
    window is then empty.

    Raises:
        NaiveDatetimeError: a naive bound.
    """
    return (
        None if start is None else to_epoch_us(require_aware(start, "start")),
        None if end is None else to_epoch_us(require_aware(end, "end")),
    )


class BookingFinder(ABC):
    """`BookingRepository.find` for a sync adapter, which supplies `_find`."""

    __slots__ = ()

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(self, LIVE_HANDLE)

    def find(
        self,
        *,
        resource: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Booking]:
        """Bookings occupying any resource (or `resource`) within `[start, end)`, by start, id."""
        lo_us, hi_us = find_bounds(start, end)
        return self._find(resource, lo_us, hi_us)

    @abstractmethod
    def _find(self, resource: str | None, lo_us: int | None, hi_us: int | None) -> list[Booking]:
        """The bookings of `find`, its bounds checked and in epoch microseconds (None: open)."""
