"""One regression test per escape class the walk found: each raised a plain Python error before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from clubrules.booking import BookingRules, Pool, Schedule
from clubrules.calendar import BusinessCalendar, from_epoch_us, to_epoch_us
from clubrules.care import CareAction, ChurnRule, SurveySchedule
from clubrules.complaints import CaseKind, CaseState, allowed_actions, default_book, register
from clubrules.errors import MissingHolidayDataError, NaiveDatetimeError, ValidationError
from clubrules.privacy import AccessEvent, FieldCipher, KeyVersion, plan_blind_index
from clubrules.staff import Step, assess
from clubrules.storage.memory import InMemoryBookingRepository
from clubrules.tiering import Band, BandScheme, ReviewSchedule, SegmentScheme, quantile_scores

from . import _samples

NAN = Decimal("NaN")


def _rule(call: object) -> str:
    assert callable(call)
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.rule


def test_instants_outside_the_years_a_datetime_holds_are_out_of_range() -> None:
    assert _rule(lambda: from_epoch_us(2**63)) == "out_of_range"
    assert _rule(lambda: ChurnRule().windows(datetime(1, 1, 1, tzinfo=UTC))) == "out_of_range"


def test_nan_and_huge_decimals_are_refused() -> None:
    bands = BandScheme([Band("low", 0), Band("high", 1000)])
    assert _rule(lambda: bands.name_of(NAN)) == "not_finite"
    assert _rule(lambda: Step(min_rate=Decimal("0.8"), points=Decimal("1E+999999"))) == "too_large"
    assert _rule(lambda: ChurnRule(threshold=NAN)) == "range"
    assert _rule(lambda: _samples.tier_program().tier_of(NAN)) == "not_finite"


def test_strings_that_are_no_member_are_unknown_choices() -> None:
    event = attrs.asdict(_samples.access_event(), recurse=False)
    assert _rule(lambda: AccessEvent(**{**event, "purpose": "x"})) == "unknown_choice"
    assert _rule(lambda: KeyVersion.generate(1, status="")) == "unknown_choice"  # type: ignore[arg-type]
    # A member's value is read as the member, as the value classes' converters do.
    assert allowed_actions("registered") == allowed_actions(CaseState.REGISTERED)  # type: ignore[arg-type]
    assert ChurnRule().action_for("low") is CareAction.CALL  # type: ignore[arg-type]
    assert _rule(lambda: allowed_actions("closed")) == "unknown_choice"  # type: ignore[arg-type]
    assert _rule(lambda: ChurnRule().action_for("urgent")) == "unknown_choice"  # type: ignore[arg-type]


def test_parameters_taking_library_objects_check_them() -> None:
    assert _rule(lambda: Schedule().add(1)) == "wrong_type"  # type: ignore[arg-type]
    assert _rule(lambda: Schedule(5)) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: default_book().latest(["x"])) == "wrong_type"  # type: ignore[arg-type]
    holes: list[Any] = [3, None, 1]
    assert _rule(lambda: quantile_scores(holes)) == "not_a_number"
    rubric, period = _samples.rubric(), _samples.period()

    def no_inputs() -> object:
        return assess(rubric, None, sheet_id="a", staff_id="s", period=period, as_of=_samples.NOW)  # type: ignore[arg-type]

    assert _rule(no_inputs) == "wrong_type"
    case = {"case_id": "k", "at": _samples.NOW, "channel": "wechat", "customer_id": "c"}

    def complaint(kind: object) -> object:
        return register(default_book(), kind=kind, contact="x", content="x", **case)  # type: ignore[arg-type]

    assert _rule(lambda: complaint("complaint-ish")) == "unknown_choice"
    assert complaint(CaseKind.COMPLAINT)


def test_a_datetime_where_a_date_belongs_is_refused() -> None:
    schedule = ReviewSchedule(anchor=date(2026, 1, 1))
    assert _rule(lambda: schedule.next_after(_samples.NOW)) == "not_a_date"
    dates = SurveySchedule("s").dates
    assert _rule(lambda: dates(_samples.NOW, date(2026, 12, 31))) == "not_a_date"


def test_a_naive_datetime_to_epoch_is_a_naive_datetime_error() -> None:
    with pytest.raises(NaiveDatetimeError):
        to_epoch_us(datetime(2026, 3, 2))  # noqa: DTZ001 - the point


def test_a_blind_index_plan_needs_a_positive_minimum() -> None:
    def plan() -> object:
        return plan_blind_index(expected_rows=10, value_space=10**9, min_values_per_index=0)

    assert _rule(plan) == "too_small"


def test_a_validation_error_without_a_message_still_says_something() -> None:
    error = ValidationError()
    assert error.rule == "invalid"
    assert str(error) == "invalid input"


def test_a_lone_surrogate_in_a_place_is_a_validation_error() -> None:
    cipher = FieldCipher(_samples.keyring())
    for place in ({"record_id": "a\ud800"}, {"field": "a\ud800"}):
        kwargs = {"record_type": "customer", "record_id": "c-1", "field": "notes", **place}
        assert _rule(lambda kwargs=kwargs: cipher.seal("x", **kwargs)) == "invalid_text"


def test_a_refused_first_business_clock_reading_leaves_the_calendar_usable() -> None:
    calendar = BusinessCalendar(
        "Asia/Shanghai",
        dict.fromkeys(range(7), "09:00-21:00"),
        holidays={date(2026, 5, 1): "Labour Day"},
    )
    with pytest.raises(MissingHolidayDataError):
        calendar.business_us(0)  # 1970: no holiday data
    # Before, the failed reading had fixed the clock's zero in 1970 for good.
    at = to_epoch_us(_samples.NOW)
    assert calendar.business_us(at) >= 0


def test_unhashable_ids_and_wrong_objects_are_refused_by_lookups() -> None:
    schedule = Schedule()
    assert _rule(lambda: schedule.get(Decimal("sNaN"))) == "not_a_string"  # type: ignore[arg-type]
    assert _rule(lambda: schedule.is_free([], 0, 1, 0)) == "not_a_string"  # type: ignore[arg-type]
    bookings = InMemoryBookingRepository()
    assert _rule(lambda: bookings.get(["bk-1"])) == "not_a_string"  # type: ignore[arg-type]
    assert _rule(lambda: bookings.add(None, now=_samples.NOW)) == "wrong_type"  # type: ignore[arg-type]
    rules = _samples.booking_rules()
    assert _rule(lambda: rules.check(None, schedule, now=_samples.NOW)) == "wrong_type"  # type: ignore[arg-type]
    assert _rule(lambda: BookingRules(resources=None, services=[])) == "not_a_list"  # type: ignore[arg-type]


def test_name_lists_and_score_columns_are_checked() -> None:
    assert _rule(lambda: Pool(id="p", members=None)) == "not_names"  # type: ignore[arg-type]
    assert _rule(lambda: SegmentScheme().assign_many([1], [1], [9])) == "range"
    assert _rule(lambda: SegmentScheme().assign_many([1, 2], [1], [1])) == "length_mismatch"
    assert _rule(lambda: spend_bands_of([None])) == "wrong_type"


def spend_bands_of(bands: object) -> object:
    return BandScheme(bands)
