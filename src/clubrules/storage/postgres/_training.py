"""PostgreSQL adapter of the training port: sessions, attendance and completion records."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._dialect import POSTGRES
from clubrules.storage.sql._training import SQLTrainingRepository

__all__ = ["PostgresTrainingRepository"]


@keys_checked("TrainingRepository")
class PostgresTrainingRepository(SQLTrainingRepository[PostgresDatabase]):
    """Training sessions, attendance and completions in PostgreSQL; idempotent adds; exact costs.

    Implements [TrainingRepository][clubrules.training.ports.TrainingRepository].
    Each add is one atomic statement (`INSERT ... ON CONFLICT DO NOTHING`,
    then a read of what won), so concurrent adds from many app servers
    cannot both store a key; attendance is written only for a stored
    session, and a foreign key keeps it so. Costs are `numeric`. Adds are
    idempotent (see Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES
