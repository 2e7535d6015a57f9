"""Complaint analysis: timeliness, response times, repeat complainants, by group.

The analysis runs over `CaseFacts`, a compact summary of one case taken at
an instant, so that a year of closed cases can be analysed without keeping
their event logs in memory.

`analyse` works column by column with C-level builtins, because a Python
statement per case costs more than most whole columns: group keys are
interned once to small integers, counts are kept per fine cell (one staff
member, channel and category in one month) and summed per dimension at the
end, and each response time is sorted once, every group's median and p90
being read off that one order (see `_order_stats`). Only the target
outcomes get a Python loop.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Callable, Iterable, Sequence
from datetime import MAXYEAR, UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from functools import partial
from itertools import compress, count, repeat
from operator import add, and_, attrgetter, is_, is_not, mul
from typing import cast

import attrs

from clubrules._checks import (
    is_finite,
    require_instance,
    require_int,
    require_items,
    require_zone,
)
from clubrules._time import instants_compared, local_time, require_aware, require_order, to_epoch_us
from clubrules.complaints._case import Case
from clubrules.complaints._model import CaseKind, CaseState, TargetKind, TargetStatusKind
from clubrules.complaints._sla import sla_status
from clubrules.errors import ValidationError

__all__ = [
    "UNASSIGNED",
    "CaseFacts",
    "ComplaintAnalysis",
    "Figures",
    "analyse",
    "case_facts",
    "percentile",
]

UNASSIGNED = "(unassigned)"


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
    require_instance(case, Case, "case")
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

    Raises:
        ValidationError: `fraction` is not a number from 0 to 1 (rule
            `out_of_range`), or `sorted_values` is not a sequence of finite
            numbers, or the quantile is beyond a float's range (rule
            `out_of_range`, field `sorted_values`), or a Decimal it reads is
            nonzero and beyond 10**10000 or below 10**-10000 in size (rule
            `out_of_range`, field `sorted_values[i]`).

    Examples:
        >>> percentile([1, 2, 3, 4], 0.5)
        2.5
        >>> percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)
        91.0
    """
    given: object = fraction
    if (
        isinstance(given, bool)
        or not isinstance(given, int | float | Decimal)
        or (isinstance(given, Decimal) and not given.is_finite())
        or not 0 <= given <= 1  # a float NaN compares false: refused too
    ):
        raise ValidationError("must be a number from 0 to 1", field="fraction", rule="out_of_range")
    _check_numbers(sorted_values)
    n = len(sorted_values)
    if not n:
        return None
    h = (n - 1) * float(fraction)
    low = math.floor(h)
    a = cast("float | Decimal", sorted_values[low])
    b = cast("float | Decimal", sorted_values[min(low + 1, n - 1)])
    for index, value in ((low, a), (min(low + 1, n - 1), b)):
        # A Decimal's exact fraction holds 10**|exponent|: 1E-999999999 would take hours.
        if isinstance(value, Decimal) and value and abs(value.adjusted()) > _DECIMAL_SPAN:
            raise ValidationError(
                f"must be from 10**-{_DECIMAL_SPAN} to 10**{_DECIMAL_SPAN} in size (or 0)",
                field=f"sorted_values[{index}]",
                rule="out_of_range",
            )
    try:
        if isinstance(a, Decimal) or isinstance(b, Decimal):
            # Exactly in fractions: a float and a Decimal do not mix, and no
            # decimal context (the thread's precision) has a say.
            return float(Fraction(a) + Fraction(h - low) * (Fraction(b) - Fraction(a)))
        return float(a + (h - low) * (b - a))
    except OverflowError:
        raise ValidationError(
            "the quantile is too large for a float", field="sorted_values", rule="out_of_range"
        ) from None


# The largest decimal exponent (either way) of a Decimal that `percentile` reads: far
# beyond a float's range, and small enough that its exact fraction is quick to build.
_DECIMAL_SPAN = 10_000


