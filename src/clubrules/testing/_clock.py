"""A controllable clock for tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from clubrules._checks import is_finite, refuse_pickle
from clubrules._time import (
    ONE_US,
    from_epoch_us,
    instant_range,
    require_aware,
    to_epoch_us,
    worked_out_of_range,
)
from clubrules.errors import ValidationError

__all__ = ["ManualClock"]


class ManualClock:
    """A `clubrules.Clock` that only moves when told to.

    Args:
        start: The initial instant; must be timezone-aware.

    Example::

        >>> from datetime import datetime, timedelta, UTC
        >>> clock = ManualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
        >>> clock.advance(hours=2).hour
        11
    """

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(
            self,
            "it is a test's shared clock, and a copy would not follow its moves; "
            "make one in each process",
        )

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the current (manual) instant."""
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant`; the clock may move backwards, as a test may need."""
        checked = require_aware(instant, "instant")
        with self._lock:
            self._now = checked

    def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Move forward by `delta` plus the keyword amounts; return the new instant.

        The step is elapsed time, across a DST change too; the new instant is
        shown in the zone of the current one.

        Raises:
            ValidationError: the total step is negative, an amount is not a
                timedelta or a finite number, or the clock would pass year
                9999 (rule `out_of_range`).
        """
        if delta is not None and not isinstance(delta, timedelta):
            raise ValidationError("must be a timedelta", field="delta", rule="wrong_type")
        amounts = (("days", days), ("hours", hours), ("minutes", minutes), ("seconds", seconds))
        for name, amount in amounts:
            if isinstance(amount, bool) or not isinstance(amount, int | float):
                raise ValidationError("must be an int or a float", field=name, rule="wrong_type")
            if not is_finite(amount):
                raise ValidationError("must be finite", field=name, rule="not_finite")
        with instant_range("delta"):
            step = (delta or timedelta()) + timedelta(
                days=days, hours=hours, minutes=minutes, seconds=seconds
            )
        if step < timedelta():
            raise ValidationError("must not be negative", field="delta", rule="non_negative")
        # On the instant: `datetime + timedelta` moves the wall clock and
        # drops `fold`, so a step from the first 01:30 of a repeated hour
        # lasted an hour too long, and `advance()` from the second 01:30
        # went back an hour.
        with self._lock:
            now = self._now
            try:
                self._now = from_epoch_us(to_epoch_us(now) + step // ONE_US, now.tzinfo or UTC)
            except ValidationError:
                raise worked_out_of_range("delta") from None
            return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.astimezone(UTC).isoformat()})"
