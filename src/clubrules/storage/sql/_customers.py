"""The customers adapters both SQL databases share: rows, statements and method bodies.

`SQLiteCustomerRepository` and `PostgresCustomerRepository` (and the
consumption pair) subclass these, naming their database and `Dialect`.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from clubrules._time import EPOCH, ONE_US
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Gender,
    PhoneNumber,
    Sealed,
    ServiceRecord,
)
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.storage._fronts import ConsumptionReads
from clubrules.storage.sql._adds import settle_add
from clubrules.storage.sql._codecs import (
    ZONE_EPOCHS,
    decode_at,
    decode_phone,
    decode_set,
    encode_set,
    encode_zone,
    zone_epoch_of,
)
from clubrules.storage.sql._dialect import DB, MONEY_BY_TEXT, SQLAdapter, money_from_text
from clubrules.storage.sql._rows import row_builder, slot_setters

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from datetime import datetime

    from clubrules.storage.sql._dialect import Dialect

__all__ = ["CustomerSQL", "SQLConsumptionRepository", "SQLCustomerRepository"]

_GENDERS = {g.value: g for g in Gender}
_KINDS = {k.value: k for k in ConsumptionKind}


def _customer_columns(d: Dialect) -> str:
    return (
        f"id, name, registered_at{d.us}, registered_at_tz, phone_e164, gender, birthday,"
        " occupation, email, wechat, tags, needs, health, allergies, beauty_needs"
    )


def _customer_read_columns(d: Dialect) -> str:
    # As `_customer_columns`, read as SQLite stores them: the instant as UTC
    # microseconds, the sets as JSON text (see `Dialect.select_us`).
    return (
        f"id, name, {d.select_us('registered_at')}, registered_at_tz, phone_e164, gender,"
        f" birthday, occupation, email, wechat, {d.select_set('tags')},"
        f" {d.select_set('needs')}, health, allergies, beauty_needs"
    )


def _customer_row(d: Dialect, customer: Customer) -> tuple[Any, ...]:
    at = customer.registered_at
    birthday = customer.birthday
    phone = customer.phone
    health = customer.health
    allergies = customer.allergies
    beauty_needs = customer.beauty_needs
    encode_set_ = _set_text if d.encode_set is encode_set else d.encode_set
    return (
        customer.id,
        customer.name,
        d.encode_instant(at),
        encode_zone(at),
        None if phone is None else phone.e164,
        customer.gender.value,
        None if birthday is None else d.encode_date(birthday),
        customer.occupation,
        customer.email,
        customer.wechat,
        encode_set_(customer.tags),
        encode_set_(customer.needs),
        # Only the ciphertext reaches the database (a BLOB in SQLite, bytea in PostgreSQL).
        None if health is None else health.ciphertext,
        None if allergies is None else allergies.ciphertext,
        None if beauty_needs is None else beauty_needs.ciphertext,
    )


def _set_text(values: frozenset[str]) -> str:
    """`encode_set` (a sorted JSON array's text), written out for tags that need no escape."""
    # A fast path: two `json.dumps` calls were a fifth of the Python work of adding a customer.
    if not values:
        return "[]"
    items = sorted(values)
    for item in items:
        # JSON escapes only quotes, backslashes and control characters (never printable).
        if '"' in item or "\\" in item or not item.isprintable():
            return encode_set(items)
    return '["' + '", "'.join(items) + '"]'


# Values read back from rows clubrules wrote from validated values: built
# without re-validating, one positional argument per field (see `sql._rows`).
_new_customer = row_builder(Customer)
_RECORD_SETTERS = slot_setters(
    ConsumptionRecord, ("id", "customer_id", "at", "service", "amount", "kind", "refund_of")
)
_new_service = row_builder(ServiceRecord)
_new_sealed = row_builder(Sealed)


def _customer_reader(d: Dialect) -> Callable[[Sequence[Any]], Customer]:
    """The decoder of `_customer_read_columns` rows in dialect `d` (made once per adapter)."""
    decode_date = d.decode_date
    genders = _GENDERS
    new = _new_customer
    sealed = _new_sealed

    def read(row: Sequence[Any]) -> Customer:
        (
            id_,
            name,
            at,
            zone,
            phone,
            gender,
            birthday,
            occupation,
            email,
            wechat,
            tags,
            needs,
            health,
            allergies,
            beauty_needs,
        ) = row
        return new(
            id_,
            name,
            decode_at(at, zone),
            None if phone is None else decode_phone(phone),
            genders[gender],
            None if birthday is None else decode_date(birthday),
            occupation,
            email,
            wechat,
            decode_set(tags),
            decode_set(needs),
            None if health is None else sealed(health),
            None if allergies is None else sealed(allergies),
            None if beauty_needs is None else sealed(beauty_needs),
        )

    return read


class CustomerSQL:
    """The customer statements and row codec of one dialect, for the sync and async adapters."""

    __slots__ = (
        "dialect",
        "insert",
        "read",
        "select_all",
        "select_by_id",
        "select_by_phone",
        "update",
    )

    def __init__(self, d: Dialect) -> None:
        p = d.param
        columns = _customer_columns(d)
        table = d.table("customers")
        self.dialect = d
        self.read = _customer_reader(d)
        # Every statement keeps to the dialect's tenant: its rows, and its keys.
        select = (
            f"SELECT {_customer_read_columns(d)} FROM {table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant}"
        )
        self.select_by_id = f"{select} AND id = {p}"
        self.select_by_phone = f"{select} AND phone_e164 = {p} ORDER BY id"
        self.select_all = f"{select} ORDER BY id"
        self.insert = (
            f"INSERT INTO {table} (tenant, {columns})"  # noqa: S608 - constant columns
            f" VALUES ({d.tenant}, {d.params(10)}, {p}{d.text_array}, {p}{d.text_array},"
            f" {d.params(3)}) ON CONFLICT (tenant, id) DO NOTHING"
        )
        self.update = (
            f"UPDATE {table} SET name = {p}, registered_at{d.us} = {p},"  # noqa: S608 - constant
            f" registered_at_tz = {p}, phone_e164 = {p}, gender = {p}, birthday = {p},"
            f" occupation = {p}, email = {p}, wechat = {p}, tags = {p}{d.text_array},"
            f" needs = {p}{d.text_array}, health = {p}, allergies = {p}, beauty_needs = {p}"
            f" WHERE tenant = {d.tenant} AND id = {p}"
        )

    def insert_row(self, customer: Customer) -> tuple[Any, ...]:
        """The parameters of `insert` for `customer`."""
        return _customer_row(self.dialect, customer)

    def update_row(self, customer: Customer) -> tuple[Any, ...]:
        """The parameters of `update` for `customer` (the id last)."""
        row = _customer_row(self.dialect, customer)
        return (*row[1:], row[0])


class SQLCustomerRepository(SQLAdapter[DB]):
    """The body of the SQL customer repositories; subclasses set `_dialect`."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        self._q = CustomerSQL(self._dialect)

    def add(self, customer: Customer) -> None:
        """Store a new customer; `DuplicateError` if the id is taken."""
        row = self._q.insert_row(customer)
        if self._db._changed(self._q.insert, row) == 0:  # noqa: SLF001
            raise DuplicateError(f"customer {customer.id!r} already exists")

    def get(self, customer_id: str) -> Customer:
        """The customer with this id; `NotFoundError` if there is none."""
        row = self._db._fetchone(self._q.select_by_id, (customer_id,))  # noqa: SLF001
        if row is None:
            raise NotFoundError("customer", customer_id)
        return self._q.read(row)

    def update(self, customer: Customer) -> None:
        """Replace the stored profile; `NotFoundError` if the id is unknown."""
        row = self._q.update_row(customer)
        if self._db._changed(self._q.update, row) == 0:  # noqa: SLF001
            raise NotFoundError("customer", customer.id)

    def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        """The customers with this phone number, ordered by id."""
        rows = self._db._fetchall(self._q.select_by_phone, (phone.e164,))  # noqa: SLF001
        return list(map(self._q.read, rows))

    def customers(self) -> Iterator[Customer]:
        """Every customer, ordered by id (a snapshot read in one statement)."""
        rows = self._db._fetchall(self._q.select_all, ())  # noqa: SLF001
        return map(self._q.read, rows)


def _record_row(d: Dialect, record: ConsumptionRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.customer_id,
        d.encode_instant(record.at),
        encode_zone(record.at),
        record.service,
        d.encode_decimal(record.amount.amount),
        record.amount.currency,
        record.kind.value,
        record.refund_of,
    )


# PostgreSQL's binary form of a `timestamptz` (its `send` function, as the binary wire
# protocol carries it): a big-endian int64 of microseconds since 2000-01-01 00:00 UTC.
# Computing it costs the server a fraction of the exact `extract(epoch ...)` numeric, and
# its 8 bytes come back as `bytes` through psycopg's text transfer (bytea's hex form).
_BINARY_AT = "pg_catalog.timestamptz_send(at)"
_INT64 = struct.Struct("!q").unpack
_Y2K_US = 946_684_800_000_000  # 2000-01-01 00:00 UTC in microseconds since the Unix epoch


def _read_records(
    rows: Iterable[Sequence[Any]], customer_id: str | None = None, *, binary_at: bool = False
) -> list[ConsumptionRecord]:
    """Records from rows of `_record_reads` (instants in microseconds, amounts as text).

    With `customer_id`, the rows are those of `_customer_record_reads`, which
    leave the customer's id out: every record gets `customer_id` itself.
    With `binary_at` as well, each instant is PostgreSQL's binary form of a
    `timestamptz` (8 bytes, see `_BINARY_AT`).
    """
    # `decode_at`, `money_from_text` and the builder written out (a third of a window's
    # decoding): only a zone or an amount not seen before takes a call. An instant in a
    # zone is `fromutc` of the epoch in that zone plus the delta (see `ZONE_EPOCHS`).
    set_id, set_customer, set_at, set_service, set_amount, set_kind, set_refund = _RECORD_SETTERS
    new = object.__new__
    cls = ConsumptionRecord
    kinds = _KINDS
    moneys = MONEY_BY_TEXT
    epochs = ZONE_EPOCHS
    records: list[ConsumptionRecord] = []
    append = records.append
    y2k = _Y2K_US
    int64 = _INT64
    customer = customer_id
    for row in rows:
        if customer_id is None:
            id_, customer, at, zone, service, amount, currency, kind, refund_of = row
        else:  # a customer's window: the rows without the id the statement already matched
            id_, at, zone, service, amount, currency, kind, refund_of = row
        if binary_at:
            at = int64(at)[0] + y2k  # the instant, as UTC microseconds
        record = new(cls)
        set_id(record, id_)
        set_customer(record, customer)
        if zone is None:
            set_at(record, EPOCH + ONE_US * at)
        else:
            epoch, fromutc = epochs.get(zone) or zone_epoch_of(zone)
            set_at(record, fromutc(epoch + ONE_US * at))
        set_service(record, service)
        set_amount(record, moneys.get((amount, currency)) or money_from_text(amount, currency))
        set_kind(record, kinds[kind])
        set_refund(record, refund_of)
        append(record)
    return records


def _service_row(d: Dialect, record: ServiceRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.customer_id,
        d.encode_instant(record.at),
        encode_zone(record.at),
        record.service,
        record.staff_id,
        record.notes,
        record.effect,
    )


def _read_services(rows: Iterable[Sequence[Any]]) -> list[ServiceRecord]:
    """Service records from rows of `_service_reads` (instants in microseconds)."""
    new = _new_service
    return [
        new(id_, customer_id, decode_at(at, zone), service, staff_id, notes, effect)
        for id_, customer_id, at, zone, service, staff_id, notes, effect in rows
    ]


class SQLConsumptionRepository(SQLAdapter[DB], ConsumptionReads):
    """The body of the SQL consumption repositories; subclasses set `_dialect`."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        self._records = d.table("consumption_records")
        self._services = d.table("service_records")
        self._record_columns = (
            f"id, customer_id, at{d.us}, at_tz, service, amount, currency, kind, refund_of"
        )
        self._service_columns = (
            f"id, customer_id, at{d.us}, at_tz, service, staff_id, notes, effect"
        )
        # What the reads select: instants as UTC microseconds, amounts as exact
        # text, in both databases, for one decoder of each (see `Dialect.select_us`).
        at_us = d.select_us("at")
        self._record_reads = (
            f"id, customer_id, {at_us}, at_tz, service, amount{d.exact_text}, currency, kind,"
            " refund_of"
        )
        # A customer's window leaves the customer's id out: the statement matched it already.
        # Its instants come from PostgreSQL in their binary form (see `_BINARY_AT`).
        self._binary_at = not d.us  # a `timestamptz` column, not UTC microseconds
        self._customer_record_reads = (
            f"id, {_BINARY_AT if self._binary_at else at_us}, at_tz, service,"
            f" amount{d.exact_text}, currency, kind, refund_of"
        )
        self._service_reads = f"id, customer_id, {at_us}, at_tz, service, staff_id, notes, effect"
        self._record_by_id = (
            f"SELECT {self._record_reads} FROM {self._records}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND id = {d.param}"
        )

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a record; False if already stored as is, `DuplicateError` if the id is taken."""
        d = self._dialect
        row = _record_row(d, record)
        outcome = d.insert_or_read_back(
            self._db, self._records, self._record_columns, row, read_columns=self._record_reads
        )
        return settle_add(
            outcome, record, lambda stored: _read_records((stored,))[0], "consumption record"
        )

    def add_service(self, record: ServiceRecord) -> bool:
        """Store a service record; False if already stored as is, `DuplicateError` if taken."""
        d = self._dialect
        row = _service_row(d, record)
        outcome = d.insert_or_read_back(
            self._db, self._services, self._service_columns, row, read_columns=self._service_reads
        )
        return settle_add(
            outcome, record, lambda stored: _read_services((stored,))[0], "service record"
        )

    def _window_records(
        self, customer_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[ConsumptionRecord]:
        if customer_id.__class__ is str:
            # Fewer values to send and load a row; every record shares the caller's id
            # (the `"C"`/binary collation matches the stored id only when equal).
            rows = self._in_window(
                self._records,
                self._customer_record_reads,
                "customer_id",
                customer_id,
                start=start,
                end=end,
            )
            return _read_records(rows, customer_id, binary_at=self._binary_at)
        rows = self._in_window(
            self._records, self._record_reads, "customer_id", customer_id, start=start, end=end
        )
        return _read_records(rows)

    def _window_service_records(
        self, customer_id: str, start: datetime | None, end: datetime | None
    ) -> list[ServiceRecord]:
        rows = self._in_window(
            self._services, self._service_reads, "customer_id", customer_id, start=start, end=end
        )
        return _read_services(rows)

    def get(self, record_id: str) -> ConsumptionRecord:
        """The consumption record with this id; `NotFoundError` if there is none."""
        row = self._db._fetchone(self._record_by_id, (record_id,))  # noqa: SLF001
        if row is None:
            raise NotFoundError("consumption record", record_id)
        return _read_records((row,))[0]