def _check_numbers(values: object) -> None:
    """A sequence (not text) of finite ints, floats or Decimals; else a ValidationError."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError(
            f"must be a sorted list of numbers, not {type(values).__name__}",
            field="sorted_values",
            rule="not_a_list",
        )
    kinds = set(map(type, values))
    if kinds <= {int, float} and (float not in kinds or all(map(is_finite, values))):
        return
    for i, value in enumerate(values):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | Decimal)
            or not is_finite(value)
        ):
            raise ValidationError(
                "must be a finite number", field=f"sorted_values[{i}]", rule="not_a_number"
            )


def _interpolated(n: int, fraction: float, value_at: Callable[[int], float]) -> float:
    """The `fraction` quantile of `n` sorted values, `value_at(rank)` giving each (n > 0)."""
    h = (n - 1) * fraction
    low = math.floor(h)
    a, b = value_at(low), value_at(min(low + 1, n - 1))
    return float(a + (h - low) * (b - a))


def _duration(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(microseconds=round(value))


@attrs.frozen
class Figures:
    """The figures of one group of cases (one staff member, channel, category or month).

    Attributes:
        cases: Cases registered in the period.
        achieved: Target runs met on time that ended in the period.
        breached: Target runs that ended in the period late or unmet.
        open_breaches: Target runs still running past their due time, at the
            instant the facts were taken, of the cases registered in the
            period (like `cases`: a case registered before `start` is not
            counted, and `by_month` counts them in the registration month).
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


