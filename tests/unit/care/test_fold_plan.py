"""A care task due today is never due before `as_of`, across a clock change at midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.care import plan_care

# Havana falls back from 01:00 to 00:00 on 1 November 2026: midnight comes twice.
HAVANA = ZoneInfo("America/Havana")


class _AlwaysOpen:
    """A calendar open at every instant of every day."""

    @property
    def zone(self) -> ZoneInfo:
        return HAVANA

    def is_business_day(self, day: date) -> bool:
        return True

    def next_opening(self, at: datetime) -> datetime:
        return at


@pytest.mark.parametrize("fold", [0, 1])
@pytest.mark.parametrize("minutes", [0, 1, 30, 59])
def test_a_task_due_today_is_due_at_as_of_in_the_repeated_midnight_hour(
    minutes: int, fold: int
) -> None:
    as_of = datetime(2026, 11, 1, 0, minutes, tzinfo=HAVANA, fold=fold)
    (task,) = plan_care(
        as_of=as_of,
        horizon_days=1,
        calendar=_AlwaysOpen(),
        birthdays={"c-1": date(1990, 11, 1)},
    )
    assert task.due == date(2026, 11, 1)
    assert to_epoch_us(task.at) == to_epoch_us(as_of)


def test_the_second_midnight_is_an_hour_after_the_first() -> None:
    first = datetime(2026, 11, 1, tzinfo=HAVANA)
    second = from_epoch_us(to_epoch_us(first) + 3_600_000_000, HAVANA)
    assert (second.hour, second.minute, second.fold) == (0, 0, 1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
