"""ActivitySummary orders its instants as instants across the autumn clock change."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given

from clubrules._time import to_epoch_us
from clubrules.errors import ValidationError
from clubrules.testing.contracts._instants import FOLD_ZONE, fold_instants
from clubrules.testing.strategies import activity_summaries
from clubrules.tiering import ActivitySummary


@given(start=fold_instants(), end=fold_instants())
def test_the_window_is_valid_exactly_when_end_is_not_before_start(
    start: datetime, end: datetime
) -> None:
    if to_epoch_us(end) < to_epoch_us(start):
        with pytest.raises(ValidationError) as caught:
            ActivitySummary(customer_id="c", start=start, end=end)
        assert (caught.value.field, caught.value.rule) == ("end", "end_before_start")
    else:
        assert ActivitySummary(customer_id="c", start=start, end=end).end == end


@given(one=fold_instants(), other=fold_instants(), first=fold_instants(), last=fold_instants())
def test_visits_are_placed_by_instant(
    one: datetime, other: datetime, first: datetime, last: datetime
) -> None:
    start, end = sorted((one, other), key=to_epoch_us)
    s, e, f, la = map(to_epoch_us, (start, end, first, last))
    expected = set()
    if la < f:
        expected.add("before_first")
    if la >= e:
        expected.add("after_end")
    if la < s:
        expected.add("no_last_visit")
    build = {
        "customer_id": "c",
        "start": start,
        "end": end,
        "visits": 1,
        "first_visit": first,
        "last_visit": last,
    }
    if expected:
        with pytest.raises(ValidationError) as caught:
            ActivitySummary(**build)  # type: ignore[arg-type]
        assert {v.rule for v in caught.value.violations} == expected
    else:
        assert ActivitySummary(**build).last_visit == last  # type: ignore[arg-type]


def test_a_window_ending_in_the_second_one_oclock_hour_is_valid() -> None:
    start = datetime(2026, 11, 1, 1, 50, tzinfo=FOLD_ZONE)  # 05:50 UTC
    end = datetime(2026, 11, 1, 1, 10, tzinfo=FOLD_ZONE, fold=1)  # 06:10 UTC
    assert ActivitySummary(customer_id="c", start=start, end=end).start == start
    with pytest.raises(ValidationError):
        ActivitySummary(customer_id="c", start=end, end=start)


@given(
    summary=activity_summaries(
        start=datetime(2026, 11, 1, 1, 50, tzinfo=FOLD_ZONE),  # 05:50 UTC
        end=datetime(2026, 11, 1, 1, 10, tzinfo=FOLD_ZONE, fold=1),  # 06:10 UTC
    )
)
def test_the_strategy_draws_visits_by_instant_in_a_window_across_the_fold(
    summary: ActivitySummary,
) -> None:
    if summary.visits:
        assert summary.last_visit is not None
        assert to_epoch_us(summary.start) <= to_epoch_us(summary.last_visit)
        assert to_epoch_us(summary.last_visit) < to_epoch_us(summary.end)
