"""The training adapter both SQL databases share: rows, statements and method bodies.

`SQLiteTrainingRepository` and `PostgresTrainingRepository` subclass
`SQLTrainingRepository`, naming their database and `Dialect`; every write
is one statement, so neither needs a transaction of its own. Every statement
keeps to the dialect's tenant: session, completion and attendance keys are
unique within a tenant, and attendance needs a session of the same tenant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clubrules.errors import NotFoundError
from clubrules.storage._fronts import CompletionReads, attendance_answer
from clubrules.storage.sql import _layout as field
from clubrules.storage.sql._dialect import DB, SQLAdapter
from clubrules.storage.sql._layout import RowLayout
from clubrules.training import Attendance, Completion, TrainingSession

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["SQLTrainingRepository"]

_SESSION = RowLayout(
    "training_sessions",
    TrainingSession,
    "id",
    field.enum("kind"),
    "topic",
    field.enum("method"),
    field.instant("start", "starts_at"),
    field.instant("end", "ends_at"),
    "trainer",
    field.money("cost"),  # read back as its exact text, whatever the database stores
)
_COMPLETION = RowLayout(
    "training_completions",
    Completion,
    "id",
    "staff_id",
    field.enum("kind"),
    "topic",
    field.enum("method"),
    field.instant("completed_at"),
    "session_id",
)


class SQLTrainingRepository(SQLAdapter[DB], CompletionReads):
    """The body of the SQL training repositories; subclasses set `_dialect`."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        self._attendance = d.table("training_attendance")
        self._session = _SESSION.bind(d)
        self._completion = _COMPLETION.bind(d)

    def add_session(self, session: TrainingSession) -> bool:
        """Store a session; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another session is stored under this id.
        """
        return self._session.add(self._db, session, "training session")

    def sessions(
        self, *, start: datetime | None = None, end: datetime | None = None
    ) -> list[TrainingSession]:
        """The sessions that start in `[start, end)`, by start then id.

        Raises as `TrainingRepository.sessions`.
        """
        sessions = self._session
        rows = self._in_window(
            sessions.table, sessions.reads, "id", None, start=start, end=end, column="starts_at"
        )
        return [sessions.read(r) for r in rows]

    def add_attendance(self, attendance: Attendance) -> bool:
        """Store who attended a session; True if stored, False if already stored as is.

        One `INSERT ... SELECT ... WHERE EXISTS` that writes only for a stored
        session, and does nothing when the pair is already recorded.

        Raises:
            NotFoundError: the session is not stored.
            DuplicateError: another status is stored for this session and staff member.
        """
        d = self._dialect
        p = d.param
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO {self._attendance} (tenant, session_id, staff_id, status)"  # noqa: S608
                f" SELECT {d.tenant}, {p}, {p}, {p} WHERE EXISTS"
                f" (SELECT 1 FROM {self._session.table} WHERE tenant = {d.tenant} AND id = {p})"
                " ON CONFLICT (tenant, session_id, staff_id) DO NOTHING",
                (
                    attendance.session_id,
                    attendance.staff_id,
                    attendance.status.value,
                    attendance.session_id,
                ),
            )
            if cursor.rowcount == 1:
                return True
            stored = conn.execute(
                f"SELECT status FROM {self._attendance}"  # noqa: S608 - constant
                f" WHERE tenant = {d.tenant} AND session_id = {p} AND staff_id = {p}",
                attendance.key,
            ).fetchone()
        if stored is None:
            raise NotFoundError("training session", attendance.session_id)
        return attendance_answer(stored[0], attendance)

    def attendance(
        self, *, session_id: str | None = None, staff_id: str | None = None
    ) -> list[Attendance]:
        """Attendance of one session and/or staff member (all if None), by session then staff."""
        d = self._dialect
        clauses: list[str] = [f"tenant = {d.tenant}"]
        params: list[object] = []
        for column, value in (("session_id", session_id), ("staff_id", staff_id)):
            if value is not None:
                clauses.append(f"{column} = {d.param}")
                params.append(value)
        where = " AND ".join(clauses)
        rows = self._db._fetchall(  # noqa: SLF001 - the databases' read helper
            f"SELECT session_id, staff_id, status FROM {self._attendance}"  # noqa: S608
            f" WHERE {where}"
            " ORDER BY session_id, staff_id",
            params,
        )
        return [Attendance(session_id=r[0], staff_id=r[1], status=r[2]) for r in rows]

    def add_completion(self, completion: Completion) -> bool:
        """Store a completion record; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another completion is stored under this id.
        """
        return self._completion.add(self._db, completion, "training completion")

    def _window_completions(
        self, staff_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[Completion]:
        completions = self._completion
        rows = self._in_window(
            completions.table,
            completions.reads,
            "staff_id",
            staff_id,
            start=start,
            end=end,
            column="completed_at",
        )
        return [completions.read(r) for r in rows]
