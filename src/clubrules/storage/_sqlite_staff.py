"""SQLite adapter of the staff port: rubrics by version, score sheets and warnings.

Also the JSON form of a rubric, shared with the PostgreSQL adapter: a rubric
is a deep value (criteria, sub-items, scoring methods, scales, bands), kept
as one document per version, every Decimal as a string so that it comes
back digit for digit.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clubrules.errors import DuplicateError, NotFoundError, StorageError
from clubrules.staff import (
    AssessmentKind,
    AssessmentPeriod,
    Band,
    BandOutcome,
    BandScheme,
    Criterion,
    CriterionScore,
    EvaluationScoring,
    KpiScoring,
    LinearScale,
    ManualScoring,
    MissingCycle,
    NoEventsRule,
    Rubric,
    ScoreLine,
    ScoreSheet,
    Step,
    SteppedScale,
    SubItem,
    WarningRecord,
)
from clubrules.storage._sqlite_db import decode_at, encode_instant, encode_zone, window_bounds

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Sequence
    from datetime import datetime

    from clubrules.storage._sqlite_db import SQLiteDatabase

__all__ = [
    "SQLiteAssessmentRepository",
    "cycle_key",
    "rubric_document",
    "rubric_from_document",
]


# --- the JSON form of a rubric ---------------------------------------------------------


def _optional_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _optional_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _method_document(method: ManualScoring | KpiScoring | EvaluationScoring) -> dict[str, Any]:
    if isinstance(method, ManualScoring):
        return {"type": "manual", "guidance": method.guidance}
    if isinstance(method, KpiScoring):
        scale = method.scale
        if isinstance(scale, LinearScale):
            scale_doc: dict[str, Any] = {
                "type": "linear",
                "floor": str(scale.floor),
                "target": str(scale.target),
            }
        else:
            scale_doc = {
                "type": "stepped",
                "steps": [[str(s.min_rate), str(s.points)] for s in scale.steps],
            }
        return {
            "type": "kpi",
            "kpi": method.kpi,
            "scale": scale_doc,
            "no_events": method.no_events.value,
            "neutral_points": _optional_text(method.neutral_points),
        }
    return {
        "type": "evaluations",
        "scale_min": method.scale_min,
        "scale_max": method.scale_max,
        "min_count": method.min_count,
        "no_events": method.no_events.value,
        "neutral_points": _optional_text(method.neutral_points),
    }


def _method(doc: dict[str, Any]) -> ManualScoring | KpiScoring | EvaluationScoring:
    kind = doc["type"]
    if kind == "manual":
        return ManualScoring(doc["guidance"])
    if kind == "kpi":
        scale_doc = doc["scale"]
        scale: LinearScale | SteppedScale
        if scale_doc["type"] == "linear":
            scale = LinearScale(
                floor=Decimal(scale_doc["floor"]), target=Decimal(scale_doc["target"])
            )
        else:
            scale = SteppedScale(
                [Step(min_rate=Decimal(r), points=Decimal(p)) for r, p in scale_doc["steps"]]
            )
        return KpiScoring(
            kpi=doc["kpi"],
            scale=scale,
            no_events=NoEventsRule(doc["no_events"]),
            neutral_points=_optional_decimal(doc["neutral_points"]),
        )
    if kind == "evaluations":
        return EvaluationScoring(
            scale_min=doc["scale_min"],
            scale_max=doc["scale_max"],
            min_count=doc["min_count"],
            no_events=NoEventsRule(doc["no_events"]),
            neutral_points=_optional_decimal(doc["neutral_points"]),
        )
    raise StorageError(f"a stored rubric has an unknown scoring method {kind!r}")


def rubric_document(rubric: Rubric) -> dict[str, Any]:
    """A rubric as a JSON-ready dict, every Decimal as its exact string."""
    return {
        "format": 1,
        "id": rubric.id,
        "version": rubric.version,
        "criteria": [
            {
                "key": c.key,
                "name": c.name,
                "max_points": str(c.max_points),
                "sub_items": [
                    {
                        "key": i.key,
                        "name": i.name,
                        "max_points": str(i.max_points),
                        "method": _method_document(i.method),
                    }
                    for i in c.sub_items
                ],
            }
            for c in rubric.criteria
        ],
        "bands": [
            {"name": b.name, "lower": str(b.lower), "outcome": b.outcome.value}
            for b in rubric.bands.bands
        ],
        "missing_cycle": rubric.missing_cycle.value,
        "ad_hoc_in_chain": rubric.ad_hoc_in_chain,
        "improvement_days": rubric.improvement_days,
        "cycle_months": rubric.cycle_months,
    }


def rubric_from_document(doc: dict[str, Any]) -> Rubric:
    """The rubric that `rubric_document` turned into `doc`.

    Raises:
        StorageError: the document is of an unknown format.
    """
    if doc.get("format") != 1:
        raise StorageError("a stored rubric is in an unknown format; upgrade clubrules")
    return Rubric(
        id=doc["id"],
        version=doc["version"],
        criteria=[
            Criterion(
                key=c["key"],
                name=c["name"],
                max_points=Decimal(c["max_points"]),
                sub_items=[
                    SubItem(
                        key=i["key"],
                        name=i["name"],
                        max_points=Decimal(i["max_points"]),
                        method=_method(i["method"]),
                    )
                    for i in c["sub_items"]
                ],
            )
            for c in doc["criteria"]
        ],
        bands=BandScheme(
            [
                Band(name=b["name"], lower=Decimal(b["lower"]), outcome=BandOutcome(b["outcome"]))
                for b in doc["bands"]
            ]
        ),
        missing_cycle=MissingCycle(doc["missing_cycle"]),
        ad_hoc_in_chain=doc["ad_hoc_in_chain"],
        improvement_days=doc["improvement_days"],
        cycle_months=doc["cycle_months"],
    )


def cycle_key(sheet: ScoreSheet) -> tuple[str, int, int] | None:
    """The (staff, cycle months, cycle) a periodic sheet takes, or None if it takes none."""
    period = sheet.period
    if sheet.kind is not AssessmentKind.PERIODIC or period.cycle is None:
        return None
    return (sheet.staff_id, period.cycle_months or 1, period.cycle)


# --- rows ------------------------------------------------------------------------------

_SHEET_COLUMNS = (
    "id, staff_id, kind, period_start_us, period_start_tz, period_end_us, period_end_tz,"
    " period_label, cycle, cycle_months, assessed_at_us, assessed_at_tz, rubric_id,"
    " rubric_version, total, band, outcome"
)
_CRITERION_COLUMNS = "sheet_id, position, key, name, max_points, effective_max, points"
_LINE_COLUMNS = (
    "sheet_id, position, criterion, item, name, method, max_points, effective_max, points,"
    " source, no_events"
)
_WARNING_COLUMNS = (
    "id, staff_id, sheet_id, issued_at_us, issued_at_tz, improve_by_us, improve_by_tz, total, band"
)


def _sheet_row(sheet: ScoreSheet) -> tuple[Any, ...]:
    period = sheet.period
    return (
        sheet.id,
        sheet.staff_id,
        sheet.kind.value,
        encode_instant(period.start),
        encode_zone(period.start),
        encode_instant(period.end),
        encode_zone(period.end),
        period.label,
        period.cycle,
        period.cycle_months,
        encode_instant(sheet.assessed_at),
        encode_zone(sheet.assessed_at),
        sheet.rubric_id,
        sheet.rubric_version,
        str(sheet.total),
        sheet.band,
        sheet.outcome.value,
    )


def _criterion_rows(sheet: ScoreSheet) -> list[tuple[Any, ...]]:
    return [
        (sheet.id, n, c.key, c.name, str(c.max_points), str(c.effective_max), str(c.points))
        for n, c in enumerate(sheet.criteria)
    ]


def _line_rows(sheet: ScoreSheet) -> list[tuple[Any, ...]]:
    return [
        (
            sheet.id,
            n,
            line.criterion,
            line.item,
            line.name,
            line.method,
            str(line.max_points),
            str(line.effective_max),
            str(line.points),
            line.source,
            None if line.no_events is None else line.no_events.value,
        )
        for n, line in enumerate(sheet.lines)
    ]


def _sheet(
    row: Sequence[Any], criteria: list[CriterionScore], lines: list[ScoreLine]
) -> ScoreSheet:
    return ScoreSheet(
        id=row[0],
        staff_id=row[1],
        kind=AssessmentKind(row[2]),
        period=AssessmentPeriod(
            start=decode_at(row[3], row[4]),
            end=decode_at(row[5], row[6]),
            label=row[7],
            cycle=row[8],
            cycle_months=row[9],
        ),
        assessed_at=decode_at(row[10], row[11]),
        rubric_id=row[12],
        rubric_version=row[13],
        lines=lines,
        criteria=criteria,
        total=Decimal(row[14]),
        band=row[15],
        outcome=BandOutcome(row[16]),
    )


def _criterion(row: Sequence[Any]) -> CriterionScore:
    return CriterionScore(
        key=row[2],
        name=row[3],
        max_points=Decimal(row[4]),
        effective_max=Decimal(row[5]),
        points=Decimal(row[6]),
    )


def _line(row: Sequence[Any]) -> ScoreLine:
    return ScoreLine(
        criterion=row[2],
        item=row[3],
        name=row[4],
        method=row[5],
        max_points=Decimal(row[6]),
        effective_max=Decimal(row[7]),
        points=Decimal(row[8]),
        source=row[9],
        no_events=None if row[10] is None else NoEventsRule(row[10]),
    )


def _warning_row(warning: WarningRecord) -> tuple[Any, ...]:
    return (
        warning.id,
        warning.staff_id,
        warning.sheet_id,
        encode_instant(warning.issued_at),
        encode_zone(warning.issued_at),
        encode_instant(warning.improve_by),
        encode_zone(warning.improve_by),
        str(warning.total),
        warning.band,
    )


def _warning(row: Sequence[Any]) -> WarningRecord:
    return WarningRecord(
        id=row[0],
        staff_id=row[1],
        sheet_id=row[2],
        issued_at=decode_at(row[3], row[4]),
        improve_by=decode_at(row[5], row[6]),
        total=Decimal(row[7]),
        band=row[8],
    )


def _read_sheets(
    conn: sqlite3.Connection, where: str, params: Sequence[object]
) -> list[ScoreSheet]:
    """The sheets selected by `where`, with their criteria and lines, in port order."""
    rows = conn.execute(
        f"SELECT {_SHEET_COLUMNS} FROM staff_sheets{where}"  # noqa: S608 - built from constants
        " ORDER BY period_end_us, period_start_us, id",
        params,
    ).fetchall()
    if not rows:
        return []
    chosen = f"SELECT id FROM staff_sheets{where}"  # noqa: S608 - built from constants
    criteria: dict[str, list[CriterionScore]] = {}
    for row in conn.execute(
        f"SELECT {_CRITERION_COLUMNS} FROM staff_sheet_criteria"  # noqa: S608 - constants
        f" WHERE sheet_id IN ({chosen}) ORDER BY sheet_id, position",
        params,
    ):
        criteria.setdefault(row[0], []).append(_criterion(row))
    lines: dict[str, list[ScoreLine]] = {}
    for row in conn.execute(
        f"SELECT {_LINE_COLUMNS} FROM staff_sheet_lines"  # noqa: S608 - constants
        f" WHERE sheet_id IN ({chosen}) ORDER BY sheet_id, position",
        params,
    ):
        lines.setdefault(row[0], []).append(_line(row))
    return [_sheet(r, criteria.get(r[0], []), lines.get(r[0], [])) for r in rows]


class SQLiteAssessmentRepository:
    """Rubrics, score sheets and warnings in SQLite; idempotent adds; points as exact text.

    Implements [AssessmentRepository][clubrules.staff.ports.AssessmentRepository].
    A rubric version is one row holding the rubric as a JSON document; a
    score sheet is a row with its period, total and band, plus one row per
    criterion subtotal and per line, written together in one
    `BEGIN IMMEDIATE` transaction that first checks the sheet id and the
    staff member's cycle. A unique index also holds the rule of one periodic
    sheet per person and cycle. An add whose key is taken reads the stored
    value back and compares: equal returns False (a safe retry), different
    raises `DuplicateError`.

    Args:
        database: The migrated database to use.

    Examples:
        >>> from clubrules.staff import seed_rubric
        >>> from clubrules.storage.sqlite import SQLiteDatabase
        >>> with SQLiteDatabase(":memory:") as db:
        ...     _ = db.migrate()
        ...     repository = SQLiteAssessmentRepository(db)
        ...     repository.add_rubric(seed_rubric()), repository.add_rubric(seed_rubric())
        (True, False)
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def add_rubric(self, rubric: Rubric) -> bool:
        """Store a rubric version; False if stored as is, `DuplicateError` if taken."""
        document = json.dumps(rubric_document(rubric), ensure_ascii=False, sort_keys=True)
        with self._db.connection() as conn:
            cursor = conn.execute(
                "INSERT INTO staff_rubrics (id, version, document) VALUES (?, ?, ?)"
                " ON CONFLICT (id, version) DO NOTHING",
                (rubric.id, rubric.version, document),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                "SELECT document FROM staff_rubrics WHERE id = ? AND version = ?",
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
                    "SELECT document FROM staff_rubrics WHERE id = ? ORDER BY version DESC LIMIT 1",
                    (rubric_id,),
                ).fetchone()
            else:
                row = conn.execute(
                    "SELECT document FROM staff_rubrics WHERE id = ? AND version = ?",
                    (rubric_id, version),
                ).fetchone()
        if row is None:
            shown = rubric_id if version is None else f"{rubric_id} v{version}"
            raise NotFoundError("rubric", shown)
        return rubric_from_document(json.loads(row[0]))

    def add_sheet(self, sheet: ScoreSheet) -> bool:
        """Store a sheet; False if stored as is; `DuplicateError` on a taken id or cycle."""
        cycle = cycle_key(sheet)
        with self._db.transaction(immediate=True) as conn:
            found = _read_sheets(conn, " WHERE id = ?", (sheet.id,))
            if found:
                if found[0] == sheet:
                    return False
                raise DuplicateError(f"score sheet {sheet.id!r} already exists with other content")
            if cycle is not None:
                taken = conn.execute(
                    "SELECT id FROM staff_sheets WHERE staff_id = ? AND cycle_months = ?"
                    " AND cycle = ? AND kind = 'periodic'",
                    cycle,
                ).fetchone()
                if taken is not None:
                    raise DuplicateError(
                        f"{sheet.staff_id!r} already has periodic sheet {taken[0]!r} "
                        f"for {sheet.period.label}"
                    )
            conn.execute(
                f"INSERT INTO staff_sheets ({_SHEET_COLUMNS})"  # noqa: S608 - constant columns
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _sheet_row(sheet),
            )
            conn.executemany(
                f"INSERT INTO staff_sheet_criteria ({_CRITERION_COLUMNS})"  # noqa: S608
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                _criterion_rows(sheet),
            )
            conn.executemany(
                f"INSERT INTO staff_sheet_lines ({_LINE_COLUMNS})"  # noqa: S608
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _line_rows(sheet),
            )
        return True

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
            clauses.append("staff_id = ?")
            params.append(staff_id)
        if start is not None:
            clauses.append("period_end_us >= ?")
            params.append(encode_instant(start))
        if end is not None:
            clauses.append("period_end_us < ?")
            params.append(encode_instant(end))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        # One read transaction: the three queries see the same snapshot.
        with self._db.transaction(immediate=False) as conn:
            return _read_sheets(conn, where, params)

    def add_warning(self, warning: WarningRecord) -> bool:
        """Store a warning; False if stored as is, `DuplicateError` if the id is taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO staff_warnings ({_WARNING_COLUMNS})"  # noqa: S608 - constant
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                _warning_row(warning),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                f"SELECT {_WARNING_COLUMNS} FROM staff_warnings WHERE id = ?",  # noqa: S608
                (warning.id,),
            ).fetchone()
        if row is not None and _warning(row) == warning:
            return False
        raise DuplicateError(f"warning {warning.id!r} already exists with other content")

    def warnings(self, staff_id: str | None = None) -> list[WarningRecord]:
        """Warnings of one staff member (or all), by `issued_at` then id."""
        where, params = ("", ()) if staff_id is None else (" WHERE staff_id = ?", (staff_id,))
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_WARNING_COLUMNS} FROM staff_warnings{where}"  # noqa: S608
                " ORDER BY issued_at_us, id",
                params,
            ).fetchall()
        return [_warning(r) for r in rows]

    def __repr__(self) -> str:
        return f"SQLiteAssessmentRepository({self._db.path!r})"
