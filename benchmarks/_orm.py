"""The ORM anchor of the storage suite: SQLAlchemy 2 declarative classes on clubrules' tables.

What an integrator would write instead of the library's adapters: one
mapped class per table, with the column types that give back the same
Python values the library reads (aware datetimes in their stored zone,
`Money` of a `Decimal`, enums, sealed values, frozensets of tags, a
booking's occupancy as a related collection). Two-column values (an
instant and its zone, an amount and its currency) are `composite`
attributes, as SQLAlchemy's documentation maps them.

`models(dialect)` builds the classes for SQLite (tables `clubrules_<name>`,
instants as UTC microseconds) or PostgreSQL (schema `clubrules`,
`timestamptz`, `text[]`, `tstzrange`). Every table holds many clubs: each
class maps the `tenant` column as the first part of its composite primary
key (and of the occupancy's foreign key), and the suite's queries filter on
it, as a tenant-aware application's would. `to_customer`, `to_record` and
`to_booking` turn loaded objects into the library's values, so that the
suite can check that both sides read the same data before it times them.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    TypeDecorator,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZRANGE, Range
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    composite,
    mapped_column,
    relationship,
)

from clubrules._time import to_epoch_us
from clubrules.booking import Booking, BookingStatus, Occupancy
from clubrules.complaints import CaseEvent, CaseKind, Severity
from clubrules.complaints._events import EVENT_TYPES
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Gender,
    PhoneNumber,
    Sealed,
)
from clubrules.money import Money

__all__ = ["Models", "models", "occupancy_us", "to_booking", "to_customer", "to_event", "to_record"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TSTZ = DateTime(timezone=True)


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> tzinfo:
    if name[:1] in {"+", "-"}:
        hours, minutes = name[1:].split(":")[:2]
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-offset if name[0] == "-" else offset)
    return ZoneInfo(name)


def _from_us(us: int | None, zone: str | None) -> Any:  # noqa: ANN401 - datetime, or None
    """SQLite: UTC microseconds and the stored zone as an aware datetime in that zone."""
    if us is None:
        return None
    at = _EPOCH + timedelta(microseconds=us)
    return at if zone is None else at.astimezone(_zone(zone))


def _in_zone(at: datetime | None, zone: str | None) -> Any:  # noqa: ANN401 - datetime, or None
    """PostgreSQL: a `timestamptz` and the stored zone as an aware datetime in that zone."""
    if at is None:
        return None
    return at.astimezone(UTC if zone is None else _zone(zone))


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount, currency)


@functools.lru_cache(maxsize=65536)
def _phone(e164: str) -> PhoneNumber:
    # Parsing a number costs about 20 us; cached, as the library caches it.
    return PhoneNumber(e164)


class _Phone(TypeDecorator[PhoneNumber]):
    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> PhoneNumber | None:  # noqa: ANN401, ARG002
        return None if value is None else _phone(value)


class _Sealed(TypeDecorator[Sealed]):
    impl = LargeBinary
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Sealed | None:  # noqa: ANN401, ARG002
        return None if value is None else Sealed(bytes(value))


class _JSONSet(TypeDecorator[frozenset[str]]):
    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> frozenset[str]:  # noqa: ANN401, ARG002
        return frozenset(json.loads(value))


class _ArraySet(TypeDecorator[frozenset[str]]):
    impl = ARRAY(Text)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> frozenset[str]:  # noqa: ANN401, ARG002
        return frozenset(value)


class _ISODate(TypeDecorator[date]):
    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> date | None:  # noqa: ANN401, ARG002
        return None if value is None else date.fromisoformat(value)


class _TextDecimal(TypeDecorator[Decimal]):
    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Decimal:  # noqa: ANN401, ARG002
        return Decimal(value)


def _enum(cls: type[Any]) -> SAEnum:
    # Stored by value ('female', 'purchase'), as the library stores them.
    return SAEnum(
        cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        create_constraint=False,
        validate_strings=False,
    )


@attrs.frozen
class Models:
    """The mapped classes of one dialect."""

    dialect: str
    customer: type[Any]
    record: type[Any]
    booking: type[Any]
    occupancy: type[Any]
    event: type[Any]


def models(dialect: str) -> Models:
    """Declarative classes on clubrules' tables in `dialect` ("sqlite" or "postgresql")."""
    if dialect == "sqlite":
        return _sqlite_models()
    return _postgres_models()


