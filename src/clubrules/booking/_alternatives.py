"""Alternatives: a free slot offered instead of a refused request, and the search for them.

The search (`nearest_free`) works on blocked *starts*: for every
resource a role may take, the set of candidate starts at which that
resource cannot serve (busy, over capacity, off shift) is a union of
half-open integer intervals, as is the set of starts the club refuses
whatever the resources (closed, short notice, too far ahead, beyond a
datetime). Between two consecutive ends of those intervals every check
gives the same answer, so the search walks outwards from the requested
start one stretch at a time, checking one start per stretch and taking
every grid start inside a stretch that passes, instead of checking every
grid start in full.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import attrs

from clubrules._checks import require_flag
from clubrules._time import from_epoch_us, instants_compared
from clubrules.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence
    from datetime import tzinfo

    from clubrules.booking._schedule import Schedule

__all__ = ["Slot"]


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Slot:
    """A free slot offered instead of the requested one.

    Attributes:
        start: The start of the customer's time (in the request's zone).
        end: The end of the customer's time.
        assignment: The resource for each role, as `(role, resource)` pairs.
        same_resources: Whether it keeps the resources the customer asked for.
        offset: How far it is from the requested start (negative: earlier).
    """

    start: datetime
    end: datetime
    assignment: tuple[tuple[str, str], ...]
    same_resources: bool
    offset: timedelta

    def __attrs_post_init__(self) -> None:
        require_flag(self.same_resources, "same_resources")

    @property
    def resources(self) -> dict[str, str]:
        """The resource chosen for each role."""
        return dict(self.assignment)


# --- the search over blocked starts ---------------------------------------------

# Beyond any epoch microsecond a datetime can show: the open ends of blocked starts.
_NEVER = 1 << 62

Spans = tuple[list[int], list[int]]
"""Sorted, disjoint, non-touching half-open intervals `[a, b)`, as parallel starts and ends."""


class _Hours(Protocol):
    def open_intervals_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]: ...


@attrs.frozen
class _Candidate:
    """A resource a role may take, as the checks and the search see it."""

    resource: str
    capacity: int
    offsets: tuple[tuple[int, int], ...]
    shift: _Hours | None


@attrs.frozen
class _Role:
    """A role of a request: its candidates in order, and the same keyed by resource id."""

    role: str
    per_person: bool
    candidates: tuple[_Candidate, ...]
    by_id: Mapping[str, _Candidate]


def spans(intervals: list[tuple[int, int]]) -> Spans:
    """The union of half-open intervals (empty ones dropped), merged where they overlap or touch."""
    intervals.sort()
    starts: list[int] = []
    ends: list[int] = []
    for a, b in intervals:
        if a >= b:
            continue
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def gaps(allowed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The complement of the union of `allowed`, with open ends at +-`_NEVER`."""
    starts, ends = spans(allowed)
    out: list[tuple[int, int]] = []
    at = -_NEVER
    for a, b in zip(starts, ends, strict=True):
        out.append((at, a))
        at = b
    out.append((at, _NEVER))
    return out


def _inside(found: Spans, at: int) -> bool:
    starts, ends = found
    i = bisect_right(starts, at) - 1
    return i >= 0 and at < ends[i]


def _resource_blocked(
    cand: _Candidate,
    units: int,
    schedule: Schedule,
    *,
    first: int,
    last: int,
    now_us: int,
    exclude: Collection[str],
) -> Spans | None:
    """The starts in `[first, last]` at which `cand` cannot take `units`; None if unreadable.

    A start `s` is blocked by a busy stretch `[p, q)` on an offset `(lo, hi)`
    when `[s + lo, s + hi)` meets it: `p - hi < s < q - lo`. Above
    capacity 1 the busy stretches are those where the load is already
    above `capacity - units`, the peak rule of a full check.
    """
    offsets = cand.offsets
    if not offsets:
        return [], []
    if len(offsets) == 1:
        ((lo_min, hi_max),) = offsets
    else:
        lo_min = min(lo for lo, _ in offsets)
        hi_max = max(hi for _, hi in offsets)
    reach_lo, reach_hi = first + lo_min, last + hi_max
    entries = schedule.overlapping(cand.resource, reach_lo, reach_hi, now_us, exclude)
    if cand.capacity == 1:
        busy = [(s, e) for s, e, _u, _id in entries]
    else:
        busy = _overfull(entries, cand.capacity - units)
    if len(offsets) == 1:
        blocked = [(p - hi_max + 1, q - lo_min) for p, q in busy]
    else:
        blocked = [(p - hi + 1, q - lo) for p, q in busy for lo, hi in offsets]
    if cand.shift is not None:
        try:
            opened = cand.shift.open_intervals_us(reach_lo, reach_hi)
        except ValidationError:  # beyond the shift calendar's range: ask per start instead
            return None
        open_starts, open_ends = spans(list(opened))
        for lo, hi in offsets:
            # [s + lo, s + hi) inside an open [a, b): a - lo <= s <= b - hi.
            allowed = [(a - lo, b - hi + 1) for a, b in zip(open_starts, open_ends, strict=True)]
            blocked.extend(gaps(allowed))
    return spans(blocked)


def _overfull(entries: Sequence[tuple[int, int, int, str]], room: int) -> list[tuple[int, int]]:
    """The stretches where the entries' load is above `room` (ends before starts at one instant)."""
    events = sorted([(s, u) for s, _e, u, _id in entries] + [(e, -u) for _s, e, u, _id in entries])
    out: list[tuple[int, int]] = []
    load, since = 0, None
    i, n = 0, len(events)
    while i < n:
        t = events[i][0]
        while i < n and events[i][0] == t:
            load += events[i][1]
            i += 1
        if load > room and since is None:
            since = t
        elif load <= room and since is not None:
            out.append((since, t))
            since = None
    return out


