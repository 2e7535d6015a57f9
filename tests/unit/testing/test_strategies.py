"""The hypothesis strategies make only valid values, and cover what they promise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hypothesis import find, given, settings
from hypothesis import strategies as st

from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    PhoneNumber,
    Sealed,
    ServiceRecord,
    parse_phone,
)
from clubrules.testing.strategies import (
    SAMPLE_ZONES,
    aware_datetimes,
    cn_mobile_numbers,
    consumption_records,
    customers,
    money,
    phone_numbers,
    sealed_values,
    service_records,
    time_zones,
    training_sessions,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.money import Money
    from clubrules.training import TrainingSession


@settings(max_examples=100)
@given(at=aware_datetimes())
def test_datetimes_are_aware(at: object) -> None:
    assert getattr(at, "tzinfo", None) is not None
    assert at.utcoffset() is not None  # type: ignore[attr-defined]


def test_datetimes_come_in_every_sample_zone_including_dst() -> None:
    def in_zone(name: str) -> Callable[[datetime], bool]:
        return lambda at: str(at.tzinfo) == name

    for name in SAMPLE_ZONES:
        found = find(aware_datetimes(), in_zone(name))
        assert str(found.tzinfo) == name
    summer = find(
        aware_datetimes(zones=["Europe/Berlin"]),
        lambda at: at.utcoffset() == timedelta(hours=2),
    )
    assert summer.month in range(3, 11)


def test_time_zones_draws_from_the_names_given() -> None:
    zone = find(time_zones(["Asia/Tokyo"]), lambda _z: True)
    assert str(zone) == "Asia/Tokyo"


@settings(max_examples=100)
@given(value=money(min_amount="1.50", max_amount=10))
def test_money_stays_in_bounds_with_two_places(value: Money) -> None:
    assert value.currency == "CNY"
    assert Decimal("1.50") <= value.amount <= 10
    assert value.amount.as_tuple().exponent == -2


@given(value=money(currency="HKD"))
def test_money_takes_a_currency(value: Money) -> None:
    assert value.currency == "HKD"


@settings(max_examples=100)
@given(number=cn_mobile_numbers(), phone=phone_numbers())
def test_phone_numbers_are_valid_chinese_mobiles(number: str, phone: PhoneNumber) -> None:
    assert len(number) == 11
    assert parse_phone(number).region == "CN"
    assert phone.region == "CN"
    assert phone.e164.startswith("+861")


@settings(max_examples=50)
@given(customer=customers(), sealed=sealed_values())
def test_customers_are_valid_and_vary(customer: Customer, sealed: Sealed) -> None:
    assert isinstance(customer, Customer)
    assert customer.registered_at.tzinfo is not None
    assert isinstance(sealed, Sealed)


def test_customers_cover_sealed_fields_and_missing_phones() -> None:
    assert find(customers(), lambda c: c.allergies is not None).allergies is not None
    assert find(customers(), lambda c: c.phone is None).phone is None
    assert find(customers(), lambda c: len(c.tags) >= 2).tags


@settings(max_examples=100)
@given(record=consumption_records(), visit=service_records())
def test_records_are_valid(record: ConsumptionRecord, visit: ServiceRecord) -> None:
    assert record.amount.amount >= 0
    assert record.counts_as_spend == (record.kind is ConsumptionKind.PURCHASE)
    assert record.refund_of is None or record.kind is ConsumptionKind.REFUND
    assert visit.at.tzinfo is not None


def test_records_cover_every_kind() -> None:
    def of_kind(kind: ConsumptionKind) -> Callable[[ConsumptionRecord], bool]:
        return lambda record: record.kind is kind

    for kind in ConsumptionKind:
        assert find(consumption_records(), of_kind(kind)).kind is kind


@given(record=consumption_records(kinds=st.just(ConsumptionKind.REFUND), currency="USD"))
def test_record_strategy_options(record: ConsumptionRecord) -> None:
    assert record.kind is ConsumptionKind.REFUND
    assert record.amount.currency == "USD"


_BERLIN = ZoneInfo("Europe/Berlin")


@given(
    training_sessions(
        starts=st.sampled_from(
            [
                datetime(2016, 10, 30, 2, 0, fold=1, tzinfo=_BERLIN),  # the repeated hour, 2nd time
                datetime(2016, 10, 30, 2, 59, fold=0, tzinfo=_BERLIN),
                datetime(2016, 3, 27, 1, 59, tzinfo=_BERLIN),  # a minute before the gap
            ]
        )
    )
)
def test_training_sessions_across_a_dst_change_end_after_they_start(
    session: TrainingSession,
) -> None:
    assert session.end.astimezone(UTC) > session.start.astimezone(UTC)
    assert session.end.utcoffset() == session.end.astimezone(_BERLIN).utcoffset()
