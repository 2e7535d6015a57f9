"""The booking success rate, over the bookings of a period."""

from __future__ import annotations

from collections.abc import Iterable  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import datetime  # noqa: TC003 - resolved at runtime by get_type_hints
from decimal import ROUND_HALF_EVEN, Decimal

import attrs

from clubrules._checks import DECIMALS, require_flag, require_items
from clubrules._time import require_aware, require_order, to_epoch_us
from clubrules.booking._model import Booking, BookingStatus

__all__ = ["SuccessRate", "success_rate"]

_FOUR = Decimal("0.0001")


@attrs.frozen(kw_only=True)
class SuccessRate:
    """Booking outcomes over a period, and the success rate they give.

    A booking succeeds when it is completed. It fails when it ends as a
    no-show, a late cancellation, an expired hold, or (unless excluded) a
    timely cancellation. Bookings still open (held, pending, confirmed,
    checked in) are counted apart and left out of the rate.

    Attributes:
        completed: Bookings served.
        no_show: Customers who did not come.
        late_cancelled: Cancellations after the cutoff.
        cancelled: Cancellations in time.
        expired: Holds and pending bookings that lapsed.
        open: Bookings not yet settled.
        exclude_timely_cancellations: Whether timely cancellations were left
            out of the rate.
    """

    completed: int = 0
    no_show: int = 0
    late_cancelled: int = 0
    cancelled: int = 0
    expired: int = 0
    open: int = 0
    exclude_timely_cancellations: bool = False

    def __attrs_post_init__(self) -> None:
        require_flag(self.exclude_timely_cancellations, "exclude_timely_cancellations")

    @property
    def failed(self) -> int:
        """The settled bookings that did not succeed (as the rate counts them)."""
        timely = 0 if self.exclude_timely_cancellations else self.cancelled
        return self.no_show + self.late_cancelled + self.expired + timely

    @property
    def settled(self) -> int:
        """The bookings the rate is computed over."""
        return self.completed + self.failed

    @property
    def rate(self) -> Decimal | None:
        """`completed / settled`, to four places; None for a period with nothing settled.

        None is not zero: a month without bookings says nothing about the
        staff member, and the assessment decides how to score it.
        """
        if not self.settled:
            return None
        # In the library's own context: the thread's decimal context never rounds a rate.
        return DECIMALS.divide(Decimal(self.completed), Decimal(self.settled)).quantize(
            _FOUR, ROUND_HALF_EVEN, DECIMALS
        )


def success_rate(
    bookings: Iterable[Booking],
    *,
    start: datetime,
    end: datetime,
    taken_by: str | None = None,
    exclude_timely_cancellations: bool = False,
) -> SuccessRate:
    """The booking success rate over bookings whose start lies in `[start, end)`.

    The bounds and the starts are compared as instants, never by wall time:
    from 02:30+02:00 to 02:10+01:00 on a night the clocks go back is a
    40-minute period, and the reverse is refused.

    Args:
        bookings: Any bookings; those outside the period are ignored.
        start: The period's start (aware).
        end: The period's end (aware, exclusive).
        taken_by: Only bookings taken by this staff member (for the staff
            assessment).
        exclude_timely_cancellations: Leave cancellations made in time out
            of the rate (a customer's change of plan is nobody's failure).

    Returns:
        A [SuccessRate][clubrules.booking.SuccessRate].

    Raises:
        NaiveDatetimeError: a naive bound.
        InvalidIntervalError: `end` before `start`.
        ValidationError: `exclude_timely_cancellations` is not True or False
            (rule `not_a_bool`).

    Examples:
        >>> from datetime import UTC, datetime
        >>> success_rate([], start=datetime(2026, 3, 1, tzinfo=UTC),
        ...              end=datetime(2026, 4, 1, tzinfo=UTC)).rate is None
        True
    """
    require_aware(start, "start")
    require_aware(end, "end")
    require_order(start, end, start_field="start", end_field="end", allow_empty=True)
    require_flag(exclude_timely_cancellations, "exclude_timely_cancellations")
    bookings = require_items(bookings, Booking, "bookings")
    counts = dict.fromkeys(
        ("completed", "no_show", "late_cancelled", "cancelled", "expired", "open"), 0
    )
    lo, hi = to_epoch_us(start), to_epoch_us(end)
    for b in bookings:
        if not lo <= to_epoch_us(b.start) < hi or (taken_by is not None and b.taken_by != taken_by):
            continue
        status = b.status
        if status is BookingStatus.COMPLETED:
            counts["completed"] += 1
        elif status is BookingStatus.NO_SHOW:
            counts["no_show"] += 1
        elif status is BookingStatus.CANCELLED:
            counts["late_cancelled" if b.late_cancel else "cancelled"] += 1
        elif status is BookingStatus.EXPIRED:
            counts["expired"] += 1
        else:
            counts["open"] += 1
    return SuccessRate(exclude_timely_cancellations=exclude_timely_cancellations, **counts)
