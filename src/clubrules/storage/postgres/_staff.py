"""PostgreSQL adapter of the staff port: rubrics by version, score sheets and warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.errors import DuplicateError
from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql import _staff as sql_staff
from clubrules.storage.sql._dialect import POSTGRES
from clubrules.storage.sql._staff import SQLAssessmentRepository

if TYPE_CHECKING:
    from clubrules.staff import ScoreSheet

__all__ = ["PostgresAssessmentRepository"]


@keys_checked("AssessmentRepository")
class PostgresAssessmentRepository(SQLAssessmentRepository[PostgresDatabase]):
    """Rubrics, score sheets and warnings in PostgreSQL; idempotent adds; points as numeric.

    Implements [AssessmentRepository][clubrules.staff.ports.AssessmentRepository].
    A rubric version is one row holding the rubric as `jsonb`; a score
    sheet is a row with its period, total and band, plus one row per
    criterion subtotal and per line, inserted in one transaction. The rule
    of one periodic sheet per person and cycle is a partial unique index
    (per tenant), so concurrent adds from many app servers cannot both
    win. Adds are idempotent (see Idempotent adds on the storage reference
    page).

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES

    def add_sheet(self, sheet: ScoreSheet) -> bool:
        """Store a sheet; False if stored as is; `DuplicateError` on a taken id or cycle."""
        with self._db.transaction() as conn:
            # No conflict target: a taken (tenant, id) and a taken cycle (the partial
            # index staff_sheets_one_per_cycle on tenant, staff, cycle) both do nothing.
            cursor = conn.execute(
                f"{sql_staff.sheet_insert(self._dialect)} ON CONFLICT DO NOTHING",
                sql_staff.sheet_row(self._dialect, sheet),
            )
            if cursor.rowcount == 1:
                criteria_sql, criteria, lines_sql, lines = sql_staff.sheet_parts(
                    self._dialect, sheet
                )
                with conn.cursor() as many:
                    many.executemany(criteria_sql, criteria)
                    many.executemany(lines_sql, lines)
                return True
            found = sql_staff.read_sheets(
                self._dialect, conn, sql_staff.sheet_by_id(self._dialect), (sheet.id,)
            )
            refusal = None if found else sql_staff.cycle_taken(self._dialect, conn, sheet)
        if found and found[0] == sheet:
            return False
        if refusal is not None:
            raise refusal
        raise DuplicateError(f"score sheet {sheet.id!r} already exists with other content")
