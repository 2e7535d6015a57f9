"""The customers adapters both SQL databases share: rows, statements and method bodies.

`SQLiteCustomerRepository` and `PostgresCustomerRepository` (and the
consumption pair) subclass these, naming their database and `Dialect`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from clubrules.money import Money
from clubrules.storage._sql_dialect import SQLAdapter, decode_decimal
from clubrules.storage._sqlite_db import decode_phone, encode_zone
from clubrules.storage._trusted import trusted

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from clubrules.storage._sql_dialect import Database, Dialect

__all__ = ["SQLConsumptionRepository", "SQLCustomerRepository"]

_GENDERS = {g.value: g for g in Gender}
_KINDS = {k.value: k for k in ConsumptionKind}


def _sealed_bytes(value: Sealed | None) -> bytes | None:
    # Only the ciphertext reaches the database (a BLOB in SQLite, bytea in PostgreSQL).
    return None if value is None else value.ciphertext


def _customer_columns(d: Dialect) -> str:
    return (
        f"id, name, registered_at{d.us}, registered_at_tz, phone_e164, gender, birthday,"
        " occupation, email, wechat, tags, needs, health, allergies, beauty_needs"
    )


def _customer_row(d: Dialect, customer: Customer) -> tuple[Any, ...]:
    return (
        customer.id,
        customer.name,
        d.encode_instant(customer.registered_at),
        encode_zone(customer.registered_at),
        None if customer.phone is None else customer.phone.e164,
        customer.gender.value,
        d.encode_date(customer.birthday),
        customer.occupation,
        customer.email,
        customer.wechat,
        d.encode_set(customer.tags),
        d.encode_set(customer.needs),
        _sealed_bytes(customer.health),
        _sealed_bytes(customer.allergies),
        _sealed_bytes(customer.beauty_needs),
    )


def _customer(d: Dialect, row: Sequence[Any]) -> Customer:
    # A row clubrules wrote from a validated Customer: built without re-validating.
    return trusted(
        Customer,
        (
            row[0],
            row[1],
            d.decode_at(row[2], row[3]),
            decode_phone(row[4]),
            _GENDERS[row[5]],
            d.decode_date(row[6]),
            row[7],
            row[8],
            row[9],
            d.decode_set(row[10]),
            d.decode_set(row[11]),
            None if row[12] is None else Sealed(row[12]),
            None if row[13] is None else Sealed(row[13]),
            None if row[14] is None else Sealed(row[14]),
        ),
    )


class SQLCustomerRepository(SQLAdapter):
    """The body of the SQL customer repositories; subclasses set `_dialect`."""

    def __init__(self, database: Database) -> None:
        d = self._dialect
        p = d.param
        columns = _customer_columns(d)
        table = d.table("customers")
        super().__init__(database)
        select = f"SELECT {columns} FROM {table}"  # noqa: S608 - constant
        self._select_by_id = f"{select} WHERE id = {p}"
        self._select_by_phone = f"{select} WHERE phone_e164 = {p} ORDER BY id"
        self._select_all = f"{select} ORDER BY id"
        self._insert = (
            f"INSERT INTO {table} ({columns})"  # noqa: S608 - constant columns
            f" VALUES ({d.params(10)}, {p}{d.text_array}, {p}{d.text_array}, {d.params(3)})"
            " ON CONFLICT (id) DO NOTHING"
        )
        self._update = (
            f"UPDATE {table} SET name = {p}, registered_at{d.us} = {p},"  # noqa: S608 - constant
            f" registered_at_tz = {p}, phone_e164 = {p}, gender = {p}, birthday = {p},"
            f" occupation = {p}, email = {p}, wechat = {p}, tags = {p}{d.text_array},"
            f" needs = {p}{d.text_array}, health = {p}, allergies = {p}, beauty_needs = {p}"
            f" WHERE id = {p}"
        )

    def add(self, customer: Customer) -> None:
        """Store a new customer; `DuplicateError` if the id is taken."""
        row = _customer_row(self._dialect, customer)
        with self._db.connection() as conn:
            cursor = conn.execute(self._insert, row)
            if cursor.rowcount == 0:
                raise DuplicateError(f"customer {customer.id!r} already exists")

    def get(self, customer_id: str) -> Customer:
        """The customer with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(self._select_by_id, (customer_id,)).fetchone()
        if row is None:
            raise NotFoundError("customer", customer_id)
        return _customer(self._dialect, row)

    def update(self, customer: Customer) -> None:
        """Replace the stored profile; `NotFoundError` if the id is unknown."""
        row = _customer_row(self._dialect, customer)
        with self._db.connection() as conn:
            cursor = conn.execute(self._update, (*row[1:], row[0]))
            if cursor.rowcount == 0:
                raise NotFoundError("customer", customer.id)

    def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        """The customers with this phone number, ordered by id."""
        with self._db.connection() as conn:
            rows = conn.execute(self._select_by_phone, (phone.e164,)).fetchall()
        return [_customer(self._dialect, r) for r in rows]

    def customers(self) -> Iterator[Customer]:
        """Every customer, ordered by id (a snapshot read in one statement)."""
        with self._db.connection() as conn:
            rows = conn.execute(self._select_all).fetchall()
        d = self._dialect
        return (_customer(d, r) for r in rows)


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


