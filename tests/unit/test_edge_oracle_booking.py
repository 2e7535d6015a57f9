"""Oracle hunt (booking): answers compared with obvious, slow, independent models.

- Quiet hours: the quiet period that holds an instant is the run of
  minutes whose local clock reads quiet hours, found by walking minute by
  minute in UTC. Where the clocks go back out of quiet hours (quiet from
  01:30 on a night that repeats 01:00-02:00) the period ends at the change,
  and where they go back into them (quiet until 01:30) the second pass is a
  period of its own; both used to run on to the other pass's bound.
- Alternatives: the nearest free starts are those a full check of every
  grid start, nearest first, finds free; in zones with DST at 01:00, 02:00
  or midnight, with a 30-minute change and a skipped day, with notice,
  horizon, buffers, holds that expire and requests given in UTC or a fixed
  offset.
- Series: each occurrence is the first start's local wall time plus whole
  days, placed in the zone with the first start's pass (a time in a gap
  moves on by the gap), found by scanning instants.
- The calendar's horizon: every instant of local years 2-9997 is answered
  as the minute-by-minute model says (the first two days of year 2 and the
  last two of 9997, in UTC, used to be refused), and instants of local
  years 1 and 9998 are refused.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta, timezone
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
    Pool,
    Recurrence,
    ReminderPolicy,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Segment,
    Service,
    reminder_time,
)
from clubrules.calendar import BusinessCalendar
from clubrules.errors import ValidationError

from .calendar.oracle import Oracle, minute_to_dt

MINUTE = timedelta(minutes=1)
LONDON = ZoneInfo("Europe/London")
# (zone, an instant near one of its clock changes)
CHANGES = [
    ("America/New_York", datetime(2026, 3, 8, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 10, 25, 1, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
    ("America/Santiago", datetime(2026, 4, 5, 3, tzinfo=UTC)),
    ("America/Santiago", datetime(2026, 9, 6, 4, tzinfo=UTC)),
    ("America/Havana", datetime(2026, 3, 8, 5, tzinfo=UTC)),
    ("America/Havana", datetime(2026, 11, 1, 5, tzinfo=UTC)),
    ("Pacific/Apia", datetime(2011, 12, 30, 10, tzinfo=UTC)),
    ("Asia/Kathmandu", datetime(1986, 1, 1, tzinfo=UTC)),
    ("Asia/Shanghai", datetime(2026, 12, 31, 16, tzinfo=UTC)),
    ("UTC", datetime(2028, 2, 29, tzinfo=UTC)),
]


def _quiet(at: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    clock = at.astimezone(zone).time()
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def _quarter(n: int) -> time:
    return time(n // 4, 15 * (n % 4))


@settings(max_examples=200)
@given(
    change=st.sampled_from(CHANGES),
    start=st.integers(0, 95),
    end=st.integers(0, 95),
    quarters=st.integers(-48, 48),
    shown=st.sampled_from([UTC, timezone(timedelta(hours=-3, minutes=-30)), LONDON]),
)
def test_the_quiet_period_is_the_run_of_quiet_minutes_that_holds_the_instant(
    change: tuple[str, datetime], start: int, end: int, quarters: int, shown: timezone
) -> None:
    name, near = change
    zone = ZoneInfo(name)
    quiet_start, quiet_end = _quarter(start), _quarter(end)
    policy = ReminderPolicy(zone=zone, quiet_start=quiet_start, quiet_end=quiet_end)
    at = near + quarters * timedelta(minutes=15)
    got = policy.quiet_period(at.astimezone(shown))
    if quiet_start == quiet_end or not _quiet(at, zone, quiet_start, quiet_end):
        assert got is None
        return
    # Quiet hours last less than a day; a spring day may add its skipped hour.
    begin = at
    while _quiet(begin - MINUTE, zone, quiet_start, quiet_end):
        begin -= MINUTE
    finish = at
    while _quiet(finish, zone, quiet_start, quiet_end):
        finish += MINUTE
    assert got == (begin, finish)


def _booking(start: datetime) -> Booking:
    end = start + timedelta(hours=1)
    return Booking(
        id="b1",
        service="facial",
        start=start,
        end=end,
        occupancy=(Occupancy("li", to_epoch_us(start), to_epoch_us(end)),),
        status=BookingStatus.CONFIRMED,
    )


def test_a_reminder_in_quiet_hours_the_clocks_go_back_out_of_moves_to_the_change() -> None:
    # Quiet from 01:30; on 25 October 2026 London repeats 01:00-02:00. A
    # reminder due at the first 01:45 waits only until the clocks go back
    # and read 01:00 (01:00 UTC), not until 10:00.
    policy = ReminderPolicy(zone=LONDON, quiet_start=time(1, 30), quiet_end=time(10))
    at = datetime(2026, 10, 25, 1, 45, tzinfo=LONDON)  # 00:45 UTC
    assert policy.quiet_period(at) == (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    )
    visit = _booking(at.astimezone(UTC) + policy.before)  # elapsed, not wall, time
    assert reminder_time(visit, policy) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)


def test_a_reminder_in_the_second_pass_into_quiet_hours_moves_back_to_the_change() -> None:
    # Quiet until 01:30: the second pass of 01:00-01:30 is quiet on its own;
    # the 30 minutes before it (the first 01:30-02:00) are not.
    policy = ReminderPolicy(
        zone=LONDON,
        quiet_start=time(21),
        quiet_end=time(1, 30),
        before=timedelta(hours=1),
        min_lead=timedelta(hours=1),
    )
    at = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # the second 01:10
    assert policy.quiet_period(at) == (
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    # Its end leaves less than `min_lead`: the last minute before it, the first 01:59.
    visit = _booking(at + timedelta(hours=1))  # `at` is in UTC: elapsed time
    assert reminder_time(visit, policy) == datetime(2026, 10, 25, 0, 59, tzinfo=UTC)


# --- alternatives: nearest free starts against a full check of every start ---------

_EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = [
    "00:00-24:00",
    "00:00-03:00, 09:00-22:00",
    "20:00-04:00",
    "01:00-02:30, 03:00-23:00",
    "23:30-01:30, 02:00-03:00",
]


def _rules(  # noqa: PLR0917 - one per drawn setting
    zone: str, hours: str, shift: str, notice: int, horizon: int | None, buffers: tuple[int, int]
) -> BookingRules:
    before, after = buffers
    return BookingRules(
        resources=[
            Resource(id="li", skills={"facial"}),
            Resource(id="wang", skills={"facial"}),
            Resource(id="room-1", kind=ResourceKind.ROOM),
            Resource(id="room-2", kind=ResourceKind.ROOM),
            Resource(id="studio", kind=ResourceKind.ROOM, capacity=3),
        ],
        pools=[
            Pool(id="facialists", kind=ResourceKind.STAFF, skills={"facial"}),
            Pool(id="rooms", members=("room-1", "room-2")),
        ],
        services=[
            Service(
                id="facial",
                segments=timedelta(minutes=60),
                requirements=[
                    Requirement(role="beautician", pool="facialists"),
                    Requirement(role="room", pool="rooms"),
                ],
                buffer_before=timedelta(minutes=before),
                buffer_after=timedelta(minutes=after),
            ),
            Service(
                id="colour",
                segments=[
                    Segment(timedelta(minutes=30)),
                    Segment(timedelta(minutes=45), processing=True),
                    Segment(timedelta(minutes=15)),
                ],
                requirements=[
                    Requirement(role="stylist", resource="li"),
                    Requirement(role="room", pool="rooms"),
                ],
            ),
            Service(
                id="yoga",
                segments=timedelta(minutes=90),
                requirements=[Requirement(role="studio", resource="studio", per_person=True)],
                max_headcount=3,
            ),
        ],
        calendar=BusinessCalendar(zone, weekly=dict.fromkeys(_EVERY_DAY, hours)),
        shifts={"wang": BusinessCalendar(zone, weekly=dict.fromkeys(_EVERY_DAY, shift))},
        policy=BookingPolicy(
            min_notice=timedelta(minutes=notice),
            horizon=None if horizon is None else timedelta(hours=horizon),
        ),
    )


@settings(max_examples=150)
@given(
    change=st.sampled_from(CHANGES),
    hours=st.sampled_from(_HOURS),
    shift=st.sampled_from(_HOURS),
    notice=st.integers(0, 180),
    horizon=st.none() | st.integers(1, 60),
    buffers=st.tuples(st.sampled_from([0, 5, 15]), st.sampled_from([0, 10, 30])),
    data=st.data(),
)
def test_alternatives_are_the_nearest_starts_a_full_check_finds_free(  # noqa: PLR0917 - one per drawn setting
    change: tuple[str, datetime],
    hours: str,
    shift: str,
    notice: int,
    horizon: int | None,
    buffers: tuple[int, int],
    data: st.DataObject,
) -> None:
    name, near = change
    zone = ZoneInfo(name)
    rules = _rules(name, hours, shift, notice, horizon, buffers)
    base = near + timedelta(hours=data.draw(st.integers(-30, 30)))
    now = base - timedelta(minutes=15 * data.draw(st.integers(-8, 16)))
    before = now - timedelta(days=1)
    schedule = Schedule()
    for i in range(data.draw(st.integers(0, 8))):
        start = base + timedelta(minutes=15 * data.draw(st.integers(-24, 24)))
        service = data.draw(st.sampled_from(["facial", "colour", "yoga"]))
        people = data.draw(st.integers(1, 3)) if service == "yoga" else 1
        request = BookingRequest(service=service, start=start.astimezone(zone), headcount=people)
        result = rules.check(request, schedule, now=before)
        if result.ok:
            held = data.draw(st.booleans())
            schedule.add(
                rules.book(
                    result,
                    booking_id=f"b{i}",
                    now=before,
                    status=BookingStatus.HELD if held else BookingStatus.CONFIRMED,
                    expires_at=now + timedelta(minutes=15 * data.draw(st.integers(-2, 2)))
                    if held
                    else None,
                )
            )
    service = data.draw(st.sampled_from(["facial", "colour", "yoga"]))
    people = data.draw(st.integers(1, 3)) if service == "yoga" else 1
    pins = (
        data.draw(st.sampled_from([{}, {"beautician": "wang"}, {"room": "room-2"}]))
        if service == "facial"
        else {}
    )
    shown = data.draw(st.sampled_from([zone, UTC, timezone(timedelta(hours=-3, minutes=-30))]))
    asked = (base + timedelta(minutes=data.draw(st.integers(-600, 600)))).astimezone(shown)
    request = BookingRequest(service=service, start=asked, headcount=people, resources=pins)
    step = timedelta(minutes=data.draw(st.sampled_from([7, 15, 20, 30])))
    window = timedelta(hours=data.draw(st.integers(0, 10)))
    limit = data.draw(st.integers(1, 5))
    got = rules.alternatives(request, schedule, now=now, limit=limit, window=window, step=step)

    # The oracle: offsets nearest first (the earlier on a tie), each start fully checked.
    offsets = [timedelta(0)]
    for k in range(1, window // step + 1):
        offsets += [-k * step, k * step]
    expected: list[tuple[datetime, bool, timedelta]] = []
    for offset in offsets:
        if len(expected) == limit:
            break
        at = (asked.astimezone(UTC) + offset).astimezone(shown)
        for same, chosen in ((True, pins), (False, {})):
            if (same and not offset) or (not same and not pins):
                continue
            again = attrs.evolve(request, start=at, resources=chosen)
            if rules.check(again, schedule, now=now).ok:
                expected.append((at, same, offset))
                break
    # Compared as instants: datetimes sharing a zone compare by wall time, ignoring `fold`.
    assert [(to_epoch_us(s.start), s.same_resources, s.offset) for s in got] == [
        (to_epoch_us(at), same, offset) for at, same, offset in expected
    ]
    for slot in got:
        assert slot.start.tzinfo is shown
        again = attrs.evolve(request, start=slot.start, resources=slot.resources)
        assert rules.check(again, schedule, now=now).ok


# --- series: the same local wall time, by scanning instants ---------------------------


def _instants_showing(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every quarter-hour instant within a day whose local wall time in `zone` is `wall`."""
    near = wall.replace(tzinfo=UTC)
    found = {
        near - k * timedelta(minutes=15)
        for k in range(-26 * 4, 26 * 4 + 1)
        if (near - k * timedelta(minutes=15)).astimezone(zone).replace(tzinfo=None) == wall
    }
    return sorted(found)


