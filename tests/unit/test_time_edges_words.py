"""Words render instants: their order is the instants' order, and year edges give typed errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from clubrules._time import to_epoch_us
from clubrules.errors import ValidationError
from clubrules.testing.contracts._instants import FOLD_ZONE, fold_instants
from clubrules.words import clock_time, time_range, when

if TYPE_CHECKING:
    from collections.abc import Callable

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_range_from_the_first_one_thirty_to_the_second_one_ten_is_in_order() -> None:
    first = datetime(2026, 11, 1, 1, 30, tzinfo=FOLD_ZONE)  # EDT
    second = datetime(2026, 11, 1, 1, 10, fold=1, tzinfo=FOLD_ZONE)  # EST, 40 minutes later
    assert time_range(first, second) == "01:30-01:10"
    with pytest.raises(ValidationError) as caught:
        time_range(second, first)
    assert (caught.value.field, caught.value.rule) == ("end", "out_of_order")


@given(start=fold_instants(), end=fold_instants())
def test_a_range_is_refused_exactly_when_end_is_an_earlier_instant(
    start: datetime, end: datetime
) -> None:
    if to_epoch_us(end) < to_epoch_us(start):
        with pytest.raises(ValidationError):
            time_range(start, end)
    else:
        expected = f"{start.astimezone(UTC):%H:%M}-{end.astimezone(UTC):%H:%M}"
        assert time_range(start, end, UTC) == expected


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        (datetime(9999, 12, 31, 20, tzinfo=UTC), SHANGHAI),  # 10000-01-01 04:00 in Shanghai
        (datetime(1, 1, 1, 1, tzinfo=UTC), ZoneInfo("America/New_York")),  # year 0 there
    ],
)
def test_an_instant_whose_local_date_leaves_years_1_to_9999_is_a_typed_error(
    value: datetime, zone: ZoneInfo
) -> None:
    renders: list[tuple[Callable[[], str], str]] = [
        (lambda: when(value, zone), "value"),
        (lambda: clock_time(value, zone), "value"),
        (lambda: time_range(value, value, zone), "start"),
    ]
    for render, field in renders:
        with pytest.raises(ValidationError) as caught:
            render()
        assert (caught.value.field, caught.value.rule) == (field, "out_of_range")
    assert f" {value.year} " in when(value, UTC, year=True)  # in UTC it has a date
