"""The training adapter both SQL databases share: rows, statements and method bodies.

`SQLiteTrainingRepository` and `PostgresTrainingRepository` subclass
`SQLTrainingRepository`, naming their database and `Dialect`; every write
is one statement, so neither needs a transaction of its own. Every statement
keeps to the dialect's tenant: session, completion and attendance keys are
unique within a tenant, and attendance needs a session of the same tenant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clubrules.errors import NotFoundError
from clubrules.storage._fronts import CompletionReads, attendance_answer
from clubrules.storage.sql._adds import settle_add
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import DB, SQLAdapter, money_from_text
from clubrules.training import Attendance, Completion, TrainingSession

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from clubrules.storage.sql._dialect import Dialect

__all__ = ["SQLTrainingRepository"]

_SESSION_COLUMNS = (
    "id, kind, topic, method, starts_at{us}, starts_at_tz, ends_at{us}, ends_at_tz, trainer,"
    " cost, currency"
)
_COMPLETION_COLUMNS = (
    "id, staff_id, kind, topic, method, completed_at{us}, completed_at_tz, session_id"
)


def _session_row(d: Dialect, session: TrainingSession) -> tuple[Any, ...]:
    cost = session.cost
    return (
        session.id,
        session.kind.value,
        session.topic,
        session.method.value,
        d.encode_instant(session.start),
        encode_zone(session.start),
        d.encode_instant(session.end),
        encode_zone(session.end),
        session.trainer,
        None if cost is None else d.encode_decimal(cost.amount),
        None if cost is None else cost.currency,
    )


def _session(d: Dialect, row: Sequence[Any]) -> TrainingSession:
    cost = None if row[9] is None else money_from_text(str(row[9]), row[10])
    return TrainingSession(
        id=row[0],
        kind=row[1],
        topic=row[2],
        method=row[3],
        start=d.decode_at(row[4], row[5]),
        end=d.decode_at(row[6], row[7]),
        trainer=row[8],
        cost=cost,
    )


def _completion_row(d: Dialect, completion: Completion) -> tuple[Any, ...]:
    return (
        completion.id,
        completion.staff_id,
        completion.kind.value,
        completion.topic,
        completion.method.value,
        d.encode_instant(completion.completed_at),
        encode_zone(completion.completed_at),
        completion.session_id,
    )


def _completion(d: Dialect, row: Sequence[Any]) -> Completion:
    return Completion(
        id=row[0],
        staff_id=row[1],
        kind=row[2],
        topic=row[3],
        method=row[4],
        completed_at=d.decode_at(row[5], row[6]),
        session_id=row[7],
    )


class SQLTrainingRepository(SQLAdapter[DB], CompletionReads):
    """The body of the SQL training repositories; subclasses set `_dialect`."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        self._sessions = d.table("training_sessions")
        self._attendance = d.table("training_attendance")
        self._completions = d.table("training_completions")
        self._session_columns = _SESSION_COLUMNS.format(us=d.us)
        # Costs read back as their exact text, whatever the database stores.
        self._session_reads = self._session_columns.replace(" cost,", f" cost{d.exact_text},")
        self._completion_columns = _COMPLETION_COLUMNS.format(us=d.us)

    def add_session(self, session: TrainingSession) -> bool:
        """Store a session; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another session is stored under this id.
        """
        d = self._dialect
        row = _session_row(d, session)
        outcome = d.insert_or_read_back(
            self._db, self._sessions, self._session_columns, row, read_columns=self._session_reads
        )
        return settle_add(outcome, session, lambda stored: _session(d, stored), "training session")

    def sessions(
        self, *, start: datetime | None = None, end: datetime | None = None
    ) -> list[TrainingSession]:
        """The sessions that start in `[start, end)`, by start then id.

        Raises as `TrainingRepository.sessions`.
        """
        d = self._dialect
        reads = self._session_reads
        rows = self._in_window(
            self._sessions, reads, "id", None, start=start, end=end, column="starts_at"
        )
        return [_session(d, r) for r in rows]

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
                f" (SELECT 1 FROM {self._sessions} WHERE tenant = {d.tenant} AND id = {p})"
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
        d = self._dialect
        outcome = d.insert_or_read_back(
            self._db, self._completions, self._completion_columns, _completion_row(d, completion)
        )
        return settle_add(
            outcome, completion, lambda stored: _completion(d, stored), "training completion"
        )

    def _window_completions(
        self, staff_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[Completion]:
        d = self._dialect
        rows = self._in_window(
            self._completions,
            self._completion_columns,
            "staff_id",
            staff_id,
            start=start,
            end=end,
            column="completed_at",
        )
        return [_completion(d, r) for r in rows]