def _sqlite_models() -> Models:
    class Base(DeclarativeBase):
        pass

    class CustomerRow(Base):
        __tablename__ = "clubrules_customers"
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        id: Mapped[str] = mapped_column(Text, primary_key=True)
        name: Mapped[str] = mapped_column(Text)
        registered_at_us: Mapped[int] = mapped_column(Integer)
        registered_at_tz: Mapped[str | None] = mapped_column(Text)
        registered_at: Mapped[datetime] = composite(
            _from_us, "registered_at_us", "registered_at_tz"
        )
        phone: Mapped[PhoneNumber | None] = mapped_column("phone_e164", _Phone)
        gender: Mapped[Gender] = mapped_column(_enum(Gender))
        birthday: Mapped[date | None] = mapped_column(_ISODate)
        occupation: Mapped[str | None] = mapped_column(Text)
        email: Mapped[str | None] = mapped_column(Text)
        wechat: Mapped[str | None] = mapped_column(Text)
        tags: Mapped[frozenset[str]] = mapped_column(_JSONSet)
        needs: Mapped[frozenset[str]] = mapped_column(_JSONSet)
        health: Mapped[Sealed | None] = mapped_column(_Sealed)
        allergies: Mapped[Sealed | None] = mapped_column(_Sealed)
        beauty_needs: Mapped[Sealed | None] = mapped_column(_Sealed)

    class RecordRow(Base):
        __tablename__ = "clubrules_consumption_records"
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        id: Mapped[str] = mapped_column(Text, primary_key=True)
        customer_id: Mapped[str] = mapped_column(Text)
        at_us: Mapped[int] = mapped_column(Integer)
        at_tz: Mapped[str | None] = mapped_column(Text)
        at: Mapped[datetime] = composite(_from_us, "at_us", "at_tz")
        service: Mapped[str] = mapped_column(Text)
        amount_value: Mapped[Decimal] = mapped_column("amount", _TextDecimal)
        currency: Mapped[str] = mapped_column(Text)
        amount: Mapped[Money] = composite(_money, "amount_value", "currency")
        kind: Mapped[ConsumptionKind] = mapped_column(_enum(ConsumptionKind))
        refund_of: Mapped[str | None] = mapped_column(Text)

    class OccupancyRow(Base):
        __tablename__ = "clubrules_booking_occupancy"
        __table_args__ = (
            ForeignKeyConstraint(
                ["tenant", "booking_id"], ["clubrules_bookings.tenant", "clubrules_bookings.id"]
            ),
        )
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        booking_id: Mapped[str] = mapped_column(Text, primary_key=True)
        position: Mapped[int] = mapped_column(Integer, primary_key=True)
        resource: Mapped[str] = mapped_column(Text)
        start_us: Mapped[int] = mapped_column(Integer)
        end_us: Mapped[int] = mapped_column(Integer)
        units: Mapped[int] = mapped_column(Integer)
        capacity: Mapped[int] = mapped_column(Integer)
        role: Mapped[str] = mapped_column(Text)
        blocking_until_us: Mapped[int] = mapped_column(Integer)

    class BookingRow(Base):
        __tablename__ = "clubrules_bookings"
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        id: Mapped[str] = mapped_column(Text, primary_key=True)
        service: Mapped[str] = mapped_column(Text)
        start_us: Mapped[int] = mapped_column(Integer)
        start_tz: Mapped[str | None] = mapped_column(Text)
        start: Mapped[datetime] = composite(_from_us, "start_us", "start_tz")
        end_us: Mapped[int] = mapped_column(Integer)
        end_tz: Mapped[str | None] = mapped_column(Text)
        end: Mapped[datetime] = composite(_from_us, "end_us", "end_tz")
        status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus))
        headcount: Mapped[int] = mapped_column(Integer)
        customer_id: Mapped[str | None] = mapped_column(Text)
        expires_at_us: Mapped[int | None] = mapped_column(Integer)
        expires_at_tz: Mapped[str | None] = mapped_column(Text)
        expires_at: Mapped[datetime | None] = composite(_from_us, "expires_at_us", "expires_at_tz")
        late_cancel: Mapped[bool] = mapped_column(Boolean)
        confirmation_code: Mapped[str | None] = mapped_column(Text)
        idempotency_key: Mapped[str | None] = mapped_column(Text)
        taken_by: Mapped[str | None] = mapped_column(Text)
        created_at_us: Mapped[int | None] = mapped_column(Integer)
        created_at_tz: Mapped[str | None] = mapped_column(Text)
        created_at: Mapped[datetime | None] = composite(_from_us, "created_at_us", "created_at_tz")
        version: Mapped[int] = mapped_column(Integer)
        blocking_until_us: Mapped[int] = mapped_column(Integer)
        occupancy: Mapped[list[OccupancyRow]] = relationship(
            order_by=OccupancyRow.position, lazy="selectin"
        )

    class EventRow(Base):
        __tablename__ = "clubrules_complaint_events"
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        case_id: Mapped[str] = mapped_column(Text, primary_key=True)
        version: Mapped[int] = mapped_column(Integer, primary_key=True)
        type: Mapped[str] = mapped_column(Text)
        at_us: Mapped[int] = mapped_column(Integer)
        at_tz: Mapped[str | None] = mapped_column(Text)
        document: Mapped[dict[str, Any]] = mapped_column(JSON)

    return Models("sqlite", CustomerRow, RecordRow, BookingRow, OccupancyRow, EventRow)


