"""SQLite adapter of the tiering port: activity summaries as one SQL aggregate."""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clubrules._time import from_epoch_us, require_aware, require_order, to_epoch_us
from clubrules.errors import InvalidMoneyError
from clubrules.money import Money
from clubrules.storage._sqlite_db import decode_at
from clubrules.tiering import US_PER_DAY, ActivitySummary
from clubrules.tiering.ports import SummarySource

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence
    from datetime import datetime, tzinfo

    from clubrules.storage._sqlite_db import SQLiteDatabase

__all__ = ["SQLiteActivityRepository"]

_US = timedelta(microseconds=1)
# Shifts every instant past the epoch before dividing, so that SQL integer
# division (which truncates) floors, for any datetime back to year 1.
_DAY_SHIFT_US = 800_000 * US_PER_DAY


def _offset_us(zone: tzinfo, at_us: int) -> int:
    offset = from_epoch_us(at_us).astimezone(zone).utcoffset()
    return 0 if offset is None else offset // _US


@functools.lru_cache(maxsize=256)
def offset_segments(zone: tzinfo, lo: int, hi: int) -> tuple[tuple[int, int, int], ...]:
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


class _DecimalSum:
    """A SQLite aggregate: the exact sum of decimal text (SQLite's own SUM is binary float)."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: str | None) -> None:
        if value is not None:
            self.total = Decimal(value) + (self.total or 0)

    def finalize(self) -> str | None:
        return None if self.total is None else str(self.total)


def register_decimal_sum(conn: sqlite3.Connection) -> None:
    """Make `clubrules_decimal_sum(text)`, an exact decimal SUM, available on a connection."""
    conn.create_aggregate("clubrules_decimal_sum", 1, _DecimalSum)  # type: ignore[arg-type]


# :lo and :hi bound the window (epoch us); the seg CTE maps instants in it to
# UTC offsets. Refunds are never visits, nor first or last visits; spend is
# purchases minus refunds in the window, redemptions excluded. A customer is
# listed when they have a visit before :hi or a purchase or refund in the window.
_SUMMARY_SQL = """
WITH seg (lo, hi, off) AS (VALUES {segments}),
g AS (
    SELECT c.customer_id AS customer_id,
        MIN(CASE WHEN c.kind <> 'refund' THEN c.at_us END) AS first_us,
        MAX(CASE WHEN c.kind <> 'refund' THEN c.at_us END) AS last_us,
        COUNT(DISTINCT CASE WHEN c.kind <> 'refund'
            THEN (c.at_us + s.off + :shift) / :day END) AS visits,
        clubrules_decimal_sum(CASE
            WHEN c.at_us < :lo THEN NULL
            WHEN c.kind = 'purchase' THEN c.amount
            WHEN c.kind = 'refund' THEN '-' || c.amount END) AS net,
        MIN(CASE WHEN c.at_us >= :lo AND c.kind <> 'redemption' AND c.currency <> :currency
            THEN c.id END) AS foreign_id
    FROM consumption_records AS c
    LEFT JOIN seg AS s ON c.at_us >= s.lo AND c.at_us < s.hi
    WHERE c.at_us < :hi {customer}
    GROUP BY c.customer_id
    HAVING first_us IS NOT NULL OR MAX(c.at_us) >= :lo
)
SELECT g.customer_id, g.first_us,
    (SELECT r.at_tz FROM consumption_records AS r WHERE r.customer_id = g.customer_id
        AND r.at_us = g.first_us AND r.kind <> 'refund' ORDER BY r.id LIMIT 1),
    g.last_us,
    (SELECT r.at_tz FROM consumption_records AS r WHERE r.customer_id = g.customer_id
        AND r.at_us = g.last_us AND r.kind <> 'refund' ORDER BY r.id LIMIT 1),
    g.visits, g.net, g.foreign_id
FROM g ORDER BY g.customer_id
"""


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


class SQLiteActivityRepository:
    """Activity summaries straight from a SQL aggregate over the consumption records.

    Implements [ActivityRepository][clubrules.tiering.ports.ActivityRepository]
    with `source` `SummarySource.AGGREGATE`: one `GROUP BY customer_id` over
    the `consumption_records` table (which
    [SQLiteConsumptionRepository][clubrules.storage.sqlite.SQLiteConsumptionRepository]
    fills) computes first and last visit, visits (distinct local days, from
    the zone's UTC offsets over the window) and net spend (an exact decimal
    sum) in one statement, a consistent snapshot. The results equal what
    [summarize_activity][clubrules.tiering.summarize_activity] computes from
    the same records.

    Args:
        database: The migrated database to use.
        zone: The club's zone: visits are local calendar days there.
        currency: The currency of spend.

    Raises:
        InvalidMoneyError: `currency` is not an ISO 4217 code.
    """

    def __init__(self, database: SQLiteDatabase, *, zone: tzinfo, currency: str = "CNY") -> None:
        Money.zero(currency)
        self._db = database
        self._zone = zone
        self._currency = currency

    @property
    def source(self) -> SummarySource:
        """Always `SummarySource.AGGREGATE`: summaries come from one SQL aggregate."""
        return SummarySource.AGGREGATE

    def _query(
        self, customer_id: str | None, start: datetime, end: datetime
    ) -> list[ActivitySummary]:
        lo, hi = check_window(start, end)
        segments = offset_segments(self._zone, lo, hi) or ((0, 0, 0),)  # VALUES needs a row
        params: dict[str, object] = {
            "lo": lo,
            "hi": hi,
            "shift": _DAY_SHIFT_US,
            "day": US_PER_DAY,
            "currency": self._currency,
            "customer_id": customer_id,
        }
        values = []
        for i, (seg_lo, seg_hi, off) in enumerate(segments):
            values.append(f"(:lo{i}, :hi{i}, :off{i})")
            params.update({f"lo{i}": seg_lo, f"hi{i}": seg_hi, f"off{i}": off})
        sql = _SUMMARY_SQL.format(
            segments=", ".join(values),
            customer="" if customer_id is None else "AND c.customer_id = :customer_id",
        )
        with self._db.connection() as conn:
            register_decimal_sum(conn)
            rows = conn.execute(sql, params).fetchall()
        return [
            build_summary(
                row,
                start=start,
                end=end,
                currency=self._currency,
                first=None if row[1] is None else decode_at(row[1], row[2]),
                last=None if row[3] is None else decode_at(row[3], row[4]),
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

    def __repr__(self) -> str:
        return f"SQLiteActivityRepository({self._db.path!r}, zone={self._zone!s})"
