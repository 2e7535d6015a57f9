"""SQLite adapter of the training port: sessions, attendance and completion records."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sql._training import SQLTrainingRepository
from clubrules.storage.sqlite._db import SQLiteDatabase

__all__ = ["SQLiteTrainingRepository"]


@keys_checked("TrainingRepository")
class SQLiteTrainingRepository(SQLTrainingRepository[SQLiteDatabase]):
    """Training sessions, attendance and completions in SQLite; idempotent adds; costs as text.

    Implements [TrainingRepository][clubrules.training.ports.TrainingRepository].
    Each add is one atomic statement: `INSERT ... ON CONFLICT DO NOTHING`,
    then a read of what is stored when the key was taken; attendance is
    written only for a stored session (`INSERT ... SELECT ... WHERE
    EXISTS`), and a foreign key keeps it so. Adds are idempotent (see
    Idempotent adds on the storage reference page).

    Args:
        database: The migrated database to use.

    Examples:
        >>> from datetime import datetime
        >>> from zoneinfo import ZoneInfo
        >>> from clubrules.training import Attendance, TrainingSession
        >>> at = datetime(2026, 3, 12, 14, tzinfo=ZoneInfo("Asia/Shanghai"))
        >>> session = TrainingSession(id="t-1", kind="safety", topic="first aid",
        ...                           method="external", start=at, end=at.replace(hour=17))
        >>> with SQLiteDatabase(":memory:") as db:
        ...     _ = db.migrate()
        ...     repository = SQLiteTrainingRepository(db)
        ...     repository.add_session(session), repository.add_session(session)
        ...     repository.add_attendance(Attendance(session_id="t-1", staff_id="cs-07"))
        (True, False)
        True
    """

    _dialect = SQLITE
