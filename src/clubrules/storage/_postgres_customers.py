"""PostgreSQL adapters of the customers ports: profiles, consumption and service records."""

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
from clubrules.storage._sqlite_db import decode_phone, encode_zone, in_zone, window_bounds
from clubrules.storage._trusted import trusted

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from clubrules.storage._postgres_db import PostgresDatabase

_GENDERS = {g.value: g for g in Gender}
_KINDS = {k.value: k for k in ConsumptionKind}

__all__ = ["PostgresConsumptionRepository", "PostgresCustomerRepository"]

_CUSTOMER_COLUMNS = (
    "id, name, registered_at, registered_at_tz, phone_e164, gender, birthday, occupation,"
    " email, wechat, tags, needs, health, allergies, beauty_needs"
)
_CUSTOMER_SELECT = f"SELECT {_CUSTOMER_COLUMNS} FROM clubrules.customers"  # noqa: S608 - constant
_CUSTOMER_INSERT = (
    f"INSERT INTO clubrules.customers ({_CUSTOMER_COLUMNS})"  # noqa: S608 - constant columns
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::text[], %s::text[], %s, %s, %s)"
    " ON CONFLICT (id) DO NOTHING"
)
_CUSTOMER_UPDATE = (
    "UPDATE clubrules.customers SET name = %s, registered_at = %s, registered_at_tz = %s,"
    " phone_e164 = %s,"
    " gender = %s, birthday = %s, occupation = %s, email = %s, wechat = %s,"
    " tags = %s::text[], needs = %s::text[], health = %s, allergies = %s, beauty_needs = %s"
    " WHERE id = %s"
)


def _sealed_bytes(value: Sealed | None) -> bytes | None:
    # Only the ciphertext reaches the database.
    return None if value is None else value.ciphertext


def _customer_row(customer: Customer) -> tuple[Any, ...]:
    return (
        customer.id,
        customer.name,
        customer.registered_at,
        encode_zone(customer.registered_at),
        None if customer.phone is None else customer.phone.e164,
        customer.gender.value,
        customer.birthday,
        customer.occupation,
        customer.email,
        customer.wechat,
        sorted(customer.tags),
        sorted(customer.needs),
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
            in_zone(row[2], row[3]),
            decode_phone(row[4]),
            _GENDERS[row[5]],
            row[6],
            row[7],
            row[8],
            row[9],
            frozenset(row[10]),
            frozenset(row[11]),
            None if row[12] is None else Sealed(row[12]),
            None if row[13] is None else Sealed(row[13]),
            None if row[14] is None else Sealed(row[14]),
        ),
    )


