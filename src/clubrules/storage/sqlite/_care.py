"""SQLite adapters of the care ports: care tasks issued, and survey responses."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._care import SQLCareTaskRepository, SQLSurveyResponseRepository
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sqlite._db import SQLiteDatabase

__all__ = ["SQLiteCareTaskRepository", "SQLiteSurveyResponseRepository"]


@keys_checked("CareTaskRepository")
class SQLiteCareTaskRepository(SQLCareTaskRepository[SQLiteDatabase]):
    """Care tasks issued, in SQLite: one row per customer, kind and due date.

    Implements [CareTaskRepository][clubrules.care.ports.CareTaskRepository].
    A unique index on `(tenant, customer_id, kind, due)` makes `add` one atomic
    `INSERT ... ON CONFLICT DO NOTHING`: the first task under a key wins,
    also between threads and processes sharing the file.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE

    def __init__(self, database: SQLiteDatabase) -> None:
        super().__init__(database)
        # With a single MAX(), SQLite takes the bare at_tz from the row holding the maximum.
        self._last_issued = (
            f"SELECT customer_id, MAX(at_us), at_tz FROM {self._table}"  # noqa: S608 - constant
            f" WHERE tenant = {self._dialect.tenant} AND rule = ?"
            " GROUP BY customer_id ORDER BY customer_id"
        )


@keys_checked("SurveyResponseRepository")
class SQLiteSurveyResponseRepository(SQLSurveyResponseRepository[SQLiteDatabase]):
    """Survey responses in SQLite, idempotent by id; ratings as a JSON array.

    Implements [SurveyResponseRepository][clubrules.care.ports.SurveyResponseRepository].
    Adds are idempotent by id (see Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE
