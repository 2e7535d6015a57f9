"""PostgreSQL adapter of the staff port: rubrics by version, score sheets and warnings."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clubrules.errors import DuplicateError, NotFoundError
from clubrules.staff import (
    AssessmentKind,
    AssessmentPeriod,
    BandOutcome,
    CriterionScore,
    NoEventsRule,
    Rubric,
    ScoreLine,
    ScoreSheet,
    WarningRecord,
)
from clubrules.storage._sqlite_db import encode_zone, in_zone, window_bounds
from clubrules.storage._sqlite_staff import cycle_key, rubric_document, rubric_from_document

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    import psycopg

    from clubrules.storage._postgres_db import PostgresDatabase

__all__ = ["PostgresAssessmentRepository"]

_SHEET_COLUMNS = (
    "id, staff_id, kind, period_start, period_start_tz, period_end, period_end_tz,"
    " period_label, cycle, cycle_months, assessed_at, assessed_at_tz, rubric_id,"
    " rubric_version, total, band, outcome"
)
_CRITERION_COLUMNS = "sheet_id, position, key, name, max_points, effective_max, points"
_LINE_COLUMNS = (
    "sheet_id, position, criterion, item, name, method, max_points, effective_max, points,"
    " source, no_events"
)
_WARNING_COLUMNS = (
    "id, staff_id, sheet_id, issued_at, issued_at_tz, improve_by, improve_by_tz, total, band"
)


def _sheet_row(sheet: ScoreSheet) -> tuple[Any, ...]:
    period = sheet.period
    return (
        sheet.id,
        sheet.staff_id,
        sheet.kind.value,
        period.start,
        encode_zone(period.start),
        period.end,
        encode_zone(period.end),
        period.label,
        period.cycle,
        period.cycle_months,
        sheet.assessed_at,
        encode_zone(sheet.assessed_at),
        sheet.rubric_id,
        sheet.rubric_version,
        sheet.total,
        sheet.band,
        sheet.outcome.value,
    )


def _sheet(
    row: Sequence[Any], criteria: list[CriterionScore], lines: list[ScoreLine]
) -> ScoreSheet:
    return ScoreSheet(
        id=row[0],
        staff_id=row[1],
        kind=AssessmentKind(row[2]),
        period=AssessmentPeriod(
            start=in_zone(row[3], row[4]),
            end=in_zone(row[5], row[6]),
            label=row[7],
            cycle=row[8],
            cycle_months=row[9],
        ),
        assessed_at=in_zone(row[10], row[11]),
        rubric_id=row[12],
        rubric_version=row[13],
        lines=lines,
        criteria=criteria,
        total=row[14],
        band=row[15],
        outcome=BandOutcome(row[16]),
    )


def _warning_row(warning: WarningRecord) -> tuple[Any, ...]:
    return (
        warning.id,
        warning.staff_id,
        warning.sheet_id,
        warning.issued_at,
        encode_zone(warning.issued_at),
        warning.improve_by,
        encode_zone(warning.improve_by),
        warning.total,
        warning.band,
    )


def _warning(row: Sequence[Any]) -> WarningRecord:
    return WarningRecord(
        id=row[0],
        staff_id=row[1],
        sheet_id=row[2],
        issued_at=in_zone(row[3], row[4]),
        improve_by=in_zone(row[5], row[6]),
        total=row[7],
        band=row[8],
    )


def _read_sheets(
    conn: psycopg.Connection[Any], where: str, params: Sequence[object]
) -> list[ScoreSheet]:
    """The sheets selected by `where`, with their criteria and lines, in port order.

    Sheets are never changed and a sheet's parts are committed with it, so
    the three statements agree without a snapshot: parts of a sheet that
    appears in between are ignored.
    """
    rows = conn.execute(
        f"SELECT {_SHEET_COLUMNS} FROM clubrules.staff_sheets{where}"  # noqa: S608 - constants
        " ORDER BY period_end, period_start, id",
        params,
    ).fetchall()
    if not rows:
        return []
    chosen = f"SELECT id FROM clubrules.staff_sheets{where}"  # noqa: S608 - constants
    criteria: dict[str, list[CriterionScore]] = {}
    for row in conn.execute(
        f"SELECT {_CRITERION_COLUMNS} FROM clubrules.staff_sheet_criteria"  # noqa: S608
        f" WHERE sheet_id IN ({chosen}) ORDER BY sheet_id, position",
        params,
    ):
        criteria.setdefault(row[0], []).append(
            CriterionScore(
                key=row[2], name=row[3], max_points=row[4], effective_max=row[5], points=row[6]
            )
        )
    lines: dict[str, list[ScoreLine]] = {}
    for row in conn.execute(
        f"SELECT {_LINE_COLUMNS} FROM clubrules.staff_sheet_lines"  # noqa: S608
        f" WHERE sheet_id IN ({chosen}) ORDER BY sheet_id, position",
        params,
    ):
        lines.setdefault(row[0], []).append(
            ScoreLine(
                criterion=row[2],
                item=row[3],
                name=row[4],
                method=row[5],
                max_points=row[6],
                effective_max=row[7],
                points=row[8],
                source=row[9],
                no_events=None if row[10] is None else NoEventsRule(row[10]),
            )
        )
    return [_sheet(r, criteria.get(r[0], []), lines.get(r[0], [])) for r in rows]


class PostgresAssessmentRepository:
    """Rubrics, score sheets and warnings in PostgreSQL; idempotent adds; points as numeric.

    Implements [AssessmentRepository][clubrules.staff.ports.AssessmentRepository].
    A rubric version is one row holding the rubric as `jsonb`; a score
    sheet is a row with its period, total and band, plus one row per
    criterion subtotal and per line, inserted in one transaction. The rule
    of one periodic sheet per person and cycle is a partial unique index,
    so concurrent adds from many app servers cannot both win: the insert is
    `ON CONFLICT DO NOTHING`, and a taken key is read back and compared,
    equal returning False (a safe retry) and different raising
    `DuplicateError`.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def add_rubric(self, rubric: Rubric) -> bool:
        """Store a rubric version; False if stored as is, `DuplicateError` if taken."""
        document = json.dumps(rubric_document(rubric), ensure_ascii=False, sort_keys=True)
        with self._db.connection() as conn:
            cursor = conn.execute(
                "INSERT INTO clubrules.staff_rubrics (id, version, document)"
                " VALUES (%s, %s, %s::jsonb) ON CONFLICT (id, version) DO NOTHING",
                (rubric.id, rubric.version, document),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                "SELECT document::text FROM clubrules.staff_rubrics WHERE id = %s AND version = %s",
                (rubric.id, rubric.version),
            ).fetchone()
        if row is not None and rubric_from_document(json.loads(row[0])) == rubric:
            return False
        raise DuplicateError(
            f"rubric {rubric.id!r} version {rubric.version} already exists with other content"
        )

    def rubric(self, rubric_id: str, version: int | None = None) -> Rubric:
        """The rubric version (the highest if None); `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            if version is None:
                row = conn.execute(
                    "SELECT document::text FROM clubrules.staff_rubrics WHERE id = %s"
                    " ORDER BY version DESC LIMIT 1",
                    (rubric_id,),
                ).fetchone()
            else:
                row = conn.execute(
                    "SELECT document::text FROM clubrules.staff_rubrics"
                    " WHERE id = %s AND version = %s",
                    (rubric_id, version),
                ).fetchone()
        if row is None:
            shown = rubric_id if version is None else f"{rubric_id} v{version}"
            raise NotFoundError("rubric", shown)
        return rubric_from_document(json.loads(row[0]))

    def add_sheet(self, sheet: ScoreSheet) -> bool:
        """Store a sheet; False if stored as is; `DuplicateError` on a taken id or cycle."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"INSERT INTO clubrules.staff_sheets ({_SHEET_COLUMNS})"  # noqa: S608 - constant
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                _sheet_row(sheet),
            )
            if cursor.rowcount == 1:
                with conn.cursor() as many:
                    many.executemany(
                        f"INSERT INTO clubrules.staff_sheet_criteria ({_CRITERION_COLUMNS})"  # noqa: S608
                        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        [
                            (sheet.id, n, c.key, c.name, c.max_points, c.effective_max, c.points)
                            for n, c in enumerate(sheet.criteria)
                        ],
                    )
                    many.executemany(
                        f"INSERT INTO clubrules.staff_sheet_lines ({_LINE_COLUMNS})"  # noqa: S608
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [
                            (
                                sheet.id,
                                n,
                                line.criterion,
                                line.item,
                                line.name,
                                line.method,
                                line.max_points,
                                line.effective_max,
                                line.points,
                                line.source,
                                None if line.no_events is None else line.no_events.value,
                            )
                            for n, line in enumerate(sheet.lines)
                        ],
                    )
                return True
            found = _read_sheets(conn, " WHERE id = %s", (sheet.id,))
            cycle = cycle_key(sheet)
            taken = None
            if not found and cycle is not None:
                taken = conn.execute(
                    "SELECT id FROM clubrules.staff_sheets WHERE staff_id = %s"
                    " AND cycle_months = %s AND cycle = %s AND kind = 'periodic'",
                    cycle,
                ).fetchone()
        if found and found[0] == sheet:
            return False
        if taken is not None:
            raise DuplicateError(
                f"{sheet.staff_id!r} already has periodic sheet {taken[0]!r} "
                f"for {sheet.period.label}"
            )
        raise DuplicateError(f"score sheet {sheet.id!r} already exists with other content")

    def sheets(
        self,
        staff_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ScoreSheet]:
        """Sheets whose period ends in `[start, end)`, by period end, start, then id."""
        window_bounds(start, end)
        clauses: list[str] = []
        params: list[object] = []
        if staff_id is not None:
            clauses.append("staff_id = %s")
            params.append(staff_id)
        if start is not None:
            clauses.append("period_end >= %s")
            params.append(start)
        if end is not None:
            clauses.append("period_end < %s")
            params.append(end)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.connection() as conn:
            return _read_sheets(conn, where, params)

    def add_warning(self, warning: WarningRecord) -> bool:
        """Store a warning; False if stored as is, `DuplicateError` if the id is taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO clubrules.staff_warnings ({_WARNING_COLUMNS})"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                _warning_row(warning),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                f"SELECT {_WARNING_COLUMNS} FROM clubrules.staff_warnings"  # noqa: S608
                " WHERE id = %s",
                (warning.id,),
            ).fetchone()
        if row is not None and _warning(row) == warning:
            return False
        raise DuplicateError(f"warning {warning.id!r} already exists with other content")

    def warnings(self, staff_id: str | None = None) -> list[WarningRecord]:
        """Warnings of one staff member (or all), by `issued_at` then id."""
        where, params = ("", ()) if staff_id is None else (" WHERE staff_id = %s", (staff_id,))
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_WARNING_COLUMNS} FROM clubrules.staff_warnings{where}"  # noqa: S608
                " ORDER BY issued_at, id",
                params,
            ).fetchall()
        return [_warning(r) for r in rows]

    def __repr__(self) -> str:
        return f"PostgresAssessmentRepository({self._db!r})"
