"""The privacy adapters both SQL databases share: rows, statements and method bodies.

The SQLite and PostgreSQL data-key stores, consent stores and access logs
subclass these, naming their database and `Dialect`; the SQLite key store
adds its WAL checkpoint after a delete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clubrules._time import require_aware
from clubrules.customers import Sealed
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.privacy import AccessEvent, ConsentRecord, Purpose
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import DB, SQLAdapter

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from clubrules.storage.sql._dialect import Dialect

__all__ = ["SQLAccessLog", "SQLConsentStore", "SQLDataKeyStore"]


class SQLDataKeyStore(SQLAdapter[DB]):
    """The body of the SQL data-key stores; subclasses set `_dialect`."""

    _table_name = "data_keys"

    def get(self, customer_id: str) -> Sealed | None:
        """The customer's wrapped data key, or None."""
        p = self._dialect.param
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT wrapped FROM {self._table} WHERE customer_id = {p}",  # noqa: S608
                (customer_id,),
            ).fetchone()
        return None if row is None else Sealed(row[0])

    def add(self, customer_id: str, wrapped: Sealed) -> None:
        """Store a new wrapped key; `DuplicateError` if the customer has one."""
        p = self._dialect.param
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO {self._table} (customer_id, wrapped) VALUES ({p}, {p})"  # noqa: S608
                " ON CONFLICT (customer_id) DO NOTHING",
                (customer_id, wrapped.ciphertext),
            )
            if cursor.rowcount == 0:
                raise DuplicateError(f"customer {customer_id!r} already has a data key")

    def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """Compare-and-swap the customer's wrapped key; say whether it was swapped."""
        p = self._dialect.param
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"UPDATE {self._table} SET wrapped = {p}"  # noqa: S608 - constant
                f" WHERE customer_id = {p} AND wrapped = {p}",
                (wrapped.ciphertext, customer_id, expected.ciphertext),
            )
            return cursor.rowcount == 1

    def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key; say whether there was one."""
        p = self._dialect.param
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"DELETE FROM {self._table} WHERE customer_id = {p}",  # noqa: S608 - constant
                (customer_id,),
            )
            return cursor.rowcount == 1

    def customer_ids(self) -> Iterator[str]:
        """Every customer with a data key (a snapshot)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT customer_id FROM {self._table} ORDER BY customer_id"  # noqa: S608
            ).fetchall()
        return iter([r[0] for r in rows])


def _instant(d: Dialect, value: datetime | None) -> tuple[object, str | None]:
    return (None, None) if value is None else (d.encode_instant(value), encode_zone(value))


def _optional_at(d: Dialect, value: object, zone: str | None) -> datetime | None:
    return None if value is None else d.decode_at(value, zone)


def _consent_row(d: Dialect, record: ConsentRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.customer_id,
        record.purpose.value,
        d.encode_set(record.scope),
        *_instant(d, record.given_at),
        d.encode_bool(record.separate),
        *_instant(d, record.expires_at),
        *_instant(d, record.withdrawn_at),
        record.recipient,
        record.evidence,
    )


def _consent(d: Dialect, row: Sequence[Any]) -> ConsentRecord:
    return ConsentRecord(
        id=row[0],
        customer_id=row[1],
        purpose=Purpose(row[2]),
        scope=d.decode_set(row[3]),
        given_at=d.decode_at(row[4], row[5]),
        separate=bool(row[6]),
        expires_at=_optional_at(d, row[7], row[8]),
        withdrawn_at=_optional_at(d, row[9], row[10]),
        recipient=row[11],
        evidence=row[12],
    )


