"""SQLite adapter of the complaints port: event logs appended in `BEGIN IMMEDIATE`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from clubrules.errors import NotFoundError
from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._complaints import SQLComplaintRepository, decode_events
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sqlite._db import SQLiteDatabase

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence

    from clubrules.complaints import CaseEvent
    from clubrules.storage.sql._dialect import Connection

__all__ = ["SQLiteComplaintRepository"]


@keys_checked("ComplaintRepository")
class SQLiteComplaintRepository(SQLComplaintRepository[SQLiteDatabase]):
    """Case event logs in SQLite.

    Implements [ComplaintRepository][clubrules.complaints.ports.ComplaintRepository].

    One row per case in `clubrules_complaint_cases`, one per event in the append-only
    `clubrules_complaint_events`, keyed by `(case_id, version)`. An append checks the
    version and inserts inside one `BEGIN IMMEDIATE` transaction; the primary
    key refuses a second event at a taken version, and that refusal is a
    `StaleVersionError` like a failed check.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE
    _registered_column = "registered_us"
    # One event to a started stream: one statement, its own write transaction (SQLite
    # takes the write lock before the statement's version read).
    _appends_in_one = True

    def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """Append `events` if the stream is at `expected_version`; the new version.

        Raises:
            StaleVersionError: the stream is not at `expected_version` (nothing is written).
            ValidationError: no events, or a new stream that does not start
                with this case's registration; or text with a lone surrogate
                (rule `lone_surrogate`, naming the field, never the value).
            RetryableStorageError: the database stayed locked.
        """
        owns = self._db._owns_transaction()  # noqa: SLF001 - the database's own question
        return self._append(case_id, expected_version, events, owns_transaction=owns)

    def _insert_events(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        if len(rows) == 1:  # the common case
            conn.execute(self._q.insert, rows[0])
        else:  # a connection of this database: a `sqlite3.Connection`
            cast("sqlite3.Connection", conn).executemany(self._q.insert, rows)

    def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """The stream's events after the first `after`; `NotFoundError` if unknown."""
        after = max(after, 0)
        # The events alone, along their primary key: no join with the cases, no sort.
        rows = self._db._fetchall(self._q.log, (case_id, after))  # noqa: SLF001
        if rows:
            return decode_events(rows)
        # No event: one statement (one snapshot) tells an unknown case from an empty tail.
        rows = self._db._fetchall(self._q.stream, (after, case_id))  # noqa: SLF001
        if not rows:
            raise NotFoundError("case", case_id)
        if rows[0][0] is None:  # the case, with no event after `after`
            return []
        return decode_events(rows)
