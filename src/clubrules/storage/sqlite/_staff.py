"""SQLite adapter of the staff port: rubrics by version, score sheets and warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.errors import DuplicateError
from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sql._staff import (
    SQLAssessmentRepository,
    cycle_taken,
    read_sheets,
    sheet_by_id,
    sheet_insert,
    sheet_parts,
    sheet_row,
)
from clubrules.storage.sqlite._db import SQLiteDatabase

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from clubrules.staff import ScoreSheet
    from clubrules.storage.sql._dialect import Connection

__all__ = ["SQLiteAssessmentRepository"]


@keys_checked("AssessmentRepository")
class SQLiteAssessmentRepository(SQLAssessmentRepository[SQLiteDatabase]):
    """Rubrics, score sheets and warnings in SQLite; idempotent adds; points as exact text.

    Implements [AssessmentRepository][clubrules.staff.ports.AssessmentRepository].
    A rubric version is one row holding the rubric as a JSON document; a
    score sheet is a row with its period, total and band, plus one row per
    criterion subtotal and per line, written together in one
    `BEGIN IMMEDIATE` transaction that first checks the sheet id and the
    staff member's cycle. A unique index also holds the rule of one periodic
    sheet per person and cycle (per tenant). Adds are idempotent (see
    Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.

    Examples:
        >>> from clubrules.staff import seed_rubric
        >>> from clubrules.storage.sqlite import SQLiteDatabase
        >>> with SQLiteDatabase(":memory:") as db:
        ...     _ = db.migrate()
        ...     repository = SQLiteAssessmentRepository(db)
        ...     repository.add_rubric(seed_rubric()), repository.add_rubric(seed_rubric())
        (True, False)
    """

    _dialect = SQLITE

    def _snapshot(self) -> AbstractContextManager[Connection]:
        # One read transaction: the three queries see the same snapshot.
        return self._db.transaction(immediate=False)

    def add_sheet(self, sheet: ScoreSheet) -> bool:
        """Store a sheet; False if stored as is; `DuplicateError` on a taken id or cycle."""
        with self._db.transaction(immediate=True) as conn:
            found = read_sheets(self._dialect, conn, sheet_by_id(self._dialect), (sheet.id,))
            if found:
                if found[0] == sheet:
                    return False
                raise DuplicateError(f"score sheet {sheet.id!r} already exists with other content")
            refusal = cycle_taken(self._dialect, conn, sheet)
            if refusal is not None:
                raise refusal
            conn.execute(sheet_insert(self._dialect), sheet_row(self._dialect, sheet))
            criteria_sql, criteria, lines_sql, lines = sheet_parts(self._dialect, sheet)
            conn.executemany(criteria_sql, criteria)
            conn.executemany(lines_sql, lines)
        return True
