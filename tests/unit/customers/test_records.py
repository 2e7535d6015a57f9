"""Consumption and service records: amounts never negative, refunds marked, no float money."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from clubrules.customers import ConsumptionKind, ConsumptionRecord, ServiceRecord
from clubrules.errors import InvalidMoneyError, NaiveDatetimeError, ValidationError
from clubrules.money import Money

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)


def _record(**changes: object) -> ConsumptionRecord:
    fields: dict[str, object] = {
        "id": "t-1",
        "customer_id": "c-001",
        "at": T0,
        "service": "facial",
        "amount": Money("288.00"),
    }
    fields.update(changes)
    return ConsumptionRecord(**fields)  # type: ignore[arg-type]


def test_a_purchase_counts_as_spend_and_nothing_else_does() -> None:
    assert _record().kind is ConsumptionKind.PURCHASE
    assert _record().counts_as_spend
    assert not _record(kind=ConsumptionKind.REFUND).counts_as_spend
    assert not _record(kind=ConsumptionKind.REDEMPTION).counts_as_spend


def test_kind_accepts_names_and_values() -> None:
    assert _record(kind="refund").kind is ConsumptionKind.REFUND
    assert _record(kind="REDEMPTION").kind is ConsumptionKind.REDEMPTION


def test_a_zero_amount_is_allowed() -> None:
    # A redemption of a prepaid session may carry no money at all.
    assert _record(amount=Money(0), kind="redemption").amount == Money(0)


def test_a_refund_may_name_the_purchase_it_pays_back() -> None:
    refund = _record(id="t-2", kind=ConsumptionKind.REFUND, refund_of="t-1")
    assert refund.refund_of == "t-1"
    with pytest.raises(ValidationError) as caught:
        _record(refund_of="t-0")
    assert (caught.value.field, caught.value.rule) == ("refund_of", "not_a_refund")


def test_a_negative_purchase_is_refused_with_a_hint() -> None:
    with pytest.raises(InvalidMoneyError) as caught:
        _record(amount=Money("-288.00"))
    assert (caught.value.field, caught.value.rule) == ("amount", "negative_amount")
    assert "kind=REFUND" in str(caught.value)


def test_a_negative_refund_is_refused_too() -> None:
    with pytest.raises(InvalidMoneyError) as caught:
        _record(amount=Money("-288.00"), kind=ConsumptionKind.REFUND)
    assert caught.value.rule == "negative_amount"
    assert "positive amount" in str(caught.value)


@pytest.mark.parametrize("amount", [288.0, 0.1])
def test_a_float_amount_is_refused(amount: float) -> None:
    with pytest.raises(InvalidMoneyError) as caught:
        _record(amount=amount)
    assert (caught.value.field, caught.value.rule) == ("amount", "not_exact")


@pytest.mark.parametrize("amount", [Decimal("288.00"), 288, "288.00", None])
def test_an_amount_without_a_currency_is_refused(amount: object) -> None:
    with pytest.raises(InvalidMoneyError) as caught:
        _record(amount=amount)
    assert caught.value.rule == "not_money"


def test_money_itself_refuses_floats() -> None:
    with pytest.raises(InvalidMoneyError):
        Money(288.0)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        _record(at=datetime(2026, 3, 1, 10))  # noqa: DTZ001 - the point
    assert caught.value.field == "at"


@pytest.mark.parametrize("kind", ["sale", "Refunded", 3])
def test_an_unknown_kind_is_refused(kind: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _record(kind=kind)
    assert (caught.value.field, caught.value.rule) == ("kind", "unknown_choice")


def test_every_record_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        _record(id="", service="", amount=-1.5, at=datetime(2026, 3, 1))  # noqa: DTZ001
    assert set(caught.value.fields) == {"id", "service", "amount", "at"}


def _visit(**changes: object) -> ServiceRecord:
    fields: dict[str, object] = {
        "id": "s-1",
        "customer_id": "c-001",
        "at": T0,
        "service": "facial",
        "staff_id": "st-7",
        "notes": "used the sensitive-skin serum",
        "effect": "redness gone next day",
    }
    fields.update(changes)
    return ServiceRecord(**fields)  # type: ignore[arg-type]


def test_a_service_record_keeps_what_was_done() -> None:
    visit = _visit()
    assert (visit.service, visit.staff_id) == ("facial", "st-7")
    assert visit.effect == "redness gone next day"
    assert _visit(notes="", effect="").notes == ""


def test_a_service_record_repr_hides_notes_and_effect() -> None:
    shown = repr(_visit())
    assert "serum" not in shown
    assert "redness" not in shown
    assert "notes=<29 chars>" in shown


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("staff_id", "", "empty"),
        ("service", None, "not_a_string"),
        ("notes", None, "not_a_string"),
        ("at", datetime(2026, 3, 1), "naive_datetime"),  # noqa: DTZ001 - the point
    ],
)
def test_bad_service_records_get_typed_errors(field: str, value: object, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _visit(**{field: value})
    assert (caught.value.field, caught.value.rule) == (field, rule)
