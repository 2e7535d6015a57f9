"""The tiering adapter both SQL databases share: the window, the zone's offsets, the summary.

`SQLiteActivityRepository` and `PostgresActivityRepository` subclass
`SQLActivityRepository` and keep only their aggregate statement, which is
written in each database's own SQL (an exact decimal SUM registered on the
SQLite connection, `FILTER` clauses and `numeric` in PostgreSQL).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from clubrules._time import from_epoch_us, require_aware, require_order, to_epoch_us
from clubrules.errors import InvalidMoneyError
from clubrules.money import Money
from clubrules.storage.sql._dialect import DB, SQLAdapter
from clubrules.tiering import US_PER_DAY, ActivitySummary
from clubrules.tiering.ports import SummarySource

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, tzinfo


__all__ = [
    "SQLActivityRepository",
    "Segments",
    "build_summary",
    "check_window",
    "offset_segments",
]

Segments: TypeAlias = tuple[tuple[int, int, int], ...]
"""A zone's UTC offsets over runs of time: `(from, to, offset)`, all in microseconds."""

_US = timedelta(microseconds=1)

# How many times a summary reads the span of its records before it takes the whole window.
_SPAN_READS = 3

# Records spanning more days than this have their offsets sampled around the
# days that hold records (`offset_runs`), not day by day across the span: a
# record in year 2 and one in year 9998 would take seconds.
_SPAN_DAYS = 4_000

# Record days at most this far apart are sampled as one run (see `offset_runs`).
_RUN_GAP_DAYS = 31


def _offset_us(zone: tzinfo, at_us: int) -> int:
    offset = from_epoch_us(at_us).astimezone(zone).utcoffset()
    return 0 if offset is None else offset // _US


@functools.lru_cache(maxsize=256)
def offset_segments(zone: tzinfo, lo: int, hi: int) -> Segments:
    """The zone's UTC offset over `[lo, hi)` (epoch microseconds), as `(from, to, offset)` runs.

    A record's local day is then `floor((at_us + offset) / US_PER_DAY)`,
    exactly the date of `at.astimezone(zone)`, which SQL can compute. The
    offset is sampled daily and each change is pinned to the microsecond by
    bisection. An empty window gives an empty tuple.
    """
    if hi <= lo:
        return ()
    runs: list[tuple[int, int, int]] = []
    run_lo, run_off = lo, _offset_us(zone, lo)
    probe = lo
    while probe < hi - 1:
        step = min(probe + US_PER_DAY, hi - 1)
        if _offset_us(zone, step) == run_off:
            probe = step
            continue
        same, other = probe, step  # bisect for the first microsecond with another offset
        while other - same > 1:
            middle = (same + other) // 2
            if _offset_us(zone, middle) == run_off:
                same = middle
            else:
                other = middle
        runs.append((run_lo, other, run_off))
        run_lo, run_off, probe = other, _offset_us(zone, other), other
    runs.append((run_lo, hi, run_off))
    return tuple(runs)


def offset_runs(zone: tzinfo, days: Sequence[int], lo: int, hi: int) -> Segments:
    """The zone's offsets over the UTC days `days` (sorted, numbered from the epoch) in `[lo, hi)`.

    Days at most `_RUN_GAP_DAYS` apart share one run, sampled as
    `offset_segments` does; a longer gap between records is left out, so the
    days sampled are at most `_RUN_GAP_DAYS + 1` per record day, however
    many years lie between the records. A record in a gap (written after
    `days` was read) is in no segment, and shows as `uncovered`.
    """
    runs: list[tuple[int, int, int]] = []
    i = 0
    while i < len(days):
        first = last = days[i]
        i += 1
        while i < len(days) and days[i] - last <= _RUN_GAP_DAYS:
            last = days[i]
            i += 1
        runs.extend(
            offset_segments(zone, max(lo, first * US_PER_DAY), min(hi, (last + 1) * US_PER_DAY))
        )
    return tuple(runs)


def check_window(start: datetime, end: datetime) -> tuple[int, int]:
    """Check an activity window and give its bounds in epoch microseconds.

    Raises:
        NaiveDatetimeError: a bound is naive.
        InvalidIntervalError: `end` is before `start`.
    """
    require_aware(start, "start")
    require_aware(end, "end")
    require_order(start, end, start_field="start", end_field="end", allow_empty=True)
    return to_epoch_us(start), to_epoch_us(end)


