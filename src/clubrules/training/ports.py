"""The storage port of the training area: sessions, attendance and completion records.

Implement `TrainingRepository` over your own storage and prove it with
`clubrules.testing.contracts.TrainingRepositoryContract`. The in-memory
adapter `clubrules.storage.memory.InMemoryTrainingRepository` is the
reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.training._records import Attendance, Completion, TrainingSession

__all__ = ["TrainingRepository"]


class TrainingRepository(Protocol):
    """Training sessions, who attended them, and completion records: the training record.

    All six methods are required. Each call is atomic on its own; there are
    no multi-call transactions. Nothing is ever changed or deleted: a
    correction is a new record under a new id, so the evidence behind a
    compliance report stays as it was.

    Adds are idempotent: adding a value that is already stored, equal in
    every field, changes nothing and returns False, so a retried write is
    safe; a different value under a taken key raises `DuplicateError`. Two
    concurrent adds of one key: exactly one returns True.
    """

    def add_session(self, session: TrainingSession) -> bool:
        """Store a session; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another session is stored under this id.
        """
        ...

    def sessions(
        self, *, start: datetime | None = None, end: datetime | None = None
    ) -> list[TrainingSession]:
        """The sessions that start in `[start, end)`, by start (as instants) then id.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        ...

    def add_attendance(self, attendance: Attendance) -> bool:
        """Store who attended a session; True if stored, False if already stored as is.

        Raises:
            NotFoundError: the session is not stored.
            DuplicateError: another status is stored for this session and
                staff member.
        """
        ...

    def attendance(
        self, *, session_id: str | None = None, staff_id: str | None = None
    ) -> list[Attendance]:
        """The attendance records of one session and/or staff member (all if None).

        Ordered by session id, then staff id.
        """
        ...

    def add_completion(self, completion: Completion) -> bool:
        """Store a completion record; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another completion is stored under this id.
        """
        ...

    def completions(
        self,
        staff_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Completion]:
        """One staff member's completions (everyone's if None) completed in `[start, end)`.

        Ordered by `completed_at` (as instants), then id.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        ...