def _placed(wall: datetime, zone: ZoneInfo, fold: int) -> datetime:
    passes = _instants_showing(wall, zone)
    if passes:
        return passes[min(fold, len(passes) - 1)]
    # In a gap: read with the offset in force before the change (the wall moves on by the gap).
    earlier = wall.replace(tzinfo=UTC) - timedelta(hours=30)
    while (earlier + timedelta(minutes=15)).astimezone(zone).replace(tzinfo=None) < wall:
        earlier += timedelta(minutes=15)
    offset = earlier.astimezone(zone).utcoffset()
    assert offset is not None
    return (wall - offset).replace(tzinfo=UTC)


def _date_shown(day: date, zone: ZoneInfo) -> bool:
    """Whether some quarter-hour instant shows a wall time on `day` in `zone`."""
    midnight = datetime.combine(day, time(), tzinfo=UTC)
    return any(
        (midnight + k * timedelta(minutes=15)).astimezone(zone).date() == day
        for k in range(-26 * 4, 50 * 4)
    )


@settings(max_examples=150)
@given(
    change=st.sampled_from(CHANGES),
    hours=st.integers(-72 * 4, 24 * 4),
    frequency=st.sampled_from(Frequency),
    interval=st.integers(1, 3),
    count=st.integers(1, 40),
    shown=st.sampled_from([None, UTC, timezone(timedelta(hours=5, minutes=45))]),
)
def test_series_keep_the_local_wall_time_of_the_first_start(  # noqa: PLR0917 - one per drawn setting
    change: tuple[str, datetime],
    hours: int,
    frequency: Frequency,
    interval: int,
    count: int,
    shown: timezone | None,
) -> None:
    name, near = change
    zone = ZoneInfo(name)
    first = (near + hours * timedelta(minutes=15)).astimezone(zone)
    given_first = first if shown is None else first.astimezone(shown)
    recurrence = Recurrence(frequency=frequency, count=count, interval=interval, zone=zone)
    got = recurrence.starts(given_first)
    step = timedelta(days=interval * (1 if frequency is Frequency.DAILY else 7))
    wall = first.replace(tzinfo=None, fold=0)
    # Compared as instants: `==` across zones is False for a second-pass (fold=1) wall time.
    assert to_epoch_us(got[0]) == to_epoch_us(first)
    # Every step's date that some clock showed (Apia never showed 2011-12-30), `count` of them.
    walls = (wall + k * step for k in itertools.count())
    shown_walls = (w for w in walls if _instants_showing(w, zone) or _date_shown(w.date(), zone))
    expected = list(itertools.islice(shown_walls, count))
    assert len(got) == count
    for start, expected_wall in zip(got, expected, strict=True):
        assert start.tzinfo is zone
        assert to_epoch_us(start) == to_epoch_us(_placed(expected_wall, zone, first.fold))


