"""SQLite adapters of the customers ports: profiles, consumption and service records."""

from __future__ import annotations

from decimal import Decimal
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
from clubrules.storage._sqlite_db import (
    decode_at,
    decode_date,
    decode_phone,
    decode_set,
    encode_date,
    encode_instant,
    encode_set,
    encode_zone,
    window_bounds,
)
from clubrules.storage._trusted import trusted

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from clubrules.storage._sqlite_db import SQLiteDatabase

_GENDERS = {g.value: g for g in Gender}
_KINDS = {k.value: k for k in ConsumptionKind}

__all__ = ["SQLiteConsumptionRepository", "SQLiteCustomerRepository"]

_CUSTOMER_COLUMNS = (
    "id, name, registered_at_us, registered_at_tz, phone_e164, gender, birthday, occupation,"
    " email, wechat, tags, needs, health, allergies, beauty_needs"
)
_CUSTOMER_SELECT = f"SELECT {_CUSTOMER_COLUMNS} FROM customers"  # noqa: S608 - constant
_CUSTOMER_UPDATE = (
    "UPDATE customers SET name = ?, registered_at_us = ?, registered_at_tz = ?, phone_e164 = ?,"
    " gender = ?,"
    " birthday = ?, occupation = ?, email = ?, wechat = ?, tags = ?, needs = ?, health = ?,"
    " allergies = ?, beauty_needs = ? WHERE id = ?"
)


def _sealed_bytes(value: Sealed | None) -> bytes | None:
    # Only the ciphertext reaches the database; the column refuses anything but a BLOB.
    return None if value is None else value.ciphertext


def _customer_row(customer: Customer) -> tuple[Any, ...]:
    return (
        customer.id,
        customer.name,
        encode_instant(customer.registered_at),
        encode_zone(customer.registered_at),
        None if customer.phone is None else customer.phone.e164,
        customer.gender.value,
        encode_date(customer.birthday),
        customer.occupation,
        customer.email,
        customer.wechat,
        encode_set(customer.tags),
        encode_set(customer.needs),
        _sealed_bytes(customer.health),
        _sealed_bytes(customer.allergies),
        _sealed_bytes(customer.beauty_needs),
    )


def _customer(row: Sequence[Any]) -> Customer:
    # A row clubrules wrote from a validated Customer: built without re-validating.
    return trusted(
        Customer,
        (
            row[0],
            row[1],
            decode_at(row[2], row[3]),
            decode_phone(row[4]),
            _GENDERS[row[5]],
            decode_date(row[6]),
            row[7],
            row[8],
            row[9],
            decode_set(row[10]),
            decode_set(row[11]),
            None if row[12] is None else Sealed(row[12]),
            None if row[13] is None else Sealed(row[13]),
            None if row[14] is None else Sealed(row[14]),
        ),
    )


class SQLiteCustomerRepository:
    """Customer profiles in SQLite: one row per customer, sealed fields as ciphertext BLOBs.

    Implements [CustomerRepository][clubrules.customers.ports.CustomerRepository].
    `add` is one `INSERT ... ON CONFLICT DO NOTHING` and `update` one
    `UPDATE`, each atomic on its own; the phone index is an SQL index on the
    E.164 column.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def add(self, customer: Customer) -> None:
        """Store a new customer; `DuplicateError` if the id is taken."""
        row = _customer_row(customer)
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO customers ({_CUSTOMER_COLUMNS})"  # noqa: S608 - constant columns
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                row,
            )
            if cursor.rowcount == 0:
                raise DuplicateError(f"customer {customer.id!r} already exists")

    def get(self, customer_id: str) -> Customer:
        """The customer with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(f"{_CUSTOMER_SELECT} WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            raise NotFoundError("customer", customer_id)
        return _customer(row)

    def update(self, customer: Customer) -> None:
        """Replace the stored profile; `NotFoundError` if the id is unknown."""
        row = _customer_row(customer)
        with self._db.connection() as conn:
            cursor = conn.execute(_CUSTOMER_UPDATE, (*row[1:], row[0]))
            if cursor.rowcount == 0:
                raise NotFoundError("customer", customer.id)

    def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        """The customers with this phone number, ordered by id."""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"{_CUSTOMER_SELECT} WHERE phone_e164 = ? ORDER BY id", (phone.e164,)
            ).fetchall()
        return [_customer(r) for r in rows]

    def customers(self) -> Iterator[Customer]:
        """Every customer, ordered by id (a snapshot read in one statement)."""
        with self._db.connection() as conn:
            rows = conn.execute(f"{_CUSTOMER_SELECT} ORDER BY id").fetchall()
        return (_customer(r) for r in rows)

    def __repr__(self) -> str:
        return f"SQLiteCustomerRepository({self._db.path!r})"