def _postgres_models() -> Models:
    class Base(DeclarativeBase):
        pass

    schema = {"schema": "clubrules"}

    class CustomerRow(Base):
        __tablename__ = "customers"
        __table_args__ = schema
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        id: Mapped[str] = mapped_column(Text, primary_key=True)
        name: Mapped[str] = mapped_column(Text)
        registered_at_utc: Mapped[datetime] = mapped_column("registered_at", _TSTZ)
        registered_at_tz: Mapped[str | None] = mapped_column(Text)
        registered_at: Mapped[datetime] = composite(
            _in_zone, "registered_at_utc", "registered_at_tz"
        )
        phone: Mapped[PhoneNumber | None] = mapped_column("phone_e164", _Phone)
        gender: Mapped[Gender] = mapped_column(_enum(Gender))
        birthday: Mapped[date | None] = mapped_column(Date)
        occupation: Mapped[str | None] = mapped_column(Text)
        email: Mapped[str | None] = mapped_column(Text)
        wechat: Mapped[str | None] = mapped_column(Text)
        tags: Mapped[frozenset[str]] = mapped_column(_ArraySet)
        needs: Mapped[frozenset[str]] = mapped_column(_ArraySet)
        health: Mapped[Sealed | None] = mapped_column(_Sealed)
        allergies: Mapped[Sealed | None] = mapped_column(_Sealed)
        beauty_needs: Mapped[Sealed | None] = mapped_column(_Sealed)

    class RecordRow(Base):
        __tablename__ = "consumption_records"
        __table_args__ = schema
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        id: Mapped[str] = mapped_column(Text, primary_key=True)
        customer_id: Mapped[str] = mapped_column(Text)
        at_utc: Mapped[datetime] = mapped_column("at", _TSTZ)
        at_tz: Mapped[str | None] = mapped_column(Text)
        at: Mapped[datetime] = composite(_in_zone, "at_utc", "at_tz")
        service: Mapped[str] = mapped_column(Text)
        amount_value: Mapped[Decimal] = mapped_column("amount", Numeric(asdecimal=True))
        currency: Mapped[str] = mapped_column(Text)
        amount: Mapped[Money] = composite(_money, "amount_value", "currency")
        kind: Mapped[ConsumptionKind] = mapped_column(_enum(ConsumptionKind))
        refund_of: Mapped[str | None] = mapped_column(Text)

    class OccupancyRow(Base):
        __tablename__ = "booking_occupancy"
        __table_args__ = (
            ForeignKeyConstraint(
                ["tenant", "booking_id"], ["clubrules.bookings.tenant", "clubrules.bookings.id"]
            ),
            schema,
        )
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        booking_id: Mapped[str] = mapped_column(Text, primary_key=True)
        position: Mapped[int] = mapped_column(Integer, primary_key=True)
        resource: Mapped[str] = mapped_column(Text)
        during: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
        units: Mapped[int] = mapped_column(Integer)
        capacity: Mapped[int] = mapped_column(Integer)
        role: Mapped[str] = mapped_column(Text)
        blocking_until_us: Mapped[int] = mapped_column(BigInteger)
        active: Mapped[bool] = mapped_column(Boolean)

    class BookingRow(Base):
        __tablename__ = "bookings"
        __table_args__ = schema
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        id: Mapped[str] = mapped_column(Text, primary_key=True)
        service: Mapped[str] = mapped_column(Text)
        start_utc: Mapped[datetime] = mapped_column("start_at", _TSTZ)
        start_tz: Mapped[str | None] = mapped_column(Text)
        start: Mapped[datetime] = composite(_in_zone, "start_utc", "start_tz")
        end_utc: Mapped[datetime] = mapped_column("end_at", _TSTZ)
        end_tz: Mapped[str | None] = mapped_column(Text)
        end: Mapped[datetime] = composite(_in_zone, "end_utc", "end_tz")
        status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus))
        headcount: Mapped[int] = mapped_column(Integer)
        customer_id: Mapped[str | None] = mapped_column(Text)
        expires_at_utc: Mapped[datetime | None] = mapped_column("expires_at", _TSTZ)
        expires_at_tz: Mapped[str | None] = mapped_column(Text)
        expires_at: Mapped[datetime | None] = composite(_in_zone, "expires_at_utc", "expires_at_tz")
        late_cancel: Mapped[bool] = mapped_column(Boolean)
        confirmation_code: Mapped[str | None] = mapped_column(Text)
        idempotency_key: Mapped[str | None] = mapped_column(Text)
        taken_by: Mapped[str | None] = mapped_column(Text)
        created_at_utc: Mapped[datetime | None] = mapped_column("created_at", _TSTZ)
        created_at_tz: Mapped[str | None] = mapped_column(Text)
        created_at: Mapped[datetime | None] = composite(_in_zone, "created_at_utc", "created_at_tz")
        version: Mapped[int] = mapped_column(Integer)
        blocking_until_us: Mapped[int] = mapped_column(BigInteger)
        occupancy: Mapped[list[OccupancyRow]] = relationship(
            order_by=OccupancyRow.position, lazy="selectin"
        )

    class EventRow(Base):
        __tablename__ = "complaint_events"
        __table_args__ = schema
        tenant: Mapped[str] = mapped_column(Text, primary_key=True)
        case_id: Mapped[str] = mapped_column(Text, primary_key=True)
        version: Mapped[int] = mapped_column(Integer, primary_key=True)
        type: Mapped[str] = mapped_column(Text)
        at_utc: Mapped[datetime] = mapped_column("at", _TSTZ)
        at_tz: Mapped[str | None] = mapped_column(Text)
        document: Mapped[dict[str, Any]] = mapped_column(JSONB)

    return Models("postgresql", CustomerRow, RecordRow, BookingRow, OccupancyRow, EventRow)