# --- the calendar's horizon: every instant of local years 2-9997 is answered ------------

_EDGE_ZONES = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "America/New_York", "Asia/Kathmandu"]
_EDGE_HOURS = ["10:00-22:00", "20:00-04:00", "00:30-02:30, 03:00-04:00"]
# (the oracle's first and last local dates, the days it is complete for lying between)
_EDGES = [(date(1, 12, 28), date(2, 1, 6)), (date(9997, 12, 24), date(9998, 1, 2))]


@pytest.mark.parametrize("name", _EDGE_ZONES)
@pytest.mark.parametrize("hours", _EDGE_HOURS)
def test_the_calendar_answers_every_instant_of_its_first_and_last_local_year(
    name: str, hours: str
) -> None:
    # It used to refuse the first two days of year 2 and the last two of 9997 (in UTC),
    # although they lie in the local years 2-9997 it answers about.
    zone = ZoneInfo(name)
    calendar = BusinessCalendar(zone, weekly=dict.fromkeys(range(7), hours))
    for first, last in _EDGES:
        oracle = Oracle(calendar, first, last)
        for minute in range(oracle.lo, oracle.hi, 20):
            at = minute_to_dt(minute, zone)
            if at.year in {1, 9998}:
                with pytest.raises(ValidationError) as caught:
                    calendar.is_open(at)
                assert (caught.value.field, caught.value.rule) == ("at", "beyond_horizon")
            else:
                assert calendar.is_open(at) == oracle.is_open(minute), at
        inside = [m for m in range(oracle.lo, oracle.hi) if 2 <= minute_to_dt(m, zone).year <= 9997]
        a, b = inside[0], inside[-1]
        got = calendar.business_time_between(minute_to_dt(a, zone), minute_to_dt(b, zone))
        assert got == timedelta(minutes=oracle.between(a, b))