_RECORD_COLUMNS = "id, customer_id, at_us, at_tz, service, amount, currency, kind, refund_of"
_SERVICE_COLUMNS = "id, customer_id, at_us, at_tz, service, staff_id, notes, effect"


def _record_row(record: ConsumptionRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.customer_id,
        encode_instant(record.at),
        encode_zone(record.at),
        record.service,
        # Exact decimal text: str(Decimal) round-trips digit for digit.
        str(record.amount.amount),
        record.amount.currency,
        record.kind.value,
        record.refund_of,
    )


def _record(row: Sequence[Any]) -> ConsumptionRecord:
    # A row clubrules wrote from a validated record: built without re-validating.
    return trusted(
        ConsumptionRecord,
        (
            row[0],
            row[1],
            decode_at(row[2], row[3]),
            row[4],
            trusted(Money, (Decimal(row[5]), row[6])),
            _KINDS[row[7]],
            row[8],
        ),
    )


def _service_row(record: ServiceRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.customer_id,
        encode_instant(record.at),
        encode_zone(record.at),
        record.service,
        record.staff_id,
        record.notes,
        record.effect,
    )


def _service(row: Sequence[Any]) -> ServiceRecord:
    # A row clubrules wrote from a validated record: built without re-validating.
    return trusted(ServiceRecord, (row[0], row[1], decode_at(row[2], row[3]), *row[4:8]))


def _window_sql(
    customer_id: str | None, start: datetime | None, end: datetime | None
) -> tuple[str, list[object]]:
    window_bounds(start, end)
    clauses: list[str] = []
    params: list[object] = []
    if customer_id is not None:
        clauses.append("customer_id = ?")
        params.append(customer_id)
    if start is not None:
        clauses.append("at_us >= ?")
        params.append(encode_instant(start))
    if end is not None:
        clauses.append("at_us < ?")
        params.append(encode_instant(end))
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"{where} ORDER BY at_us, id", params


class SQLiteConsumptionRepository:
    """Consumption and service records in SQLite; idempotent adds; amounts as exact text.

    Implements [ConsumptionRepository][clubrules.customers.ports.ConsumptionRepository].
    An add is one `INSERT ... ON CONFLICT DO NOTHING`; when the id is taken
    the stored row (which never changes) is read back and compared, so a
    retried write returns False and a different record raises
    `DuplicateError`.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a record; False if already stored as is, `DuplicateError` if the id is taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO consumption_records ({_RECORD_COLUMNS})"  # noqa: S608 - constant
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                _record_row(record),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM consumption_records WHERE id = ?",  # noqa: S608
                (record.id,),
            ).fetchone()
        if row is not None and _record(row) == record:
            return False
        raise DuplicateError(f"consumption record {record.id!r} already exists with other content")

    def add_service(self, record: ServiceRecord) -> bool:
        """Store a service record; False if already stored as is, `DuplicateError` if taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO service_records ({_SERVICE_COLUMNS})"  # noqa: S608 - constant
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                _service_row(record),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                f"SELECT {_SERVICE_COLUMNS} FROM service_records WHERE id = ?",  # noqa: S608
                (record.id,),
            ).fetchone()
        if row is not None and _service(row) == record:
            return False
        raise DuplicateError(f"service record {record.id!r} already exists with other content")

    def records(
        self,
        customer_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ConsumptionRecord]:
        """Consumption records in `[start, end)`, of one customer or of all, by time then id."""
        tail, params = _window_sql(customer_id, start, end)
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM consumption_records{tail}",  # noqa: S608
                params,
            ).fetchall()
        return [_record(r) for r in rows]

    def service_records(
        self,
        customer_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ServiceRecord]:
        """The customer's service records in `[start, end)`, by time then id."""
        tail, params = _window_sql(customer_id, start, end)
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_SERVICE_COLUMNS} FROM service_records{tail}",  # noqa: S608
                params,
            ).fetchall()
        return [_service(r) for r in rows]

    def get(self, record_id: str) -> ConsumptionRecord:
        """The consumption record with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM consumption_records WHERE id = ?",  # noqa: S608
                (record_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError("consumption record", record_id)
        return _record(row)

    def __repr__(self) -> str:
        return f"SQLiteConsumptionRepository({self._db.path!r})"
