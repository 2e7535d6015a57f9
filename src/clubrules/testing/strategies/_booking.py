"""Hypothesis strategies for the booking values: occupancies and bookings on a busy day."""

# No `from __future__ import annotations` here: `st.composite` builds each
# strategy's signature in hypothesis's own module, where a name in a string
# annotation would not resolve, so the annotations are evaluated at once.

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import Booking, BookingStatus, Occupancy

__all__ = ["DST_DAYS", "booking_lists", "bookings"]

DST_DAYS: tuple[datetime, ...] = (
    datetime(2026, 3, 29, 0, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2026, 10, 25, 0, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    datetime(2026, 11, 1, 0, 0, tzinfo=ZoneInfo("America/New_York")),
    datetime(2026, 10, 4, 0, 0, tzinfo=ZoneInfo("Australia/Lord_Howe")),
    datetime(2026, 3, 2, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
)
"""Local midnights that start a DST change (and one plain day in Shanghai)."""

_MINUTE = 60_000_000


@st.composite
def bookings(
    draw: st.DrawFn,
    *,
    booking_id: str | None = None,
    resources: Sequence[str] = ("r1", "r2", "r3"),
    capacities: Mapping[str, int] | None = None,
    days: Sequence[datetime] = DST_DAYS,
    statuses: Sequence[BookingStatus] = tuple(BookingStatus),
) -> Booking:
    """A booking on one of `days`, on 5-minute steps so that touching times are common.

    Each booking occupies one to two of `resources` (the capacities given,
    or 1), with buffers of 0 to 15 minutes, sometimes split by processing
    time. Held and pending bookings get an expiry.
    """
    day = draw(st.sampled_from(list(days)))
    start = day + timedelta(minutes=5 * draw(st.integers(0, 24 * 12 - 1)))
    start = start.astimezone(UTC).astimezone(day.tzinfo)  # a wall time in a DST gap moves on
    minutes = 5 * draw(st.integers(1, 24))
    # Elapsed time, not wall-clock time: add in UTC.
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(day.tzinfo)
    status = draw(st.sampled_from(list(statuses)))
    expires = None
    if status in {BookingStatus.HELD, BookingStatus.PENDING}:
        expires = start.astimezone(UTC) - timedelta(minutes=5 * draw(st.integers(-6, 48)))
    chosen = draw(st.lists(st.sampled_from(list(resources)), min_size=1, max_size=2, unique=True))
    caps = capacities or {}
    s_us, e_us = to_epoch_us(start), to_epoch_us(end)
    occupancy = []
    for rid in chosen:
        cap = caps.get(rid, 1)
        units = draw(st.integers(1, cap))
        before = _MINUTE * 5 * draw(st.integers(0, 3))
        after = _MINUTE * 5 * draw(st.integers(0, 3))
        split = draw(st.booleans()) and minutes >= 15
        if split:
            cut = s_us + _MINUTE * 5 * draw(st.integers(1, minutes // 5 - 2))
            resume = cut + _MINUTE * 5
            occupancy.append(Occupancy(rid, s_us - before, cut, units, cap))
            occupancy.append(Occupancy(rid, resume, e_us + after, units, cap))
        else:
            occupancy.append(Occupancy(rid, s_us - before, e_us + after, units, cap))
    return Booking(
        id=booking_id or f"b-{draw(st.integers(0, 10**9))}",
        service="svc",
        start=start,
        end=end,
        occupancy=occupancy,
        status=status,
        expires_at=expires,
    )


def booking_lists(
    *,
    resources: Sequence[str] = ("r1", "r2", "r3"),
    capacities: Mapping[str, int] | None = None,
    days: Sequence[datetime] = DST_DAYS[:1],
    statuses: Sequence[BookingStatus] = tuple(BookingStatus),
    max_size: int = 30,
) -> st.SearchStrategy[list[Booking]]:
    """Lists of bookings with distinct ids (`b0`, `b1`, ...) on the same day(s)."""
    return st.integers(0, max_size).flatmap(
        lambda n: st.tuples(
            *(
                bookings(
                    booking_id=f"b{i}",
                    resources=resources,
                    capacities=capacities,
                    days=days,
                    statuses=statuses,
                )
                for i in range(n)
            )
        ).map(list)
    )
