"""Issue 16: instants across clock changes, bounded searches, typed errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import (
    BookingPolicy,
    BookingRequest,
    BookingRules,
    Frequency,
    Recurrence,
    Schedule,
    find_alternatives,
)
from clubrules.calendar import BusinessCalendar
from clubrules.errors import ClubRulesError, ValidationError

from .conftest import BERLIN, NOW, SHANGHAI, salon_rules
from .test_properties import DAY, RULES, _diaries

NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
ZONES = (BERLIN, NEW_YORK, SYDNEY, UTC)
# The clock changes of 2026 in those zones, as UTC instants.
CHANGES = (
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 4, 4, 16, tzinfo=UTC),
    datetime(2026, 10, 3, 16, tzinfo=UTC),
)


@st.composite
def near_changes(draw: st.DrawFn) -> datetime:
    """An instant within three hours of a clock change, shown in a zone (fold=1 included)."""
    change = draw(st.sampled_from(CHANGES))
    minutes = draw(st.integers(-180, 180))
    zone = draw(st.sampled_from(ZONES))
    return (change + timedelta(minutes=minutes)).astimezone(zone)


# --- bug 4: a series starting at the second pass of a repeated hour ---------------


def test_a_series_starting_at_the_second_0230_keeps_its_instant() -> None:
    start = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(BERLIN)  # 02:30 CET, fold=1
    assert start.fold == 1
    [first] = Recurrence(count=1).starts(start)
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert first.fold == 1


def test_a_start_given_in_the_gap_is_the_instant_it_stands_for() -> None:
    start = datetime(2026, 3, 29, 2, 30, tzinfo=BERLIN)  # no such wall time; 01:30Z
    first, second = Recurrence(count=2).starts(start)
    assert to_epoch_us(first) == to_epoch_us(start)
    assert (first.hour, second.hour) == (3, 3)


def _oracle_place(wall: datetime, zone: tzinfo, fold: int) -> datetime:
    """The instant of the naive `wall` in `zone`, by trying every offset near it."""
    near = [wall + timedelta(hours=h) for h in range(-26, 27, 2)]
    offsets = {n.replace(tzinfo=zone).utcoffset() for n in near}
    found = sorted(
        {
            (wall - off).replace(tzinfo=UTC)
            for off in offsets
            if off is not None
            and (wall - off).replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) == wall
        }
    )
    if found:  # once, or twice on a repeated hour: the pass of the first start
        return found[min(fold, len(found) - 1)]
    # A gap: read with the offset in force a day before, as wall clocks move forward.
    before = (wall - timedelta(days=1)).replace(tzinfo=zone).utcoffset()
    assert before is not None
    return (wall - before).replace(tzinfo=UTC)


@settings(max_examples=300)
@given(
    first=near_changes(),
    frequency=st.sampled_from(list(Frequency)),
    interval=st.integers(1, 3),
    count=st.integers(1, 60),
    shift=st.integers(-60, 0),
)
def test_series_starts_match_a_wall_clock_oracle(
    first: datetime, frequency: Frequency, interval: int, count: int, shift: int
) -> None:
    # Start up to 60 periods before the change, so that later occurrences land on it.
    days = interval * (7 if frequency is Frequency.WEEKLY else 1)
    first = (first.astimezone(UTC) + timedelta(days=shift * days)).astimezone(first.tzinfo)
    zone = first.tzinfo
    assert zone is not None
    starts = Recurrence(frequency=frequency, interval=interval, count=count).starts(first)
    assert to_epoch_us(starts[0]) == to_epoch_us(first)
    local = first.astimezone(UTC).astimezone(zone)
    wall = local.replace(tzinfo=None, fold=0)
    for i, got in enumerate(starts):
        expected = _oracle_place(wall + timedelta(days=i * days), zone, local.fold)
        assert to_epoch_us(got) == to_epoch_us(expected), i
        assert got.tzinfo is zone


# --- bug 2: alternatives are bounded; item 9: their arguments are typed --------------


def _laser_at(hour: int) -> BookingRequest:
    return BookingRequest(service="laser", start=datetime(2026, 3, 2, hour, tzinfo=SHANGHAI))


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"window": timedelta.max}, "window", "too_large"),
        ({"step": timedelta(microseconds=1)}, "step", "too_small"),
        (
            {"window": timedelta(days=30), "step": timedelta(minutes=1)},
            "window",
            "too_many_candidates",
        ),
        ({"window": -timedelta(1)}, "window", "negative"),
        ({"step": 15}, "step", "not_a_timedelta"),
        ({"window": 3}, "window", "not_a_timedelta"),
        ({"limit": 0}, "limit", "not_positive"),
        ({"limit": "3"}, "limit", "not_an_integer"),
    ],
)
def test_alternatives_refuse_unbounded_or_mistyped_searches_up_front(
    rules: BookingRules, changes: dict[str, object], field: str, rule: str
) -> None:
    started = time.perf_counter()
    for search in (rules.alternatives, partial(find_alternatives, rules)):
        with pytest.raises(ValidationError) as caught:
            search(_laser_at(15), Schedule(), now=NOW, **changes)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.rule) == (field, rule)
        assert isinstance(caught.value, ClubRulesError)
    assert time.perf_counter() - started < 1


def test_the_widest_allowed_search_is_quick_even_when_nothing_is_free() -> None:
    closed = salon_rules(calendar=BusinessCalendar("Asia/Shanghai", weekly={}))
    started = time.perf_counter()
    slots = closed.alternatives(
        _laser_at(15), Schedule(), now=NOW, window=timedelta(days=13), step=timedelta(minutes=1)
    )
    assert slots == []
    assert time.perf_counter() - started < 3


def test_candidates_beyond_year_9999_are_skipped() -> None:
    always = salon_rules(calendar=None, shifts={}, policy=BookingPolicy(horizon=None))
    late = BookingRequest(service="laser", start=datetime(9999, 12, 29, 23, tzinfo=UTC))
    slots = always.alternatives(
        late, Schedule(), now=NOW, limit=10, window=timedelta(days=5), step=timedelta(days=1)
    )
    assert [s.offset.days for s in slots] == [-1, -2, -3, -4, -5]


# --- item 9: typed errors at construction and in the schedule -------------------------


@pytest.mark.parametrize(
    ("resources", "rule"),
    [
        (["chen"], "not_role_pairs"),
        ("chen", "not_role_pairs"),
        ([("beautician", 5)], "not_role_pairs"),
        ([("beautician",)], "not_role_pairs"),
        (5, "not_role_pairs"),
        ([("beautician", "li"), ("beautician", "wang")], "duplicate_role"),
    ],
)
def test_a_request_refuses_resources_of_the_wrong_shape(resources: object, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BookingRequest(service="facial", start=NOW, resources=resources)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("resources", rule)
    if rule == "not_role_pairs":
        assert '{"beautician": "chen"}' in str(caught.value)


def test_a_request_takes_roles_as_a_mapping_or_as_pairs() -> None:
    for pins in (
        {"room": "room-1", "beautician": "li"},
        [["room", "room-1"], ("beautician", "li")],
    ):
        request = BookingRequest(service="facial", start=NOW, resources=pins)  # type: ignore[arg-type]
        assert request.resources == (("beautician", "li"), ("room", "room-1"))


def test_a_duplicate_in_a_schedule_is_a_typed_error(rules: BookingRules) -> None:
    request = BookingRequest(service="laser", start=datetime(2026, 3, 2, 15, tzinfo=SHANGHAI))
    booking = rules.book(rules.check(request, Schedule(), now=NOW), booking_id="b1", now=NOW)
    schedule = Schedule([booking])
    for attempt in (lambda: schedule.add(booking), lambda: Schedule([booking, booking])):
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert isinstance(caught.value, ClubRulesError)
        assert isinstance(caught.value, ValueError)  # as before
        assert (caught.value.field, caught.value.rule) == ("id", "duplicate_id")


# --- item 8: a booking being moved does not block its own alternatives ----------------


def _booked_laser(rules: BookingRules, schedule: Schedule, booking_id: str, hour: int) -> None:
    result = rules.check(_laser_at(hour), schedule, now=NOW)
    schedule.add(rules.book(result, booking_id=booking_id, now=NOW))


def test_alternatives_ignore_the_booking_being_moved(rules: BookingRules) -> None:
    schedule = Schedule()
    _booked_laser(rules, schedule, "moving", 15)
    _booked_laser(rules, schedule, "other", 16)
    wanted = _laser_at(16)  # the customer of "moving" asks for 16:00, which "other" holds
    blocked = rules.alternatives(wanted, schedule, now=NOW, limit=4)
    assert [s.start.strftime("%H:%M") for s in blocked] == ["15:30", "16:30", "16:45", "17:00"]
    freed = rules.alternatives(wanted, schedule, now=NOW, limit=4, exclude="moving")
    assert [s.start.strftime("%H:%M") for s in freed] == ["15:30", "16:30", "15:15", "16:45"]
    both = find_alternatives(rules, wanted, schedule, now=NOW, limit=1, exclude={"moving", "other"})
    assert [s.offset for s in both] == [timedelta(minutes=-15)]
    with pytest.raises(ValidationError) as caught:
        rules.alternatives(wanted, schedule, now=NOW, exclude=[1])  # type: ignore[list-item]
    assert caught.value.field == "exclude"


@settings(max_examples=40)
@given(
    schedule=_diaries(),
    minutes=st.integers(0, 47),
    service=st.sampled_from(["facial", "laser"]),
    picks=st.sets(st.integers(0, 9)),
)
def test_excluding_bookings_is_searching_a_schedule_without_them(
    schedule: Schedule, minutes: int, service: str, picks: set[int]
) -> None:
    start = DAY + timedelta(hours=10, minutes=15 * minutes)
    request = BookingRequest(service=service, start=start)
    excluded = {f"e{i}" for i in picks}
    without = Schedule(b for b in schedule if b.id not in excluded)
    window = timedelta(hours=3)
    got = RULES.alternatives(request, schedule, now=NOW, limit=5, window=window, exclude=excluded)
    assert got == RULES.alternatives(request, without, now=NOW, limit=5, window=window)
    for booking in schedule:
        check = RULES.check(
            attrs.evolve(request, start=booking.start), schedule, now=NOW, exclude=excluded
        )
        assert check == RULES.check(attrs.evolve(request, start=booking.start), without, now=NOW)
