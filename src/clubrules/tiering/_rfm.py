"""RFM: quantile or fixed-threshold scores, and named segments in priority order."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, deque

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Sequence  # noqa: TC003
from datetime import datetime  # noqa: TC003
from decimal import Decimal
from functools import partial
from itertools import repeat
from typing import TypeVar, cast

import attrs

from clubrules._checks import (
    check_number,
    check_text,
    raise_collected,
    require_flag,
    require_instance,
    require_int,
    require_items,
    require_real,
    require_reals,
    to_decimal_or_int,
)
from clubrules._time import require_aware, to_epoch_us
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.tiering._activity import US_PER_DAY, ActivitySummary

__all__ = [
    "DEFAULT_SEGMENTS",
    "RfmScore",
    "RfmThresholds",
    "Segment",
    "SegmentScheme",
    "quantile_scores",
    "rfm_scores",
]

T = TypeVar("T", int, Decimal)


_MAX_BINS = 100


def _check_bins(bins: object) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int) or not 2 <= bins <= _MAX_BINS:
        raise ValidationError(
            f"must be an int from 2 to {_MAX_BINS}", field="bins", rule="bins_range"
        )
    return bins


def quantile_scores(
    values: Sequence[T], bins: int = 5, *, higher_is_better: bool = True
) -> list[int]:
    """Quantile scores `1..bins` of `values`, every bin filled when there are enough values.

    Values are ranked from the smallest up, ties broken by position in
    `values` (the first comes first), so that equal values can land in two
    bins and every bin gets customers; rank `r` of `n` then goes to bin
    `max(1, ceil(bins * (r - 1) / (n - 1)))`. This is exactly what pandas'
    `pd.qcut(s.rank(method="first"), bins, labels=...)` computes, in exact
    integer arithmetic. With `higher_is_better=False` (recency in days) the
    scores are reversed: the smallest value scores `bins`.

    A single value has nothing to be ranked against, so it scores the
    middle bin, `(bins + 1) // 2` (3 of 5), whatever it is and in either
    direction: a lone customer is average, not the worst spender nor the
    most recent. (pandas refuses to cut one value.) For a handful of
    customers, fixed thresholds (`RfmThresholds`) say more than quantiles.

    Nothing is sorted in full. Ints are turned, in one C-level pass, into
    one-byte bucket codes (buckets bounded by pivots from a sorted sample,
    one bucket per value where few values lie near a bin edge); counting
    the codes places every bucket, and only the values of a bucket that
    holds several values and straddles a bin edge are sorted. Decimals are
    counted when few are distinct, else bucketed the same way. The scores
    are exact whatever the sample; it only decides how much is sorted.

    Args:
        values: Ints or Decimals (never floats), in a stable order (say by
            customer id), since the order breaks ties.
        bins: How many bins (5 for quintiles).
        higher_is_better: Whether a larger value earns a higher score.

    Returns:
        One score per value, in the order of `values`.

    Raises:
        ValidationError: `bins` is not an int from 2 to 100, a value is not an
            int or a finite Decimal, or `higher_is_better` is not True or False
            (rule `not_a_bool`).

    Examples:
        >>> quantile_scores([0, 0, 0, 0, 0])
        [1, 2, 3, 4, 5]
        >>> quantile_scores([30, 2, 7, 400, 90], higher_is_better=False)
        [3, 5, 4, 1, 2]
        >>> quantile_scores([1200])
        [3]
    """
    _check_bins(bins)
    require_flag(higher_is_better, "higher_is_better")
    # One pass over the types at C speed; anything but a list of plain ints gets the full check.
    given: object = values
    ints = isinstance(given, list | tuple) and set(map(type, given)) <= {int}
    if not ints:
        require_reals(values, "values")
    n = len(values)
    if n == 0:
        return []
    if n == 1:
        return [(bins + 1) // 2]
    cuts, labels = _layout(n, bins, higher_is_better=higher_is_better)
    if ints:
        return _by_int_codes(cast("Sequence[int]", given), cuts, labels)
    # Judge how many distinct values there are from a sample (a full set costs a pass).
    sample = values[:: max(1, n // 4096)]
    if len(set(sample)) * 4 < len(sample):
        return _by_counts(values, cuts, labels)
    if n >= _PIVOTS_FROM:
        return _by_pivots(values, cuts, labels, max(1, n // _PIVOT_SAMPLE))
    return _by_sort(values, cuts, labels)


# Inputs this long skip the full sort: sampled pivots and a count find the bins.
_PIVOTS_FROM = 1 << 17
# About this many values are sorted to place the pivots.
_PIVOT_SAMPLE = 1 << 16


def _layout(n: int, bins: int, *, higher_is_better: bool) -> tuple[list[int], list[int]]:
    """The bin edges in sorted positions, and the score each bin reports.

    Sorted position i (0-based) is in bin k when `cuts[k-2] < i <= cuts[k-1]`:
    rank `i + 1` scores `ceil(bins * i / (n - 1))`, at least 1, in integers.
    `labels[k]` is bin k's score: k, or `bins + 1 - k` when lower is better.
    """
    cuts = [(k * (n - 1)) // bins for k in range(1, bins)]
    labels = list(range(bins + 1)) if higher_is_better else [0, *range(bins, 0, -1)]
    return cuts, labels


def _bin_of(position: int, cuts: list[int]) -> int:
    """The bin (1-based) of a 0-based position in sorted order."""
    return 1 + bisect_left(cuts, position)


def _run_groups(start: int, count: int, cuts: list[int], labels: list[int]) -> list[list[int]]:
    """The labels of sorted positions `start .. start + count - 1` as `[label, how many]` runs."""
    groups: list[list[int]] = []
    end = start + count
    while start < end:
        k = _bin_of(start, cuts)  # bins can be empty when n < bins: never a run of 0
        stop = end if k > len(cuts) else min(end, cuts[k - 1] + 1)
        groups.append([labels[k], stop - start])
        start = stop
    return groups


def _run_labels(start: int, count: int, cuts: list[int], labels: list[int]) -> list[int]:
    """The labels of sorted positions `start .. start + count - 1`, in order."""
    out: list[int] = []
    for label, length in _run_groups(start, count, cuts, labels):
        out += [label] * length
    return out


def _by_counts(values: Sequence[T], cuts: list[int], labels: list[int]) -> list[int]:
    """Few distinct values: count them, then one C-level pass turns values into score bytes.

    A value whose ties straddle a bin edge is first written as a marker byte;
    its occurrences, in input order, then take the successive labels of its
    ranks, split where a binary search over `bytes.count` finds the n-th marker.
    """
    counts = Counter(values)
    byte_of: dict[T, int] = {}
    runs: list[tuple[int, list[list[int]]]] = []  # (marker byte, [label, how many] runs)
    below = 0
    for value in sorted(counts):
        count = counts[value]
        first, last = _bin_of(below, cuts), _bin_of(below + count - 1, cuts)
        if first == last:
            byte_of[value] = labels[first]
        else:
            # Scores are 1..100 and at most 99 values straddle an edge: markers from 101 fit a byte.
            byte_of[value] = 101 + len(runs)
            runs.append((101 + len(runs), _run_groups(below, count, cuts, labels)))
        below += count
    # One byte a value: mapping, relabelling and unpacking all run at C speed.
    return list(_relabel(bytes(map(byte_of.__getitem__, values)), runs))


def _relabel(marked: bytes, runs: list[tuple[int, list[list[int]]]]) -> bytes:
    """Each marker's occurrences, in input order, take the labels of its `[label, how many]` runs.

    `bytes.replace` with a count rewrites the first occurrences only: one
    C-level pass a run.
    """
    for marker, groups in runs:
        old = bytes((marker,))
        for label, length in groups:
            marked = marked.replace(old, bytes((label,)), length)
    return marked


# A sample spanning at most this many ints (and at most n / 8) maps values by a dict.
_TABLE_SPAN = 1 << 16
# A code whose bucket holds at least 1/_BIG of the sample is counted alone (one pass).
_BIG = 32


class _CodeOf(dict[int, int]):
    """Value to bucket code over the sample's range; a value outside it is placed by bisection.

    One dict lookup a value costs about half a `bisect_right` over the pivots.
    """

    __slots__ = ("pivots",)

    def __init__(self, pivots: list[int], low: int, high: int) -> None:
        span = range(low, high + 1)
        super().__init__(zip(span, map(bisect_right, repeat(pivots), span), strict=True))
        self.pivots = pivots

    def __missing__(self, value: int) -> int:
        return bisect_right(self.pivots, value)


def _int_pivots(sample: list[int], n: int, cuts: list[int]) -> list[int]:
    """Pivots around each bin edge from a sorted sample of ints.

    Each edge gets the band of sample values within a margin of its sorted
    position. A band over few ints gets a bucket for each int; a band of few
    distinct sample values far apart gets pivots `v` and `v + 1` for each, so
    that each has its own bucket; any other band is one bucket `[low, high + 1)`.
    One-value buckets need no sorting: their ranks follow the input order.
    """
    size = len(sample)
    margin = max(1, int(1.5 * size**0.5))
    bands = []
    for cut in cuts:
        at = cut * size // n
        first, last = max(0, at - margin), min(size - 1, at + margin)
        bands.append((sample[first], sample[last], first, last))
    # Pivots a band may add, so that the codes fit a byte (at most 255 pivots).
    budget = 255 // len(cuts)
    pivots: set[int] = set()
    for low, high, first, last in bands:
        if high - low + 2 <= budget:
            pivots.update(range(low, high + 2))
            continue
        pivots.update((low, high + 1))
        seen = set(sample[first : last + 1])
        if 2 * len(seen) <= budget:  # few values, far apart: heavy ties, bucketed apart
            pivots.update(seen)
            pivots.update(value + 1 for value in seen)
    if len(pivots) > 255:  # one byte a code: back to one bucket a band (at most 2 * 99 pivots)
        pivots = {p for low, high, _, _ in bands for p in (low, high + 1)}
    return sorted(pivots)


def _int_codes(
    values: Sequence[int], pivots: list[int], low: int, high: int, via: str = ""
) -> bytes:
    """The bucket code `bisect_right(pivots, v)` of every value, one byte each, at C speed.

    Values in 0..255 are bytes already and a table translates them; a narrow
    range goes through a dict; anything else through `bisect_right`. `low`
    and `high` bound the sample; `via` forces a way (for tests).
    """
    if via == "bytes" or (not via and low >= 0 and high < 256):
        table = bytes(map(bisect_right, repeat(pivots), range(256)))
        try:
            return bytes(values).translate(table)
        except ValueError:  # a value outside 0..255 that the sample missed
            pass
    span = high - low + 1
    if span <= _TABLE_SPAN and (via == "dict" or (not via and span <= len(values) // 8)):
        return bytes(map(_CodeOf(pivots, low, high).__getitem__, values))
    return bytes(map(bisect_right, repeat(pivots), values))


def _code_counts(codes: bytes, pivots: list[int], sample: list[int]) -> list[int]:
    """How many values each code has: the sample's big buckets one pass each, the rest together."""
    size = len(sample)
    ncodes = len(pivots) + 1
    if ncodes <= 16:
        return list(map(codes.count, range(ncodes)))
    edges = [0, *map(bisect_left, repeat(sample), pivots), size]
    big = [j for j in range(ncodes) if (edges[j + 1] - edges[j]) * _BIG >= size]
    counts = [0] * ncodes
    for j in big:
        counts[j] = codes.count(j)
    # The small buckets' codes alone (the big ones deleted) are few enough to count one by one.
    for j, count in Counter(codes.translate(None, bytes(big))).items():
        counts[j] = count
    return counts


