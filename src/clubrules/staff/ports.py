"""The storage port of the staff area: rubrics by version, score sheets and warnings.

Implement `AssessmentRepository` over your own storage and prove it with
`clubrules.testing.contracts.AssessmentRepositoryContract`. The in-memory
adapter `clubrules.storage.memory.InMemoryAssessmentRepository` is the
reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.staff._rubric import Rubric
    from clubrules.staff._scoring import ScoreSheet
    from clubrules.staff._warnings import WarningRecord

__all__ = ["AssessmentRepository"]


class AssessmentRepository(Protocol):
    """Rubrics by version, score sheets, and warnings: the audit trail of assessments.

    All six methods are required. Each call is atomic on its own; there are
    no multi-call transactions. Nothing is ever changed or deleted: a new
    rubric is a new version, a corrected assessment is a new sheet id (an
    ad hoc one, or a periodic one after the wrong one is removed by other
    means), so the evidence behind a dismissal review stays as it was.

    Adds are idempotent: adding a value that is already stored, equal in
    every field, changes nothing and returns False, so a retried write is
    safe; a different value under a taken key raises `DuplicateError`. Two
    concurrent adds of one key: exactly one returns True.
    """

    def add_rubric(self, rubric: Rubric) -> bool:
        """Store a rubric version; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another rubric is stored under this id and version.
        """
        ...

    def rubric(self, rubric_id: str, version: int | None = None) -> Rubric:
        """The rubric with this id and version, or its highest version if `version` is None.

        Raises:
            NotFoundError: no such rubric (or version) is stored.
        """
        ...

    def add_sheet(self, sheet: ScoreSheet) -> bool:
        """Store a score sheet; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another sheet has this id, or the staff member
                already has a periodic sheet for this cycle (one periodic
                assessment per cycle).
        """
        ...

    def sheets(
        self,
        staff_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ScoreSheet]:
        """One staff member's sheets (everyone's if None) whose period ends in `[start, end)`.

        Ordered by the period's end (compared as instants), then its start,
        then the sheet id.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        ...

    def add_warning(self, warning: WarningRecord) -> bool:
        """Store a warning; True if stored, False if already stored as is.

        Raises:
            DuplicateError: another warning is stored under this id.
        """
        ...

    def warnings(self, staff_id: str | None = None) -> list[WarningRecord]:
        """One staff member's warnings (everyone's if None), by `issued_at` then id."""
        ...
