"""Single-statement writes whose changed rows an adapter counts, in one round trip.

On PostgreSQL, `connection()` is a transaction of its own (BEGIN, the
tenant's setting, the statement, COMMIT), while `_fetchall` sends the
setting and the statement together. So a write whose outcome depends on how
many rows it changed (an insert that may meet a taken key, an update of a
row that may be missing, a compare-and-swap) returns one row per changed
row there (`RETURNING 1`), and is counted by `_fetchall`. SQLite's cursor
counts the rows itself, and a borrowed SQLite connection costs nothing more.
A write of any number of rows (a purge) is counted by the server instead
(`tally`): one row comes back, whatever it changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clubrules.storage.sql._dialect import Database, Dialect

__all__ = ["changed", "counted", "tally"]


def counted(d: Dialect, statement: str) -> str:
    """`statement` (an INSERT, UPDATE or DELETE) as `changed` sends it in dialect `d`.

    PostgreSQL's (a dialect whose tenant is the setting, not a literal)
    returns one row per row it changes; the async adapters count the same
    text by its `rowcount`.
    """
    return statement if d.tenant_literal else f"{statement} RETURNING 1"


def changed(db: Database, d: Dialect, statement: str, params: Sequence[object]) -> int:
    """Run `statement` (made by `counted`) as `db`'s tenant; how many rows it changed."""
    if d.tenant_literal:  # SQLite: the statements are rendered per tenant, the cursor counts
        with db.connection() as conn:
            return conn.execute(statement, params).rowcount
    return len(db._fetchall(statement, params))  # noqa: SLF001 - the databases' read helper


def tally(db: Database, d: Dialect, statement: str, params: Sequence[object]) -> int:
    """Run `statement` (an UPDATE or DELETE of any number of rows) as `db`'s tenant; how many.

    On PostgreSQL the count comes back as one row (`WITH ... SELECT count(*)`),
    in one round trip, however many rows the statement changed.
    """
    if d.tenant_literal:
        with db.connection() as conn:
            return conn.execute(statement, params).rowcount
    query = f"WITH changed AS ({statement} RETURNING 1) SELECT count(*) FROM changed"  # noqa: S608
    return int(db._fetchone(query, params)[0])  # noqa: SLF001 - the databases' read helper