class SQLConsentStore(SQLAdapter[DB]):
    """The body of the SQL consent stores; subclasses set `_dialect`."""

    _table_name = "consents"
    _column_list = (
        "id, customer_id, purpose, scope, given_at{us}, given_at_tz, separate,"
        " expires_at{us}, expires_at_tz, withdrawn_at{us}, withdrawn_at_tz, recipient, evidence"
    )

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        self._select_one = (
            f"SELECT {self._columns} FROM {self._table} WHERE id = {self._dialect.param}"  # noqa: S608
        )

    def add(self, record: ConsentRecord) -> None:
        """Store a new record; `DuplicateError` if its id is taken."""
        d = self._dialect
        p = d.param
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO {self._table} ({self._columns})"  # noqa: S608 - constant
                f" VALUES ({p}, {p}, {p}, {p}{d.text_array}, {d.params(9)})"
                " ON CONFLICT (id) DO NOTHING",
                _consent_row(d, record),
            )
            if cursor.rowcount == 0:
                raise DuplicateError(f"consent {record.id!r} already exists")

    def get(self, consent_id: str) -> ConsentRecord:
        """The record with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(self._select_one, (consent_id,)).fetchone()
        if row is None:
            raise NotFoundError("consent", consent_id)
        return _consent(self._dialect, row)

    def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """Mark the record withdrawn at `at` (idempotent) and return it."""
        require_aware(at, "at")
        d = self._dialect
        # SQLite's transaction takes the write lock up front (BEGIN IMMEDIATE); PostgreSQL
        # locks the row (FOR UPDATE): either way two concurrent withdrawals keep the first.
        with self._db.transaction() as conn:
            row = conn.execute(f"{self._select_one}{d.for_update}", (consent_id,)).fetchone()
            if row is None:
                raise NotFoundError("consent", consent_id)
            stored = _consent(d, row)
            record = stored.withdraw(at)
            if record is not stored:
                conn.execute(
                    f"UPDATE {self._table} SET withdrawn_at{d.us} = {d.param},"  # noqa: S608
                    f" withdrawn_at_tz = {d.param} WHERE id = {d.param}",
                    (*_instant(d, at), consent_id),
                )
        return record

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, oldest first (by given time, then id)."""
        d = self._dialect
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {self._columns} FROM {self._table}"  # noqa: S608 - constant
                f" WHERE customer_id = {d.param} ORDER BY given_at{d.us}, id",
                (customer_id,),
            ).fetchall()
        return [_consent(d, r) for r in rows]


def _event(d: Dialect, row: Sequence[Any]) -> AccessEvent:
    return AccessEvent(
        at=d.decode_at(row[0], row[1]),
        actor=row[2],
        role=row[3],
        purpose=Purpose(row[4]),
        customer_id=row[5],
        field=row[6],
        allowed=bool(row[7]),
        reason=row[8],
    )


class SQLAccessLog(SQLAdapter[DB]):
    """The body of the SQL access logs; subclasses set `_dialect`."""

    _table_name = "access_events"
    _column_list = "at{us}, at_tz, actor, role, purpose, customer_id, field, allowed, reason"

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        d = self._dialect
        self._encode_instant = d.encode_instant
        self._encode_bool = d.encode_bool
        self._append_sql = (
            f"INSERT INTO {self._table} ({self._columns})"  # noqa: S608 - constant
            f" VALUES ({d.params(9)})"
        )

    def append(self, event: AccessEvent) -> None:
        """Record one access event."""
        # One statement, sent by `_write`: every audited read of a field pays for it.
        at = event.at
        self._db._write(  # noqa: SLF001
            self._append_sql,
            (
                self._encode_instant(at),
                encode_zone(at),
                event.actor,
                event.role,
                event.purpose.value,
                event.customer_id,
                event.field,
                self._encode_bool(event.allowed),
                event.reason,
            ),
        )

    def _select(
        self,
        clauses: list[str],
        params: list[object],
        since: datetime | None,
        until: datetime | None,
    ) -> list[AccessEvent]:
        d = self._dialect
        d.window(clauses, params, since, until, names=("since", "until"))
        where = " AND ".join(clauses)
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {self._columns} FROM {self._table}"  # noqa: S608 - built from constants
                f" WHERE {where} ORDER BY seq",
                params,
            ).fetchall()
        return [_event(d, r) for r in rows]

    def for_customer(
        self,
        customer_id: str,
        *,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEvent]:
        """The customer's events, optionally of one field, in `[since, until)`."""
        p = self._dialect.param
        clauses: list[str] = [f"customer_id = {p}"]
        params: list[object] = [customer_id]
        if field is not None:
            clauses.append(f"field = {p}")
            params.append(field)
        return self._select(clauses, params, since, until)

    def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """The actor's events in `[since, until)`."""
        return self._select([f"actor = {self._dialect.param}"], [actor], since, until)

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events before `cutoff`; return how many."""
        require_aware(cutoff, "cutoff")
        d = self._dialect
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"DELETE FROM {self._table} WHERE at{d.us} < {d.param}",  # noqa: S608 - constant
                (d.encode_instant(cutoff),),
            )
            return cursor.rowcount
