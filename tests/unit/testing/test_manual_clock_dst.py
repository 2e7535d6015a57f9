"""`ManualClock.advance` steps elapsed time, across a DST change too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.errors import ValidationError
from clubrules.testing import ManualClock
from clubrules.testing.contracts._instants import fold_instants

NY = ZoneInfo("America/New_York")
FIRST_0130 = datetime(2026, 11, 1, 1, 30, tzinfo=NY)  # EDT, 05:30 UTC
SECOND_0130 = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY)  # EST, 06:30 UTC


def test_an_hour_from_the_first_pass_of_a_repeated_hour_is_one_hour() -> None:
    clock = ManualClock(FIRST_0130)
    after = clock.advance(hours=1)
    assert after - FIRST_0130.astimezone(UTC) == timedelta(hours=1)
    assert after.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert after.tzinfo is NY  # shown in the clock's zone


def test_advancing_by_nothing_from_the_second_pass_keeps_the_instant() -> None:
    clock = ManualClock(SECOND_0130)
    assert to_epoch_us(clock.advance()) == to_epoch_us(SECOND_0130)
    assert to_epoch_us(clock.now()) == to_epoch_us(SECOND_0130)


def test_advancing_past_year_9999_is_refused_and_leaves_the_clock() -> None:
    start = datetime(9999, 12, 31, 23, tzinfo=UTC)
    clock = ManualClock(start)
    with pytest.raises(ValidationError) as caught:
        clock.advance(hours=2)
    assert (caught.value.violations[0].field, caught.value.violations[0].rule) == (
        "delta",
        "out_of_range",
    )
    assert clock.now() == start


@given(start=fold_instants(), minutes=st.integers(0, 600))
def test_the_step_is_elapsed_time_whatever_the_zone(start: datetime, minutes: int) -> None:
    in_ny = ManualClock(start).advance(minutes=minutes)
    in_utc = ManualClock(start.astimezone(UTC)).advance(minutes=minutes)
    assert to_epoch_us(in_ny) == to_epoch_us(in_utc) == to_epoch_us(start) + minutes * 60_000_000