@attrs.frozen(kw_only=True)
class SlotSearch:
    """What the search for free starts is asked: the same at every stretch it widens to.

    Attributes:
        roles: The roles to fill, each with its candidate resources in order.
        headcount: The people the request is for.
        pins: The resource the customer asked for, per role.
        schedule: The bookings to search around.
        closed: The starts in `[first, last]` the club refuses whatever the
            resources, or None when it cannot say.
        origin: The requested start (epoch microseconds).
        step: The grid step (microseconds).
        limit: How many slots at most on each side.
        now_us: The instant holds are judged at.
        exclude: Booking ids left out of the schedule.
    """

    roles: Sequence[_Role]
    headcount: int
    pins: Mapping[str, str]
    schedule: Schedule
    closed: Callable[[int, int], list[tuple[int, int]] | None]
    origin: int
    step: int
    limit: int
    now_us: int
    exclude: Collection[str]


def nearest_free(
    search: SlotSearch, *, reach: int, duration: int, zone: tzinfo
) -> list[Slot] | None:
    """The alternatives of a full search of every grid start, found by stretches; None if unsure.

    Gives the slots the per-start search gives: the same starts, in the
    same order (nearest first, the earlier on a tie; the requested start
    first when resources were chosen), with the same resources (each role's
    first free candidate, in order, none taken twice). None from here
    means the stretches could not be told (for one, `search.closed` could
    not say), and the caller should search start by start.
    """
    origin, step, limit = search.origin, search.step, search.limit
    # Widen the searched stretch by steps, so that a near answer never reads the whole window.
    r = min(reach, max(96, 8 * limit))
    while True:
        found = _search(search, r)
        if found is None:
            return None
        before, after, at_origin = found
        if r == reach or (len(before) >= limit and len(after) >= limit):
            break
        r = min(reach, r * 4)
    merged = sorted([*before, *after], key=lambda hit: (abs(hit[0]), hit[0]))
    hits = [*at_origin, *merged][:limit]
    return [
        Slot(
            start=from_epoch_us(origin + k * step, zone),
            end=from_epoch_us(origin + k * step + duration, zone),
            assignment=assignment,
            same_resources=same,
            offset=timedelta(microseconds=k * step),
        )
        for k, same, assignment in hits
    ]


_Hit = tuple[int, bool, tuple[tuple[str, str], ...]]


def _search(search: SlotSearch, r: int) -> tuple[list[_Hit], list[_Hit], list[_Hit]] | None:
    """The hits within `r` steps on each side: (earlier, later, at the requested start)."""
    roles, headcount, pins, schedule = search.roles, search.headcount, search.pins, search.schedule
    origin, step, limit, now_us = search.origin, search.step, search.limit, search.now_us
    exclude = search.exclude
    first, last = origin - r * step, origin + r * step
    refused = search.closed(first, last)
    if refused is None:
        return None
    club = spans(refused)
    blocked: list[dict[str, Spans]] = []
    for role in roles:
        units = headcount if role.per_person else 1
        per_role: dict[str, Spans] = {}
        for cand in role.candidates:
            if units > cand.capacity:
                continue  # never chosen: no stretch of its own
            found = _resource_blocked(
                cand, units, schedule, first=first, last=last, now_us=now_us, exclude=exclude
            )
            if found is None:
                return None
            per_role[cand.resource] = found
        blocked.append(per_role)
    # Every start or end of a blocked stretch: between two, every answer is the same.
    edges = sorted(
        {*club[0], *club[1]}.union(*(s[0] + s[1] for per in blocked for s in per.values()))
    )

    def assign(chosen: Mapping[str, str], at: int) -> tuple[tuple[str, str], ...] | None:
        taken: set[str] = set()
        out: list[tuple[str, str]] = []
        for role, per_role in zip(roles, blocked, strict=True):
            pin = chosen.get(role.role)
            cands = role.candidates if pin is None else (role.by_id[pin],)
            for cand in cands:
                rid = cand.resource
                stretch = per_role.get(rid)
                if stretch is None or rid in taken or _inside(stretch, at):
                    continue
                taken.add(rid)
                out.append((role.role, rid))
                break
            else:
                return None
        return tuple(out)

    def answer(at: int, *, requested: bool) -> tuple[bool, tuple[tuple[str, str], ...]] | None:
        if _inside(club, at):
            return None
        if pins and not requested:
            kept = assign(pins, at)
            if kept is not None:
                return True, kept
        if pins or not requested:
            other = assign({}, at)
            if other is not None:
                return not pins, other
        return None

    at_origin: list[_Hit] = []
    if pins:
        hit = answer(origin, requested=True)
        if hit is not None:
            at_origin.append((0, *hit))
    after: list[_Hit] = []
    k = 1
    while k <= r and len(after) < limit:
        at = origin + k * step
        i = bisect_right(edges, at)
        until = edges[i] if i < len(edges) else _NEVER  # the same answer over [at, until)
        k_end = min(r, (until - origin - 1) // step)
        hit = answer(at, requested=False)
        if hit is not None:
            after.extend((j, *hit) for j in range(k, min(k_end, k + limit) + 1))
        k = k_end + 1
    before: list[_Hit] = []
    k = -1
    while k >= -r and len(before) < limit:
        at = origin + k * step
        i = bisect_right(edges, at)
        since = edges[i - 1] if i else -_NEVER  # the same answer over [since, at]
        k_end = max(-r, -((origin - since) // step))
        hit = answer(at, requested=False)
        if hit is not None:
            before.extend((j, *hit) for j in range(k, max(k_end, k - limit) - 1, -1))
        k = k_end - 1
    return before[:limit], after[:limit], at_origin
