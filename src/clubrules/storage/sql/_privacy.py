"""The privacy adapters both SQL databases share: rows, statements and method bodies.

The SQLite and PostgreSQL data-key stores, consent stores and access logs
subclass these, naming their database and `Dialect`; the SQLite key store
adds its WAL checkpoint after a delete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from clubrules._time import require_aware
from clubrules.customers import Sealed
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.privacy import AccessEvent, ConsentRecord, Purpose
from clubrules.storage._fronts import AccessLogReads
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import DB, SQLAdapter

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from clubrules.storage.sql._dialect import Dialect

__all__ = [
    "AccessLogSQL",
    "ConsentSQL",
    "DataKeySQL",
    "SQLAccessLog",
    "SQLConsentStore",
    "SQLDataKeyStore",
    "consent_taken",
    "key_taken",
]


class _PrivacyStore(SQLAdapter[DB]):
    """What the SQL privacy stores share: their statements (`_statements`, as `_q`), `tenant`."""

    _statements: ClassVar[type[Any]]
    """The class of the store's statements, made from its dialect."""
    _q: Any

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        self._q = self._statements(self._dialect)

    @property
    def tenant(self) -> str:
        """The tenant whose records this store holds: its database handle's."""
        return self._db.tenant


class DataKeySQL:
    """The data-key statements of one dialect (and tenant), for the sync and async stores."""

    __slots__ = ("add", "delete", "erase_all", "get", "ids", "replace")

    def __init__(self, d: Dialect) -> None:
        p = d.param
        table = d.table("data_keys")
        mine = f"tenant = {d.tenant}"
        self.get = f"SELECT wrapped FROM {table} WHERE {mine} AND customer_id = {p}"  # noqa: S608
        self.add = (
            f"INSERT INTO {table} (tenant, customer_id, wrapped)"  # noqa: S608 - constant
            f" VALUES ({d.tenant}, {p}, {p}) ON CONFLICT (tenant, customer_id) DO NOTHING"
        )
        self.replace = (
            f"UPDATE {table} SET wrapped = {p}"  # noqa: S608 - constant
            f" WHERE {mine} AND customer_id = {p} AND wrapped = {p}"
        )
        self.delete = f"DELETE FROM {table} WHERE {mine} AND customer_id = {p}"  # noqa: S608 - constant
        # Every key of the tenant: a bulk delete, counted by the cursor (no rows sent back).
        self.erase_all = f"DELETE FROM {table} WHERE {mine}"  # noqa: S608 - constant
        self.ids = f"SELECT customer_id FROM {table} WHERE {mine} ORDER BY customer_id"  # noqa: S608


def key_taken(customer_id: str) -> DuplicateError:
    """The error of an `add` for a customer who has a data key."""
    return DuplicateError(f"customer {customer_id!r} already has a data key")


class SQLDataKeyStore(_PrivacyStore[DB]):
    """The body of the SQL data-key stores; subclasses set `_dialect`."""

    _table_name = "data_keys"
    _statements = DataKeySQL
    _q: DataKeySQL

    def get(self, customer_id: str) -> Sealed | None:
        """The customer's wrapped data key, or None."""
        row = self._db._fetchone(self._q.get, (customer_id,))  # noqa: SLF001
        return None if row is None else Sealed(row[0])

    def add(self, customer_id: str, wrapped: Sealed) -> None:
        """Store a new wrapped key; `DuplicateError` if the customer has one."""
        params = (customer_id, wrapped.ciphertext)
        if self._db._changed(self._q.add, params) == 0:  # noqa: SLF001
            raise key_taken(customer_id)

    def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """Compare-and-swap the customer's wrapped key; say whether it was swapped."""
        params = (wrapped.ciphertext, customer_id, expected.ciphertext)
        return self._db._changed(self._q.replace, params) == 1  # noqa: SLF001

    def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key; say whether there was one."""
        return self._db._changed(self._q.delete, (customer_id,)) == 1  # noqa: SLF001

    def erase_all(self) -> int:
        """Destroy every wrapped key of this store's tenant, in one statement; how many there were.

        The keys of other tenants are untouched. `CustomerKeys.erase_tenant` calls it.
        """
        return self._db._changed(self._q.erase_all, ())  # noqa: SLF001

    def customer_ids(self) -> Iterator[str]:
        """Every customer with a data key (a snapshot)."""
        rows = self._db._fetchall(self._q.ids, ())  # noqa: SLF001
        return iter([r[0] for r in rows])

    def in_transaction(self) -> bool:
        """Whether a unit of work or the caller's transaction is open (its writes may roll back)."""
        return not self._db._owns_transaction()  # noqa: SLF001


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