class PostgresCustomerRepository:
    """Customer profiles in PostgreSQL: one row per customer, sealed fields as bytea ciphertext.

    Implements [CustomerRepository][clubrules.customers.ports.CustomerRepository].
    `add` is one `INSERT ... ON CONFLICT DO NOTHING` and `update` one
    `UPDATE`, each atomic on its own; ids sort in the `"C"` collation, by
    code point, as in Python.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def add(self, customer: Customer) -> None:
        """Store a new customer; `DuplicateError` if the id is taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(_CUSTOMER_INSERT, _customer_row(customer))
            if cursor.rowcount == 0:
                raise DuplicateError(f"customer {customer.id!r} already exists")

    def get(self, customer_id: str) -> Customer:
        """The customer with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(f"{_CUSTOMER_SELECT} WHERE id = %s", (customer_id,)).fetchone()
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
                f"{_CUSTOMER_SELECT} WHERE phone_e164 = %s ORDER BY id", (phone.e164,)
            ).fetchall()
        return [_customer(r) for r in rows]

    def customers(self) -> Iterator[Customer]:
        """Every customer, ordered by id (a snapshot read in one statement)."""
        with self._db.connection() as conn:
            rows = conn.execute(f"{_CUSTOMER_SELECT} ORDER BY id").fetchall()
        return (_customer(r) for r in rows)

    def __repr__(self) -> str:
        return f"PostgresCustomerRepository({self._db!r})"


_RECORD_COLUMNS = "id, customer_id, at, at_tz, service, amount, currency, kind, refund_of"
_SERVICE_COLUMNS = "id, customer_id, at, at_tz, service, staff_id, notes, effect"


def _record_row(record: ConsumptionRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.customer_id,
        record.at,
        encode_zone(record.at),
        record.service,
        record.amount.amount,
        record.amount.currency,
        record.kind.value,
        record.refund_of,
    )


def _record(row: Sequence[Any]) -> ConsumptionRecord:
    # A row clubrules wrote from a validated record: built without re-validating.
    amount = row[5] if isinstance(row[5], Decimal) else Decimal(row[5])
    return trusted(
        ConsumptionRecord,
        (
            row[0],
            row[1],
            in_zone(row[2], row[3]),
            row[4],
            trusted(Money, (amount, row[6])),
            _KINDS[row[7]],
            row[8],
        ),
    )


def _service(row: Sequence[Any]) -> ServiceRecord:
    # A row clubrules wrote from a validated record: built without re-validating.
    return trusted(ServiceRecord, (row[0], row[1], in_zone(row[2], row[3]), *row[4:8]))


def _window_sql(
    customer_id: str | None, start: datetime | None, end: datetime | None
) -> tuple[str, list[object]]:
    window_bounds(start, end)
    clauses: list[str] = []
    params: list[object] = []
    if customer_id is not None:
        clauses.append("customer_id = %s")
        params.append(customer_id)
    if start is not None:
        clauses.append("at >= %s")
        params.append(start)
    if end is not None:
        clauses.append("at < %s")
        params.append(end)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"{where} ORDER BY at, id", params


class PostgresConsumptionRepository:
    """Consumption and service records in PostgreSQL; idempotent adds; amounts as exact numeric.

    Implements [ConsumptionRepository][clubrules.customers.ports.ConsumptionRepository].
    An add is one `INSERT ... ON CONFLICT DO NOTHING`; when the id is taken
    the stored row (which never changes) is read back and compared, so a
    retried write returns False and a different record raises
    `DuplicateError`.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def add(self, record: ConsumptionRecord) -> bool:
        """Store a record; False if already stored as is, `DuplicateError` if the id is taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO clubrules.consumption_records ({_RECORD_COLUMNS})"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                _record_row(record),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM clubrules.consumption_records"  # noqa: S608
                " WHERE id = %s",
                (record.id,),
            ).fetchone()
        if row is not None and _record(row) == record:
            return False
        raise DuplicateError(f"consumption record {record.id!r} already exists with other content")

    def add_service(self, record: ServiceRecord) -> bool:
        """Store a service record; False if already stored as is, `DuplicateError` if taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO clubrules.service_records ({_SERVICE_COLUMNS})"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (
                    record.id,
                    record.customer_id,
                    record.at,
                    encode_zone(record.at),
                    record.service,
                    record.staff_id,
                    record.notes,
                    record.effect,
                ),
            )
            if cursor.rowcount == 1:
                return True
            row = conn.execute(
                f"SELECT {_SERVICE_COLUMNS} FROM clubrules.service_records"  # noqa: S608
                " WHERE id = %s",
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
                f"SELECT {_RECORD_COLUMNS} FROM clubrules.consumption_records{tail}",  # noqa: S608
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
                f"SELECT {_SERVICE_COLUMNS} FROM clubrules.service_records{tail}",  # noqa: S608
                params,
            ).fetchall()
        return [_service(r) for r in rows]

    def get(self, record_id: str) -> ConsumptionRecord:
        """The consumption record with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM clubrules.consumption_records"  # noqa: S608
                " WHERE id = %s",
                (record_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError("consumption record", record_id)
        return _record(row)

    def __repr__(self) -> str:
        return f"PostgresConsumptionRepository({self._db!r})"
