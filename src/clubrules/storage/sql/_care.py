"""The care adapters both SQL databases share: rows, statements and method bodies.

The SQLite and PostgreSQL care-task and survey-response repositories
subclass these, naming their database and `Dialect`. Each care-task
repository words its own `_last_issued` statement: the latest row per
customer is spelt differently in each database. Every statement keeps to the dialect's
tenant: one task per customer, kind and due date, and one response per id,
within each tenant.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.errors import NotFoundError, ValidationError
from clubrules.storage._fronts import SurveyResponseReads
from clubrules.storage.sql import _layout as field
from clubrules.storage.sql._dialect import DB, SQLAdapter
from clubrules.storage.sql._layout import RowLayout

if TYPE_CHECKING:
    from datetime import date, datetime


__all__ = [
    "SQLCareTaskRepository",
    "SQLSurveyResponseRepository",
    "check_due_window",
    "decode_answers",
    "encode_answers",
]


def check_due_window(start: date, end: date) -> None:
    """Refuse a due-date window whose end is before its start."""
    if end < start:
        raise ValidationError("must not be before start", field="end", rule="end_before_start")


_TASK = RowLayout(
    "care_tasks",
    CareTask,
    "customer_id",
    field.enum("kind", CareKind),
    field.date("due"),  # NOT NULL
    field.instant("at"),
    "rule",
    "note",
    "assignee",
)


class SQLCareTaskRepository(SQLAdapter[DB]):
    """The body of the SQL care-task repositories; subclasses set `_dialect`."""

    _table_name = _TASK.table
    _last_issued: str
    """The statement of `last_issued` (set by the subclass): customer id, `at` and its zone of
    each customer's latest task from one rule."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        self._task = _TASK.bind(d)
        # The key of the unique index care_tasks_one_per_key.
        self._insert = (
            f"INSERT INTO {self._task.table} (tenant, {self._task.columns})"  # noqa: S608 - constant
            f" VALUES ({d.tenant}, {self._task.values})"
            " ON CONFLICT (tenant, customer_id, kind, due) DO NOTHING"
        )

    def add(self, task: CareTask) -> bool:
        """Store a task; False (and nothing stored) if a task with its key exists."""
        row = self._task.row(task)
        return self._db._changed(self._insert, row) == 1  # noqa: SLF001 - one round trip

    def last_issued(self, rule: str) -> dict[str, datetime]:
        """The latest `at` of each customer's tasks from `rule`, by customer id (the cooldown)."""
        decode = self._dialect.decode_at
        rows = self._db._fetchall(self._last_issued, (rule,))  # noqa: SLF001 - the read helper
        return {r[0]: decode(r[1], r[2]) for r in rows}

    def tasks(self, *, start: date, end: date, assignee: str | None = None) -> list[CareTask]:
        """Tasks due in `[start, end)` (all, or one assignee's), by due, kind value, customer.

        Raises:
            ValidationError: `end` is before `start`.
        """
        check_due_window(start, end)
        d = self._dialect
        p = d.param
        sql = (
            f"SELECT {self._task.reads} FROM {self._task.table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND due >= {p} AND due < {p}"
        )
        params: list[object] = [d.encode_date(start), d.encode_date(end)]
        if assignee is not None:
            sql += f" AND assignee = {p}"
            params.append(assignee)
        rows = self._db._fetchall(  # noqa: SLF001 - the databases' read helper
            f"{sql} ORDER BY due, kind, customer_id", params
        )
        return [self._task.read(r) for r in rows]


def encode_answers(answers: tuple[tuple[str, int], ...]) -> str:
    """A response's ratings as a JSON array of `[question id, rating]` pairs, in their order."""
    return json.dumps([list(pair) for pair in answers], ensure_ascii=False)


def decode_answers(value: str | list[Any]) -> tuple[tuple[str, int], ...]:
    """Stored ratings (JSON text, or already decoded) as `(question id, rating)` pairs."""
    pairs = json.loads(value) if isinstance(value, str) else value
    return tuple((str(q), int(r)) for q, r in pairs)


_RESPONSE = RowLayout(
    "survey_responses",
    SurveyResponse,
    "id",
    "questionnaire_id",
    "customer_id",
    field.instant("at"),
    field.json("answers", encode_answers, decode_answers),
    "nps",
    "staff_id",
)


class SQLSurveyResponseRepository(SQLAdapter[DB], SurveyResponseReads):
    """The body of the SQL survey-response repositories; subclasses set `_dialect`."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        self._response = _RESPONSE.bind(self._dialect)

    def add(self, response: SurveyResponse) -> bool:
        """Store a response; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another response is stored under this id.
        """
        return self._response.add(self._db, response, "survey response")

    def get(self, response_id: str) -> SurveyResponse:
        """The response with this id.

        Raises:
            NotFoundError: no response has this id.
        """
        d = self._dialect
        row = self._db._fetchone(  # noqa: SLF001 - the databases' read helper
            f"SELECT {self._response.reads} FROM {self._response.table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND id = {d.param}",
            (response_id,),
        )
        if row is None:
            raise NotFoundError("survey response", response_id)
        return self._response.read(row)

    def _window_responses(
        self, questionnaire_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[SurveyResponse]:
        responses = self._response
        rows = self._in_window(
            responses.table,
            responses.reads,
            "questionnaire_id",
            questionnaire_id,
            start=start,
            end=end,
        )
        return [responses.read(r) for r in rows]
