"""Values the adapters read back without validation equal the validated values.

The SQLite and PostgreSQL readers build bookings, customers and records from
rows clubrules wrote, skipping the validators (`Booking._from_row`,
`Occupancy._from_row`, `clubrules.storage.sql._rows.trusted`). Built from the
fields of any valid value, they must equal it and behave like it.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import Booking, Occupancy, find_conflicts
from clubrules.customers import ConsumptionRecord, Customer, ServiceRecord
from clubrules.money import Money
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._customers import _read_records
from clubrules.storage.sql._rows import row_builder, slot_setters, trusted
from clubrules.testing.strategies import (
    booking_lists,
    bookings,
    consumption_records,
    customers,
    service_records,
)


def _fields(value: attrs.AttrsInstance) -> tuple[object, ...]:
    return tuple(getattr(value, f.name) for f in attrs.fields(type(value)) if f.init)


@given(customers())
def test_a_trusted_customer_equals_the_validated_one(customer: Customer) -> None:
    copy = trusted(Customer, _fields(customer))
    assert copy == customer
    assert repr(copy) == repr(customer)


@given(consumption_records())
def test_a_trusted_record_equals_the_validated_one(record: ConsumptionRecord) -> None:
    amount = trusted(Money, _fields(record.amount))
    fields = _fields(record)
    copy = trusted(ConsumptionRecord, (*fields[:4], amount, *fields[5:]))
    assert copy == record
    assert copy.counts_as_spend is record.counts_as_spend


@given(service_records())
def test_a_trusted_service_record_equals_the_validated_one(record: ServiceRecord) -> None:
    assert trusted(ServiceRecord, _fields(record)) == record


def _trusted_booking(b: Booking) -> Booking:
    occupancy = tuple(
        Occupancy._from_row(o.resource, o.start_us, o.end_us, o.units, o.capacity, o.role)
        for o in b.occupancy
    )
    return Booking._from_row(
        b.id,
        b.service,
        b.start,
        b.end,
        occupancy,
        b.status,
        b.headcount,
        b.customer_id,
        b.expires_at,
        b.late_cancel,
        b.confirmation_code,
        b.idempotency_key,
        b.taken_by,
        b.created_at,
        b.version,
        b.blocking_until_us,
    )


@given(bookings())
def test_a_trusted_booking_equals_the_validated_one(booking: Booking) -> None:
    copy = _trusted_booking(booking)
    assert copy == booking
    assert copy.blocking_until_us == booking.blocking_until_us
    assert copy._scan_rows() == booking._scan_rows()
    assert copy.occupancy == booking.occupancy


@given(booking_lists())
def test_trusted_bookings_scan_alike(found: list[Booking]) -> None:
    assert find_conflicts([_trusted_booking(b) for b in found]) == find_conflicts(found)


def test_a_value_with_derived_fields_is_refused() -> None:
    with pytest.raises(TypeError, match="derives"):
        trusted(Booking, ())
    with pytest.raises(TypeError, match="Money has 2 fields; got 1 values"):
        trusted(Money, ("1.00",))


def test_a_row_builder_refuses_a_row_of_another_length() -> None:
    build = row_builder(Money)
    with pytest.raises(TypeError, match="Money has 2 fields; got 3 values"):
        build("1.00", "CNY", "extra")
    with pytest.raises(TypeError, match="Money has 2 fields; got 1 values"):
        build("1.00")


@given(st.lists(consumption_records(), max_size=8))
def test_records_read_from_rows_equal_the_records_written(records: list[ConsumptionRecord]) -> None:
    # The rows `_record_row` stores (SQLite's encoding); the oracle is the record itself.
    rows = [
        (
            r.id,
            r.customer_id,
            to_epoch_us(r.at),
            encode_zone(r.at),
            r.service,
            str(r.amount.amount),
            r.amount.currency,
            r.kind.value,
            r.refund_of,
        )
        for r in records
    ]
    read = _read_records(rows)
    assert read == records
    assert [r.at.utcoffset() for r in read] == [r.at.utcoffset() for r in records]
    assert [repr(r) for r in read] == [repr(r) for r in records]


def test_slot_setters_name_every_field_in_order() -> None:
    with pytest.raises(TypeError, match="has the fields"):
        slot_setters(Money, ("currency", "amount"))
    with pytest.raises(TypeError, match="derives"):
        slot_setters(Booking, ())

    @attrs.frozen(slots=False)
    class Plain:
        a: int
        b: str

    set_a, set_b = slot_setters(Plain, ("a", "b"))
    built = object.__new__(Plain)
    set_a(built, 1)
    set_b(built, "x")
    assert built == Plain(1, "x")