class ConsentSQL:
    """The consent statements and row codec of one dialect, for the sync and async stores."""

    __slots__ = ("add", "dialect", "for_customer", "select_one", "select_to_update", "withdraw")

    def __init__(self, d: Dialect) -> None:
        p = d.param
        table = d.table("consents")
        columns = (
            f"id, customer_id, purpose, scope, given_at{d.us}, given_at_tz, separate,"
            f" expires_at{d.us}, expires_at_tz, withdrawn_at{d.us}, withdrawn_at_tz,"
            " recipient, evidence"
        )
        mine = f"tenant = {d.tenant}"
        self.dialect = d
        self.select_one = f"SELECT {columns} FROM {table} WHERE {mine} AND id = {p}"  # noqa: S608 - constant
        self.select_to_update = f"{self.select_one}{d.for_update}"
        self.add = (
            f"INSERT INTO {table} (tenant, {columns})"  # noqa: S608 - constant
            f" VALUES ({d.tenant}, {p}, {p}, {p}, {p}{d.text_array}, {d.params(9)})"
            " ON CONFLICT (tenant, id) DO NOTHING"
        )
        self.withdraw = (
            f"UPDATE {table} SET withdrawn_at{d.us} = {p},"  # noqa: S608 - constant
            f" withdrawn_at_tz = {p} WHERE {mine} AND id = {p}"
        )
        self.for_customer = (
            f"SELECT {columns} FROM {table}"  # noqa: S608 - constant
            f" WHERE {mine} AND customer_id = {p} ORDER BY given_at{d.us}, id"
        )

    def row(self, record: ConsentRecord) -> tuple[Any, ...]:
        """The parameters of `add` for `record`."""
        return _consent_row(self.dialect, record)

    def read(self, row: Sequence[Any]) -> ConsentRecord:
        """The record of a selected row."""
        return _consent(self.dialect, row)

    def withdraw_row(self, consent_id: str, at: datetime) -> tuple[Any, ...]:
        """The parameters of `withdraw`."""
        return (*_instant(self.dialect, at), consent_id)


def consent_taken(record: ConsentRecord) -> DuplicateError:
    """The error of an `add` whose consent id is taken."""
    return DuplicateError(f"consent {record.id!r} already exists")


