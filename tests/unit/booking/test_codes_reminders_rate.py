from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.booking import (
    CODE_ALPHABET,
    Booking,
    BookingPolicy,
    BookingStatus,
    Occupancy,
    ReminderPolicy,
    is_valid_confirmation_code,
    new_confirmation_code,
    normalize_confirmation_code,
    reminder_time,
    success_rate,
)
from clubrules.errors import InvalidIntervalError, NaiveDatetimeError, ValidationError

from .conftest import BERLIN, SHANGHAI


def test_codes_use_the_unambiguous_alphabet() -> None:
    codes = {new_confirmation_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 8 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("ILOU") & set(CODE_ALPHABET)


def test_codes_are_not_sequential() -> None:
    rng = random.Random(7)
    first = new_confirmation_code(randbelow=rng.randrange)
    second = new_confirmation_code(randbelow=rng.randrange)
    assert first != second
    assert is_valid_confirmation_code(first)


def test_typed_codes_are_normalised() -> None:
    code = new_confirmation_code()
    typed = f"{code[:4].lower()}-{code[4:]}".replace("0", "o").replace("1", "l")
    assert normalize_confirmation_code(typed) == code


@given(seed=st.integers(0, 2**32), position=st.integers(0, 7), data=st.data())
def test_every_single_character_typo_is_caught(
    seed: int, position: int, data: st.DataObject
) -> None:
    code = new_confirmation_code(randbelow=random.Random(seed).randrange)
    wrong = data.draw(st.sampled_from([c for c in CODE_ALPHABET if c != code[position]]))
    typo = code[:position] + wrong + code[position + 1 :]
    assert not is_valid_confirmation_code(typo)
    with pytest.raises(ValidationError) as caught:
        normalize_confirmation_code(typo)
    assert caught.value.rule == "bad_check_character"
    assert typo not in str(caught.value)


def test_bad_code_shapes_are_refused() -> None:
    with pytest.raises(ValidationError) as short:
        normalize_confirmation_code("ABC")
    assert short.value.rule == "wrong_length"
    with pytest.raises(ValidationError) as letter:
        normalize_confirmation_code("ABCDEFGU")
    assert letter.value.rule == "bad_character"
    with pytest.raises(ValidationError):
        new_confirmation_code(length=3)


# --- reminders ---------------------------------------------------------------

QUIET = ReminderPolicy(zone=SHANGHAI, before=timedelta(hours=24))


def _booking(start: datetime, status: BookingStatus = BookingStatus.CONFIRMED) -> Booking:
    end = start + timedelta(hours=1)
    return Booking(
        id="b1",
        service="facial",
        start=start,
        end=end,
        occupancy=[Occupancy.between("li", start, end)],
        status=status,
        expires_at=start if status is BookingStatus.HELD else None,
    )


def test_reminder_is_x_hours_before_in_utc() -> None:
    at = reminder_time(_booking(datetime(2026, 3, 3, 15, 0, tzinfo=SHANGHAI)), QUIET)
    assert at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert at is not None
    assert at.tzinfo is UTC


def test_reminder_in_quiet_hours_moves_to_the_morning() -> None:
    booking = _booking(datetime(2026, 3, 3, 22, 0, tzinfo=SHANGHAI))  # 24 h before: 22:00
    assert reminder_time(booking, QUIET) == datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)


def test_reminder_moves_earlier_when_the_morning_is_too_late() -> None:
    policy = ReminderPolicy(zone=SHANGHAI, before=timedelta(hours=3))
    booking = _booking(datetime(2026, 3, 3, 9, 30, tzinfo=SHANGHAI))  # 3 h before: 06:30
    # 09:00 would leave only 30 minutes: the reminder goes out before quiet hours instead.
    assert reminder_time(booking, policy) == datetime(2026, 3, 2, 20, 59, tzinfo=SHANGHAI)


def test_reminder_is_recomputed_on_reschedule_and_gone_on_cancel() -> None:
    booking = _booking(datetime(2026, 3, 3, 15, 0, tzinfo=SHANGHAI))
    moved = booking.reschedule(
        booking.start + timedelta(days=1),
        booking.end + timedelta(days=1),
        [
            Occupancy.between(
                "li", booking.start + timedelta(days=1), booking.end + timedelta(days=1)
            )
        ],
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert reminder_time(moved, QUIET) == datetime(2026, 3, 3, 15, 0, tzinfo=SHANGHAI)
    cancelled = booking.cancel(now=datetime(2026, 3, 1, tzinfo=UTC), policy=BookingPolicy())
    assert reminder_time(cancelled, QUIET) is None
    assert reminder_time(_booking(booking.start, BookingStatus.HELD), QUIET) is None


def test_reminder_across_dst_counts_elapsed_hours() -> None:
    policy = ReminderPolicy(
        zone=BERLIN, before=timedelta(hours=24), quiet_start=time(0), quiet_end=time(0)
    )
    booking = _booking(datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN))
    # 24 elapsed hours before 12:00 CEST is 11:00 CET the day before.
    assert reminder_time(booking, policy) == datetime(2026, 3, 28, 11, 0, tzinfo=BERLIN)


def test_a_reminder_already_past_is_none() -> None:
    booking = _booking(datetime(2026, 3, 3, 15, 0, tzinfo=SHANGHAI))
    assert reminder_time(booking, QUIET, now=datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)) is None
    with pytest.raises(NaiveDatetimeError):
        reminder_time(booking, QUIET, now=datetime(2026, 3, 3))  # noqa: DTZ001


# --- success rate ------------------------------------------------------------

MARCH = (datetime(2026, 3, 1, tzinfo=SHANGHAI), datetime(2026, 4, 1, tzinfo=SHANGHAI))


def _outcome(
    i: int, status: BookingStatus, *, late: bool = False, taken_by: str = "desk-1"
) -> Booking:
    start = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI) + timedelta(days=i)
    return Booking(
        id=f"b{i}",
        service="facial",
        start=start,
        end=start + timedelta(hours=1),
        occupancy=[Occupancy.between("li", start, start + timedelta(hours=1))],
        status=status,
        late_cancel=late,
        taken_by=taken_by,
        expires_at=start if status in {BookingStatus.HELD, BookingStatus.EXPIRED} else None,
    )


def test_success_rate_counts_outcomes() -> None:
    outcomes = [
        _outcome(0, BookingStatus.COMPLETED),
        _outcome(1, BookingStatus.COMPLETED),
        _outcome(2, BookingStatus.COMPLETED),
        _outcome(3, BookingStatus.NO_SHOW),
        _outcome(4, BookingStatus.CANCELLED, late=True),
        _outcome(5, BookingStatus.CANCELLED),
        _outcome(6, BookingStatus.EXPIRED),
        _outcome(7, BookingStatus.CONFIRMED),
        _outcome(40, BookingStatus.COMPLETED),  # April: outside the period
        _outcome(8, BookingStatus.COMPLETED, taken_by="desk-2"),
    ]
    rate = success_rate(outcomes, start=MARCH[0], end=MARCH[1], taken_by="desk-1")
    assert (
        rate.completed,
        rate.no_show,
        rate.late_cancelled,
        rate.cancelled,
        rate.expired,
        rate.open,
    ) == (
        3,
        1,
        1,
        1,
        1,
        1,
    )
    assert rate.rate == Decimal("0.4286")
    lenient = success_rate(
        outcomes, start=MARCH[0], end=MARCH[1], taken_by="desk-1", exclude_timely_cancellations=True
    )
    assert lenient.rate == Decimal("0.5000")


def test_success_rate_of_an_empty_period_is_none() -> None:
    rate = success_rate([_outcome(7, BookingStatus.CONFIRMED)], start=MARCH[0], end=MARCH[1])
    assert rate.rate is None
    assert rate.open == 1
    with pytest.raises(InvalidIntervalError):
        success_rate([], start=MARCH[1], end=MARCH[0])
