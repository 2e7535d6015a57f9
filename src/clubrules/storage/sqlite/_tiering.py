"""SQLite adapter of the tiering port: activity summaries as one SQL aggregate."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clubrules._checks import EXACT_DECIMALS
from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sql._tiering import SQLActivityRepository
from clubrules.storage.sqlite._db import SQLiteDatabase
from clubrules.tiering import US_PER_DAY

if TYPE_CHECKING:
    import sqlite3
    from datetime import tzinfo


__all__ = ["SQLiteActivityRepository"]

# Shifts every instant past the epoch before dividing, so that SQL integer
# division (which truncates) floors, for any datetime back to year 1.
_DAY_SHIFT_US = 800_000 * US_PER_DAY


_ZERO = Decimal(0)


class _DecimalSum:
    """A SQLite aggregate: the exact sum of decimal text (SQLite's own SUM is binary float)."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: str | None) -> None:
        # Exact whatever the calling thread's decimal context (SQLite calls back in it).
        if value is not None:
            self.total = EXACT_DECIMALS.add(Decimal(value), self.total or _ZERO)

    def finalize(self) -> str | None:
        # Plain notation, without the context's choice of exponent letter.
        return None if self.total is None else format(self.total, "f")


def register_decimal_sum(conn: sqlite3.Connection) -> None:
    """Make `clubrules_decimal_sum(text)`, an exact decimal SUM, available on a connection."""
    conn.create_aggregate("clubrules_decimal_sum", 1, _DecimalSum)  # type: ignore[arg-type]


# :lo and :hi bound the window (epoch us); the seg CTE maps instants in it to
# UTC offsets. Refunds are never visits, nor first or last visits; spend is
# purchases minus refunds in the window, redemptions excluded. A customer is
# listed when they have a visit before :hi or a purchase or refund in the window.
# {tenant} is the adapter's tenant (a literal, put in once per adapter): the
# aggregate and its sub-selects read that tenant's records only.
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
            THEN c.id END) AS foreign_id,
        MAX(c.at_us >= :lo AND s.off IS NULL) AS uncovered
    FROM clubrules_consumption_records AS c
    LEFT JOIN seg AS s ON c.at_us >= s.lo AND c.at_us < s.hi
    WHERE c.tenant = {tenant} AND c.at_us < :hi {customer}
    GROUP BY c.customer_id
    HAVING first_us IS NOT NULL OR MAX(c.at_us) >= :lo
)
SELECT g.customer_id, g.first_us,
    (SELECT r.at_tz FROM clubrules_consumption_records AS r WHERE r.tenant = {tenant}
        AND r.customer_id = g.customer_id AND r.at_us = g.first_us AND r.kind <> 'refund'
        ORDER BY r.id LIMIT 1),
    g.last_us,
    (SELECT r.at_tz FROM clubrules_consumption_records AS r WHERE r.tenant = {tenant}
        AND r.customer_id = g.customer_id AND r.at_us = g.last_us AND r.kind <> 'refund'
        ORDER BY r.id LIMIT 1),
    g.visits, g.net, g.foreign_id, g.uncovered
FROM g ORDER BY g.customer_id
"""

# The first and last instant of the window's records, whose offsets the aggregate needs.
_SPAN_SQL = """
SELECT MIN(c.at_us), MAX(c.at_us) FROM clubrules_consumption_records AS c
WHERE c.tenant = {tenant} AND c.at_us >= :lo AND c.at_us < :hi {customer}
"""

# The UTC days of the window's records, for offsets around them when they span many years.
_DAYS_SQL = """
SELECT DISTINCT (c.at_us + :shift) / :day FROM clubrules_consumption_records AS c
WHERE c.tenant = {tenant} AND c.at_us >= :lo AND c.at_us < :hi {customer}
ORDER BY 1
"""


def _customer_filter(customer_id: str | None) -> str:
    """The statements' `{customer}`: nothing for every customer, else the one customer's id."""
    return "" if customer_id is None else "AND c.customer_id = :customer_id"


@keys_checked("ActivityRepository")
class SQLiteActivityRepository(SQLActivityRepository[SQLiteDatabase]):
    """Activity summaries straight from a SQL aggregate over the consumption records.

    Implements [ActivityRepository][clubrules.tiering.ports.ActivityRepository]
    with `source` `SummarySource.AGGREGATE`: one `GROUP BY customer_id` over
    the `clubrules_consumption_records` table (which
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

    _dialect = SQLITE

    def __init__(self, database: SQLiteDatabase, *, zone: tzinfo, currency: str = "CNY") -> None:
        super().__init__(database, zone=zone, currency=currency)
        self._summary_sql = _SUMMARY_SQL.replace("{tenant}", self._dialect.tenant)
        self._span_sql = _SPAN_SQL.replace("{tenant}", self._dialect.tenant)
        self._days_sql = _DAYS_SQL.replace("{tenant}", self._dialect.tenant)

    def _span(self, customer_id: str | None, lo: int, hi: int) -> tuple[int, int] | None:
        sql = self._span_sql.format(customer=_customer_filter(customer_id))
        params = {"lo": lo, "hi": hi, "customer_id": customer_id}
        with self._db.connection() as conn:
            first, last = conn.execute(sql, params).fetchone()
        return None if first is None else (first, last)

    def _days(self, customer_id: str | None, lo: int, hi: int) -> list[int]:
        sql = self._days_sql.format(customer=_customer_filter(customer_id))
        params = {
            "lo": lo,
            "hi": hi,
            "shift": _DAY_SHIFT_US,
            "day": US_PER_DAY,
            "customer_id": customer_id,
        }
        shift_days = _DAY_SHIFT_US // US_PER_DAY
        with self._db.connection() as conn:
            return [day - shift_days for (day,) in conn.execute(sql, params)]

    def _aggregate(
        self,
        customer_id: str | None,
        lo: int,
        hi: int,
        segments: tuple[tuple[int, int, int], ...],
    ) -> list[Any]:
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
        sql = self._summary_sql.format(
            segments=", ".join(values),
            customer=_customer_filter(customer_id),
        )
        with self._db.connection() as conn:
            register_decimal_sum(conn)
            return conn.execute(sql, params).fetchall()
