"""PostgreSQL adapter of the tiering port: activity summaries as one SQL aggregate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._dialect import POSTGRES, with_schema
from clubrules.storage.sql._tiering import SQLActivityRepository

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import tzinfo


__all__ = ["PostgresActivityRepository"]

# The seg CTE maps instants in the window [lo, hi) to the zone's UTC offset,
# so that a record's local day is its UTC wall time plus that offset, exactly
# as Python's astimezone() has it. Refunds are never visits, nor first or last
# visits; spend is purchases minus refunds in the window (exact numeric),
# redemptions excluded. A customer is listed when they have a visit before
# hi, or a purchase or refund in the window. {tenant} is the statements'
# tenant (the transaction's setting), put in once per adapter after the
# schema: the aggregate and its sub-selects read that tenant's records only.
_SUMMARY_SQL = """
WITH seg (lo, hi, off) AS (VALUES {segments}),
g AS (
    SELECT c.customer_id AS customer_id,
        min(c.at) FILTER (WHERE c.kind <> 'refund') AS first_at,
        max(c.at) FILTER (WHERE c.kind <> 'refund') AS last_at,
        count(DISTINCT ((c.at AT TIME ZONE 'UTC') + s.off)::date)
            FILTER (WHERE c.kind <> 'refund' AND s.off IS NOT NULL) AS visits,
        sum(CASE WHEN c.kind = 'purchase' THEN c.amount ELSE -c.amount END)
            FILTER (WHERE c.at >= %(lo)s AND c.kind <> 'redemption') AS net,
        min(c.id) FILTER (WHERE c.at >= %(lo)s AND c.kind <> 'redemption'
            AND c.currency <> %(currency)s) AS foreign_id,
        coalesce(bool_or(c.at >= %(lo)s AND s.off IS NULL), false) AS uncovered
    FROM clubrules.consumption_records AS c
    LEFT JOIN seg AS s ON c.at >= s.lo AND c.at < s.hi
    WHERE c.tenant = {tenant} AND c.at < %(hi)s {customer}
    GROUP BY c.customer_id
    HAVING min(c.at) FILTER (WHERE c.kind <> 'refund') IS NOT NULL OR max(c.at) >= %(lo)s
)
SELECT g.customer_id, g.first_at,
    (SELECT r.at_tz FROM clubrules.consumption_records AS r
        WHERE r.tenant = {tenant} AND r.customer_id = g.customer_id AND r.at = g.first_at
        AND r.kind <> 'refund' ORDER BY r.id LIMIT 1),
    g.last_at,
    (SELECT r.at_tz FROM clubrules.consumption_records AS r
        WHERE r.tenant = {tenant} AND r.customer_id = g.customer_id AND r.at = g.last_at
        AND r.kind <> 'refund' ORDER BY r.id LIMIT 1),
    g.visits, g.net, g.foreign_id, g.uncovered
FROM g ORDER BY g.customer_id
"""

# The first and last instant of the window's records, whose offsets the aggregate needs.
_SPAN_SQL = """
SELECT min(c.at), max(c.at) FROM clubrules.consumption_records AS c
WHERE c.tenant = {tenant} AND c.at >= %(lo)s AND c.at < %(hi)s {customer}
"""

# The UTC days of the window's records, for offsets around them when they span many years.
_DAYS_SQL = """
SELECT DISTINCT (c.at AT TIME ZONE 'UTC')::date AS day FROM clubrules.consumption_records AS c
WHERE c.tenant = {tenant} AND c.at >= %(lo)s AND c.at < %(hi)s {customer}
ORDER BY day
"""

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _customer_filter(customer_id: str | None) -> str:
    """The statements' `{customer}`: nothing for every customer, else the one customer's id."""
    return "" if customer_id is None else "AND c.customer_id = %(customer_id)s"


@keys_checked("ActivityRepository")
class PostgresActivityRepository(SQLActivityRepository[PostgresDatabase]):
    """Activity summaries from one SQL aggregate over the table `consumption_records`.

    Implements [ActivityRepository][clubrules.tiering.ports.ActivityRepository]
    as [SQLiteActivityRepository][clubrules.storage.sqlite.SQLiteActivityRepository]
    does, over the records that
    [PostgresConsumptionRepository][clubrules.storage.postgres.PostgresConsumptionRepository]
    stores; spend is summed as exact `numeric`, and local days come from
    the zone's UTC offsets as Python's tz database has them.

    Args:
        database: The migrated database to use.
        zone: The club's zone: visits are local calendar days there.
        currency: The currency of spend.

    Raises:
        InvalidMoneyError: `currency` is not an ISO 4217 code.
    """

    _dialect = POSTGRES

    def __init__(self, database: PostgresDatabase, *, zone: tzinfo, currency: str = "CNY") -> None:
        super().__init__(database, zone=zone, currency=currency)
        prefix, tenant = database._table_prefix, self._dialect.tenant  # noqa: SLF001
        self._summary_sql, self._span_sql, self._days_sql = (
            with_schema(sql, prefix).replace("{tenant}", tenant)
            for sql in (_SUMMARY_SQL, _SPAN_SQL, _DAYS_SQL)
        )

    def _window(self, sql: str, customer_id: str | None, lo: int, hi: int) -> list[Any]:
        """The rows of `sql` (`_SPAN_SQL`, `_DAYS_SQL`) over `[lo, hi)`: one customer's, or all."""
        params = {"lo": from_epoch_us(lo), "hi": from_epoch_us(hi), "customer_id": customer_id}
        query = sql.format(customer=_customer_filter(customer_id))
        return self._db._fetchall(query, cast("Sequence[object]", params))  # noqa: SLF001

    def _span(self, customer_id: str | None, lo: int, hi: int) -> tuple[int, int] | None:
        first, last = self._window(self._span_sql, customer_id, lo, hi)[0]
        return None if first is None else (to_epoch_us(first), to_epoch_us(last))

    def _days(self, customer_id: str | None, lo: int, hi: int) -> list[int]:
        rows = self._window(self._days_sql, customer_id, lo, hi)
        return [day.toordinal() - _EPOCH_ORDINAL for (day,) in rows]

    def _aggregate(
        self,
        customer_id: str | None,
        lo: int,
        hi: int,
        segments: tuple[tuple[int, int, int], ...],
    ) -> list[Any]:
        params: dict[str, object] = {
            "lo": from_epoch_us(lo),
            "hi": from_epoch_us(hi),
            "currency": self._currency,
            "customer_id": customer_id,
        }
        values = []
        for i, (seg_lo, seg_hi, off) in enumerate(segments):
            values.append(f"(%(lo{i})s::timestamptz, %(hi{i})s::timestamptz, %(off{i})s::interval)")
            params[f"lo{i}"] = from_epoch_us(seg_lo)
            params[f"hi{i}"] = from_epoch_us(seg_hi)
            params[f"off{i}"] = timedelta(microseconds=off)
        sql = self._summary_sql.format(
            segments=", ".join(values),
            customer=_customer_filter(customer_id),
        )
        # The statement and the tenant's setting in one round trip (named parameters).
        return self._db._fetchall(sql, cast("Sequence[object]", params))  # noqa: SLF001
