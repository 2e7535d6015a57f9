"""SQLite adapters of the care ports: care tasks issued, and survey responses."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.errors import DuplicateError, NotFoundError, ValidationError
from clubrules.storage._sqlite_db import (
    decode_at,
    encode_date,
    encode_instant,
    encode_zone,
    window_bounds,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from clubrules.storage._sqlite_db import SQLiteDatabase

__all__ = ["SQLiteCareTaskRepository", "SQLiteSurveyResponseRepository"]

_TASK_COLUMNS = "customer_id, kind, due, at_us, at_tz, rule, note, assignee"
_TASK_INSERT = (
    f"INSERT INTO care_tasks ({_TASK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (customer_id, kind, due) DO NOTHING"
)


def check_due_window(start: date, end: date) -> None:
    """Refuse a due-date window whose end is before its start."""
    if end < start:
        raise ValidationError("must not be before start", field="end", rule="end_before_start")


def _task(row: Sequence[Any]) -> CareTask:
    return CareTask(
        customer_id=row[0],
        kind=CareKind(row[1]),
        due=date.fromisoformat(row[2]),
        at=decode_at(row[3], row[4]),
        rule=row[5],
        note=row[6],
        assignee=row[7],
    )


class SQLiteCareTaskRepository:
    """Care tasks issued, in SQLite: one row per customer, kind and due date.

    Implements [CareTaskRepository][clubrules.care.ports.CareTaskRepository].
    A unique index on `(customer_id, kind, due)` makes `add` one atomic
    `INSERT ... ON CONFLICT DO NOTHING`: the first task under a key wins,
    also between threads and processes sharing the file.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def add(self, task: CareTask) -> bool:
        """Store a task; False (and nothing stored) if a task with its key exists."""
        row = (
            task.customer_id,
            task.kind.value,
            encode_date(task.due),
            encode_instant(task.at),
            encode_zone(task.at),
            task.rule,
            task.note,
            task.assignee,
        )
        with self._db.connection() as conn:
            return conn.execute(_TASK_INSERT, row).rowcount == 1

    def tasks(self, *, start: date, end: date, assignee: str | None = None) -> list[CareTask]:
        """Tasks due in `[start, end)` (all, or one assignee's), by due, kind value, customer.

        Raises:
            ValidationError: `end` is before `start`.
        """
        check_due_window(start, end)
        sql = f"SELECT {_TASK_COLUMNS} FROM care_tasks WHERE due >= ? AND due < ?"  # noqa: S608
        params: list[object] = [encode_date(start), encode_date(end)]
        if assignee is not None:
            sql += " AND assignee = ?"
            params.append(assignee)
        with self._db.connection() as conn:
            rows = conn.execute(f"{sql} ORDER BY due, kind, customer_id", params).fetchall()
        return [_task(r) for r in rows]

    def last_issued(self, rule: str) -> dict[str, datetime]:
        """The latest `at` of each customer's tasks from `rule`, by customer id (the cooldown)."""
        with self._db.connection() as conn:
            # With a single MAX(), SQLite takes the bare at_tz from the row holding the maximum.
            rows = conn.execute(
                "SELECT customer_id, MAX(at_us), at_tz FROM care_tasks WHERE rule = ?"
                " GROUP BY customer_id ORDER BY customer_id",
                (rule,),
            ).fetchall()
        return {r[0]: decode_at(r[1], r[2]) for r in rows}

    def __repr__(self) -> str:
        return f"SQLiteCareTaskRepository({self._db.path!r})"


_RESPONSE_COLUMNS = "id, questionnaire_id, customer_id, at_us, at_tz, answers, nps, staff_id"


def encode_answers(response: SurveyResponse) -> str:
    """The ratings as a JSON array of `[question id, rating]` pairs, in the response's order."""
    return json.dumps([list(pair) for pair in response.answers], ensure_ascii=False)


def decode_answers(value: str | list[Any]) -> tuple[tuple[str, int], ...]:
    """Stored ratings (JSON text, or already decoded) as `(question id, rating)` pairs."""
    pairs = json.loads(value) if isinstance(value, str) else value
    return tuple((str(q), int(r)) for q, r in pairs)


def _response(row: Sequence[Any]) -> SurveyResponse:
    return SurveyResponse(
        id=row[0],
        questionnaire_id=row[1],
        customer_id=row[2],
        at=decode_at(row[3], row[4]),
        answers=decode_answers(row[5]),
        nps=row[6],
        staff_id=row[7],
    )


class SQLiteSurveyResponseRepository:
    """Survey responses in SQLite, idempotent by id; ratings as a JSON array.

    Implements [SurveyResponseRepository][clubrules.care.ports.SurveyResponseRepository].
    An add is one `INSERT ... ON CONFLICT DO NOTHING`; when the id is taken
    the stored row (which never changes) is read back and compared, so a
    retried write returns False and a different response raises
    `DuplicateError`.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def add(self, response: SurveyResponse) -> bool:
        """Store a response; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another response is stored under this id.
        """
        row = (
            response.id,
            response.questionnaire_id,
            response.customer_id,
            encode_instant(response.at),
            encode_zone(response.at),
            encode_answers(response),
            response.nps,
            response.staff_id,
        )
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO survey_responses ({_RESPONSE_COLUMNS})"  # noqa: S608 - constant
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                row,
            )
            if cursor.rowcount == 1:
                return True
            stored = conn.execute(
                f"SELECT {_RESPONSE_COLUMNS} FROM survey_responses WHERE id = ?",  # noqa: S608
                (response.id,),
            ).fetchone()
        if stored is not None and _response(stored) == response:
            return False
        raise DuplicateError(f"survey response {response.id!r} already exists with other content")

    def get(self, response_id: str) -> SurveyResponse:
        """The response with this id.

        Raises:
            NotFoundError: no response has this id.
        """
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT {_RESPONSE_COLUMNS} FROM survey_responses WHERE id = ?",  # noqa: S608
                (response_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError("survey response", response_id)
        return _response(row)

    def responses(
        self,
        *,
        questionnaire_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[SurveyResponse]:
        """Responses in `[start, end)` (of one questionnaire, or all), by `at` then id.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        window_bounds(start, end)
        clauses: list[str] = []
        params: list[object] = []
        if questionnaire_id is not None:
            clauses.append("questionnaire_id = ?")
            params.append(questionnaire_id)
        if start is not None:
            clauses.append("at_us >= ?")
            params.append(encode_instant(start))
        if end is not None:
            clauses.append("at_us < ?")
            params.append(encode_instant(end))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_RESPONSE_COLUMNS} FROM survey_responses{where}"  # noqa: S608
                " ORDER BY at_us, id",
                params,
            ).fetchall()
        return [_response(r) for r in rows]

    def __repr__(self) -> str:
        return f"SQLiteSurveyResponseRepository({self._db.path!r})"
