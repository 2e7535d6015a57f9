"""Holds born lapsed are refused; series skip the dates a zone skipped whole.

a) A held or pending booking whose `expires_at` is at or before the instant
   it is made (`book`'s `now`, the booking's `created_at`) would block
   nothing from its first moment: `book`, the `Booking` constructor, and
   every move made by `attrs.evolve` refuse it (rule `already_lapsed`).
b) Pacific/Apia skipped 2011-12-30 and Pacific/Kiritimati 1994-12-31 (they
   crossed the date line). A series date that no clock showed has no
   occurrence, and is not counted (RFC 5545 skips dates that do not exist);
   shifting it by the skipped day put it on the next occurrence's instant,
   and the series clashed with itself.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta, tzinfo
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
    CheckResult,
    Frequency,
    Occupancy,
    Recurrence,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    Service,
)
from clubrules.errors import IllegalTransitionError, ValidationError

from .conftest import BERLIN, NOW, salon_rules
from .test_check import at
from .test_time_edges import _oracle_place

# --- a) holds born lapsed ------------------------------------------------------

_EXPIRING = st.sampled_from([BookingStatus.HELD, BookingStatus.PENDING])


def _passing_check() -> tuple[BookingRules, CheckResult]:
    rules = salon_rules()
    result = rules.check(BookingRequest(service="laser", start=at(15)), Schedule(), now=NOW)
    assert result.ok
    return rules, result


@settings(max_examples=60)
@given(
    status=_EXPIRING,
    before=st.integers(0, 10**12),
    zone=st.sampled_from([UTC, BERLIN, ZoneInfo("Pacific/Apia")]),
)
def test_book_refuses_an_expiry_at_or_before_now(
    status: BookingStatus, before: int, zone: tzinfo
) -> None:
    rules, result = _passing_check()
    expires_at = (NOW - timedelta(microseconds=before)).astimezone(zone)
    with pytest.raises(ValidationError) as caught:
        rules.book(
            result,
            booking_id="b1",
            now=NOW,
            status=status,
            expires_at=expires_at,
        )
    assert (caught.value.field, caught.value.rule) == ("expires_at", "already_lapsed")


@settings(max_examples=30)
@given(status=_EXPIRING, after=st.integers(1, 10**9))
def test_book_keeps_an_expiry_after_now(status: BookingStatus, after: int) -> None:
    rules, result = _passing_check()
    expires_at = NOW + timedelta(microseconds=after)
    booking = rules.book(
        result,
        booking_id="b1",
        now=NOW,
        status=status,
        expires_at=expires_at,
    )
    assert booking.expires_at == expires_at
    assert booking.blocks_at(NOW)


def _booking(status: BookingStatus, created_at: datetime, expires_at: datetime | None) -> Booking:
    return Booking(
        id="b1",
        service="laser",
        start=at(15),
        end=at(15, 30),
        occupancy=[Occupancy.between("laser", at(15), at(15, 30))],
        status=status,
        created_at=created_at,
        expires_at=expires_at,
    )


@pytest.mark.parametrize("status", [BookingStatus.HELD, BookingStatus.PENDING])
@pytest.mark.parametrize("lapse", [timedelta(0), timedelta(microseconds=-1), -timedelta(days=1)])
def test_a_booking_cannot_be_made_lapsed(status: BookingStatus, lapse: timedelta) -> None:
    with pytest.raises(ValidationError) as caught:
        _booking(status, NOW, NOW + lapse)
    assert (caught.value.field, caught.value.rule) == ("expires_at", "already_lapsed")


def test_only_expiring_statuses_and_known_creation_times_are_judged() -> None:
    # Without created_at there is nothing to judge by; other statuses do not expire.
    Booking(
        id="b1",
        service="laser",
        start=at(15),
        end=at(15, 30),
        occupancy=[Occupancy.between("laser", at(15), at(15, 30))],
        status=BookingStatus.HELD,
        expires_at=NOW - timedelta(days=1),
    )
    for status in (BookingStatus.EXPIRED, BookingStatus.CANCELLED):
        assert _booking(status, NOW, NOW).status is status


def test_moves_keep_a_hold_alive_when_made() -> None:
    hold = _booking(BookingStatus.HELD, NOW, NOW + timedelta(minutes=10))
    pending = hold.submit(now=NOW + timedelta(minutes=1))
    assert pending.expires_at == hold.expires_at
    # A lapsed hold cannot be rescheduled (it would move unchecked) ...
    with pytest.raises(IllegalTransitionError):
        hold.reschedule(at(16), at(16, 30), hold.occupancy, now=NOW + timedelta(minutes=10))
    # ... and no change can make a hold that lapsed before it was made.
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(hold, created_at=NOW + timedelta(minutes=10))
    assert caught.value.rule == "already_lapsed"
    # Expiring or cancelling a lapsed hold is still allowed.
    assert hold.expire(now=NOW + timedelta(minutes=10)).status is BookingStatus.EXPIRED


def test_a_policy_cannot_hold_for_no_time() -> None:
    with pytest.raises(ValidationError) as caught:
        BookingPolicy(hold_for=timedelta(0))
    assert (caught.value.field, caught.value.rule) == ("hold_for", "empty")
    assert BookingPolicy(hold_for=timedelta(microseconds=1)).hold_for


# --- b) dates a zone skipped whole -------------------------------------------------

APIA = ZoneInfo("Pacific/Apia")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
# Zones that skipped a whole date, and the date.
SKIPPED_DAYS = (
    (APIA, date(2011, 12, 30)),
    (ZoneInfo("Pacific/Fakaofo"), date(2011, 12, 30)),
    (KIRITIMATI, date(1994, 12, 31)),
    (ZoneInfo("Pacific/Kanton"), date(1994, 12, 31)),
    (ZoneInfo("Pacific/Kwajalein"), date(1993, 8, 21)),
    (ZoneInfo("Asia/Manila"), date(1844, 12, 31)),
)


def _walls(starts: list[datetime]) -> list[str]:
    return [s.replace(tzinfo=None).isoformat(timespec="minutes") for s in starts]


def test_a_daily_series_passes_over_the_day_apia_skipped() -> None:
    first = datetime(2011, 12, 28, 10, tzinfo=APIA)
    starts = Recurrence(frequency=Frequency.DAILY, count=4).starts(first)
    assert _walls(starts) == [
        "2011-12-28T10:00",
        "2011-12-29T10:00",
        "2011-12-31T10:00",
        "2012-01-01T10:00",
    ]
    assert len({to_epoch_us(s) for s in starts}) == 4


@pytest.mark.parametrize(
    ("first", "frequency", "expected"),
    [
        (
            datetime(2011, 12, 23, 18, 30, tzinfo=APIA),  # a Friday
            Frequency.WEEKLY,
            ["2011-12-23T18:30", "2012-01-06T18:30", "2012-01-13T18:30"],
        ),
        (
            datetime(1994, 12, 30, 7, tzinfo=KIRITIMATI),
            Frequency.DAILY,
            ["1994-12-30T07:00", "1995-01-01T07:00", "1995-01-02T07:00"],
        ),
        (
            datetime(1994, 12, 24, 7, tzinfo=KIRITIMATI),  # a Saturday
            Frequency.WEEKLY,
            ["1994-12-24T07:00", "1995-01-07T07:00", "1995-01-14T07:00"],
        ),
    ],
)
def test_other_frequencies_pass_over_a_skipped_date_too(
    first: datetime, frequency: Frequency, expected: list[str]
) -> None:
    starts = Recurrence(frequency=frequency, count=3).starts(first)
    assert _walls(starts) == expected
    if frequency is Frequency.WEEKLY:
        assert {s.weekday() for s in starts} == {first.weekday()}


def test_a_daily_apia_series_does_not_clash_with_itself() -> None:
    rules = BookingRules(
        resources=[Resource(id="pool", kind=ResourceKind.ROOM)],
        services=[
            Service(
                id="swim",
                segments=timedelta(hours=1),
                requirements=[Requirement(role="lane", resource="pool")],
            )
        ],
        policy=BookingPolicy(horizon=None),
    )
    series = rules.check_series(
        BookingRequest(service="swim", start=datetime(2011, 12, 28, 10, tzinfo=APIA)),
        Recurrence(frequency=Frequency.DAILY, count=5),
        Schedule(),
        now=datetime(2011, 12, 1, tzinfo=UTC),
    )
    assert series.ok, [r.reasons for r in series.results]
    assert len(series.results) == 5


def _date_shown(day: date, zone: tzinfo) -> bool:
    """Whether some instant shows `day` in `zone`: tried at every hour with every offset near."""
    offsets = {
        (datetime.combine(day, time()) + timedelta(hours=h)).replace(tzinfo=zone).utcoffset()
        for h in range(-48, 49, 6)
    }
    return any(
        (datetime.combine(day, time(hour)) - off).replace(tzinfo=UTC).astimezone(zone).date() == day
        for hour in range(24)
        for off in offsets
        if off is not None
    )


@settings(max_examples=200, deadline=None)
@given(
    skipped=st.sampled_from(SKIPPED_DAYS),
    days_before=st.integers(1, 30),
    at_time=st.times(),
    recurrence=st.builds(
        Recurrence,
        frequency=st.sampled_from(list(Frequency)),
        interval=st.integers(1, 3),
        count=st.integers(1, 12),
    ),
)
def test_series_have_count_distinct_occurrences_on_dates_that_exist(
    skipped: tuple[ZoneInfo, date], days_before: int, at_time: time, recurrence: Recurrence
) -> None:
    zone, day = skipped
    first = datetime.combine(day - timedelta(days=days_before), at_time, tzinfo=zone)
    starts = recurrence.starts(first)
    count = recurrence.count
    # Exactly `count` occurrences, strictly one after another: none shares an instant.
    assert len(starts) == count
    instants = [to_epoch_us(s) for s in starts]
    assert instants == sorted(set(instants))
    # The oracle: each step's date that some clock showed, at the first's wall time.
    step = recurrence.interval * (7 if recurrence.frequency is Frequency.WEEKLY else 1)
    local = first.astimezone(UTC).astimezone(zone)
    wall = local.replace(tzinfo=None, fold=0)
    walls = (wall + timedelta(days=k * step) for k in range(count + 2))
    expected = [w for w in walls if _date_shown(w.date(), zone)][:count]
    assert instants == [to_epoch_us(_oracle_place(w, zone, local.fold)) for w in expected]
    assert day not in {s.date() for s in starts}


def test_a_wall_time_skipped_within_a_day_still_moves_forward() -> None:
    # Berlin's 02:30 of 2026-03-29 never showed: the occurrence is 03:30 that day.
    starts = Recurrence(frequency=Frequency.DAILY, count=3).starts(
        datetime(2026, 3, 28, 2, 30, tzinfo=BERLIN)
    )
    assert _walls(starts) == ["2026-03-28T02:30", "2026-03-29T03:30", "2026-03-30T02:30"]
    # Nuuk's 23:30 of 2026-03-28 never showed: the clocks went from 23:00 to 00:00.
    nuuk = ZoneInfo("America/Nuuk")
    starts = Recurrence(frequency=Frequency.DAILY, count=3).starts(
        datetime(2026, 3, 27, 23, 30, tzinfo=nuuk)
    )
    assert _walls(starts) == ["2026-03-27T23:30", "2026-03-29T00:30", "2026-03-29T23:30"]


def test_a_series_ending_near_year_9999_is_not_stepped_past() -> None:
    # Passing over skipped dates must not step past the last occurrence.
    starts = Recurrence(frequency=Frequency.WEEKLY, interval=100, count=2).starts(
        datetime(9997, 1, 1, tzinfo=UTC)
    )
    assert starts[-1] == datetime(9998, 12, 2, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.timezones(),
    first=st.datetimes(
        min_value=datetime(1840, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(2040, 1, 1),  # noqa: DTZ001 - made aware below
    ),
    recurrence=st.builds(
        Recurrence,
        frequency=st.sampled_from(list(Frequency)),
        interval=st.integers(1, 2),
        count=st.integers(1, 40),
    ),
)
def test_no_zone_gives_a_series_two_occurrences_at_one_instant(
    zone: tzinfo, first: datetime, recurrence: Recurrence
) -> None:
    starts = recurrence.starts(first.replace(tzinfo=zone))
    instants = [to_epoch_us(s) for s in starts]
    assert len(instants) == recurrence.count
    assert instants == sorted(set(instants))
    step = timedelta(
        days=recurrence.interval * (7 if recurrence.frequency is Frequency.WEEKLY else 1)
    )
    # A step apart on the wall clock, give or take the zone's changes (under a day).
    walls = [s.replace(tzinfo=None) for s in starts]
    assert all(b - a > step - timedelta(days=1) for a, b in itertools.pairwise(walls))
