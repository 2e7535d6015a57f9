"""In-memory adapters of the care ports: care tasks issued, and survey responses."""

from __future__ import annotations

import threading
from operator import attrgetter
from typing import TYPE_CHECKING

from clubrules._checks import require_date, require_str
from clubrules._time import to_epoch_us

# A run-time import (noqa: TC001): typing.get_type_hints() resolves the methods.
from clubrules.care import CareTask, SurveyResponse  # noqa: TC001
from clubrules.errors import ValidationError
from clubrules.storage._fronts import SurveyResponseReads
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import Table, TenantSiblings

if TYPE_CHECKING:
    from datetime import date, datetime


__all__ = ["InMemoryCareTaskRepository", "InMemorySurveyResponseRepository"]

_AT = attrgetter("at")


@keys_checked("CareTaskRepository")
class InMemoryCareTaskRepository(TenantSiblings):
    """Care tasks in a dict keyed by `CareTask.key`; the first add of a key wins; thread-safe."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[str, str, date], CareTask] = {}
        self._lock = threading.Lock()

    def add(self, task: CareTask) -> bool:
        """Store a task; False if a task with the same key is already stored."""
        with self._lock:
            if task.key in self._tasks:
                return False
            self._tasks[task.key] = task
            return True

    def tasks(self, *, start: date, end: date, assignee: str | None = None) -> list[CareTask]:
        """Tasks due in `[start, end)`, optionally of one assignee, by due, kind, customer."""
        require_date(start, "start")
        require_date(end, "end")
        if end < start:
            raise ValidationError("must not be before start", field="end", rule="end_before_start")
        with self._lock:
            chosen = [
                t
                for t in self._tasks.values()
                if start <= t.due < end and (assignee is None or t.assignee == assignee)
            ]
        return sorted(chosen, key=lambda t: (t.due, t.kind.value, t.customer_id))

    def last_issued(self, rule: str) -> dict[str, datetime]:
        """The latest `at` of each customer's tasks from `rule`."""
        latest: dict[str, tuple[int, datetime]] = {}
        with self._lock:
            for t in self._tasks.values():
                if t.rule != rule:
                    continue
                us = to_epoch_us(t.at)  # instants, never wall times of one zone
                held = latest.get(t.customer_id)
                if held is None or us > held[0]:
                    latest[t.customer_id] = (us, t.at)
        return {customer: at for customer, (_us, at) in latest.items()}

    def __len__(self) -> int:
        return len(self._tasks)

    def __repr__(self) -> str:
        return f"InMemoryCareTaskRepository({len(self._tasks)} tasks)"


@keys_checked("SurveyResponseRepository")
class InMemorySurveyResponseRepository(TenantSiblings, SurveyResponseReads):
    """Survey responses in a dict; idempotent adds; thread-safe."""

    def __init__(self) -> None:
        self._responses: Table[str, SurveyResponse] = Table("survey response")

    def add(self, response: SurveyResponse) -> bool:
        """Store a response; False if stored as is, `DuplicateError` if the id is taken."""
        return self._responses.add_once(response.id, response)

    def get(self, response_id: str) -> SurveyResponse:
        """The response with this id; `NotFoundError` if there is none."""
        require_str(response_id, "response_id")
        return self._responses.get(response_id)

    def _window_responses(
        self, questionnaire_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[SurveyResponse]:
        return self._responses.in_window(_AT, "questionnaire_id", questionnaire_id, start, end)

    def __repr__(self) -> str:
        return f"InMemorySurveyResponseRepository({len(self._responses)} responses)"
