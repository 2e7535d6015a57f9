"""In-memory adapter of the staff port: rubrics by version, score sheets and warnings."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeVar

from clubrules._time import require_aware, require_order
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.staff import AssessmentKind

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.staff import Rubric, ScoreSheet, WarningRecord

__all__ = ["InMemoryAssessmentRepository"]

V = TypeVar("V")


def _sheet_key(sheet: ScoreSheet) -> tuple[datetime, datetime, str]:
    return (sheet.period.end, sheet.period.start, sheet.id)


class InMemoryAssessmentRepository:
    """Rubrics, score sheets and warnings in dicts; idempotent adds; thread-safe."""

    def __init__(self) -> None:
        self._rubrics: dict[tuple[str, int], Rubric] = {}
        self._sheets: dict[str, ScoreSheet] = {}
        self._cycles: dict[tuple[str, int, int], str] = {}
        self._warnings: dict[str, WarningRecord] = {}
        self._lock = threading.Lock()

    def _add(self, store: dict[object, V], key: object, value: V, kind: str) -> bool:
        with self._lock:
            stored = store.get(key)
            if stored is None:
                store[key] = value
                return True
        if stored == value:
            return False
        raise DuplicateError(f"{kind} {key!r} already exists with other content")

    def add_rubric(self, rubric: Rubric) -> bool:
        """Store a rubric version; False if stored as is, `DuplicateError` if taken."""
        return self._add(
            self._rubrics,  # type: ignore[arg-type]
            (rubric.id, rubric.version),
            rubric,
            "rubric",
        )

    def rubric(self, rubric_id: str, version: int | None = None) -> Rubric:
        """The rubric version (the highest if None); `NotFoundError` if there is none."""
        with self._lock:
            if version is None:
                versions = [v for (i, v) in self._rubrics if i == rubric_id]
                if versions:
                    return self._rubrics[(rubric_id, max(versions))]
            elif (rubric_id, version) in self._rubrics:
                return self._rubrics[(rubric_id, version)]
        shown = rubric_id if version is None else f"{rubric_id} v{version}"
        raise NotFoundError("rubric", shown)

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

    def sheets(
        self,
        staff_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ScoreSheet]:
        """Sheets whose period ends in `[start, end)`, by period end, start, then id."""
        if start is not None:
            require_aware(start, "start")
        if end is not None:
            require_aware(end, "end")
        if start is not None and end is not None:
            require_order(start, end, start_field="start", end_field="end", allow_empty=True)
        with self._lock:
            chosen = [
                s for s in self._sheets.values() if staff_id is None or s.staff_id == staff_id
            ]
        chosen = [
            s
            for s in chosen
            if (start is None or s.period.end >= start) and (end is None or s.period.end < end)
        ]
        return sorted(chosen, key=_sheet_key)

    def add_warning(self, warning: WarningRecord) -> bool:
        """Store a warning; False if stored as is, `DuplicateError` if the id is taken."""
        return self._add(self._warnings, warning.id, warning, "warning")  # type: ignore[arg-type]

    def warnings(self, staff_id: str | None = None) -> list[WarningRecord]:
        """Warnings of one staff member (or all), by `issued_at` then id."""
        with self._lock:
            chosen = [
                w for w in self._warnings.values() if staff_id is None or w.staff_id == staff_id
            ]
        return sorted(chosen, key=lambda w: (w.issued_at, w.id))

    def __repr__(self) -> str:
        return (
            f"InMemoryAssessmentRepository({len(self._rubrics)} rubrics, "
            f"{len(self._sheets)} sheets, {len(self._warnings)} warnings)"
        )
