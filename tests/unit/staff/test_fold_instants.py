"""Staff periods and assessments compare instants, not wall times, across the autumn change."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given

from clubrules._time import to_epoch_us
from clubrules.errors import PeriodNotEndedError
from clubrules.staff import AssessmentKind, AssessmentPeriod, assess, seed_rubric
from clubrules.testing.contracts._instants import FOLD_ZONE, fold_instants
from clubrules.testing.contracts._staff import _inputs

START = datetime(2026, 10, 20, tzinfo=FOLD_ZONE)


@given(end=fold_instants(), as_of=fold_instants())
def test_a_period_is_assessed_exactly_once_its_end_instant_has_passed(
    end: datetime, as_of: datetime
) -> None:
    period = AssessmentPeriod(start=START, end=end, label="spot check")

    def run() -> object:
        return assess(
            seed_rubric(),
            _inputs(),
            sheet_id="a",
            staff_id="s",
            period=period,
            as_of=as_of,
            kind=AssessmentKind.AD_HOC,
        )

    if to_epoch_us(as_of) < to_epoch_us(end):
        with pytest.raises(PeriodNotEndedError):
            run()
    else:
        run()


def test_as_of_in_the_first_one_oclock_hour_is_before_an_end_in_the_second() -> None:
    end = datetime(2026, 11, 1, 1, 10, tzinfo=FOLD_ZONE, fold=1)  # 06:10 UTC
    period = AssessmentPeriod(start=START, end=end, label="spot check")
    with pytest.raises(PeriodNotEndedError):
        assess(
            seed_rubric(),
            _inputs(),
            sheet_id="a",
            staff_id="s",
            period=period,
            as_of=datetime(2026, 11, 1, 1, 50, tzinfo=FOLD_ZONE),  # 05:50 UTC
            kind=AssessmentKind.AD_HOC,
        )
