"""Slow, obvious oracles that the fast booking algorithms are compared with."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from clubrules._time import to_epoch_us

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.booking import Booking


def blocking(bookings: list[Booking], as_of: datetime | None) -> list[Booking]:
    """The bookings that block: active statuses, and holds not expired at `as_of`."""
    out = []
    for b in bookings:
        if not b.blocks_at(None):
            continue
        expiring = b.status.value in {"held", "pending"} and b.expires_at is not None
        if as_of is not None and expiring and b.expires_at <= as_of:  # type: ignore[operator]
            continue
        out.append(b)
    return out


def pairs(bookings: list[Booking], as_of: datetime | None = None) -> set[tuple[object, ...]]:
    """Every overlapping pair of occupancy pieces of distinct bookings, on capacity-1 resources."""
    live = blocking(bookings, as_of)
    caps = capacities(live)
    found: set[tuple[object, ...]] = set()
    for i, a in enumerate(live):
        for b in live[i + 1 :]:
            for oa in a.occupancy:
                for ob in b.occupancy:
                    if oa.resource != ob.resource or caps[oa.resource] != 1:
                        continue
                    lo, hi = max(oa.start_us, ob.start_us), min(oa.end_us, ob.end_us)
                    if lo < hi:
                        found.add((oa.resource, frozenset({a.id, b.id}), lo, hi))
    return found


def capacities(bookings: list[Booking]) -> dict[str, int]:
    caps: dict[str, int] = {}
    for b in bookings:
        for o in b.occupancy:
            caps[o.resource] = min(caps.get(o.resource, o.capacity), o.capacity)
    return caps


def over_capacity(
    bookings: list[Booking], as_of: datetime | None = None
) -> set[tuple[object, ...]]:
    """Over-capacity windows from elementary intervals: (resource, start, end, peak, ids)."""
    live = blocking(bookings, as_of)
    caps = capacities(live)
    out: set[tuple[object, ...]] = set()
    for resource, cap in caps.items():
        if cap == 1:
            continue
        pieces = [(o, b.id) for b in live for o in b.occupancy if o.resource == resource]
        points = sorted({p for o, _ in pieces for p in (o.start_us, o.end_us)})
        window: list[Any] | None = None
        for lo, hi in itertools.pairwise(points):
            present = [(o, bid) for o, bid in pieces if o.start_us <= lo and o.end_us >= hi]
            load = sum(o.units for o, _ in present)
            if load > cap:
                ids = {bid for _, bid in present}
                if window is not None and window[1] == lo:
                    window[1] = hi
                    window[2] = max(window[2], load)
                    window[3] |= ids
                else:
                    if window is not None:
                        out.add((resource, window[0], window[1], window[2], frozenset(window[3])))
                    window = [lo, hi, load, ids]
            elif window is not None:
                out.add((resource, window[0], window[1], window[2], frozenset(window[3])))
                window = None
        if window is not None:
            out.add((resource, window[0], window[1], window[2], frozenset(window[3])))
    return out


def us(value: datetime) -> int:
    return to_epoch_us(value)
