"""PostgreSQL adapters of the care ports: care tasks issued, and survey responses."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._care import SQLCareTaskRepository, SQLSurveyResponseRepository
from clubrules.storage.sql._dialect import POSTGRES

__all__ = ["PostgresCareTaskRepository", "PostgresSurveyResponseRepository"]


@keys_checked("CareTaskRepository")
class PostgresCareTaskRepository(SQLCareTaskRepository[PostgresDatabase]):
    """Care tasks issued, in PostgreSQL: one row per customer, kind and due date.

    Implements [CareTaskRepository][clubrules.care.ports.CareTaskRepository].
    A unique index on `(tenant, customer_id, kind, due)` makes `add` one atomic
    `INSERT ... ON CONFLICT DO NOTHING`: the first task under a key wins,
    also between app servers sharing the database.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES

    def __init__(self, database: PostgresDatabase) -> None:
        super().__init__(database)
        self._last_issued = (
            "SELECT DISTINCT ON (customer_id) customer_id, at, at_tz"  # noqa: S608 - constant
            f" FROM {self._table} WHERE tenant = {self._dialect.tenant} AND rule = %s"
            " ORDER BY customer_id, at DESC"
        )


@keys_checked("SurveyResponseRepository")
class PostgresSurveyResponseRepository(SQLSurveyResponseRepository[PostgresDatabase]):
    """Survey responses in PostgreSQL, idempotent by id; ratings as a `jsonb` array.

    Implements [SurveyResponseRepository][clubrules.care.ports.SurveyResponseRepository].
    Adds are idempotent by id (see Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES
