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
from typing import TYPE_CHECKING, Any, cast

from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.errors import NotFoundError, ValidationError
from clubrules.storage._fronts import SurveyResponseReads
from clubrules.storage.sql._adds import settle_add
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import DB, SQLAdapter

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

    from clubrules.storage.sql._dialect import Dialect

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


def _task(d: Dialect, row: Sequence[Any]) -> CareTask:
    return CareTask(
        customer_id=row[0],
        kind=CareKind(row[1]),
        due=cast("date", d.decode_date(row[2])),  # due is NOT NULL
        at=d.decode_at(row[3], row[4]),
        rule=row[5],
        note=row[6],
        assignee=row[7],
    )


class SQLCareTaskRepository(SQLAdapter[DB]):
    """The body of the SQL care-task repositories; subclasses set `_dialect`."""

    _table_name = "care_tasks"
    _column_list = "customer_id, kind, due, at{us}, at_tz, rule, note, assignee"
    _last_issued: str
    """The statement of `last_issued` (set by the subclass): customer id, `at` and its zone of
    each customer's latest task from one rule."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        # The key of the unique index care_tasks_one_per_key.
        self._insert = (
            f"INSERT INTO {self._table} (tenant, {self._columns})"  # noqa: S608 - constant
            f" VALUES ({d.tenant}, {d.params(8)})"
            " ON CONFLICT (tenant, customer_id, kind, due) DO NOTHING"
        )

    def add(self, task: CareTask) -> bool:
        """Store a task; False (and nothing stored) if a task with its key exists."""
        d = self._dialect
        row = (
            task.customer_id,
            task.kind.value,
            d.encode_date(task.due),
            d.encode_instant(task.at),
            encode_zone(task.at),
            task.rule,
            task.note,
            task.assignee,
        )
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
            f"SELECT {self._columns} FROM {self._table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND due >= {p} AND due < {p}"
        )
        params: list[object] = [d.encode_date(start), d.encode_date(end)]
        if assignee is not None:
            sql += f" AND assignee = {p}"
            params.append(assignee)
        rows = self._db._fetchall(  # noqa: SLF001 - the databases' read helper
            f"{sql} ORDER BY due, kind, customer_id", params
        )
        return [_task(d, r) for r in rows]


def encode_answers(response: SurveyResponse) -> str:
    """The ratings as a JSON array of `[question id, rating]` pairs, in the response's order."""
    return json.dumps([list(pair) for pair in response.answers], ensure_ascii=False)


def decode_answers(value: str | list[Any]) -> tuple[tuple[str, int], ...]:
    """Stored ratings (JSON text, or already decoded) as `(question id, rating)` pairs."""
    pairs = json.loads(value) if isinstance(value, str) else value
    return tuple((str(q), int(r)) for q, r in pairs)


def _response(d: Dialect, row: Sequence[Any]) -> SurveyResponse:
    return SurveyResponse(
        id=row[0],
        questionnaire_id=row[1],
        customer_id=row[2],
        at=d.decode_at(row[3], row[4]),
        answers=decode_answers(row[5]),
        nps=row[6],
        staff_id=row[7],
    )


class SQLSurveyResponseRepository(SQLAdapter[DB], SurveyResponseReads):
    """The body of the SQL survey-response repositories; subclasses set `_dialect`."""

    _table_name = "survey_responses"
    _column_list = "id, questionnaire_id, customer_id, at{us}, at_tz, answers, nps, staff_id"

    def add(self, response: SurveyResponse) -> bool:
        """Store a response; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another response is stored under this id.
        """
        d = self._dialect
        row = (
            response.id,
            response.questionnaire_id,
            response.customer_id,
            d.encode_instant(response.at),
            encode_zone(response.at),
            encode_answers(response),
            response.nps,
            response.staff_id,
        )
        values = f"{d.params(5)}, {d.param}{d.json}, {d.params(2)}"
        outcome = d.insert_or_read_back(self._db, self._table, self._columns, row, values=values)
        return settle_add(outcome, response, lambda stored: _response(d, stored), "survey response")

    def get(self, response_id: str) -> SurveyResponse:
        """The response with this id.

        Raises:
            NotFoundError: no response has this id.
        """
        d = self._dialect
        row = self._db._fetchone(  # noqa: SLF001 - the databases' read helper
            f"SELECT {self._columns} FROM {self._table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND id = {d.param}",
            (response_id,),
        )
        if row is None:
            raise NotFoundError("survey response", response_id)
        return _response(d, row)

    def _window_responses(
        self, questionnaire_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[SurveyResponse]:
        d = self._dialect
        rows = self._in_window(
            self._table, self._columns, "questionnaire_id", questionnaire_id, start=start, end=end
        )
        return [_response(d, r) for r in rows]
