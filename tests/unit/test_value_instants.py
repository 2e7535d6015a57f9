"""Every value that holds an instant holds it canonical, and refuses one no datetime can hold.

A wall time skipped by DST (02:30 on 8 March 2026 in New York) names the
same instant as 03:30 EDT, but Python compares the two unequal in one zone:
a value read back from SQL would then differ from the value stored. An
instant whose UTC falls outside years 1-9999 would be stored, then break
every read with a raw OverflowError.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules import Money
from clubrules._time import canonical_instant, require_aware, to_epoch_us
from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.complaints import CustomerContacted, FollowUpScheduled
from clubrules.customers import ConsumptionRecord, Customer, ServiceRecord
from clubrules.errors import NaiveDatetimeError, ValidationError
from clubrules.privacy import AccessEvent, ConsentRecord, LeakIncident, Purpose
from clubrules.staff import AssessmentPeriod, WarningRecord
from clubrules.testing.contracts._instants import dst_wall_times
from clubrules.testing.contracts._staff import _sheet
from clubrules.tiering import ActivitySummary, TierStatus

if TYPE_CHECKING:
    from collections.abc import Callable

NY = ZoneInfo("America/New_York")
SKIPPED = datetime(2026, 3, 8, 2, 30, tzinfo=NY)  # does not exist: 03:30 EDT
EXISTING = datetime(2026, 3, 8, 3, 30, tzinfo=NY)
TOO_LATE = datetime(9999, 12, 31, 21, tzinfo=timezone(timedelta(hours=-5)))  # 10000-01-01 UTC
TOO_EARLY = datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=5)))  # year 0 in UTC
LATER = datetime(2026, 6, 1, 12, tzinfo=NY)


def _consumption(at: datetime) -> object:
    return ConsumptionRecord(id="t", customer_id="c", at=at, service="s", amount=Money("1"))


def _warning_issued(at: datetime) -> object:
    return WarningRecord(
        id="w",
        staff_id="s",
        sheet_id="a",
        issued_at=at,
        improve_by=LATER,
        total=Decimal(50),
        band="fail",
    )


def _consent(field: str) -> Callable[[datetime], object]:
    def build(at: datetime) -> object:
        given_at = at if field == "given_at" else datetime(2026, 1, 1, tzinfo=NY)
        extra = {} if field == "given_at" else {field: at}
        return ConsentRecord(
            id="k",
            customer_id="c",
            purpose=Purpose.MARKETING,
            scope={"phone"},
            given_at=given_at,
            **extra,  # type: ignore[arg-type]
        )

    return build


def _leak(at: datetime) -> object:
    return LeakIncident(
        id="i",
        detected_at=at,
        data_types=("phone numbers",),
        cause="a lost laptop",
        possible_harm="spam calls",
        remedies=("keys rotated",),
        individual_steps=("ignore calls",),
        contact="dpo@example.com",
    )


EARLY = datetime(2026, 1, 1, tzinfo=NY)

# (field, build(at) -> value): every value class in these areas with an instant field.
BUILDERS: list[tuple[str, Callable[[datetime], object]]] = [
    ("registered_at", lambda at: Customer(id="c", name="Li", registered_at=at)),
    ("at", _consumption),
    (
        "at",
        lambda at: ServiceRecord(id="v", customer_id="c", at=at, service="s", staff_id="st"),
    ),
    ("since", lambda at: TierStatus(customer_id="c", tier="gold", since=at)),
    ("start", lambda at: ActivitySummary(customer_id="c", start=at, end=LATER)),
    ("end", lambda at: ActivitySummary(customer_id="c", start=EARLY, end=at)),
    (
        "first_visit",
        lambda at: ActivitySummary(
            customer_id="c", start=EARLY, end=LATER, first_visit=at, last_visit=at
        ),
    ),
    (
        "at",
        lambda at: CareTask(
            customer_id="c", kind=CareKind.BIRTHDAY, due=date(2026, 3, 8), at=at, rule="birthday"
        ),
    ),
    (
        "at",
        lambda at: SurveyResponse(
            id="r", questionnaire_id="q", customer_id="c", at=at, answers={"service": 5}
        ),
    ),
    ("issued_at", _warning_issued),
    (
        "improve_by",
        lambda at: attrs.evolve(_warning_issued(EARLY), improve_by=at),  # type: ignore[misc]
    ),
    ("start", lambda at: AssessmentPeriod(start=at, end=LATER, label="p")),
    ("end", lambda at: AssessmentPeriod(start=EARLY, end=at, label="p")),
    ("assessed_at", lambda at: attrs.evolve(_sheet(), assessed_at=at)),
    ("given_at", _consent("given_at")),
    ("expires_at", _consent("expires_at")),
    ("withdrawn_at", _consent("withdrawn_at")),
    (
        "at",
        lambda at: AccessEvent(
            at=at,
            actor="st",
            role="beautician",
            purpose=Purpose.SERVICE_DELIVERY,
            customer_id="c",
            field="allergies",
            allowed=True,
            reason="allowed",
        ),
    ),
    ("detected_at", _leak),
    ("at", lambda at: CustomerContacted(at=at, by="s", channel="phone")),
    ("planned_for", lambda at: FollowUpScheduled(at=EARLY, by="s", planned_for=at)),
]
MID = datetime(2026, 3, 1, tzinfo=NY)
IDS = [f"{type(build(MID)).__name__}.{field}" for field, build in BUILDERS]


@pytest.mark.parametrize(("field", "build"), BUILDERS, ids=IDS)
def test_a_skipped_wall_time_is_held_as_it_exists(
    field: str, build: Callable[[datetime], object]
) -> None:
    held = getattr(build(SKIPPED), field)
    assert held == EXISTING
    assert held.replace(tzinfo=None) == EXISTING.replace(tzinfo=None)
    assert held.tzinfo is NY
    assert build(SKIPPED) == build(EXISTING)


@pytest.mark.parametrize(("field", "build"), BUILDERS, ids=IDS)
@pytest.mark.parametrize("instant", [TOO_LATE, TOO_EARLY], ids=["too_late", "too_early"])
def test_an_instant_outside_years_1_to_9999_is_refused_naming_the_field(
    field: str, build: Callable[[datetime], object], instant: datetime
) -> None:
    with pytest.raises(ValidationError) as caught:
        build(instant)
    assert not isinstance(caught.value, NaiveDatetimeError)
    assert (field, "out_of_range") in {(v.field, v.rule) for v in caught.value.violations}


@pytest.mark.parametrize(("field", "build"), BUILDERS, ids=IDS)
def test_a_naive_instant_is_still_refused(field: str, build: Callable[[datetime], object]) -> None:
    with pytest.raises(ValidationError) as caught:
        build(datetime(2026, 3, 1, 10))  # noqa: DTZ001 - the point of the test
    assert field in caught.value.fields


@given(at=dst_wall_times())
def test_canonical_instant_keeps_the_instant_and_is_idempotent(at: datetime) -> None:
    canonical = canonical_instant(at, "at")
    assert to_epoch_us(canonical) == to_epoch_us(at)
    assert canonical.tzinfo is at.tzinfo
    assert canonical_instant(canonical, "at").replace(tzinfo=None) == canonical.replace(tzinfo=None)
    assert canonical_instant(canonical, "at").fold == canonical.fold
    # As a database gives it back: from UTC into the zone.
    back = canonical.astimezone(UTC).astimezone(at.tzinfo)
    assert back.replace(tzinfo=None) == canonical.replace(tzinfo=None)
    assert back.fold == canonical.fold


@given(
    offset=st.integers(-14 * 60, 14 * 60),
    day=st.sampled_from([(1, 1, 1), (9999, 12, 31)]),
    hour=st.integers(0, 23),
)
def test_require_aware_accepts_exactly_the_instants_utc_can_hold(
    offset: int, day: tuple[int, int, int], hour: int
) -> None:
    value = datetime(*day, hour, tzinfo=timezone(timedelta(minutes=offset)))
    try:
        value.astimezone(UTC)
    except OverflowError:
        with pytest.raises(ValidationError) as caught:
            require_aware(value, "when")
        assert (caught.value.field, caught.value.rule) == ("when", "out_of_range")
    else:
        assert require_aware(value, "when") is value


def test_the_error_names_no_value() -> None:
    with pytest.raises(ValidationError) as caught:
        Customer(id="c", name="Li", registered_at=TOO_LATE)
    assert TOO_LATE.isoformat()[:10] not in str(caught.value)