@attrs.frozen(field_transformer=instants_compared)
class ComplaintAnalysis:
    """The periodic complaint analysis (定期分析投诉情况).

    Attributes:
        start: The period's start (inclusive).
        end: The period's end (exclusive).
        overall: The figures of every case.
        by_staff: Figures per assignee (for the staff assessment).
        by_channel: Figures per channel.
        by_category: Figures per category.
        by_month: Figures per local month, keyed `"YYYY-MM"`: cases,
            response times and open breaches by month of registration,
            timeliness by month in which the target ended.
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
    local = local_time(start, zone, "start")
    year, month = local.year, local.month
    bounds: list[int] = []
    labels: list[str] = []
    end_us = to_epoch_us(end)
    while year <= MAXYEAR:  # the months after year 9999 are past any `end`
        first = datetime(year, month, 1, tzinfo=zone)
        first_us = to_epoch_us(first)
        if first_us >= end_us and bounds:
            break
        bounds.append(first_us)
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds, labels


# The dimensions of the analysis, in the order `_dimensions` returns them.
_OVERALL, _STAFF, _CHANNEL, _CATEGORY, _MONTH = range(5)
# A block of a dimension's group sequence that `_order_stats` counts in one call.
_BLOCK = 4096
_FRACTIONS = (0.5, 0.9)
# Every integer of at most this magnitude is exact as a float, so floats sort
# such values exactly (and faster than integers above 2**30).
_EXACT_FLOAT = 2**53
_U32 = next((code for code in "IL" if array(code).itemsize == 4), None)

_REGISTERED = attrgetter("registered_us")
_GROUP_KEY = attrgetter("assignee", "channel", "category")
_OPEN = attrgetter("open_breaches")
_OUTCOMES = attrgetter("outcomes")
_KIND = attrgetter("kind")
_CUSTOMER = attrgetter("customer_id")
_FIRST = attrgetter("first_response_us")
_RESOLUTION = attrgetter("resolution_us")


class _Dimension:
    """One way of grouping the cases: the group of each fine cell, and each group's counts.

    A fine cell is one (staff, channel, category) in one month slot; its
    index is `cell * slots + month`.
    """

    __slots__ = ("counts", "group_of", "labels")

    def __init__(self, labels: list[str], group_of: list[int]) -> None:
        self.labels = labels
        self.group_of = group_of
        # Cases, open breaches, achieved and breached of group g at 4g .. 4g + 3.
        self.counts = [0] * (4 * len(labels))

    def sequence(self, fines: Iterable[int]) -> bytes | list[int]:
        """The group of each of `fines`: bytes when every group id fits in one."""
        groups = map(self.group_of.__getitem__, fines)
        return bytes(groups) if len(self.labels) <= 256 else list(groups)


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
    running past their due time are reported apart as `open_breaches`. An
    open breach has not ended, so it goes with its case: it counts when
    the case was registered in the period, in the case's registration
    month. For the whole backlog, whatever the registration date, add up
    `CaseFacts.open_breaches` of the open cases.

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
    facts = require_items(facts, CaseFacts, "facts")
    require_zone(zone, "zone")
    require_int(repeat_threshold, "repeat_threshold")
    require_aware(start, "start")
    require_aware(end, "end")
    require_order(start, end, start_field="start", end_field="end")
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)
    bounds, labels = _month_starts(start, end, zone)
    rows = facts
    # Slot of each case: 0 before the period, 1 .. months inside, months + 1 after.
    edges = [start_us, *bounds[1:], end_us]
    months = len(labels)
    slots = months + 2
    slot_of = list(map(partial(bisect_right, edges), map(_REGISTERED, rows)))
    in_period = list(map(range(1, months + 1).__contains__, slot_of))
    # Each new (staff, channel, category) gets the next id, in one C-level pass.
    cell_ids: defaultdict[tuple[str, str, str], int] = defaultdict(count().__next__)
    cell_of = list(map(cell_ids.__getitem__, map(_GROUP_KEY, rows)))
    fine_of = list(map(add, map(mul, cell_of, repeat(slots)), slot_of))
    dims = _dimensions(list(cell_ids), labels, slots)

    # Counts per fine cell: cases and open breaches by registration, target
    # outcomes (achieved at 2 * fine, breached at 2 * fine + 1) by end.
    cases = Counter(fine_of)
    opened = Counter[int]()
    open_of = list(map(_OPEN, rows))
    for fine, n in compress(zip(fine_of, open_of, strict=True), open_of):
        opened[fine] += n
    outcomes = [0] * (2 * slots * len(cell_ids))
    # Every edge twice, so that bisecting gives twice the slot.
    twice = [edge for edge in edges for _ in range(2)]
    for base, runs in zip(map(mul, cell_of, repeat(2 * slots)), map(_OUTCOMES, rows), strict=True):
        for ended, breached in runs:
            outcomes[base + bisect_right(twice, ended) + breached] += 1
    _count(dims, cases, opened, outcomes, cells=len(cell_ids), slots=slots)

    # Each case's groups packed in the four bytes of one integer when every
    # dimension has at most 256 groups, else its fine cell.
    codes = _packed_codes(dims)
    tag_of = fine_of if codes is None else list(map(codes.__getitem__, fine_of))
    everyone = all(in_period)
    first, resolution = (
        _order_stats(
            list(map(column, rows)),
            in_period,
            tag_of,
            dims,
            packed=codes is not None,
            everyone=everyone,
        )
        for column in (_FIRST, _RESOLUTION)
    )

    complaint = CaseKind.COMPLAINT
    is_complaint = map(is_, map(_KIND, rows), repeat(complaint))
    # The ids are taken out first: fetching them while counting thrashes the cache.
    customers = list(map(_CUSTOMER, rows))
    complaints = Counter(compress(customers, map(and_, is_complaint, in_period)))
    repeaters = list(compress(complaints, map(repeat_threshold.__le__, complaints.values())))
    repeaters.sort()
    # Stable: equal counts stay in id order.
    repeaters.sort(key=complaints.__getitem__, reverse=True)

    figures = [_figures(d, first[i], resolution[i]) for i, d in enumerate(dims)]
    return ComplaintAnalysis(
        start=start,
        end=end,
        overall=figures[_OVERALL].get("", _EMPTY),
        by_staff=figures[_STAFF],
        by_channel=figures[_CHANNEL],
        by_category=figures[_CATEGORY],
        by_month=figures[_MONTH],
        repeat_complainants=tuple(
            zip(repeaters, map(complaints.__getitem__, repeaters), strict=True)
        ),
    )


_EMPTY = Figures(0, 0, 0, 0, None, None, None, None, None)


def _dimensions(
    cells: list[tuple[str, str, str]], labels: list[str], slots: int
) -> list[_Dimension]:
    """The overall, staff, channel, category and month dimensions over the fine cells."""
    per_cell: list[list[int]] = [[], [], []]
    names: list[dict[str, int]] = [{}, {}, {}]
    for cell in cells:
        for axis, name in enumerate(cell):
            ids = names[axis]
            per_cell[axis].append(ids.setdefault(name, len(ids)))
    dims = [_Dimension([""], [0] * (len(cells) * slots))]
    for axis in range(3):
        # The group of fine cell `cell * slots + slot` is that of `cell`.
        group_of = [g for g in per_cell[axis] for _ in range(slots)]
        dims.append(_Dimension(list(names[axis]), group_of))
    # Slots 0 and months + 1 are outside the period and never looked up.
    month_of = [min(max(s - 1, 0), len(labels) - 1) for s in range(slots)]
    dims.append(_Dimension(labels, month_of * len(cells)))
    return dims


def _count(
    dims: list[_Dimension],
    cases: Counter[int],
    opened: Counter[int],
    outcomes: list[int],
    *,
    cells: int,
    slots: int,
) -> None:
    """Add the counts of every fine cell inside the period to its group in each dimension."""
    for cell in range(cells):
        for fine in range(cell * slots + 1, cell * slots + slots - 1):
            n, achieved, breached = cases[fine], outcomes[2 * fine], outcomes[2 * fine + 1]
            if not (n or achieved or breached):
                continue
            o = opened[fine]
            for dim in dims:
                at = 4 * dim.group_of[fine]
                counts = dim.counts
                counts[at] += n
                counts[at + 1] += o
                counts[at + 2] += achieved
                counts[at + 3] += breached


def _packed_codes(dims: list[_Dimension]) -> list[int] | None:
    """Per fine cell, its staff, channel, category and month group in bytes 0 to 3 of an int.

    None when a dimension has more than 256 groups or no unsigned array type has four bytes.
    """
    if _U32 is None or any(len(dim.labels) > 256 for dim in dims):
        return None
    staff, channel, category, month = (dims[i].group_of for i in range(_STAFF, _MONTH + 1))
    return [
        s | c << 8 | k << 16 | m << 24
        for s, c, k, m in zip(staff, channel, category, month, strict=True)
    ]


def _order_stats(
    values: list[int | None],
    in_period: list[bool],
    tag_of: list[int],
    dims: list[_Dimension],
    *,
    packed: bool,
    everyone: bool,
) -> list[list[tuple[float | None, float | None]]]:
    """The median and p90 of `values` (of the cases registered in the period) per group.

    The values are sorted once. Each dimension then reads its groups off the
    sorted order: the group of every value in order, as bytes, is walked in
    blocks with `bytes.count` to find the position of each wanted rank of
    each group, so no per-group list is built. `tag_of` holds each case's
    packed groups (`packed`, see `_packed_codes`) or its fine cell;
    `everyone` says that every case was registered in the period.
    """
    kept: list[int]
    if everyone and None not in values:
        kept, tags = values, tag_of  # type: ignore[assignment]
    else:
        known = map(is_not, values, repeat(None))
        keep = list(known if everyone else map(and_, known, in_period))
        kept = list(compress(values, keep))  # type: ignore[arg-type]
        tags = list(compress(tag_of, keep))
    if not kept:
        return [[(None, None)] * len(dim.labels) for dim in dims]
    exact = min(kept) >= -_EXACT_FLOAT and max(kept) <= _EXACT_FLOAT
    keys: list[float] | list[int] = list(map(float, kept)) if exact else kept
    order = sorted(range(len(kept)), key=keys.__getitem__)
    sequences: list[bytes | list[int]]
    if packed and _U32 is not None:
        raw = array(_U32, map(tags.__getitem__, order)).tobytes()
        little = sys.byteorder == "little"
        sequences = [raw[i if little else 3 - i :: 4] for i in range(4)]
    else:
        fines = array("q", map(tags.__getitem__, order))
        sequences = [dims[i].sequence(fines) for i in range(_STAFF, _MONTH + 1)]

    def value_at(position: int) -> int:
        return kept[order[position]]

    out = [[_ranked(len(order), value_at)]]
    for dim, sequence in zip(dims[_STAFF:], sequences, strict=True):
        groups = len(dim.labels)
        if groups == 1:
            out.append([_ranked(len(order), value_at)])
        elif isinstance(sequence, bytes):
            out.append(_walk(sequence, groups, value_at))
        else:
            out.append(_gather(sequence, groups, map(value_at, range(len(order)))))
    return out


def _wanted(n: int) -> list[int]:
    """The ranks (0-based, ascending) that the median and p90 of `n` sorted values read."""
    ranks: set[int] = set()
    for fraction in _FRACTIONS:
        low = math.floor((n - 1) * fraction)
        ranks.update((low, min(low + 1, n - 1)))
    return sorted(ranks)


def _interpolate(n: int, found: dict[int, int]) -> tuple[float | None, float | None]:
    """The median and p90 from the values at `_wanted(n)`, as `percentile` gives them."""
    if n == 0:
        return None, None
    median, p90 = (_interpolated(n, f, found.__getitem__) for f in _FRACTIONS)
    return median, p90


def _ranked(n: int, value_at: Callable[[int], int]) -> tuple[float | None, float | None]:
    return _interpolate(n, {r: value_at(r) for r in _wanted(n)} if n else {})


def _walk(
    sequence: bytes, groups: int, value_at: Callable[[int], int]
) -> list[tuple[float | None, float | None]]:
    """Median and p90 per group, `sequence` giving the group of each value in sorted order."""
    sizes = [sequence.count(g) for g in range(groups)] if groups <= 64 else _sizes(sequence, groups)
    out: list[tuple[float | None, float | None]] = []
    for g, size in enumerate(sizes):
        found: dict[int, int] = {}
        position = seen = 0
        block = sequence.count(g, 0, _BLOCK)
        for rank in _wanted(size) if size else ():
            while seen + block <= rank:
                seen += block
                position += _BLOCK
                block = sequence.count(g, position, position + _BLOCK)
            # The wanted value is this block's (rank - seen)-th value of the group.
            at = position - 1
            for _ in range(rank - seen + 1):
                at = sequence.index(g, at + 1)
            found[rank] = value_at(at)
        out.append(_interpolate(size, found))
    return out


def _sizes(sequence: bytes, groups: int) -> list[int]:
    counts = Counter(sequence)
    return [counts[g] for g in range(groups)]


def _gather(
    sequence: list[int], groups: int, ordered: Iterable[int]
) -> list[tuple[float | None, float | None]]:
    """`_walk` for more than 256 groups: each group's values, in order, in a list of its own."""
    members: list[list[int]] = [[] for _ in range(groups)]
    for g, value in zip(sequence, ordered, strict=True):
        members[g].append(value)
    return [(percentile(m, 0.5), percentile(m, 0.9)) for m in members]


def _figures(
    dim: _Dimension,
    first: list[tuple[float | None, float | None]],
    resolution: list[tuple[float | None, float | None]],
) -> dict[str, Figures]:
    """The figures of each group of `dim` that counts, by label."""
    out: dict[str, Figures] = {}
    counts = dim.counts
    for g in sorted(range(len(dim.labels)), key=dim.labels.__getitem__):
        cases, opened, achieved, breached = counts[4 * g : 4 * g + 4]
        if not (cases or achieved or breached):
            continue
        done = achieved + breached
        out[dim.labels[g]] = Figures(
            cases=cases,
            achieved=achieved,
            breached=breached,
            open_breaches=opened,
            timeliness_rate=achieved / done if done else None,
            first_response_median=_duration(first[g][0]),
            first_response_p90=_duration(first[g][1]),
            resolution_median=_duration(resolution[g][0]),
            resolution_p90=_duration(resolution[g][1]),
        )
    return out
