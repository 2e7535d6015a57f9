"""In-memory adapters of the care ports: care tasks issued, and survey responses."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from clubrules._time import require_aware, require_order, to_epoch_us
from clubrules.errors import DuplicateError, NotFoundError, ValidationError

if TYPE_CHECKING:
    from datetime import date, datetime

    from clubrules.care import CareTask, SurveyResponse

__all__ = ["InMemoryCareTaskRepository", "InMemorySurveyResponseRepository"]


class InMemoryCareTaskRepository:
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
        out: dict[str, datetime] = {}
        with self._lock:
            for t in self._tasks.values():
                if t.rule == rule and (t.customer_id not in out or t.at > out[t.customer_id]):
                    out[t.customer_id] = t.at
        return out

    def __len__(self) -> int:
        return len(self._tasks)

    def __repr__(self) -> str:
        return f"InMemoryCareTaskRepository({len(self._tasks)} tasks)"


class InMemorySurveyResponseRepository:
    """Survey responses in a dict; idempotent adds; thread-safe."""

    def __init__(self) -> None:
        self._responses: dict[str, SurveyResponse] = {}
        self._lock = threading.Lock()

    def add(self, response: SurveyResponse) -> bool:
        """Store a response; False if stored as is, `DuplicateError` if the id is taken."""
        with self._lock:
            stored = self._responses.get(response.id)
            if stored is None:
                self._responses[response.id] = response
                return True
        if stored == response:
            return False
        raise DuplicateError(f"survey response {response.id!r} already exists with other content")

    def get(self, response_id: str) -> SurveyResponse:
        """The response with this id; `NotFoundError` if there is none."""
        with self._lock:
            try:
                return self._responses[response_id]
            except KeyError:
                raise NotFoundError("survey response", response_id) from None

    def responses(
        self,
        *,
        questionnaire_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[SurveyResponse]:
        """Responses in `[start, end)`, of one questionnaire or all, by `at` then id."""
        if start is not None:
            require_aware(start, "start")
        if end is not None:
            require_aware(end, "end")
        if start is not None and end is not None:
            require_order(start, end, start_field="start", end_field="end", allow_empty=True)
        lo = None if start is None else to_epoch_us(start)
        hi = None if end is None else to_epoch_us(end)
        with self._lock:
            chosen = [
                r
                for r in self._responses.values()
                if questionnaire_id is None or r.questionnaire_id == questionnaire_id
            ]
        keyed = [(to_epoch_us(r.at), r.id, r) for r in chosen]
        keyed = [k for k in keyed if (lo is None or k[0] >= lo) and (hi is None or k[0] < hi)]
        keyed.sort(key=lambda k: (k[0], k[1]))
        return [k[2] for k in keyed]

    def __repr__(self) -> str:
        return f"InMemorySurveyResponseRepository({len(self._responses)} responses)"
