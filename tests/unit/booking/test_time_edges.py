"""Issue 16: instants across clock changes, bounded searches, typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import partial
from time import perf_counter
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    BookingStatus,
    Frequency,
    Occupancy,
    Recurrence,
    ReminderPolicy,
    Schedule,
    find_alternatives,
    reminder_time,
    success_rate,
)
from clubrules.calendar import BusinessCalendar
from clubrules.errors import (
    ClubRulesError,
    IllegalTransitionError,
    InvalidIntervalError,
    ValidationError,
)

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
    minutes = draw(st.one_of(st.integers(-180, 180), st.integers(-60, 60)))
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
    started = perf_counter()
    for search in (rules.alternatives, partial(find_alternatives, rules)):
        with pytest.raises(ValidationError) as caught:
            search(_laser_at(15), Schedule(), now=NOW, **changes)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.rule) == (field, rule)
        assert isinstance(caught.value, ClubRulesError)
    assert perf_counter() - started < 1


def test_the_widest_allowed_search_is_quick_even_when_nothing_is_free() -> None:
    closed = salon_rules(calendar=BusinessCalendar("Asia/Shanghai", weekly={}))
    started = perf_counter()
    slots = closed.alternatives(
        _laser_at(15), Schedule(), now=NOW, window=timedelta(days=13), step=timedelta(minutes=1)
    )
    assert slots == []
    assert perf_counter() - started < 3


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


# --- bug 3: instants, not wall times, across the autumn clock change ----------------

FORTY_MINUTES = (
    datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN),  # 02:30+02:00, fold 0
    datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=BERLIN),  # 02:10+01:00, 40 minutes later
)


def _completed(booking_id: str, start: datetime) -> Booking:
    # Added in UTC: `start + timedelta` in its zone would drop its fold.
    end = (start.astimezone(UTC) + timedelta(minutes=10)).astimezone(start.tzinfo)
    return Booking(
        id=booking_id,
        service="s",
        start=start,
        end=end,
        occupancy=[Occupancy.between("r", start, end)],
        status=BookingStatus.COMPLETED,
    )


def test_success_rate_takes_a_period_whose_wall_times_run_backwards() -> None:
    start, end = FORTY_MINUTES
    inside = _completed("in", datetime(2026, 10, 25, 0, 45, tzinfo=UTC).astimezone(BERLIN))
    outside = _completed("out", datetime(2026, 10, 25, 1, 10, tzinfo=UTC).astimezone(BERLIN))
    rate = success_rate([inside, outside], start=start, end=end)
    assert (rate.completed, rate.rate) == (1, Decimal(1))
    with pytest.raises(InvalidIntervalError):  # given reversed: refused, not an empty count
        success_rate([inside], start=end, end=start)


@settings(max_examples=200)
@given(
    bounds=st.tuples(near_changes(), near_changes()),
    starts=st.lists(near_changes(), max_size=8),
)
def test_success_rate_counts_by_instant(
    bounds: tuple[datetime, datetime], starts: list[datetime]
) -> None:
    start, end = bounds
    bookings = [_completed(f"b{i}", s) for i, s in enumerate(starts)]
    if start.astimezone(UTC) > end.astimezone(UTC):
        with pytest.raises(InvalidIntervalError):
            success_rate(bookings, start=start, end=end)
        return
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    expected = sum(lo <= s.astimezone(UTC) < hi for s in starts)  # the oracle, in UTC
    assert success_rate(bookings, start=start, end=end).completed == expected


@settings(max_examples=200)
@given(
    start=near_changes(),
    now=near_changes(),
    notice=st.integers(0, 120),
)
def test_lifecycle_guards_compare_instants(start: datetime, now: datetime, notice: int) -> None:
    booking = _completed("b", start)
    confirmed = attrs.evolve(booking, status=BookingStatus.CONFIRMED)
    policy = BookingPolicy(
        late_cancel_cutoff=timedelta(minutes=notice), no_show_after=timedelta(minutes=notice)
    )
    s, n = start.astimezone(UTC), now.astimezone(UTC)
    late = confirmed.cancel(now=now, policy=policy).late_cancel
    assert late == (n > s - timedelta(minutes=notice))
    if n < s + timedelta(minutes=notice):
        with pytest.raises(IllegalTransitionError):
            confirmed.mark_no_show(now=now, policy=policy)
    else:
        assert confirmed.mark_no_show(now=now, policy=policy).status is BookingStatus.NO_SHOW
    held = attrs.evolve(booking, status=BookingStatus.HELD, expires_at=start)
    if n >= s:
        with pytest.raises(IllegalTransitionError):
            held.confirm(now=now)
        assert held.expire(now=now).status is BookingStatus.EXPIRED
    else:
        assert held.confirm(now=now).status is BookingStatus.CONFIRMED
        with pytest.raises(IllegalTransitionError):
            held.expire(now=now)
    assert held.blocks_at(now) == (n < s)


# Quiet-hour boundaries as half hours of the day, often within the hours that clocks skip or repeat.
HALF_HOURS = st.one_of(st.integers(0, 47), st.sampled_from([3, 4, 5, 6]))


def test_a_quiet_period_in_the_repeated_hour_holds_its_instant() -> None:
    policy = ReminderPolicy(zone=BERLIN, quiet_start=time(21), quiet_end=time(2, 30))
    at = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, the second pass
    quiet = policy.quiet_period(at)
    assert quiet is not None
    assert quiet[1] == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, not CEST


def test_a_quiet_start_in_the_spring_gap_begins_at_the_jump() -> None:
    policy = ReminderPolicy(
        zone=BERLIN, before=timedelta(hours=2), quiet_start=time(2, 30), quiet_end=time(9)
    )
    start = datetime(2026, 3, 29, 5, 0, tzinfo=BERLIN)  # two hours before: 03:00 CEST, quiet
    booking = attrs.evolve(_completed("b", start), status=BookingStatus.CONFIRMED)
    # Quiet hours began when the clocks jumped from 02:00 to 03:00 (01:00Z).
    assert reminder_time(booking, policy) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)


@settings(max_examples=300)
@given(
    start=near_changes(),
    hours=st.integers(0, 6),
    quiet=st.tuples(HALF_HOURS, HALF_HOURS),
    zone=st.sampled_from(ZONES),
    now=st.one_of(st.none(), near_changes()),
)
def test_reminders_near_clock_changes_avoid_quiet_hours(
    start: datetime, hours: int, quiet: tuple[int, int], zone: tzinfo, now: datetime | None
) -> None:
    policy = ReminderPolicy(
        zone=zone,
        before=timedelta(hours=hours, minutes=30),
        quiet_start=time(quiet[0] // 2, 30 * (quiet[0] % 2)),
        quiet_end=time(quiet[1] // 2, 30 * (quiet[1] % 2)),
        min_lead=timedelta(minutes=20),
    )
    booking = attrs.evolve(_completed("b", start), status=BookingStatus.CONFIRMED)
    at = reminder_time(booking, policy, now=now)
    if at is None:
        assert now is not None
        return
    assert at.tzinfo is UTC
    assert at < start.astimezone(UTC)
    assert policy.quiet_period(at) is None
    if now is not None:
        assert at >= now.astimezone(UTC)


@settings(max_examples=300)
@given(at=near_changes(), quiet=st.tuples(HALF_HOURS, HALF_HOURS))
def test_a_quiet_period_holds_the_instant_it_was_asked_about(
    at: datetime, quiet: tuple[int, int]
) -> None:
    policy = ReminderPolicy(
        zone=BERLIN if at.tzinfo is UTC else at.tzinfo,  # type: ignore[arg-type]
        quiet_start=time(quiet[0] // 2, 30 * (quiet[0] % 2)),
        quiet_end=time(quiet[1] // 2, 30 * (quiet[1] % 2)),
    )
    period = policy.quiet_period(at)
    local = at.astimezone(policy.zone).time()
    qs, qe = policy.quiet_start, policy.quiet_end
    wall_quiet = qs != qe and (qs <= local < qe if qs < qe else (local >= qs or local < qe))
    assert (period is not None) == wall_quiet  # the oracle: the local clock's reading
    if period is not None:
        assert period[0] <= at < period[1]


def test_quiet_hours_joined_by_a_skipped_free_hour_are_one_period() -> None:
    # Free only from 02:00 to 02:30, which Sydney skips on 4 October 2026.
    policy = ReminderPolicy(
        zone=SYDNEY,
        before=timedelta(minutes=30),
        quiet_start=time(2, 30),
        quiet_end=time(2),
        min_lead=timedelta(minutes=20),
    )
    start = datetime(2026, 10, 3, 16, 20, tzinfo=UTC)
    booking = attrs.evolve(_completed("b", start), status=BookingStatus.CONFIRMED)
    at = reminder_time(booking, policy)
    assert at is not None
    assert policy.quiet_period(at) is None
    assert at == datetime(2026, 10, 2, 16, 29, tzinfo=UTC)  # 02:29 AEST, before the period
