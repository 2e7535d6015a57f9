"""Single-statement writes whose changed rows an adapter counts, in one round trip.

On PostgreSQL, `connection()` is a transaction of its own (BEGIN, the
tenant's setting, the statement, COMMIT), while `_fetchall` sends the
setting and the statement together. So a write whose outcome depends on how
many rows it changed (an insert that may meet a taken key, an update of a
row that may be missing, a compare-and-swap) returns one row per changed
row there (`RETURNING 1`), and is counted by `_fetchall`. SQLite's cursor
counts the rows itself, and a borrowed SQLite connection costs nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clubrules.storage.sql._dialect import Database, Dialect

__all__ = ["changed", "counted"]


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