class SQLConsentStore(_PrivacyStore[DB]):
    """The body of the SQL consent stores; subclasses set `_dialect`."""

    _statements = ConsentSQL
    _q: ConsentSQL

    def add(self, record: ConsentRecord) -> None:
        """Store a new record; `DuplicateError` if its id is taken."""
        if self._db._changed(self._q.add, self._q.row(record)) == 0:  # noqa: SLF001
            raise consent_taken(record)

    def get(self, consent_id: str) -> ConsentRecord:
        """The record with this id; `NotFoundError` if there is none."""
        row = self._db._fetchone(self._q.select_one, (consent_id,))  # noqa: SLF001
        if row is None:
            raise NotFoundError("consent", consent_id)
        return self._q.read(row)

    def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """Mark the record withdrawn at `at` (idempotent) and return it."""
        require_aware(at, "at")
        q = self._q
        # SQLite's transaction takes the write lock up front (BEGIN IMMEDIATE); PostgreSQL
        # locks the row (FOR UPDATE): either way two concurrent withdrawals keep the first.
        with self._db.transaction() as conn:
            row = conn.execute(q.select_to_update, (consent_id,)).fetchone()
            if row is None:
                raise NotFoundError("consent", consent_id)
            stored = q.read(row)
            record = stored.withdraw(at)
            if record is not stored:
                conn.execute(q.withdraw, q.withdraw_row(consent_id, at))
        return record

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, oldest first (by given time, then id)."""
        rows = self._db._fetchall(self._q.for_customer, (customer_id,))  # noqa: SLF001
        return [self._q.read(r) for r in rows]


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


class AccessLogSQL:
    """The access-log statements and row codec of one dialect, for the sync and async logs."""

    __slots__ = ("append", "columns", "dialect", "encode_bool", "encode_instant", "table")

    def __init__(self, d: Dialect) -> None:
        self.dialect = d
        self.table = d.table("access_events")
        self.columns = f"at{d.us}, at_tz, actor, role, purpose, customer_id, field, allowed, reason"
        self.encode_instant = d.encode_instant
        self.encode_bool = d.encode_bool
        self.append = (
            f"INSERT INTO {self.table} (tenant, {self.columns})"  # noqa: S608 - constant
            f" VALUES ({d.tenant}, {d.params(9)})"
        )

    def row(self, event: AccessEvent) -> tuple[Any, ...]:
        """The parameters of `append` for `event`."""
        at = event.at
        return (
            self.encode_instant(at),
            encode_zone(at),
            event.actor,
            event.role,
            event.purpose.value,
            event.customer_id,
            event.field,
            self.encode_bool(event.allowed),
            event.reason,
        )

    def select(
        self,
        clauses: list[str],
        params: list[object],
        since: datetime | None,
        until: datetime | None,
    ) -> str:
        """The query of the events matching `clauses` in `[since, until)` (adds to `params`).

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `until` is before `since`.
        """
        self.dialect.window(clauses, params, since, until, names=("since", "until"))
        where = " AND ".join(clauses)
        return (
            f"SELECT {self.columns} FROM {self.table}"  # noqa: S608 - built from constants
            f" WHERE {where} ORDER BY seq"
        )

    def for_customer(self, customer_id: str, field: str | None) -> tuple[list[str], list[object]]:
        """The clauses and parameters of a customer's (and field's) events, in the tenant."""
        d = self.dialect
        p = d.param
        clauses: list[str] = [f"tenant = {d.tenant}", f"customer_id = {p}"]
        params: list[object] = [customer_id]
        if field is not None:
            clauses.append(f"field = {p}")
            params.append(field)
        return clauses, params

    def by_actor(self, actor: str) -> tuple[list[str], list[object]]:
        """The clauses and parameters of an actor's events, in the tenant."""
        d = self.dialect
        return [f"tenant = {d.tenant}", f"actor = {d.param}"], [actor]

    def read(self, row: Sequence[Any]) -> AccessEvent:
        """The event of a selected row."""
        return _event(self.dialect, row)

    def purge(self, cutoff: datetime) -> tuple[str, tuple[object]]:
        """The statement and parameter that delete the tenant's events before `cutoff`.

        Raises:
            NaiveDatetimeError: `cutoff` is naive.
        """
        require_aware(cutoff, "cutoff")
        d = self.dialect
        query = (
            f"DELETE FROM {self.table}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND at{d.us} < {d.param}"
        )
        return query, (d.encode_instant(cutoff),)


class SQLAccessLog(_PrivacyStore[DB], AccessLogReads):
    """The body of the SQL access logs; subclasses set `_dialect`."""

    _statements = AccessLogSQL
    _q: AccessLogSQL

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        self._append_sql = self._q.append
        self._row = self._q.row

    def append(self, event: AccessEvent) -> None:
        """Record one access event."""
        # One statement, sent by `_write`: every audited read of a field pays for it.
        self._db._write(self._append_sql, self._row(event))  # noqa: SLF001

    def _select(
        self,
        clauses: list[str],
        params: list[object],
        since: datetime | None,
        until: datetime | None,
    ) -> list[AccessEvent]:
        query = self._q.select(clauses, params, since, until)
        rows = self._db._fetchall(query, params)  # noqa: SLF001
        return [self._q.read(r) for r in rows]

    def _customer_events(
        self, customer_id: str, field: str | None, since: datetime | None, until: datetime | None
    ) -> list[AccessEvent]:
        clauses, params = self._q.for_customer(customer_id, field)
        return self._select(clauses, params, since, until)

    def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """The actor's events in `[since, until)`."""
        return self._select(*self._q.by_actor(actor), since, until)

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events before `cutoff`; return how many."""
        query, params = self._q.purge(cutoff)
        return self._db._changed(query, params)  # noqa: SLF001