def _record(d: Dialect, row: Sequence[Any]) -> ConsumptionRecord:
    # A row clubrules wrote from a validated record: built without re-validating.
    return trusted(
        ConsumptionRecord,
        (
            row[0],
            row[1],
            d.decode_at(row[2], row[3]),
            row[4],
            trusted(Money, (decode_decimal(row[5]), row[6])),
            _KINDS[row[7]],
            row[8],
        ),
    )


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


def _service(d: Dialect, row: Sequence[Any]) -> ServiceRecord:
    # A row clubrules wrote from a validated record: built without re-validating.
    return trusted(ServiceRecord, (row[0], row[1], d.decode_at(row[2], row[3]), *row[4:8]))


class SQLConsumptionRepository(SQLAdapter):
    """The body of the SQL consumption repositories; subclasses set `_dialect`."""

    def __init__(self, database: Database) -> None:
        d = self._dialect
        super().__init__(database)
        self._records = d.table("consumption_records")
        self._services = d.table("service_records")
        self._record_columns = (
            f"id, customer_id, at{d.us}, at_tz, service, amount, currency, kind, refund_of"
        )
        self._service_columns = (
            f"id, customer_id, at{d.us}, at_tz, service, staff_id, notes, effect"
        )
        self._record_by_id = (
            f"SELECT {self._record_columns} FROM {self._records}"  # noqa: S608 - constant
            f" WHERE id = {d.param}"
        )

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a record; False if already stored as is, `DuplicateError` if the id is taken."""
        d = self._dialect
        inserted, stored = d.insert_or_read_back(
            self._db, self._records, self._record_columns, _record_row(d, record)
        )
        if inserted:
            return True
        if stored is not None and _record(d, stored) == record:
            return False
        raise DuplicateError(f"consumption record {record.id!r} already exists with other content")

    def add_service(self, record: ServiceRecord) -> bool:
        """Store a service record; False if already stored as is, `DuplicateError` if taken."""
        d = self._dialect
        row = _service_row(d, record)
        inserted, stored = d.insert_or_read_back(
            self._db, self._services, self._service_columns, row
        )
        if inserted:
            return True
        if stored is not None and _service(d, stored) == record:
            return False
        raise DuplicateError(f"service record {record.id!r} already exists with other content")

    def _in_window(
        self,
        table: str,
        columns: str,
        customer_id: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> list[Any]:
        """The rows of `table` in `[start, end)`, of one customer or of all, by time then id."""
        d = self._dialect
        clauses: list[str] = []
        params: list[object] = []
        if customer_id is not None:
            clauses.append(f"customer_id = {d.param}")
            params.append(customer_id)
        d.window(clauses, params, start, end)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.connection() as conn:
            return conn.execute(
                f"SELECT {columns} FROM {table}{where} ORDER BY at{d.us}, id",  # noqa: S608
                params,
            ).fetchall()

    def records(
        self,
        customer_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ConsumptionRecord]:
        """Consumption records in `[start, end)`, of one customer or of all, by time then id."""
        rows = self._in_window(self._records, self._record_columns, customer_id, start, end)
        d = self._dialect
        return [_record(d, r) for r in rows]

    def service_records(
        self,
        customer_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ServiceRecord]:
        """The customer's service records in `[start, end)`, by time then id."""
        rows = self._in_window(self._services, self._service_columns, customer_id, start, end)
        d = self._dialect
        return [_service(d, r) for r in rows]

    def get(self, record_id: str) -> ConsumptionRecord:
        """The consumption record with this id; `NotFoundError` if there is none."""
        d = self._dialect
        with self._db.connection() as conn:
            row = conn.execute(self._record_by_id, (record_id,)).fetchone()
        if row is None:
            raise NotFoundError("consumption record", record_id)
        return _record(d, row)