_EVENT_CLASSES: dict[str, type[Any]] = {cls.__name__: cls for cls in EVENT_TYPES}
_EVENT_ENUMS: dict[str, type[Any]] = {"kind": CaseKind, "severity": Severity}


def to_event(type_name: str, document: dict[str, Any]) -> CaseEvent:
    """A complaint event from its loaded JSON document, as an integrator would decode it.

    Instants are `[us, zone]`, money `[amount, currency]`, enums their value
    (the library's stored form); the event's constructor checks the fields.
    """
    fields: dict[str, Any] = {}
    for name, value in document.items():
        if value is None or (name not in _EVENT_ENUMS and not isinstance(value, list)):
            fields[name] = value
        elif name in _EVENT_ENUMS:
            fields[name] = _EVENT_ENUMS[name](value)
        elif name == "compensation":
            fields[name] = Money(value[0], value[1])
        else:
            fields[name] = _from_us(value[0], value[1])
    event: CaseEvent = _EVENT_CLASSES[type_name](**fields)
    return event


def to_customer(row: Any) -> Customer:  # noqa: ANN401 - a mapped object
    """The library's value of a loaded customer (validated by its constructor)."""
    return Customer(
        id=row.id,
        name=row.name,
        registered_at=row.registered_at,
        phone=row.phone,
        gender=row.gender,
        birthday=row.birthday,
        occupation=row.occupation,
        email=row.email,
        wechat=row.wechat,
        tags=row.tags,
        needs=row.needs,
        health=row.health,
        allergies=row.allergies,
        beauty_needs=row.beauty_needs,
    )


def to_record(row: Any) -> ConsumptionRecord:  # noqa: ANN401 - a mapped object
    """The library's value of a loaded consumption record."""
    return ConsumptionRecord(
        id=row.id,
        customer_id=row.customer_id,
        at=row.at,
        service=row.service,
        amount=row.amount,
        kind=row.kind,
        refund_of=row.refund_of,
    )


def occupancy_us(row: Any) -> tuple[int, int]:  # noqa: ANN401 - a mapped object
    """A loaded occupancy row's span as UTC microseconds."""
    if hasattr(row, "during"):
        return to_epoch_us(row.during.lower), to_epoch_us(row.during.upper)
    return row.start_us, row.end_us


def to_booking(row: Any) -> Booking:  # noqa: ANN401 - a mapped object
    """The library's value of a loaded booking with its occupancy."""
    occupancy = [
        Occupancy(o.resource, *occupancy_us(o), o.units, o.capacity, o.role) for o in row.occupancy
    ]
    return Booking(
        id=row.id,
        service=row.service,
        start=row.start,
        end=row.end,
        occupancy=occupancy,
        status=row.status,
        headcount=row.headcount,
        customer_id=row.customer_id,
        expires_at=row.expires_at,
        late_cancel=row.late_cancel,
        confirmation_code=row.confirmation_code,
        idempotency_key=row.idempotency_key,
        taken_by=row.taken_by,
        created_at=row.created_at,
        version=row.version,
    )
