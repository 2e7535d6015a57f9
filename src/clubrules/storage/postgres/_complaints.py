"""PostgreSQL adapter of the complaints port: optimistic appends guarded by a primary key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from clubrules.errors import NotFoundError
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._complaints import SQLComplaintRepository, decode_events
from clubrules.storage.sql._dialect import POSTGRES

if TYPE_CHECKING:
    from collections.abc import Sequence

    import psycopg

    from clubrules.complaints import CaseEvent
    from clubrules.storage.sql._dialect import Connection

__all__ = ["PostgresComplaintRepository", "events_of"]


def events_of(case_id: str, rows: list[Any]) -> list[CaseEvent]:
    """The events of `ComplaintSQL.log`'s or `.stream`'s rows; `NotFoundError` if none."""
    if not rows:
        raise NotFoundError("case", case_id)
    if rows[0][0] is None:  # the case, with no event after the version asked for
        return []
    return decode_events(rows)


@keys_checked("ComplaintRepository")
class PostgresComplaintRepository(SQLComplaintRepository[PostgresDatabase]):
    """Case event logs in PostgreSQL.

    Implements [ComplaintRepository][clubrules.complaints.ports.ComplaintRepository].

    One row per case in `complaint_cases`, one per event in the
    append-only `complaint_events`, keyed by `(case_id, version)`.
    An append reads the version and inserts the events at the versions after
    it, in one transaction and without locks; an append of one event outside
    a transaction does both in one statement (one round trip), which inserts
    nothing when the stream is at another version. When two writers race at
    the same version, the primary key makes the second insert fail (after the
    first commits), and that unique violation becomes a `StaleVersionError`,
    exactly as a failed version check. Events are `jsonb` documents.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES
    _registered_column = "registered_at"
    _refuses_nul = True
    _appends_in_one = True
    _opens_in_one = True

    def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """Append `events` if the stream is at `expected_version`; the new version.

        Raises:
            StaleVersionError: the stream is not at `expected_version` (nothing is written).
            ValidationError: no events, or a new stream that does not start
                with this case's registration; text with a NUL character
                (rule `nul_character`) or a lone surrogate (`lone_surrogate`),
                naming the field, never the value.
            RetryableStorageError: the connection was lost (nothing was written).
        """
        owns = self._db._owns_transaction()  # noqa: SLF001 - the database's own question
        return self._append(case_id, expected_version, events, owns_transaction=owns)

    def _insert_events(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        if len(rows) == 1:  # the common case: one round trip, no cursor
            conn.execute(self._q.insert, rows[0])
        else:  # a connection of this database: a psycopg one
            with cast("psycopg.Connection[Any]", conn).cursor() as cur:
                cur.executemany(self._q.insert, rows)

    def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """The stream's events after the first `after`; `NotFoundError` if unknown."""
        after = max(after, 0)
        # The events alone, along their primary key: no join with the cases, no sort.
        rows = self._db._fetchall(self._q.log, (case_id, after))  # noqa: SLF001
        if not rows:  # an unknown case, or no event after `after`: one statement tells which
            rows = self._db._fetchall(self._q.stream, (after, case_id))  # noqa: SLF001
        return events_of(case_id, rows)

    def __repr__(self) -> str:
        return "PostgresComplaintRepository()"
