"""The staff adapter both SQL databases share: the rubric document, rows and method bodies.

A rubric is a deep value (criteria, sub-items, scoring methods, scales,
bands), kept as one JSON document per version (JSON text in SQLite, `jsonb`
in PostgreSQL), every Decimal as a string so that it comes back digit for
digit. `SQLiteAssessmentRepository` and `PostgresAssessmentRepository`
subclass `SQLAssessmentRepository`; each keeps its own `add_sheet`, since
SQLite checks the keys inside `BEGIN IMMEDIATE` before inserting while
PostgreSQL inserts `ON CONFLICT DO NOTHING` against its partial unique
index and reads back what won. Every statement reads and writes the rows of
the dialect's tenant only: rubric versions, sheet ids and the one periodic
sheet per person and cycle are unique within a tenant.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from clubrules._checks import INT_MAX, INT_MIN, shown
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
from clubrules.storage._fronts import SheetReads
from clubrules.storage.sql import _layout as field
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import DB, SQLAdapter, decode_decimal
from clubrules.storage.sql._layout import RowLayout

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractContextManager
    from datetime import datetime

    from clubrules.storage.sql._dialect import Connection, Dialect

T = TypeVar("T")

__all__ = [
    "SQLAssessmentRepository",
    "cycle_key",
    "cycle_taken",
    "read_sheets",
    "rubric_document",
    "rubric_from_document",
    "sheet_by_id",
    "sheet_insert",
    "sheet_parts",
    "sheet_row",
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


def cycle_taken(d: Dialect, conn: Connection, sheet: ScoreSheet) -> DuplicateError | None:
    """The refusal of a periodic `sheet` whose staff member has another sheet for its cycle.

    None when `sheet` takes no cycle or its cycle is free (in the dialect's tenant).
    """
    cycle = cycle_key(sheet)
    if cycle is None:
        return None
    p = d.param
    taken = conn.execute(
        f"SELECT id FROM {d.table('staff_sheets')}"  # noqa: S608 - constant
        f" WHERE tenant = {d.tenant} AND staff_id = {p}"
        f" AND cycle_months = {p} AND cycle = {p} AND kind = 'periodic'",
        cycle,
    ).fetchone()
    if taken is None:
        return None
    return DuplicateError(
        f"{sheet.staff_id!r} already has periodic sheet {taken[0]!r} for {sheet.period.label}"
    )


# --- rows ------------------------------------------------------------------------------

_CRITERION_COLUMNS = "sheet_id, position, key, name, max_points, effective_max, points"
_LINE_COLUMNS = (
    "sheet_id, position, criterion, item, name, method, max_points, effective_max, points,"
    " source, no_events"
)


def _sheet_columns(d: Dialect) -> str:
    return (
        f"id, staff_id, kind, period_start{d.us}, period_start_tz, period_end{d.us},"
        f" period_end_tz, period_label, cycle, cycle_months, assessed_at{d.us}, assessed_at_tz,"
        " rubric_id, rubric_version, total, band, outcome"
    )


def sheet_insert(d: Dialect) -> str:
    """The statement that inserts a `sheet_row` into the dialect's tenant."""
    return (
        f"INSERT INTO {d.table('staff_sheets')} (tenant, {_sheet_columns(d)})"  # noqa: S608
        f" VALUES ({d.tenant}, {d.params(17)})"
    )


def sheet_by_id(d: Dialect) -> str:
    """The `read_sheets` clause that selects one sheet of the dialect's tenant by id."""
    return f" WHERE tenant = {d.tenant} AND id = {d.param}"


def sheet_row(d: Dialect, sheet: ScoreSheet) -> tuple[Any, ...]:
    """The `staff_sheets` row of a sheet."""
    period = sheet.period
    return (
        sheet.id,
        sheet.staff_id,
        sheet.kind.value,
        d.encode_instant(period.start),
        encode_zone(period.start),
        d.encode_instant(period.end),
        encode_zone(period.end),
        period.label,
        period.cycle,
        period.cycle_months,
        d.encode_instant(sheet.assessed_at),
        encode_zone(sheet.assessed_at),
        sheet.rubric_id,
        sheet.rubric_version,
        d.encode_decimal(sheet.total),
        sheet.band,
        sheet.outcome.value,
    )


def sheet_parts(
    d: Dialect, sheet: ScoreSheet
) -> tuple[str, list[tuple[Any, ...]], str, list[tuple[Any, ...]]]:
    """The criterion and line inserts of a sheet: `(sql, rows, sql, rows)`.

    The statements write into the dialect's tenant.
    """
    money = d.encode_decimal
    criteria = [
        (sheet.id, n, c.key, c.name, money(c.max_points), money(c.effective_max), money(c.points))
        for n, c in enumerate(sheet.criteria)
    ]
    lines = [
        (
            sheet.id,
            n,
            line.criterion,
            line.item,
            line.name,
            line.method,
            money(line.max_points),
            money(line.effective_max),
            money(line.points),
            line.source,
            None if line.no_events is None else line.no_events.value,
        )
        for n, line in enumerate(sheet.lines)
    ]
    criteria_sql = (
        f"INSERT INTO {d.table('staff_sheet_criteria')} (tenant, {_CRITERION_COLUMNS})"  # noqa: S608
        f" VALUES ({d.tenant}, {d.params(7)})"
    )
    lines_sql = (
        f"INSERT INTO {d.table('staff_sheet_lines')} (tenant, {_LINE_COLUMNS})"  # noqa: S608
        f" VALUES ({d.tenant}, {d.params(11)})"
    )
    return criteria_sql, criteria, lines_sql, lines


def _sheet(
    d: Dialect, row: Sequence[Any], criteria: list[CriterionScore], lines: list[ScoreLine]
) -> ScoreSheet:
    return ScoreSheet(
        id=row[0],
        staff_id=row[1],
        kind=AssessmentKind(row[2]),
        period=AssessmentPeriod(
            start=d.decode_at(row[3], row[4]),
            end=d.decode_at(row[5], row[6]),
            label=row[7],
            cycle=row[8],
            cycle_months=row[9],
        ),
        assessed_at=d.decode_at(row[10], row[11]),
        rubric_id=row[12],
        rubric_version=row[13],
        lines=lines,
        criteria=criteria,
        total=decode_decimal(row[14]),
        band=row[15],
        outcome=BandOutcome(row[16]),
    )


def _criterion(row: Sequence[Any]) -> CriterionScore:
    return CriterionScore(
        key=row[2],
        name=row[3],
        max_points=decode_decimal(row[4]),
        effective_max=decode_decimal(row[5]),
        points=decode_decimal(row[6]),
    )


def _line(row: Sequence[Any]) -> ScoreLine:
    return ScoreLine(
        criterion=row[2],
        item=row[3],
        name=row[4],
        method=row[5],
        max_points=decode_decimal(row[6]),
        effective_max=decode_decimal(row[7]),
        points=decode_decimal(row[8]),
        source=row[9],
        no_events=None if row[10] is None else NoEventsRule(row[10]),
    )


_WARNING = RowLayout(
    "staff_warnings",
    WarningRecord,
    "id",
    "staff_id",
    "sheet_id",
    field.instant("issued_at"),
    field.instant("improve_by"),
    field.decimal("total"),
    "band",
)


def _by_sheet(
    conn: Connection,
    d: Dialect,
    table: str,
    columns: str,
    *,
    chosen: str,
    params: Sequence[object],
    build: Callable[[Sequence[Any]], T],
) -> dict[str, list[T]]:
    """The rows of `table` for the sheets `chosen` selects, built and grouped by sheet id.

    Only the dialect's tenant's rows: a sheet's parts share its tenant.
    """
    found: dict[str, list[T]] = {}
    for row in conn.execute(
        f"SELECT {columns} FROM {d.table(table)}"  # noqa: S608 - built from constants
        f" WHERE tenant = {d.tenant} AND sheet_id IN ({chosen}) ORDER BY sheet_id, position",
        params,
    ).fetchall():
        found.setdefault(row[0], []).append(build(row))
    return found


def read_sheets(
    d: Dialect, conn: Connection, where: str, params: Sequence[object]
) -> list[ScoreSheet]:
    """The sheets selected by `where`, with their criteria and lines, in port order.

    `where` starts with the dialect's tenant (as `sheet_by_id` and
    `Dialect.where_in_window` write it), and so reads that tenant's sheets only.
    """
    if not where.startswith(f" WHERE tenant = {d.tenant}"):
        raise StorageError("a score sheet read must keep to one tenant's rows")
    sheets = d.table("staff_sheets")
    rows = conn.execute(
        f"SELECT {_sheet_columns(d)} FROM {sheets}{where}"  # noqa: S608 - built from constants
        f" ORDER BY period_end{d.us}, period_start{d.us}, id",
        params,
    ).fetchall()
    if not rows:
        return []
    chosen = f"SELECT id FROM {sheets}{where}"  # noqa: S608 - built from constants
    criteria = _by_sheet(
        conn,
        d,
        "staff_sheet_criteria",
        _CRITERION_COLUMNS,
        chosen=chosen,
        params=params,
        build=_criterion,
    )
    lines = _by_sheet(
        conn, d, "staff_sheet_lines", _LINE_COLUMNS, chosen=chosen, params=params, build=_line
    )
    return [_sheet(d, r, criteria.get(r[0], []), lines.get(r[0], [])) for r in rows]


class SQLAssessmentRepository(SQLAdapter[DB], SheetReads):
    """The body of the SQL assessment repositories; subclasses set `_dialect` and `add_sheet`."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        self._rubrics = d.table("staff_rubrics")
        self._warning = _WARNING.bind(d)
        self._document = f"document{d.json_as_text}"

    def _snapshot(self) -> AbstractContextManager[Connection]:
        """A connection for the three reads of `sheets`.

        Sheets are never changed and a sheet's parts are committed with it, so
        the three statements agree without a snapshot: parts of a sheet that
        appears in between are ignored. (SQLite still reads in one read
        transaction.)
        """
        return self._db.connection()

    def add_rubric(self, rubric: Rubric) -> bool:
        """Store a rubric version; False if stored as is, `DuplicateError` if taken."""
        d = self._dialect
        p = d.param
        document = json.dumps(rubric_document(rubric), ensure_ascii=False, sort_keys=True)
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO {self._rubrics} (tenant, id, version, document)"  # noqa: S608
                f" VALUES ({d.tenant}, {p}, {p}, {p}{d.json})"
                " ON CONFLICT (tenant, id, version) DO NOTHING",
                (rubric.id, rubric.version, document),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                f"SELECT {self._document} FROM {self._rubrics}"  # noqa: S608 - constant
                f" WHERE tenant = {d.tenant} AND id = {p} AND version = {p}",
                (rubric.id, rubric.version),
            ).fetchone()
        if row is not None and rubric_from_document(json.loads(row[0])) == rubric:
            return False
        raise DuplicateError(
            f"rubric {rubric.id!r} version {rubric.version} already exists with other content"
        )

    def rubric(self, rubric_id: str, version: int | None = None) -> Rubric:
        """The rubric version (the highest if None); `NotFoundError` if there is none."""
        d = self._dialect
        p = d.param
        select = (
            f"SELECT {self._document} FROM {self._rubrics}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND id = {p}"
        )
        if version is None:
            row = self._db._fetchone(  # noqa: SLF001 - the databases' read helper
                f"{select} ORDER BY version DESC LIMIT 1", (rubric_id,)
            )
        elif not INT_MIN <= version <= INT_MAX:  # no column holds it: none is stored
            row = None
        else:
            row = self._db._fetchone(  # noqa: SLF001
                f"{select} AND version = {p}", (rubric_id, version)
            )
        if row is None:
            key = rubric_id if version is None else f"{rubric_id} v{shown(version)}"
            raise NotFoundError("rubric", key)
        return rubric_from_document(json.loads(row[0]))

    def _window_sheets(
        self, staff_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[ScoreSheet]:
        d = self._dialect
        where, params = d.where_in_window(
            "staff_id", staff_id, start=start, end=end, column="period_end"
        )
        with self._snapshot() as conn:
            return read_sheets(d, conn, where, params)

    def add_warning(self, warning: WarningRecord) -> bool:
        """Store a warning; False if stored as is, `DuplicateError` if the id is taken."""
        return self._warning.add(self._db, warning, "warning")

    def warnings(self, staff_id: str | None = None) -> list[WarningRecord]:
        """Warnings of one staff member (or all), by `issued_at` then id."""
        warnings = self._warning
        rows = self._in_window(
            warnings.table, warnings.reads, "staff_id", staff_id, column="issued_at"
        )
        return [warnings.read(r) for r in rows]
