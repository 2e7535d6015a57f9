"""Edge hunt (calendar, booking, activities, words): year edges, DST gaps and bad input.

- Words: a duration is worded from its exact whole seconds (the float of
  `total_seconds()` rounded 0.999999 s up once past ~280 years), and an
  instant reads the same whether it is given as a wall time skipped by a
  spring-forward change or as that instant in UTC.
- Reminders: a `before` or `min_lead` reaching back past year 1 gives None
  (with `now`) or a typed error, never an `OverflowError`; quiet-hour bounds
  that are not plain wall times are refused when the policy is made.
- Series: a `Recurrence.zone` that is not a tzinfo is refused when made.
- Checks: a minimum notice reaching past year 9999 is a short-notice reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    Occupancy,
    ReasonCode,
    Recurrence,
    ReminderPolicy,
    Schedule,
    reminder_time,
)
from clubrules.errors import ValidationError
from clubrules.words import clock_time, duration, time_left, time_range, when
from tests._zones import EDGE_ZONES

from .booking.conftest import salon_rules

ZONES = EDGE_ZONES
NEW_YORK = ZoneInfo("America/New_York")
FIRST_US = to_epoch_us(datetime(1, 1, 1, tzinfo=UTC))

# -- words: durations ---------------------------------------------------------


def _oracle_duration(value: timedelta) -> str:
    """English words from the exact parts of the timedelta, microseconds dropped."""
    size = -value if value < timedelta(0) else value
    days, seconds = size.days, size.seconds
    counts = (days, seconds // 3600, seconds % 3600 // 60, seconds % 60)
    units = ("day", "hour", "minute", "second")
    parts = [f"{n} {u}{'' if n == 1 else 's'}" for u, n in zip(units, counts, strict=True) if n]
    return " ".join(parts) or "0 seconds"


@given(st.timedeltas(min_value=timedelta.min, max_value=timedelta.max))
def test_a_duration_is_worded_from_its_exact_whole_seconds(value: timedelta) -> None:
    assert duration(value, locale="en") == _oracle_duration(value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta.max, "999999999 days 23 hours 59 minutes 59 seconds"),
        (timedelta(days=10**6, seconds=59, microseconds=999_999), "1000000 days 59 seconds"),
        (timedelta(days=146_000, microseconds=999_999), "146000 days"),
        (timedelta.min, "999999999 days"),
    ],
)
def test_the_largest_durations_do_not_round_up(value: timedelta, words: str) -> None:
    assert duration(value, locale="en") == words
    assert time_left(value, locale="en").startswith(words)


# -- words: instants ----------------------------------------------------------

# Days on which each zone's clocks change (a skipped or repeated hour, a
# skipped midnight in Havana and Santiago, Lord Howe's half hour, Apia's day).
CHANGE_DAYS = {
    "America/New_York": [(2026, 3, 8), (2026, 11, 1)],
    "Europe/London": [(2026, 3, 29), (2026, 10, 25)],
    "Australia/Lord_Howe": [(2026, 4, 5), (2026, 10, 4)],
    "America/Santiago": [(2026, 4, 4), (2026, 9, 6)],
    "America/Havana": [(2026, 3, 8), (2026, 11, 1)],
    "Pacific/Apia": [(2011, 12, 29), (2011, 12, 30), (2011, 12, 31)],
    "Asia/Kathmandu": [(1985, 12, 31), (1986, 1, 1)],
    "UTC": [(2026, 12, 31)],
}


@st.composite
def walls(draw: st.DrawFn) -> datetime:
    """A wall time on a day of a clock change, in that zone, either fold."""
    name = draw(st.sampled_from(sorted(CHANGE_DAYS)))
    year, month, day = draw(st.sampled_from(CHANGE_DAYS[name]))
    minute = draw(st.integers(0, 1439))
    return datetime(  # a wall time that may be skipped or repeated
        year,
        month,
        day,
        minute // 60,
        minute % 60,
        tzinfo=ZoneInfo(name),
        fold=draw(st.sampled_from([0, 1])),
    )


@given(walls(), st.sampled_from(ZONES))
def test_an_instant_reads_the_same_however_it_is_given(
    given_as: datetime, shown_in: ZoneInfo
) -> None:
    own = given_as.tzinfo
    assert isinstance(own, ZoneInfo)
    in_utc = given_as.astimezone(UTC)
    assert when(given_as, shown_in) == when(in_utc, shown_in)
    assert clock_time(given_as) == clock_time(in_utc, own)
    later = given_as + timedelta(hours=1)  # wall-clock arithmetic, as a caller writes it
    if to_epoch_us(later) >= to_epoch_us(given_as):
        assert time_range(given_as, later, shown_in) == time_range(
            in_utc, later.astimezone(UTC), shown_in
        )


def test_a_wall_time_skipped_by_the_clocks_reads_as_the_instant_it_names() -> None:
    skipped = datetime(2026, 3, 8, 2, 30, tzinfo=NEW_YORK)  # 02:00 jumps to 03:00
    assert when(skipped, NEW_YORK) == "Sun 8 Mar 03:30"
    assert clock_time(skipped) == "03:30"
    # 02:30 + 1 hour of wall clock is 03:30 EDT: the same instant, an empty window.
    assert time_range(skipped, skipped + timedelta(hours=1)) == "03:30-03:30"
    havana = ZoneInfo("America/Havana")  # midnight skipped on 2026-03-08
    assert when(datetime(2026, 3, 8, 0, 15, tzinfo=havana), havana) == "Sun 8 Mar 01:15"


# -- reminders ----------------------------------------------------------------


def _booking(start: datetime) -> Booking:
    end = start + timedelta(hours=1)
    return Booking(
        id="b1",
        service="facial",
        start=start,
        end=end,
        occupancy=[Occupancy.between("room-1", start, end)],
    )


durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta.max).map(
    lambda d: d - d % timedelta(microseconds=1)
)


@given(
    start=st.datetimes(
        min_value=datetime(1, 1, 3),  # noqa: DTZ001 - a wall time, zone added below
        max_value=datetime(9999, 12, 29),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    before=durations,
    min_lead=durations,
    zone=st.sampled_from(ZONES),
)
def test_a_reminder_reaching_back_past_year_1_is_none_or_a_typed_error(
    start: datetime, before: timedelta, min_lead: timedelta, zone: ZoneInfo
) -> None:
    policy = ReminderPolicy(zone=zone, before=before, min_lead=min_lead)
    booking = _booking(start)
    reaches_back = to_epoch_us(start) - before // timedelta(microseconds=1) < FIRST_US
    now = datetime(1, 1, 1, tzinfo=UTC)
    if reaches_back:
        assert reminder_time(booking, policy, now=now) is None
    errors: list[ValidationError] = []
    try:
        at = reminder_time(booking, policy)
    except ValidationError as error:  # reaching back past year 1, or within a day of it
        errors.append(error)
    if errors:
        assert [(e.field, e.rule) for e in errors] == [("before", "out_of_range")]
        return
    assert not reaches_back
    assert at is not None
    assert to_epoch_us(at) <= to_epoch_us(start)
    assert reminder_time(booking, policy, now=now) == at


def test_a_reminder_before_year_1_names_before() -> None:
    policy = ReminderPolicy(zone=NEW_YORK, before=timedelta.max)
    booking = _booking(datetime(2026, 1, 1, 10, tzinfo=NEW_YORK))
    with pytest.raises(ValidationError) as caught:
        reminder_time(booking, policy)
    assert (caught.value.field, caught.value.rule) == ("before", "out_of_range")
    assert reminder_time(booking, policy, now=datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_a_min_lead_longer_than_history_moves_the_reminder_before_quiet_hours() -> None:
    policy = ReminderPolicy(zone=NEW_YORK, min_lead=timedelta.max)
    booking = _booking(datetime(2026, 1, 1, 0, tzinfo=NEW_YORK))  # reminder at 00:00, quiet
    at = reminder_time(booking, policy)
    assert at == datetime(2025, 12, 30, 20, 59, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"quiet_start": "21:00"}, "quiet_start", "not_a_time"),
        ({"quiet_end": 9}, "quiet_end", "not_a_time"),
        ({"quiet_end": datetime(2026, 1, 1, 9)}, "quiet_end", "not_a_time"),  # noqa: DTZ001
        ({"quiet_start": time(21, tzinfo=UTC)}, "quiet_start", "aware_time"),
    ],
)
def test_quiet_hours_that_are_not_wall_times_are_refused(
    changes: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ReminderPolicy(zone=NEW_YORK, **changes)  # type: ignore[arg-type]
    assert [(v.field, v.rule) for v in caught.value.violations] == [(field, rule)]


# -- series ---------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Shanghai", 8, timedelta(hours=8)])
def test_a_series_zone_that_is_not_a_tzinfo_is_refused(zone: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Recurrence(zone=zone)  # type: ignore[arg-type]
    assert [(v.field, v.rule) for v in caught.value.violations] == [("zone", "not_a_zone")]


# -- checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice", "now"),
    [
        (timedelta.max, datetime(2026, 3, 1, tzinfo=UTC)),
        (timedelta(days=3), datetime(9999, 12, 29, 12, tzinfo=UTC)),
    ],
)
def test_a_notice_reaching_past_year_9999_is_a_short_notice_reason(
    notice: timedelta, now: datetime
) -> None:
    rules = salon_rules(calendar=None, shifts=None, policy=BookingPolicy(min_notice=notice))
    start = datetime(9999, 12, 29, 14, tzinfo=UTC)
    result = rules.check(BookingRequest(service="facial", start=start), Schedule(), now=now)
    short = [r for r in result.reasons if r.code is ReasonCode.SHORT_NOTICE]
    assert len(short) == 1
    assert short[0].start is None  # no instant a datetime can hold is late enough
