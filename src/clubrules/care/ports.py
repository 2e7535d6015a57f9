"""The storage ports of the care area: care tasks issued, and survey responses.

Implement these protocols over your own storage and prove the implementation
with `CareTaskRepositoryContract` and `SurveyResponseRepositoryContract` in
`clubrules.testing.contracts`. The in-memory adapters in
`clubrules.storage.memory` are the reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import date, datetime

    from clubrules.care._plan import CareTask
    from clubrules.care._surveys import SurveyResponse

__all__ = ["CareTaskRepository", "SurveyResponseRepository"]


class CareTaskRepository(Protocol):
    """Care tasks issued: for deduplication, for the cooldown of warnings, and for staff.

    All three methods are required. `add` is atomic and deduplicates on
    `CareTask.key` (customer, kind, due date): the first task stored under a
    key wins, later ones return False, and two concurrent adds of one key
    store exactly one. Tasks are never changed or deleted here.
    """

    def add(self, task: CareTask) -> bool:
        """Store a task; False (and nothing stored) if a task with its key exists."""
        ...

    def tasks(self, *, start: date, end: date, assignee: str | None = None) -> list[CareTask]:
        """Tasks due in `[start, end)` (all, or one assignee's), by due, kind value, customer."""
        ...

    def last_issued(self, rule: str) -> dict[str, datetime]:
        """The latest `at` of each customer's tasks from `rule`, by customer id (the cooldown)."""
        ...


class SurveyResponseRepository(Protocol):
    """Survey responses, idempotent by id.

    All three methods are required. `add` is atomic: storing a response
    already stored, equal in every field, returns False; another response
    under a taken id raises `DuplicateError`. Windows are half-open on `at`;
    naive bounds raise `NaiveDatetimeError`.
    """

    def add(self, response: SurveyResponse) -> bool:
        """Store a response; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another response is stored under this id.
        """
        ...

    def get(self, response_id: str) -> SurveyResponse:
        """The response with this id.

        Raises:
            NotFoundError: no response has this id.
        """
        ...

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
        ...
