"""One regression test per escape class the walk found: each raised a plain Python error before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from clubrules.activities import InvitationPlan, Roster, plan_invitations
from clubrules.booking import BookingRules, Pool, Schedule
from clubrules.calendar import (
    BusinessCalendar,
    from_epoch_us,
    holiday_calendar,
    holiday_data,
    to_epoch_us,
)
from clubrules.care import (
    CareAction,
    ChurnRule,
    Question,
    Questionnaire,
    SurveySchedule,
    aggregate_surveys,
    assign_tasks,
    greeting_holidays,
    plan_care,
    scan_churn,
    scan_churn_columns,
)
from clubrules.complaints import (
    Case,
    CaseKind,
    CaseState,
    allowed_actions,
    analyse,
    case_facts,
    check_channel,
    default_book,
    default_policy,
    register,
    replay,
)
from clubrules.customers import PhoneNumber
from clubrules.errors import (
    MissingHolidayDataError,
    NaiveDatetimeError,
    UnknownTimeZoneError,
    ValidationError,
)
from clubrules.privacy import (
    AccessEvent,
    BlindIndex,
    ConsentRecord,
    FieldCipher,
    FileKeyProvider,
    Grant,
    IndexKind,
    Keyring,
    KeyStatus,
    KeyVersion,
    Purpose,
    RetentionRule,
    RolePolicy,
    mask_phone,
    plan_blind_index,
)
from clubrules.staff import ScoreSheet, Step, assess
from clubrules.storage.memory import InMemoryBookingRepository
from clubrules.testing.strategies import aware_datetimes, money, points_up_to, time_zones
from clubrules.tiering import Band, BandScheme, ReviewSchedule, SegmentScheme, quantile_scores
from clubrules.training import compliance_report

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


def test_lists_of_years_are_checked() -> None:
    assert _rule(lambda: holiday_data("CN", None)) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: holiday_data("CN", [2026, NAN])) == "not_an_int"  # type: ignore[list-item]
    assert _rule(lambda: holiday_calendar("UTC", {}, country="CN", years=[0])) == "out_of_range"
    assert _rule(lambda: greeting_holidays("  ")) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: greeting_holidays([2026], festivals=None)) == "not_a_list"  # type: ignore[arg-type]
    weekly = dict.fromkeys(range(7), "09:00-21:00")
    odd: Any = object()
    assert _rule(lambda: BusinessCalendar("UTC", weekly, holiday_years=odd)) == "not_a_list"


def test_mappings_and_columns_are_checked() -> None:
    odd: Any = object()
    calendar = _samples.calendar()

    def plan(**given: Any) -> object:
        return plan_care(as_of=_samples.NOW, horizon_days=7, calendar=calendar, **given)

    assert _rule(lambda: plan(birthdays=odd)) == "not_a_mapping"
    assert _rule(lambda: plan(holidays={None: None})) == "wrong_type"
    assert _rule(lambda: plan(holidays={_samples.NOW: "x"})) == "not_a_date"
    rule = ChurnRule()
    assert _rule(lambda: scan_churn(rule, baseline=None, recent={}, as_of=_samples.NOW)) == (  # type: ignore[arg-type]
        "not_a_mapping"
    )

    def columns(**given: Any) -> object:
        cols: dict[str, Any] = {
            "customer_ids": ["c-1"],
            "first_visit_us": [None],
            "baseline_visits": [3],
            "recent_visits": [0],
        }
        return scan_churn_columns(rule, as_of=_samples.NOW, **{**cols, **given})

    assert columns() == []
    assert _rule(lambda: columns(customer_ids=None)) == "not_a_list"
    assert _rule(lambda: columns(baseline_visits={0: 3})) == "not_a_list"
    with pytest.raises(ValidationError) as caught:
        columns(recent_visits=[None])
    assert (caught.value.rule, caught.value.field) == ("wrong_type", "recent_visits[0]")
    assert _rule(lambda: assign_tasks([], owners=odd)) == "not_a_mapping"
    assert _rule(lambda: assign_tasks([], staff=None)) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: aggregate_surveys(_samples.questionnaire(), [], zone=UTC, by=None)) == (  # type: ignore[arg-type]
        "not_a_list"
    )


def test_constructors_check_the_library_objects_they_hold() -> None:
    questions: Any = None
    assert _rule(lambda: Questionnaire("q", questions, weights={"service": 1})) == "not_a_list"
    one = [Question("s", "service")]
    assert _rule(lambda: Questionnaire("q", one, weights=[("service",)])) == "wrong_type"
    assert _rule(lambda: Roster(None)) == "wrong_type"  # type: ignore[arg-type]
    assert _rule(lambda: Roster(_samples.activity(), None)) == "not_a_list"  # type: ignore[arg-type]
    case = _samples.case()
    assert _rule(lambda: Case(None, case.events)) == "wrong_type"  # type: ignore[arg-type]
    assert _rule(lambda: Case(case.policy, None)) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: replay(None, default_book())) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: default_policy(None)) == "unknown_choice"  # type: ignore[arg-type]
    assert _rule(lambda: default_book(channels=object())) == "not_a_set"  # type: ignore[arg-type]
    assert _rule(lambda: check_channel("wechat", object())) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: Grant("r", None, {Purpose.MARKETING})) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: Grant("r", {"phone"}, None)) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: RolePolicy(None)) == "not_a_list"  # type: ignore[arg-type]
    assert _rule(lambda: Keyring(None)) == "not_a_list"  # type: ignore[arg-type]
    consent = attrs.asdict(_samples.consent(), recurse=False)
    assert _rule(lambda: ConsentRecord(**{**consent, "scope": None})) == "not_a_list"
    keep: Any = None
    assert _rule(lambda: RetentionRule("allergies", Purpose.MARKETING, keep)) == "wrong_type"
    assert _rule(lambda: FileKeyProvider(None)) == "wrong_type"  # type: ignore[arg-type]


def test_dates_worked_out_near_year_9999_are_in_range() -> None:
    last = datetime.max.replace(tzinfo=UTC)
    facts = [case_facts(_samples.case(), _samples.LATER)]
    # The month buckets stop at December 9999 instead of failing on year 10000.
    analysis = analyse(facts, start=_samples.NOW, end=last)
    assert analysis.overall.cases == 1
    assert max(analysis.by_month) == "2026-03"

    def report(as_of: datetime) -> object:
        return compliance_report(
            _samples.requirements(),
            [_samples.staff_member()],
            sessions=[],
            attendance=[],
            start=datetime(2026, 2, 1, tzinfo=_samples.SHANGHAI),
            end=datetime(2026, 3, 1, tzinfo=_samples.SHANGHAI),
            as_of=as_of,
            calendar=_samples.calendar(),
        )

    assert report(_samples.NOW)
    assert _rule(lambda: report(last)) == "out_of_range"

    def invite(as_of: datetime, lead_days: int) -> InvitationPlan:
        activity, consents = _samples.activity(), [_samples.marketing_consent()]
        return plan_invitations(
            activity,
            [_samples.candidate()],
            consents,
            as_of=as_of,
            calendar=_samples.calendar(),
            lead_days=lead_days,
        )

    # A lead time longer than any calendar means "as soon as possible".
    assert invite(_samples.NOW, 2**63) == invite(_samples.NOW, 1000)
    assert _rule(lambda: invite(last, 7)) == "out_of_range"

    def invited(already: Any) -> object:
        return plan_invitations(
            _samples.activity(),
            [],
            [],
            as_of=_samples.NOW,
            calendar=_samples.calendar(),
            invited=already,
        )

    assert _rule(lambda: invited(None)) == "not_a_set"


def test_numbers_that_cannot_be_compared_are_refused() -> None:
    sheet = attrs.asdict(_samples.sheet(), recurse=False)
    assert _rule(lambda: ScoreSheet(**{**sheet, "total": NAN})) == "not_finite"
    assert _rule(lambda: ScoreSheet(**{**sheet, "total": None})) == "not_exact"
    versions = [KeyVersion(1, _samples.KEY, KeyStatus.PRIMARY)]
    assert _rule(lambda: Keyring(versions, warn_at=NAN)) == "not_an_int"  # type: ignore[arg-type]
    assert _rule(lambda: points_up_to(Decimal("1E+999999"))) == "too_large"
    assert _rule(lambda: points_up_to(Decimal(-1))) == "negative"
    assert _rule(lambda: money(min_amount="x")) == "not_a_number"
    assert _rule(lambda: money(max_amount=NAN)) == "not_finite"


def test_unhashable_arguments_to_membership_tests_are_refused() -> None:
    requirement = _samples.requirements()[0]
    method = next(iter(requirement.methods))
    assert _rule(lambda: requirement.counts([], method, "x")) == "unknown_choice"  # type: ignore[arg-type]
    assert _rule(lambda: requirement.counts(Decimal("sNaN"), method, "x")) == "unknown_choice"  # type: ignore[arg-type]
    policy = RolePolicy.salon_default()
    assert _rule(lambda: policy.allows("beautician", "allergies", [])) == "unknown_choice"  # type: ignore[arg-type]
    assert policy.allows("beautician", "allergies", Purpose.SERVICE_DELIVERY)


def test_text_and_zone_arguments_are_checked() -> None:
    assert _rule(lambda: mask_phone(None)) == "wrong_type"  # type: ignore[arg-type]
    assert mask_phone(PhoneNumber("+8613812345678")) == "138****5678"
    index = lambda: BlindIndex(_samples.KEY, field="a\ud800", kind=IndexKind.PHONE, bits=16)  # noqa: E731
    assert _rule(index) == "invalid_text"
    with pytest.raises(UnknownTimeZoneError):
        time_zones(["Mars/Olympus_Mons"])
    assert _rule(lambda: aware_datetimes(zones=None)) == "not_a_list"  # type: ignore[arg-type]