def build_summary(
    row: Sequence[Any],
    *,
    start: datetime,
    end: datetime,
    currency: str,
    first: datetime | None,
    last: datetime | None,
) -> ActivitySummary:
    """One `ActivitySummary` from an aggregate row `(id, ..., visits, net, foreign_id)`.

    Raises:
        InvalidMoneyError: a counted record is in another currency.
    """
    customer_id, visits, net, foreign_id = row[0], row[5], row[6], row[7]
    if foreign_id is not None:
        raise InvalidMoneyError(
            f"record {foreign_id!r} is not in {currency}",
            field="currency",
            rule="currency_mismatch",
            items=[foreign_id],
        )
    spend = Decimal(0) if net is None else max(Decimal(net), Decimal(0))
    return ActivitySummary(
        customer_id=customer_id,
        start=start,
        end=end,
        visits=visits,
        spend=Money(spend, currency),
        first_visit=first,
        last_visit=last,
    )


class SQLActivityRepository(SQLAdapter[DB]):
    """The body of the SQL activity repositories; subclasses set `_dialect` and `_aggregate`."""

    def __init__(self, database: DB, *, zone: tzinfo, currency: str = "CNY") -> None:
        Money.zero(currency)
        super().__init__(database)
        self._zone = zone
        self._currency = currency

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._dialect.describe(self._db)}, zone={self._zone!s})"

    @property
    def source(self) -> SummarySource:
        """Always `SummarySource.AGGREGATE`: summaries come from one SQL aggregate."""
        return SummarySource.AGGREGATE

    def _aggregate(
        self, customer_id: str | None, lo: int, hi: int, segments: Segments
    ) -> list[Any]:
        """The aggregate rows: id, first, its zone, last, its zone, visits, net, foreign, uncovered.

        `lo` and `hi` bound the window in epoch microseconds; `segments` are
        the zone's offsets (`offset_segments`) over part of it. `uncovered`
        is true when a record in the window lies outside every segment.
        """
        raise NotImplementedError

    def _span(self, customer_id: str | None, lo: int, hi: int) -> tuple[int, int] | None:
        """The first and last instant (epoch microseconds) of the records in `[lo, hi)`."""
        raise NotImplementedError

    def _days(self, customer_id: str | None, lo: int, hi: int) -> list[int]:
        """The UTC days (day numbers since the epoch) of the records in `[lo, hi)`, sorted."""
        raise NotImplementedError

    def _segments(self, customer_id: str | None, lo: int, hi: int) -> Segments:
        """The zone's offsets where the window's records are: over their span, or their days.

        A span of up to `_SPAN_DAYS` days is sampled day by day; a longer
        one (records in year 2 and in year 9998) around the days that hold
        records, so the work follows the records, not the years between them.
        """
        span = self._span(customer_id, lo, hi)
        if span is None:
            return ()
        if span[1] - span[0] <= _SPAN_DAYS * US_PER_DAY:
            return offset_segments(self._zone, span[0], span[1] + 1)
        return offset_runs(self._zone, self._days(customer_id, lo, hi), lo, hi)

    def _covered(self, customer_id: str | None, lo: int, hi: int) -> list[Any]:
        """The aggregate rows, with the zone's offsets where the window's records are.

        Only the records' instants need offsets, and sampling them day by
        day over the whole window would take minutes for a window that ends
        in year 9999 (see `_segments`). A record written between the
        statements, outside the segments, shows as `uncovered`: the
        segments are worked out again.
        """
        for _ in range(_SPAN_READS):
            segments = self._segments(customer_id, lo, hi)
            rows = self._aggregate(customer_id, lo, hi, segments or ((0, 0, 0),))
            if not any(row[8] for row in rows):
                return rows
        # Records keep arriving outside the span: the offsets over the whole window.
        return self._aggregate(customer_id, lo, hi, offset_segments(self._zone, lo, hi))

    def _query(
        self, customer_id: str | None, start: datetime, end: datetime
    ) -> list[ActivitySummary]:
        lo, hi = check_window(start, end)
        rows = self._covered(customer_id, lo, hi)
        d = self._dialect
        return [
            build_summary(
                row,
                start=start,
                end=end,
                currency=self._currency,
                first=None if row[1] is None else d.decode_at(row[1], row[2]),
                last=None if row[3] is None else d.decode_at(row[3], row[4]),
            )
            for row in rows
        ]

    def summary(self, customer_id: str, *, start: datetime, end: datetime) -> ActivitySummary:
        """One customer's summary over `[start, end)`; an empty one without records.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
            InvalidMoneyError: a counted record is in another currency.
        """
        found = self._query(customer_id, start, end)
        if found:
            return found[0]
        return ActivitySummary(
            customer_id=customer_id, start=start, end=end, spend=Money.zero(self._currency)
        )

    def summaries(self, *, start: datetime, end: datetime) -> list[ActivitySummary]:
        """The summary of every customer with a record before `end`, ordered by id.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
            InvalidMoneyError: a counted record is in another currency.
        """
        return self._query(None, start, end)
