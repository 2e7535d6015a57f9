"""Staff outcomes and reports order instants, not wall times, across the autumn change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs
from hypothesis import given

from clubrules._time import to_epoch_us
from clubrules.staff import (
    AssessmentPeriod,
    WarningRecord,
    decide_outcome,
    seed_rubric,
    team_report,
)
from clubrules.testing.contracts._instants import FOLD_ZONE, fold_instants
from clubrules.testing.contracts._staff import _sheet

ISSUED = datetime(2026, 10, 1, tzinfo=FOLD_ZONE)


def _warning(warning_id: str, *, issued_at: datetime, improve_by: datetime) -> WarningRecord:
    return WarningRecord(
        id=warning_id,
        staff_id="s-1",
        sheet_id="a-1",
        issued_at=issued_at,
        improve_by=improve_by,
        total=Decimal(10),
        band="fail",
    )


def _review_warning(assessed: datetime, warnings: list[WarningRecord]) -> tuple[str, bool]:
    earlier = _sheet("a-1", month=3, points="0")
    later = attrs.evolve(_sheet("a-2", month=4, points="0"), assessed_at=assessed)
    outcome = decide_outcome(later, seed_rubric(), history=[earlier], warnings=warnings)
    review = outcome.dismissal_review
    assert review is not None
    assert review.warning is not None
    assert review.deadline_passed is not None
    return review.warning.id, review.deadline_passed


@given(assessed=fold_instants(), improve_by=fold_instants())
def test_the_deadline_has_passed_exactly_when_its_instant_has(
    assessed: datetime, improve_by: datetime
) -> None:
    warning = _warning("w-1", issued_at=ISSUED, improve_by=improve_by)
    _, passed = _review_warning(assessed, [warning])
    # Assessed exactly at the deadline is in time: passed only after it.
    assert passed is (to_epoch_us(improve_by) < to_epoch_us(assessed))


@given(one=fold_instants(), other=fold_instants())
def test_the_review_cites_the_first_warning_issued(one: datetime, other: datetime) -> None:
    deadline = datetime(2026, 12, 1, tzinfo=FOLD_ZONE)
    warnings = [
        _warning("w-1", issued_at=one, improve_by=deadline),
        _warning("w-2", issued_at=other, improve_by=deadline),
    ]
    cited, _ = _review_warning(deadline, warnings)
    if to_epoch_us(one) < to_epoch_us(other):
        assert cited == "w-1"
    elif to_epoch_us(other) < to_epoch_us(one):
        assert cited == "w-2"


@given(one=fold_instants(), other=fold_instants())
def test_a_team_report_lists_periods_by_start_instant(one: datetime, other: datetime) -> None:
    end = datetime(2026, 11, 2, tzinfo=FOLD_ZONE)
    sheets = [
        attrs.evolve(
            _sheet(sheet_id, staff_id=f"s-{sheet_id}"),
            period=AssessmentPeriod(start=start, end=end, label=sheet_id),
        )
        for sheet_id, start in (("p-1", one), ("p-2", other))
    ]
    report = team_report(sheets, kind=None)
    labels = [p.label for p in report.periods]
    if to_epoch_us(one) < to_epoch_us(other):
        assert labels == ["p-1", "p-2"]
    elif to_epoch_us(other) < to_epoch_us(one):
        assert labels == ["p-2", "p-1"]