def _by_int_codes(
    values: Sequence[int], cuts: list[int], labels: list[int], step: int = 0, via: str = ""
) -> list[int]:
    """Plain ints: bucket codes from sampled pivots; counting the codes places every bucket.

    A bucket whose sorted positions lie in one bin gives its score to all its
    values. A bucket of one value that straddles an edge gives its
    occurrences, in input order, the successive scores of its ranks. Only a
    bucket of several values that straddles an edge (the sample missed the
    edge's neighbourhood, or many distinct values lie there) is sorted.
    `step` forces the sample's stride (for tests).
    """
    n = len(values)
    sample = sorted(values[:: step or max(1, n // 4096)])
    if not step and n >= _PIVOTS_FROM and len(set(sample)) * 4 >= len(sample):
        # Many distinct values: a larger sample narrows the buckets that are sorted.
        sample = sorted(values[:: max(1, n // _PIVOT_SAMPLE)])
    pivots = _int_pivots(sample, n, cuts)
    codes = _int_codes(values, pivots, sample[0], sample[-1], via)
    counts = _code_counts(codes, pivots, sample)
    table = bytearray(256)  # 0 marks a bucket of several values to sort
    runs: list[tuple[int, list[list[int]]]] = []  # markers of one-value buckets on an edge
    narrow: list[tuple[int, int]] = []  # (first sorted position, count) of each bucket to sort
    below = 0
    for j, count in enumerate(counts):
        first, last = _bin_of(below, cuts), _bin_of(below + count - 1, cuts)
        if count == 0 or first == last:
            table[j] = labels[first]
        elif 0 < j < len(pivots) and pivots[j] - pivots[j - 1] == 1:
            # Labels are 1..100 and at most 99 buckets straddle an edge: markers from 101.
            table[j] = 101 + len(runs)
            runs.append((101 + len(runs), _run_groups(below, count, cuts, labels)))
        else:
            narrow.append((below, count))
        below += count
    marked = _relabel(codes.translate(table), runs)
    out = list(marked)
    if narrow:
        _rank_narrow(values, marked, out, narrow=narrow, cuts=cuts, labels=labels)
    return out


def _rank_narrow(
    values: Sequence[T],
    marked: bytes,
    out: list[int],
    *,
    narrow: list[tuple[int, int]],
    cuts: list[int],
    labels: list[int],
) -> None:
    """Score the values marked 0 in `marked`: sorted by value then position, they take their ranks.

    `narrow` lists their buckets, in value order, as (first sorted position,
    count): the sorted values fill them in that order.
    """
    where: list[int] = []
    i = -1
    find = marked.find
    for _ in range(sum(count for _, count in narrow)):
        i = find(0, i + 1)
        where.append(i)
    where.sort(key=values.__getitem__)  # stable: equal values keep their input order
    taken = 0
    for start, count in narrow:
        chunk = where[taken : taken + count]
        deque(map(out.__setitem__, chunk, _run_labels(start, count, cuts, labels)), 0)
        taken += count


def _by_sort(values: Sequence[T], cuts: list[int], labels: list[int]) -> list[int]:
    """Many distinct values, a short input: sort, find the values at the bin edges, then bisect.

    A value strictly between the edge values of bins k-1 and k has every one of
    its ranks inside bin k; only values equal to an edge value need their ranks.
    """
    ordered = sorted(values)
    edges: list[T] = [ordered[cut] for cut in cuts]
    # bisect_right over [min] + edges is 1 + (edges below v) for v not an edge value.
    out = list(map(labels.__getitem__, map(partial(bisect_right, [ordered[0], *edges]), values)))
    below = {edge: bisect_left(ordered, edge) for edge in edges}
    for i, value in enumerate(values):
        if value in below:
            below[value] = position = below[value] + 1
            out[i] = labels[_bin_of(position - 1, cuts)]
    return out


def _by_pivots(values: Sequence[T], cuts: list[int], labels: list[int], step: int) -> list[int]:
    """Many distinct values, a long input: bins from sampled pivots, without a full sort.

    Pivots taken from a sorted sample just below and above each bin edge cut
    the values into buckets; one count of the buckets gives each bucket's
    sorted positions. A bucket whose positions lie in one bin gives its bin to
    all its values (whatever the sample was, this is exact); only the values of
    the narrow buckets around each edge are sorted and ranked. A sample that
    misses an edge only makes a wider bucket to sort.
    """
    n = len(values)
    sample = sorted(values[::step])
    size = len(sample)
    margin = max(1, int(1.5 * size**0.5))
    chosen: set[T] = set()
    for cut in cuts:
        at = cut * size // n
        chosen.add(sample[max(0, at - margin)])
        chosen.add(sample[min(size - 1, at + margin)])
    pivots = sorted(chosen)
    # Bucket j holds the values v with pivots[j - 1] <= v < pivots[j]: one byte each
    # (at most 2 * 99 pivots), so counting and relabelling run at C speed on bytes.
    codes = bytes(map(bisect_right, repeat(pivots), values))
    if len(pivots) < 16:
        counts = list(map(codes.count, range(len(pivots) + 1)))
    else:
        tally = Counter(codes)
        counts = [tally[j] for j in range(len(pivots) + 1)]
    table = bytearray(256)  # 0 marks a narrow bucket: its values are ranked below
    narrow: list[tuple[int, int]] = []  # (first sorted position, count) of each narrow bucket
    below = 0
    for j, count in enumerate(counts):
        first, last = _bin_of(below, cuts), _bin_of(below + count - 1, cuts)
        if count == 0 or first == last:
            table[j] = labels[first]
        else:
            narrow.append((below, count))
        below += count
    marked = codes.translate(table)
    out = list(marked)
    if narrow:
        _rank_narrow(values, marked, out, narrow=narrow, cuts=cuts, labels=labels)
    return out


def _check_cuts(problems: ViolationCollector, field: str, cuts: object, bins: int) -> None:
    if not isinstance(cuts, tuple) or len(cuts) != bins - 1:
        problems.add(field, "cut_count", f"needs exactly {bins - 1} cut points for {bins} bins")
        return
    for i, cut in enumerate(cuts):
        check_number(problems, f"{field}[{i}]", cut)
    if problems:
        return
    for i in range(1, len(cuts)):
        if cuts[i] <= cuts[i - 1]:
            problems.add(
                f"{field}[{i}]",
                "unordered_thresholds",
                f"cut points must increase strictly ({cuts[i - 1]} then {cuts[i]})",
            )


def _tuple(value: object) -> object:
    if isinstance(value, list):
        return tuple(to_decimal_or_int(v) for v in value)
    if isinstance(value, tuple):
        return tuple(to_decimal_or_int(v) for v in value)
    return value


@attrs.frozen
class RfmThresholds:
    """Fixed RFM cut points, as an alternative to quantiles.

    Each measure has `bins - 1` strictly increasing cut points; the bins are
    half-open. Frequency and monetary score `1 + (number of cuts <= value)`;
    recency, in days since the last visit, scores `bins - (number of cuts <=
    days)`, so fewer days score higher, and a customer who never visited
    scores 1.

    Attributes:
        recency_days: Cut points in whole days, such as `(7, 30, 90, 180)`.
        frequency: Cut points in visits.
        monetary: Cut points in net spend (the amount).
        bins: The number of bins.

    Raises:
        ValidationError: a wrong number of cut points, cut points not
            strictly increasing, negative or float cut points.

    Examples:
        >>> from decimal import Decimal
        >>> t = RfmThresholds(recency_days=(7, 30, 90, 180), frequency=(2, 4, 8, 12),
        ...                   monetary=(500, 1000, 3000, 8000))
        >>> t.scores(recency_days=10, frequency=12, monetary=Decimal("999.99"))
        (4, 5, 2)
    """

    recency_days: tuple[int, ...] = attrs.field(converter=_tuple)
    frequency: tuple[int, ...] = attrs.field(converter=_tuple)
    monetary: tuple[int | Decimal, ...] = attrs.field(converter=_tuple)
    bins: int = 5

    def __attrs_post_init__(self) -> None:
        bins = _check_bins(self.bins)
        problems = ViolationCollector()
        _check_cuts(problems, "recency_days", self.recency_days, bins)
        _check_cuts(problems, "frequency", self.frequency, bins)
        _check_cuts(problems, "monetary", self.monetary, bins)
        raise_collected(problems)

    def scores(
        self, *, recency_days: int | None, frequency: int, monetary: int | Decimal
    ) -> tuple[int, int, int]:
        """The `(r, f, m)` scores of one customer.

        Raises:
            ValidationError: `recency_days` or `frequency` is not an int
                from 0 to 2**63 - 1, or `monetary` is not an int or finite
                Decimal.
        """
        if recency_days is not None:
            require_int(recency_days, "recency_days", minimum=0)
        require_int(frequency, "frequency", minimum=0)
        require_real(monetary, "monetary")
        r = 1 if recency_days is None else self.bins - bisect_right(self.recency_days, recency_days)
        f = 1 + bisect_right(self.frequency, frequency)
        m = 1 + bisect_right(self.monetary, monetary)
        return r, f, m


@attrs.frozen
class RfmScore:
    """One customer's RFM measures and scores.

    Attributes:
        customer_id: The customer's id.
        recency_days: Whole days from the last visit to `as_of`, or None if
            the customer never visited.
        frequency: Visits in the summary's window.
        monetary: Net spend in the summary's window (the amount).
        r: The recency score, 1 (long ago) to `bins` (recent).
        f: The frequency score.
        m: The monetary score.
        segment: The named segment, when a scheme was given.
    """

    customer_id: str
    recency_days: int | None
    frequency: int
    monetary: Decimal
    r: int
    f: int
    m: int
    segment: str | None = None

    @property
    def code(self) -> str:
        """The scores as a code such as `"545"` (single-digit bins)."""
        return f"{self.r}{self.f}{self.m}"


def _check_range(
    problems: ViolationCollector, field: str, value: object, bins: int
) -> tuple[int, int] | None:
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        problems.add(field, "not_a_range", "must be a (low, high) pair of ints")
        return None
    low, high = value
    if not 1 <= low <= high <= bins:
        problems.add(field, "out_of_range", f"({low}, {high}) is not within 1..{bins}, low first")
        return None
    return low, high


@attrs.frozen
class Segment:
    """A named RFM segment: every score within its inclusive ranges.

    Attributes:
        name: The segment's name, such as `"Champions"`.
        r: The `(low, high)` range of recency scores, inclusive.
        f: The range of frequency scores.
        m: The range of monetary scores.

    Raises:
        ValidationError: a blank name, or a range that is not a `(low,
            high)` pair of ints (bools refused) with `1 <= low <= high <= 100`
            (100 being the most bins a scheme has); a
            [SegmentScheme][clubrules.tiering.SegmentScheme] checks the
            ranges against its own `bins`.
    """

    name: str
    r: tuple[int, int] = (1, 5)
    f: tuple[int, int] = (1, 5)
    m: tuple[int, int] = (1, 5)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "name", self.name)
        for axis in ("r", "f", "m"):
            _check_range(problems, axis, getattr(self, axis), _MAX_BINS)
        raise_collected(problems)

    def matches(self, r: int, f: int, m: int) -> bool:
        """Whether the scores fall in every range.

        Raises:
            ValidationError: a score that is not an int (a bool, say).
        """
        require_int(r, "r")
        require_int(f, "f")
        require_int(m, "m")
        return self._holds(r, f, m)

    def _holds(self, r: int, f: int, m: int) -> bool:
        return (
            self.r[0] <= r <= self.r[1]
            and self.f[0] <= f <= self.f[1]
            and self.m[0] <= m <= self.m[1]
        )


DEFAULT_SEGMENTS: tuple[Segment, ...] = (
    Segment("Champions", r=(4, 5), f=(4, 5), m=(4, 5)),
    Segment("Can't Lose Them", r=(1, 2), f=(5, 5), m=(4, 5)),
    Segment("Loyal", r=(3, 5), f=(4, 5)),
    Segment("At Risk", r=(1, 2), f=(3, 5)),
    Segment("New Customers", r=(5, 5), f=(1, 1)),
    Segment("Potential Loyalists", r=(4, 5), f=(2, 3)),
    Segment("Promising", r=(4, 4), f=(1, 1)),
    Segment("Need Attention", r=(3, 3), f=(3, 3)),
    Segment("About to Sleep", r=(3, 3), f=(1, 2)),
    Segment("Hibernating", r=(1, 2), f=(1, 2)),
)
"""The default segments for quintiles, in priority order (the first match wins)."""


def _segments(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    return require_items(segments, Segment, "segments")


@attrs.frozen
class SegmentScheme:
    """Named segments in an explicit priority order, with a catch-all.

    A customer belongs to the first segment, in order, whose ranges hold its
    scores; one that no segment holds falls in `catch_all`, so nobody falls
    through. Lookups use a precomputed table of every `(r, f, m)`.

    Attributes:
        segments: The segments, highest priority first.
        catch_all: The name for scores no segment holds.
        bins: The number of score bins (5 for quintiles).

    Raises:
        ValidationError: a range outside `1..bins`, a repeated name, or a
            catch-all that repeats a segment's name.

    Examples:
        >>> scheme = SegmentScheme()
        >>> scheme.name_of(5, 5, 5), scheme.name_of(1, 5, 5), scheme.name_of(1, 1, 1)
        ('Champions', "Can't Lose Them", 'Hibernating')
    """

    segments: tuple[Segment, ...] = attrs.field(default=DEFAULT_SEGMENTS, converter=_segments)
    catch_all: str = "Others"
    bins: int = 5
    _table: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        bins = _check_bins(self.bins)
        problems = ViolationCollector()
        check_text(problems, "catch_all", self.catch_all)
        raise_collected(problems)
        names: set[str] = {self.catch_all}
        for i, segment in enumerate(self.segments):
            check_text(problems, f"segments[{i}].name", segment.name)
            for axis in ("r", "f", "m"):
                _check_range(problems, f"segments[{i}].{axis}", getattr(segment, axis), bins)
            if segment.name in names:
                problems.add(
                    f"segments[{i}].name", "duplicate_name", f"{segment.name!r} is used twice"
                )
            names.add(segment.name)
        raise_collected(problems)
        table = []
        holds = [(s.name, s._holds) for s in self.segments]  # noqa: SLF001 - the module's own class
        for r in range(1, bins + 1):
            for f in range(1, bins + 1):
                for m in range(1, bins + 1):
                    hit = next((name for name, h in holds if h(r, f, m)), None)
                    table.append(self.catch_all if hit is None else hit)
        object.__setattr__(self, "_table", tuple(table))

    def name_of(self, r: int, f: int, m: int) -> str:
        """The segment of one `(r, f, m)`."""
        require_int(r, "r")
        require_int(f, "f")
        require_int(m, "m")
        b = self.bins
        if not (1 <= r <= b and 1 <= f <= b and 1 <= m <= b):
            raise ValidationError(f"scores must be within 1..{b}", field="scores", rule="range")
        return self._table[((r - 1) * b + (f - 1)) * b + (m - 1)]

    def assign_many(self, r: Sequence[int], f: Sequence[int], m: Sequence[int]) -> list[str]:
        """The segment of every `(r[i], f[i], m[i])`: the fast path for whole customer bases.

        Raises:
            ValidationError: a column that is not a list of scores from 1 to
                `bins`, or columns of unequal length.
        """
        b = self.bins
        _check_score_columns(b, r=r, f=f, m=m)
        table = self._table
        offset = -(b * b + b + 1)
        bb = b * b
        return [table[ri * bb + fi * b + mi + offset] for ri, fi, mi in zip(r, f, m, strict=True)]

    def coverage(self) -> dict[str, int]:
        """How many of the `bins**3` score codes each segment (and the catch-all) holds."""
        counts = dict.fromkeys([*(s.name for s in self.segments), self.catch_all], 0)
        for name in self._table:
            counts[name] += 1
        return counts


def _check_score_columns(bins: int, **columns: object) -> None:
    """Each column a list of ints from 1 to `bins` (one pass at C speed each), all as long."""
    lengths = set()
    for name, column in columns.items():
        if isinstance(column, str | bytes) or not hasattr(column, "__len__"):
            raise ValidationError(
                f"must be a list of scores, not {type(column).__name__}",
                field=name,
                rule="not_a_list",
            )
        items = cast("Sequence[int]", column)
        if not set(map(type, items)) <= {int} or (
            items and not 1 <= min(items) <= max(items) <= bins
        ):
            raise ValidationError(f"must hold ints from 1 to {bins}", field=name, rule="range")
        lengths.add(len(items))
    if len(lengths) > 1:
        raise ValidationError("the columns must be as long", field="m", rule="length_mismatch")


def rfm_scores(
    summaries: Sequence[ActivitySummary],
    *,
    as_of: datetime,
    thresholds: RfmThresholds | None = None,
    segments: SegmentScheme | None = None,
    bins: int = 5,
) -> list[RfmScore]:
    """RFM scores of every summary, by quantiles or by fixed thresholds.

    Recency is whole days from the last visit to the explicit `as_of`;
    frequency is visits and monetary net spend in each summary's window.
    With quantiles, ties are broken by the order of `summaries` (pass them
    in customer-id order for reproducible scores); a customer who never
    visited has the worst recency.

    Args:
        summaries: One summary per customer.
        as_of: The instant recency is measured from (aware).
        thresholds: Fixed cut points; quantiles when None.
        segments: A segment scheme to name each customer's segment.
        bins: The number of quantile bins (ignored with `thresholds`).

    Returns:
        One `RfmScore` per summary, in the same order.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: a last visit is after `as_of`, or `bins` is out of range.
    """
    summaries = require_items(summaries, ActivitySummary, "summaries")
    if thresholds is not None:
        require_instance(thresholds, RfmThresholds, "thresholds")
    if segments is not None:
        require_instance(segments, SegmentScheme, "segments")
    require_aware(as_of, "as_of")
    now = to_epoch_us(as_of)
    recency: list[int | None] = []
    for s in summaries:
        if s.last_visit is None:
            recency.append(None)
            continue
        elapsed = now - to_epoch_us(s.last_visit)
        if elapsed < 0:
            raise ValidationError(
                "is before a customer's last visit",
                field="as_of",
                rule="before_last_visit",
                items=[s.customer_id],
            )
        recency.append(elapsed // US_PER_DAY)
    frequency = [s.visits for s in summaries]
    monetary = [s.spend.amount for s in summaries]
    if thresholds is not None:
        triples = [
            thresholds.scores(recency_days=d, frequency=fr, monetary=mo)
            for d, fr, mo in zip(recency, frequency, monetary, strict=True)
        ]
        rs = [t[0] for t in triples]
        fs = [t[1] for t in triples]
        ms = [t[2] for t in triples]
    else:
        never = max((d for d in recency if d is not None), default=0) + 1
        rs = quantile_scores(
            [never if d is None else d for d in recency], bins, higher_is_better=False
        )
        fs = quantile_scores(frequency, bins)
        ms = quantile_scores(monetary, bins)
    names: list[str | None] = (
        [None] * len(rs) if segments is None else list(segments.assign_many(rs, fs, ms))
    )
    return [
        RfmScore(s.customer_id, d, fr, mo, r, f, m, name)
        for s, d, fr, mo, r, f, m, name in zip(
            summaries, recency, frequency, monetary, rs, fs, ms, names, strict=True
        )
    ]
