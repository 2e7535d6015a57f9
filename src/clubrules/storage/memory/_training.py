"""In-memory adapter of the training port: sessions, attendance and completion records."""

from __future__ import annotations

import threading
from operator import attrgetter
from typing import TYPE_CHECKING

from clubrules._time import require_window
from clubrules.errors import NotFoundError
from clubrules.storage._fronts import CompletionReads, attendance_answer
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import Table, TenantSiblings, by_instant

# A run-time import (noqa: TC001): typing.get_type_hints() resolves the methods.
from clubrules.training import Attendance, Completion, TrainingSession  # noqa: TC001

if TYPE_CHECKING:
    from datetime import datetime


__all__ = ["InMemoryTrainingRepository"]

_START = attrgetter("start")
_COMPLETED = attrgetter("completed_at")


@keys_checked("TrainingRepository")
class InMemoryTrainingRepository(TenantSiblings, CompletionReads):
    """Training sessions, attendance and completions in dicts; idempotent adds; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: Table[str, TrainingSession] = Table("training session", self._lock)
        self._attendance: dict[tuple[str, str], Attendance] = {}
        self._completions: Table[str, Completion] = Table("training completion")

    def add_session(self, session: TrainingSession) -> bool:
        """Store a session; False if stored as is, `DuplicateError` if the id is taken."""
        return self._sessions.add_once(session.id, session)

    def sessions(
        self, *, start: datetime | None = None, end: datetime | None = None
    ) -> list[TrainingSession]:
        """Sessions that start in `[start, end)`, by start then id."""
        bounds = require_window(start, end)
        return by_instant(self._sessions.select(lambda _s: True), _START, bounds)

    def add_attendance(self, attendance: Attendance) -> bool:
        """Store attendance; `NotFoundError` for an unknown session, `DuplicateError` on a clash."""
        with self._lock:
            if attendance.session_id not in self._sessions.rows:
                raise NotFoundError("training session", attendance.session_id)
            stored = self._attendance.get(attendance.key)
            if stored is None:
                self._attendance[attendance.key] = attendance
                return True
        return attendance_answer(stored.status.value, attendance)

    def attendance(
        self, *, session_id: str | None = None, staff_id: str | None = None
    ) -> list[Attendance]:
        """Attendance of one session and/or staff member (all if None), by session then staff."""
        with self._lock:
            chosen = [
                a
                for a in self._attendance.values()
                if (session_id is None or a.session_id == session_id)
                and (staff_id is None or a.staff_id == staff_id)
            ]
        return sorted(chosen, key=attrgetter("session_id", "staff_id"))

    def add_completion(self, completion: Completion) -> bool:
        """Store a completion; False if stored as is, `DuplicateError` if the id is taken."""
        return self._completions.add_once(completion.id, completion)

    def _window_completions(
        self, staff_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[Completion]:
        return self._completions.in_window(_COMPLETED, "staff_id", staff_id, start, end)

    def __repr__(self) -> str:
        return (
            f"InMemoryTrainingRepository({len(self._sessions)} sessions, "
            f"{len(self._attendance)} attendance records, {len(self._completions)} completions)"
        )
