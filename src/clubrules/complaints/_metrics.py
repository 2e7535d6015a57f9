"""Complaint analysis: timeliness, response times, repeat complainants, by group.

The analysis runs over `CaseFacts`, a compact summary of one case taken at
an instant, so that a year of closed cases can be analysed without keeping
their event logs in memory.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections import Counter
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING

import attrs

from clubrules._time import require_aware, require_order, to_epoch_us
from clubrules.complaints._model import CaseKind, CaseState, TargetKind, TargetStatusKind
from clubrules.complaints._sla import sla_status

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from clubrules.complaints._case import Case

__all__ = [
    "UNASSIGNED",
    "CaseFacts",
    "ComplaintAnalysis",
    "Figures",
    "analyse",
    "case_facts",
    "month_label",
    "percentile",
]

UNASSIGNED = "(unassigned)"
_US = timedelta(microseconds=1)


@attrs.frozen(slots=True)
class CaseFacts:
    """What the analysis needs to know about one case, taken at an instant.

    Attributes:
        case_id: The case.
        customer_id: Who complained.
        kind: The case kind.
        channel: Where it came in.
        category: Its analysis category.
        assignee: Its owner at the time (`"(unassigned)"` if none).
        state: Its state at the time.
        registered_us: When it was registered (epoch microseconds).
        first_response_us: The time counted to the first response (on the
            target's basis), or None if not met.
        resolution_us: The time counted to the first resolution (cycle 0),
            or None if not resolved.
        outcomes: One `(ended_us, breached)` pair per target run that ended
            met or breached (cancelled runs are left out).
        open_breaches: Target runs still running past their due time.
    """

    case_id: str
    customer_id: str
    kind: CaseKind
    channel: str
    category: str
    assignee: str
    state: CaseState
    registered_us: int
    first_response_us: int | None
    resolution_us: int | None
    outcomes: tuple[tuple[int, bool], ...]
    open_breaches: int


def case_facts(case: Case, as_of: datetime) -> CaseFacts:
    """Summarise `case` as it stands at `as_of` for `analyse`.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: `as_of` is before the case's last event.
    """
    first = resolution = None
    outcomes: list[tuple[int, bool]] = []
    open_breaches = 0
    for status in sla_status(case, as_of):
        if status.ended_us is None:
            open_breaches += status.breached
            continue
        if status.status is TargetStatusKind.CANCELLED:
            continue
        outcomes.append((status.ended_us, status.breached))
        if status.achieved_us is None:
            continue
        if status.kind is TargetKind.FIRST_RESPONSE and first is None:
            first = status.elapsed_us
        elif status.kind is TargetKind.RESOLUTION and status.cycle == 0:
            resolution = status.elapsed_us
    return CaseFacts(
        case.id,
        case.customer_id,
        case.kind,
        case.channel,
        case.category,
        case.assignee or UNASSIGNED,
        case.state,
        to_epoch_us(case.registered_at),
        first,
        resolution,
        tuple(outcomes),
        open_breaches,
    )


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` quantile of sorted values, interpolating linearly (as numpy and pandas).

    Returns None for no values.

    Examples:
        >>> percentile([1, 2, 3, 4], 0.5)
        2.5
        >>> percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)
        91.0
    """
    n = len(sorted_values)
    if n == 0:
        return None
    h = (n - 1) * fraction
    low = math.floor(h)
    high = min(low + 1, n - 1)
    a, b = sorted_values[low], sorted_values[high]
    return float(a + (h - low) * (b - a))


_SORT_BELOW = 4096
_BUCKET_BITS = 8


def quantiles(
    values: Sequence[int], fractions: Sequence[float], *, sort_below: int = _SORT_BELOW
) -> list[float | None]:
    """The `fractions` quantiles of unsorted integers, as `percentile` gives them on sorted ones.

    Small inputs are sorted. Large ones are not: a radix selection counts
    high bits in C (`Counter`), keeps only the buckets that hold the wanted
    order statistics (`itertools.compress`), and recurses into them. That is
    linear, and avoids the cache misses of sorting millions of boxed integers.
    """
    n = len(values)
    if n == 0:
        return [None] * len(fractions)
    wanted: set[int] = set()
    for f in fractions:
        low = math.floor((n - 1) * f)
        wanted.update((low, min(low + 1, n - 1)))
    found = _select(values, sorted(wanted), max(sort_below, 1))
    out: list[float | None] = []
    for f in fractions:
        h = (n - 1) * f
        low = math.floor(h)
        a, b = found[low], found[min(low + 1, n - 1)]
        out.append(float(a + (h - low) * (b - a)))
    return out


def _select(values: Sequence[int], ranks: list[int], sort_below: int) -> dict[int, int]:
    """The values at the 0-based `ranks` (sorted, distinct) of `values` in ascending order."""
    if len(values) < sort_below:
        ordered = sorted(values)
        return {r: ordered[r] for r in ranks}
    low, high = min(values), max(values)
    if low == high:
        return dict.fromkeys(ranks, low)
    shift = max((high - low).bit_length() - _BUCKET_BITS, 0)
    counts = Counter(map(shift.__rrshift__, values))
    where: dict[int, list[tuple[int, int]]] = {}  # bucket -> (rank, rank inside the bucket)
    pending = list(ranks)
    seen = 0
    for bucket in sorted(counts):
        size = counts[bucket]
        while pending and pending[0] < seen + size:
            rank = pending.pop(0)
            where.setdefault(bucket, []).append((rank, rank - seen))
        seen += size
        if not pending:
            break
    picked = list(compress(values, map(where.__contains__, map(shift.__rrshift__, values))))
    found: dict[int, int] = {}
    for bucket, pairs in where.items():
        members = picked if len(where) == 1 else [v for v in picked if v >> shift == bucket]
        inner = _select(members, [inside for _, inside in pairs], sort_below)
        for rank, inside in pairs:
            found[rank] = inner[inside]
    return found


def _duration(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(microseconds=round(value))


@attrs.frozen
class Figures:
    """The figures of one group of cases (one staff member, channel, category or month).

    Attributes:
        cases: Cases registered in the period.
        achieved: Target runs met on time that ended in the period.
        breached: Target runs that ended in the period late or unmet.
        open_breaches: Target runs of these cases still running past their due time.
        timeliness_rate: `achieved / (achieved + breached)`, or None when
            no target ended in the period.
        first_response_median: Median time to first response (counted on
            the target's basis), or None.
        first_response_p90: Its 90th percentile, or None.
        resolution_median: Median time to the first resolution, or None.
        resolution_p90: Its 90th percentile, or None.
    """

    cases: int
    achieved: int
    breached: int
    open_breaches: int
    timeliness_rate: float | None
    first_response_median: timedelta | None
    first_response_p90: timedelta | None
    resolution_median: timedelta | None
    resolution_p90: timedelta | None


class _Scale:
    """A shared radix scale for one kind of time: bucket = (value - low) >> shift, 0-255."""

    __slots__ = ("low", "shift")

    def __init__(self, arrays: Iterable[array[int]]) -> None:
        given = [a for a in arrays if a]
        lows = [min(a) for a in given]
        highs = [max(a) for a in given]
        self.low = min(lows, default=0)
        span = max(highs, default=0) - self.low
        self.shift = max(span.bit_length() - _BUCKET_BITS, 0)

    def buckets(self, values: array[int]) -> array[int]:
        return array("B", map(self.shift.__rrshift__, map(self.low.__rsub__, values)))


class _Acc:
    __slots__ = (
        "achieved",
        "breached",
        "cases",
        "first",
        "first_buckets",
        "open",
        "resolution",
        "resolution_buckets",
    )

    def __init__(self) -> None:
        self.cases = 0
        self.achieved = 0
        self.breached = 0
        self.open = 0
        # Raw 64-bit integers: no pointer chasing when millions are counted, and
        # each value's radix bucket beside it, in the same order.
        self.first = array("q")
        self.resolution = array("q")
        self.first_buckets = array("B")
        self.resolution_buckets = array("B")

    def figures(self, first_scale: _Scale, resolution_scale: _Scale) -> Figures:
        first_median, first_p90 = _bucketed_quantiles(
            self.first, self.first_buckets, first_scale, (0.5, 0.9)
        )
        resolution_median, resolution_p90 = _bucketed_quantiles(
            self.resolution, self.resolution_buckets, resolution_scale, (0.5, 0.9)
        )
        done = self.achieved + self.breached
        return Figures(
            cases=self.cases,
            achieved=self.achieved,
            breached=self.breached,
            open_breaches=self.open,
            timeliness_rate=self.achieved / done if done else None,
            first_response_median=_duration(first_median),
            first_response_p90=_duration(first_p90),
            resolution_median=_duration(resolution_median),
            resolution_p90=_duration(resolution_p90),
        )


def _bucketed_quantiles(
    values: array[int], buckets: array[int], scale: _Scale, fractions: Sequence[float]
) -> list[float | None]:
    """`quantiles`, with the first radix level already computed for every value."""
    n = len(values)
    if n < _SORT_BELOW:
        return quantiles(values, fractions)
    ranks: set[int] = set()
    for f in fractions:
        low = math.floor((n - 1) * f)
        ranks.update((low, min(low + 1, n - 1)))
    counts = Counter(buckets)
    where: dict[int, list[tuple[int, int]]] = {}
    pending = sorted(ranks)
    seen = 0
    for bucket in sorted(counts):
        size = counts[bucket]
        while pending and pending[0] < seen + size:
            rank = pending.pop(0)
            where.setdefault(bucket, []).append((rank, rank - seen))
        seen += size
        if not pending:
            break
    picked = list(compress(values, map(where.__contains__, buckets)))
    found: dict[int, int] = {}
    for bucket, pairs in where.items():
        members = (
            picked
            if len(where) == 1
            else [v for v in picked if (v - scale.low) >> scale.shift == bucket]
        )
        inner = _select(members, [inside for _, inside in pairs], _SORT_BELOW)
        for rank, inside in pairs:
            found[rank] = inner[inside]
    out: list[float | None] = []
    for f in fractions:
        h = (n - 1) * f
        low = math.floor(h)
        a, b = found[low], found[min(low + 1, n - 1)]
        out.append(float(a + (h - low) * (b - a)))
    return out


class _Cell:
    """The figures of one (staff, channel, category), per month index.

    `counts` holds cases, open breaches, achieved and breached at
    `4 * month + 0`, `+ 1`, `+ 2` and `+ 3`.
    """

    __slots__ = ("counts", "first", "resolution")

    def __init__(self, months: int) -> None:
        self.counts = [0] * (4 * months)
        self.first = [array("q") for _ in range(months)]
        self.resolution = [array("q") for _ in range(months)]


@attrs.frozen
class ComplaintAnalysis:
    """The periodic complaint analysis (定期分析投诉情况).

    Attributes:
        start: The period's start (inclusive).
        end: The period's end (exclusive).
        overall: The figures of every case.
        by_staff: Figures per assignee (for the staff assessment).
        by_channel: Figures per channel.
        by_category: Figures per category.
        by_month: Figures per local month, keyed `"YYYY-MM"`: cases and
            response times by month of registration, timeliness by month in
            which the target ended.
        repeat_complainants: `(customer_id, complaints)` for customers with
            at least `repeat_threshold` complaints registered in the period,
            most complaints first, then by id.
    """

    start: datetime
    end: datetime
    overall: Figures
    by_staff: dict[str, Figures]
    by_channel: dict[str, Figures]
    by_category: dict[str, Figures]
    by_month: dict[str, Figures]
    repeat_complainants: tuple[tuple[str, int], ...]


def _month_starts(start: datetime, end: datetime, zone: tzinfo) -> tuple[list[int], list[str]]:
    local = start.astimezone(zone)
    year, month = local.year, local.month
    bounds: list[int] = []
    labels: list[str] = []
    end_us = to_epoch_us(end)
    while True:
        first = datetime(year, month, 1, tzinfo=zone)
        first_us = to_epoch_us(first)
        if first_us >= end_us and bounds:
            break
        bounds.append(first_us)
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds, labels


def analyse(
    facts: Iterable[CaseFacts],
    *,
    start: datetime,
    end: datetime,
    zone: tzinfo = UTC,
    repeat_threshold: int = 2,
) -> ComplaintAnalysis:
    """Analyse the cases of a period `[start, end)`.

    A case counts (in `cases` and the response times) when it was registered
    in the period. A target run counts for timeliness when it ended in the
    period: met on time (`achieved`) or late or unmet (`breached`); runs
    cancelled before their due time count neither way, and runs still
    running past their due time are reported apart as `open_breaches`.

    Args:
        facts: One `CaseFacts` per case (see `case_facts`).
        start: The period's start (aware, inclusive).
        end: The period's end (aware, exclusive).
        zone: The zone whose calendar months `by_month` uses.
        repeat_threshold: The number of complaints that makes a repeat
            complainant.

    Raises:
        NaiveDatetimeError: `start` or `end` is naive.
        InvalidIntervalError: `end` is not after `start`.
    """
    require_aware(start, "start")
    require_aware(end, "end")
    require_order(start, end, start_field="start", end_field="end")
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)
    bounds, labels = _month_starts(start, end, zone)
    # One pass into fine cells keyed (staff, channel, category, month): one dict
    # lookup per case and per outcome. The cells are then merged per dimension.
    # One pass into cells keyed (staff, channel, category), each holding its
    # figures per month: one dict lookup per case, a list increment per outcome.
    # The cells are then merged per dimension.
    months = len(bounds) + 1
    cells: dict[tuple[str, str, str], _Cell] = {}
    cells_get = cells.get
    complainers: list[str] = []
    complaint = CaseKind.COMPLAINT
    columns = attrgetter(
        "registered_us",
        "assignee",
        "channel",
        "category",
        "first_response_us",
        "resolution_us",
        "open_breaches",
        "outcomes",
        "kind",
        "customer_id",
    )
    for registered, who, where, what, first, resolution, opened, outcomes, kind, customer in map(
        columns, facts
    ):
        key = (who, where, what)
        cell = cells_get(key)
        if cell is None:
            cell = cells[key] = _Cell(months)
        counts = cell.counts
        if start_us <= registered < end_us:
            m = bisect_right(bounds, registered)
            counts[4 * m] += 1
            if opened:
                counts[4 * m + 1] += opened
            if first is not None:
                cell.first[m].append(first)
            if resolution is not None:
                cell.resolution[m].append(resolution)
            if kind is complaint:
                complainers.append(customer)
        for ended, breached in outcomes:
            if start_us <= ended < end_us:
                counts[4 * bisect_right(bounds, ended) + 2 + breached] += 1

    first_scale = _Scale(a for cell in cells.values() for a in cell.first)
    resolution_scale = _Scale(a for cell in cells.values() for a in cell.resolution)
    overall = _Acc()
    staff: dict[str, _Acc] = {}
    channel: dict[str, _Acc] = {}
    category: dict[str, _Acc] = {}
    month: dict[str, _Acc] = {}
    for (who, where, what), cell in cells.items():
        counts = cell.counts
        by_dimension: tuple[_Acc, ...] = ()
        for m in range(1, months):
            cases, opened, achieved, breached = counts[4 * m : 4 * m + 4]
            first, resolution = cell.first[m], cell.resolution[m]
            if not (cases or achieved or breached):
                continue
            first_buckets = first_scale.buckets(first)
            resolution_buckets = resolution_scale.buckets(resolution)
            if not by_dimension:
                by_dimension = (
                    overall,
                    _get(staff, who),
                    _get(channel, where),
                    _get(category, what),
                )
            for acc in (*by_dimension, _get(month, labels[m - 1])):
                acc.cases += cases
                acc.open += opened
                acc.achieved += achieved
                acc.breached += breached
                acc.first += first
                acc.resolution += resolution
                acc.first_buckets += first_buckets
                acc.resolution_buckets += resolution_buckets
    repeat = sorted(
        ((customer, n) for customer, n in Counter(complainers).items() if n >= repeat_threshold),
        key=lambda item: (-item[1], item[0]),
    )
    return ComplaintAnalysis(
        start=start,
        end=end,
        overall=overall.figures(first_scale, resolution_scale),
        by_staff=_freeze(staff, first_scale, resolution_scale),
        by_channel=_freeze(channel, first_scale, resolution_scale),
        by_category=_freeze(category, first_scale, resolution_scale),
        by_month=_freeze(month, first_scale, resolution_scale),
        repeat_complainants=tuple(repeat),
    )


def _get(groups: dict[str, _Acc], key: str) -> _Acc:
    acc = groups.get(key)
    if acc is None:
        acc = groups[key] = _Acc()
    return acc


def _freeze(groups: dict[str, _Acc], first: _Scale, resolution: _Scale) -> dict[str, Figures]:
    return {key: groups[key].figures(first, resolution) for key in sorted(groups)}


def month_label(day: date) -> str:
    """The `by_month` key of a date: `"YYYY-MM"`."""
    return f"{day.year:04d}-{day.month:02d}"
