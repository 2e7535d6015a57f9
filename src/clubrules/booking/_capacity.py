"""The capacity peak: the most units in use at once over a window, for capacity checks.

Also the clash report built from it, which every storage adapter gives when
it refuses a write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence  # noqa: TC003 - resolved at runtime by get_type_hints
from operator import itemgetter

from clubrules._time import from_epoch_us
from clubrules.booking._conflicts import Conflict, OverCapacity
from clubrules.booking._model import Booking  # noqa: TC001 - resolved at runtime by get_type_hints

__all__ = ["Entry", "clashes", "peak"]

Entry = tuple[int, int, int, str]
"""A blocking busy time: `(start_us, end_us, units, booking_id)`."""

_BY_START_THEN_ID = itemgetter(0, 3)


def peak(
    entries: Iterable[tuple[int, int, int, str]], start_us: int, end_us: int
) -> tuple[int, int, int, set[str]]:
    """The peak units in use within `[start_us, end_us)`, and when, and by which bookings.

    The checks and the storage adapters both call it to decide whether one
    more booking fits a resource with a capacity above 1.

    Args:
        entries: The busy times on one resource that overlap the window, as
            `(start_us, end_us, units, booking_id)`, in any order (as
            [Schedule.overlapping][clubrules.booking.Schedule.overlapping]
            returns them). Intervals are half-open.
        start_us: The window's start, epoch microseconds.
        end_us: The window's end (exclusive), epoch microseconds.

    Returns:
        `(peak, from_us, until_us, bookings)`: the peak load, the first
        stretch over which the load stays at it, and every booking present
        during that stretch. With no entries, `(0, start_us, end_us, set())`.
    """
    events: list[tuple[int, int, str]] = []
    for s, e, u, bid in entries:
        events.append((max(s, start_us), u, bid))
        events.append((min(e, end_us), -u, bid))
    # At one instant, ends (negative) sort before starts: intervals are half-open.
    events.sort()
    load = top = 0
    at, until = start_us, end_us
    present: dict[str, int] = {}
    best: set[str] = set()
    in_peak = False
    i, n = 0, len(events)
    while i < n:
        t = events[i][0]
        while i < n and events[i][0] == t:
            _, delta, bid = events[i]
            load += delta
            present[bid] = present.get(bid, 0) + (1 if delta > 0 else -1)
            if not present[bid]:
                del present[bid]
            i += 1
        if load > top:
            top, at, until, in_peak = load, t, end_us, True
            best = set(present)
        elif in_peak and load < top:
            until, in_peak = t, False
        elif in_peak:
            best.update(present)
    return top, at, until, best


def clashes(
    booking: Booking, overlapping: Callable[[int], Sequence[Entry]]
) -> list[Conflict | OverCapacity]:
    """What keeps `booking` out of its slot: the report every storage adapter gives.

    Args:
        booking: The booking to write.
        overlapping: For the position of an occupancy in `booking.occupancy`,
            the busy times of other bookings that block at the write's `now`
            and overlap it on its resource, in any order.

    Returns:
        A `Conflict` per overlapping booking on an occupancy of capacity 1,
        by start then id; an `OverCapacity` per occupancy of capacity above
        1 whose peak headcount would exceed the capacity. Empty when the
        slot is free.
    """
    out: list[Conflict | OverCapacity] = []
    for n, occ in enumerate(booking.occupancy):
        entries = overlapping(n)
        if not entries:
            continue
        s, e = occ.start_us, occ.end_us
        if len(entries) > 1:
            entries = sorted(entries, key=_BY_START_THEN_ID)
        if occ.capacity == 1:
            out.extend(
                Conflict(
                    occ.resource,
                    bid,
                    booking.id,
                    from_epoch_us(max(s, bs)),
                    from_epoch_us(min(e, be)),
                )
                for bs, be, _u, bid in entries
            )
            continue
        if sum(x[2] for x in entries) + occ.units <= occ.capacity:
            continue
        top, at, until, present = peak(entries, s, e)
        if top + occ.units > occ.capacity:
            out.append(
                OverCapacity(
                    occ.resource,
                    from_epoch_us(at),
                    from_epoch_us(until),
                    top + occ.units,
                    from_epoch_us(at),
                    occ.capacity,
                    tuple(sorted({*present, booking.id})),
                )
            )
    return out
