from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clubrules.booking import (
    BookingPolicy,
    BookingRequest,
    BookingRules,
    Frequency,
    ReasonCode,
    Recurrence,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Service,
)
from clubrules.errors import ValidationError

from .conftest import BERLIN, NOW, SHANGHAI, salon_rules
from .test_check import at, booked


def test_alternatives_are_the_nearest_free_slots(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "b1", service="laser", start=at(15))
    request = BookingRequest(service="laser", start=at(15))
    slots = rules.alternatives(request, schedule, now=NOW, limit=4)
    assert [s.start for s in slots] == [at(14, 30), at(15, 30), at(14, 15), at(15, 45)]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert slots[0].offset == timedelta(minutes=-30)


def test_alternatives_prefer_the_same_resources_then_allow_the_pool(rules: BookingRules) -> None:
    schedule = Schedule()
    booked(rules, schedule, "b1", service="facial", start=at(15), resources={"beautician": "li"})
    request = BookingRequest(service="facial", start=at(15), resources={"beautician": "li"})
    [first] = rules.alternatives(request, schedule, now=NOW, limit=1, step=timedelta(minutes=60))
    # An hour away Li is still busy (buffers), so the pool offers Wang at the same time.
    assert first.same_resources is False
    assert first.resources["beautician"] == "wang"
    slots = rules.alternatives(request, schedule, now=NOW, limit=2, step=timedelta(minutes=90))
    assert any(s.same_resources and s.resources["beautician"] == "li" for s in slots)


def test_alternatives_respect_hours_window_and_limit(rules: BookingRules) -> None:
    request = BookingRequest(service="yoga", start=at(21, 30))  # runs past closing
    slots = rules.alternatives(request, Schedule(), now=NOW, limit=10, window=timedelta(hours=1))
    assert all(at(10) <= s.start and s.end <= at(22) for s in slots)
    assert [s.start for s in slots] == [at(21), at(20, 45), at(20, 30)]
    with pytest.raises(ValidationError):
        rules.alternatives(request, Schedule(), now=NOW, step=timedelta(0))


def test_every_occurrence_of_a_series_is_checked(rules: BookingRules) -> None:
    schedule = Schedule()
    # The fourth and sixth Mondays are taken: a check of the first two would miss them.
    booked(rules, schedule, "x4", service="laser", start=at(15) + timedelta(weeks=3))
    booked(rules, schedule, "x6", service="laser", start=at(15) + timedelta(weeks=5))
    series = rules.check_series(
        BookingRequest(service="laser", start=at(15)), Recurrence(count=8), schedule, now=NOW
    )
    assert series.failing == (3, 5)
    assert not series.ok
    assert {r.booking for r in series.results[3].reasons} == {"x4"}
    assert series.results[7].start == at(15) + timedelta(weeks=7)


def test_a_series_clashing_with_itself_is_caught() -> None:
    retreat = Service(
        id="retreat",
        segments=timedelta(hours=30),
        requirements=[Requirement(role="room", resource="suite")],
    )
    rules = BookingRules(
        resources=[Resource(id="suite", kind=ResourceKind.ROOM)],
        services=[retreat],
        policy=BookingPolicy(horizon=None),
    )
    daily = Recurrence(frequency=Frequency.DAILY, count=4)
    series = rules.check_series(
        BookingRequest(service="retreat", start=at(15)), daily, Schedule(), now=NOW
    )
    # Each 30-hour stay overlaps the next day's; the ones after a refused day fit again.
    assert series.passing == (0, 2)
    assert series.failing == (1, 3)
    assert series.results[1].reasons[0].booking == "series-occurrence-0"


def test_weekly_series_keep_local_time_across_dst() -> None:
    first = datetime(2026, 3, 23, 10, 0, tzinfo=BERLIN)  # the week before clocks go forward
    starts = Recurrence(count=3).starts(first)
    assert [s.hour for s in starts] == [10, 10, 10]
    assert [s.utcoffset() for s in starts] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]


def test_a_local_time_in_the_dst_gap_moves_forward() -> None:
    first = datetime(2026, 3, 22, 2, 30, tzinfo=BERLIN)
    second = Recurrence(count=2).starts(first)[1]
    assert (second.hour, second.minute) == (3, 30)


def test_series_occurrences_report_their_reasons(rules: BookingRules) -> None:
    now = datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)
    series = rules.check_series(
        BookingRequest(service="yoga", start=at(15)), Recurrence(count=12), Schedule(), now=now
    )
    # The horizon is 60 days: weeks 9 onwards are too far ahead.
    assert series.failing == (9, 10, 11)
    assert series.results[9].codes == (ReasonCode.TOO_FAR_AHEAD,)


def test_recurrence_validates_its_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        Recurrence(count=0, interval=0)
    assert caught.value.fields == ("count", "interval")


def test_series_keep_the_club_zone_even_for_a_utc_start() -> None:
    berlin = salon_rules("Europe/Berlin", shifts={})
    first = datetime(2026, 3, 23, 10, 0, tzinfo=BERLIN).astimezone(UTC)  # 09:00 UTC
    now = datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN)
    series = berlin.check_series(
        BookingRequest(service="yoga", start=first), Recurrence(count=2), Schedule(), now=now
    )
    assert [r.start.astimezone(BERLIN).hour for r in series.results] == [10, 10]
