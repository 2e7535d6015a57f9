"""PostgreSQL adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clubrules._time import require_aware
from clubrules.customers import Sealed
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.privacy import AccessEvent, ConsentRecord, Purpose
from clubrules.storage._sqlite_db import encode_zone, in_zone, window_bounds

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from clubrules.storage._postgres_db import PostgresDatabase

__all__ = ["PostgresAccessLog", "PostgresConsentStore", "PostgresDataKeyStore"]


class PostgresDataKeyStore:
    """Wrapped data keys in PostgreSQL, as bytea ciphertext; `delete` removes the row.

    Implements [DataKeyStore][clubrules.privacy.ports.DataKeyStore]. `add` is
    an atomic insert, `replace` one compare-and-swap `UPDATE`. PostgreSQL
    keeps a deleted row's old version until `VACUUM` reclaims it: schedule
    `VACUUM clubrules.data_keys` after erasures, and mind your backups.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def get(self, customer_id: str) -> Sealed | None:
        """The customer's wrapped data key, or None."""
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT wrapped FROM clubrules.data_keys WHERE customer_id = %s", (customer_id,)
            ).fetchone()
        return None if row is None else Sealed(row[0])

    def add(self, customer_id: str, wrapped: Sealed) -> None:
        """Store a new wrapped key; `DuplicateError` if the customer has one."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                "INSERT INTO clubrules.data_keys (customer_id, wrapped) VALUES (%s, %s)"
                " ON CONFLICT (customer_id) DO NOTHING",
                (customer_id, wrapped.ciphertext),
            )
            if cursor.rowcount == 0:
                raise DuplicateError(f"customer {customer_id!r} already has a data key")

    def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """Compare-and-swap the customer's wrapped key; say whether it was swapped."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                "UPDATE clubrules.data_keys SET wrapped = %s"
                " WHERE customer_id = %s AND wrapped = %s",
                (wrapped.ciphertext, customer_id, expected.ciphertext),
            )
            return cursor.rowcount == 1

    def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key; say whether there was one."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                "DELETE FROM clubrules.data_keys WHERE customer_id = %s", (customer_id,)
            )
            return cursor.rowcount == 1

    def customer_ids(self) -> Iterator[str]:
        """Every customer with a data key (a snapshot)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT customer_id FROM clubrules.data_keys ORDER BY customer_id"
            ).fetchall()
        return iter([r[0] for r in rows])

    def __repr__(self) -> str:
        return f"PostgresDataKeyStore({self._db!r})"


_CONSENT_COLUMNS = (
    "id, customer_id, purpose, scope, given_at, given_at_tz, separate, expires_at,"
    " expires_at_tz, withdrawn_at, withdrawn_at_tz, recipient, evidence"
)


def _instant(value: datetime | None) -> tuple[datetime | None, str | None]:
    return (None, None) if value is None else (value, encode_zone(value))


def _optional_at(value: datetime | None, zone: str | None) -> datetime | None:
    return None if value is None else in_zone(value, zone)


def _consent(row: Sequence[Any]) -> ConsentRecord:
    return ConsentRecord(
        id=row[0],
        customer_id=row[1],
        purpose=Purpose(row[2]),
        scope=frozenset(row[3]),
        given_at=in_zone(row[4], row[5]),
        separate=row[6],
        expires_at=_optional_at(row[7], row[8]),
        withdrawn_at=_optional_at(row[9], row[10]),
        recipient=row[11],
        evidence=row[12],
    )


class PostgresConsentStore:
    """Consent records in PostgreSQL, kept forever; withdrawal updates the row in place.

    Implements [ConsentStore][clubrules.privacy.ports.ConsentStore].
    `withdraw` locks the row (`SELECT ... FOR UPDATE`) and writes in the same
    transaction, so two concurrent withdrawals keep the first time.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def add(self, record: ConsentRecord) -> None:
        """Store a new record; `DuplicateError` if its id is taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO clubrules.consents ({_CONSENT_COLUMNS})"  # noqa: S608 - constant
                " VALUES (%s, %s, %s, %s::text[], %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (
                    record.id,
                    record.customer_id,
                    record.purpose.value,
                    sorted(record.scope),
                    *_instant(record.given_at),
                    record.separate,
                    *_instant(record.expires_at),
                    *_instant(record.withdrawn_at),
                    record.recipient,
                    record.evidence,
                ),
            )
            if cursor.rowcount == 0:
                raise DuplicateError(f"consent {record.id!r} already exists")

    def get(self, consent_id: str) -> ConsentRecord:
        """The record with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT {_CONSENT_COLUMNS} FROM clubrules.consents WHERE id = %s",  # noqa: S608
                (consent_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError("consent", consent_id)
        return _consent(row)

    def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """Mark the record withdrawn at `at` (idempotent) and return it."""
        require_aware(at, "at")
        with self._db.transaction() as conn:
            row = conn.execute(
                f"SELECT {_CONSENT_COLUMNS} FROM clubrules.consents"  # noqa: S608 - constant
                " WHERE id = %s FOR UPDATE",
                (consent_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError("consent", consent_id)
            stored = _consent(row)
            record = stored.withdraw(at)
            if record is not stored:
                conn.execute(
                    "UPDATE clubrules.consents SET withdrawn_at = %s, withdrawn_at_tz = %s"
                    " WHERE id = %s",
                    (*_instant(at), consent_id),
                )
        return record

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, oldest first (by given time, then id)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_CONSENT_COLUMNS} FROM clubrules.consents"  # noqa: S608 - constant
                " WHERE customer_id = %s ORDER BY given_at, id",
                (customer_id,),
            ).fetchall()
        return [_consent(r) for r in rows]

    def __repr__(self) -> str:
        return f"PostgresConsentStore({self._db!r})"


_EVENT_COLUMNS = "at, at_tz, actor, role, purpose, customer_id, field, allowed, reason"


def _event(row: Sequence[Any]) -> AccessEvent:
    return AccessEvent(
        at=in_zone(row[0], row[1]),
        actor=row[2],
        role=row[3],
        purpose=Purpose(row[4]),
        customer_id=row[5],
        field=row[6],
        allowed=row[7],
        reason=row[8],
    )


def _period(
    clauses: list[str], params: list[object], since: datetime | None, until: datetime | None
) -> None:
    window_bounds(since, until, names=("since", "until"))
    if since is not None:
        clauses.append("at >= %s")
        params.append(since)
    if until is not None:
        clauses.append("at < %s")
        params.append(until)


class PostgresAccessLog:
    """The access log in PostgreSQL: one row per event, in append order (an identity key).

    Implements [AccessLog][clubrules.privacy.ports.AccessLog]. `append`
    commits before it returns.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    def append(self, event: AccessEvent) -> None:
        """Record one access event."""
        with self._db.connection() as conn:
            conn.execute(
                f"INSERT INTO clubrules.access_events ({_EVENT_COLUMNS})"  # noqa: S608 - constant
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    event.at,
                    encode_zone(event.at),
                    event.actor,
                    event.role,
                    event.purpose.value,
                    event.customer_id,
                    event.field,
                    event.allowed,
                    event.reason,
                ),
            )

    def _select(self, clauses: list[str], params: list[object]) -> list[AccessEvent]:
        where = " AND ".join(clauses)
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM clubrules.access_events"  # noqa: S608
                f" WHERE {where} ORDER BY seq",
                params,
            ).fetchall()
        return [_event(r) for r in rows]

    def for_customer(
        self,
        customer_id: str,
        *,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEvent]:
        """The customer's events, optionally of one field, in `[since, until)`."""
        clauses: list[str] = ["customer_id = %s"]
        params: list[object] = [customer_id]
        if field is not None:
            clauses.append("field = %s")
            params.append(field)
        _period(clauses, params, since, until)
        return self._select(clauses, params)

    def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """The actor's events in `[since, until)`."""
        clauses: list[str] = ["actor = %s"]
        params: list[object] = [actor]
        _period(clauses, params, since, until)
        return self._select(clauses, params)

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events before `cutoff`; return how many."""
        require_aware(cutoff, "cutoff")
        with self._db.connection() as conn:
            cursor = conn.execute("DELETE FROM clubrules.access_events WHERE at < %s", (cutoff,))
            return cursor.rowcount

    def __repr__(self) -> str:
        return f"PostgresAccessLog({self._db!r})"
