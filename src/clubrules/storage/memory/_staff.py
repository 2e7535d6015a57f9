"""In-memory adapter of the staff port: rubrics by version, score sheets and warnings."""

from __future__ import annotations

import threading
from operator import attrgetter
from typing import TYPE_CHECKING

from clubrules._checks import require_int, shown
from clubrules._time import require_window, to_epoch_us
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.staff import AssessmentKind, Rubric, ScoreSheet, WarningRecord
from clubrules.storage._fronts import SheetReads
from clubrules.storage._keys import keys_checked
from clubrules.storage.memory._store import Table, TenantSiblings

if TYPE_CHECKING:
    from datetime import datetime


__all__ = ["InMemoryAssessmentRepository"]


def _sheet_key(sheet: ScoreSheet) -> tuple[int, int, str]:
    # Instants, never wall times: two periods in one zone compare by wall time.
    return (to_epoch_us(sheet.period.end), to_epoch_us(sheet.period.start), sheet.id)


@keys_checked("AssessmentRepository")
class InMemoryAssessmentRepository(TenantSiblings, SheetReads):
    """Rubrics, score sheets and warnings in dicts; idempotent adds; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rubrics: Table[tuple[str, int], Rubric] = Table("rubric", self._lock)
        self._sheets: dict[str, ScoreSheet] = {}
        self._cycles: dict[tuple[str, int, int], str] = {}
        self._warnings: Table[str, WarningRecord] = Table("warning", self._lock)

    def add_rubric(self, rubric: Rubric) -> bool:
        """Store a rubric version; False if stored as is, `DuplicateError` if taken."""
        return self._rubrics.add_once((rubric.id, rubric.version), rubric)

    def rubric(self, rubric_id: str, version: int | None = None) -> Rubric:
        """The rubric version (the highest if None); `NotFoundError` if there is none."""
        if version is not None:
            require_int(version, "version")
        with self._lock:
            rubrics = self._rubrics.rows
            if version is None:
                versions = [v for (i, v) in rubrics if i == rubric_id]
                if versions:
                    return rubrics[(rubric_id, max(versions))]
            elif (rubric_id, version) in rubrics:
                return rubrics[(rubric_id, version)]
        key = rubric_id if version is None else f"{rubric_id} v{shown(version)}"
        raise NotFoundError("rubric", key)

    def add_sheet(self, sheet: ScoreSheet) -> bool:
        """Store a sheet; False if stored as is; `DuplicateError` on a taken id or cycle."""
        cycle = None
        if sheet.kind is AssessmentKind.PERIODIC and sheet.period.cycle is not None:
            cycle = (sheet.staff_id, sheet.period.cycle_months or 1, sheet.period.cycle)
        with self._lock:
            stored = self._sheets.get(sheet.id)
            if stored is None:
                taken = self._cycles.get(cycle) if cycle is not None else None
                if taken is not None:
                    raise DuplicateError(
                        f"{sheet.staff_id!r} already has periodic sheet {taken!r} "
                        f"for {sheet.period.label}"
                    )
                self._sheets[sheet.id] = sheet
                if cycle is not None:
                    self._cycles[cycle] = sheet.id
                return True
        if stored == sheet:
            return False
        raise DuplicateError(f"score sheet {sheet.id!r} already exists with other content")

    def _window_sheets(
        self, staff_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[ScoreSheet]:
        lo, hi = require_window(start, end)
        with self._lock:
            chosen = [
                s for s in self._sheets.values() if staff_id is None or s.staff_id == staff_id
            ]
        inside = [
            s
            for s in chosen
            if (lo is None or to_epoch_us(s.period.end) >= lo)
            and (hi is None or to_epoch_us(s.period.end) < hi)
        ]
        return sorted(inside, key=_sheet_key)

    def add_warning(self, warning: WarningRecord) -> bool:
        """Store a warning; False if stored as is, `DuplicateError` if the id is taken."""
        return self._warnings.add_once(warning.id, warning)

    def warnings(self, staff_id: str | None = None) -> list[WarningRecord]:
        """Warnings of one staff member (or all), by `issued_at` then id."""
        return self._warnings.in_window(attrgetter("issued_at"), "staff_id", staff_id)

    def __repr__(self) -> str:
        return (
            f"InMemoryAssessmentRepository({len(self._rubrics)} rubrics, "
            f"{len(self._sheets)} sheets, {len(self._warnings)} warnings)"
        )
