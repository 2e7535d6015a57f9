"""SQLite adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING, Any

from clubrules._time import require_aware
from clubrules.customers import Sealed
from clubrules.errors import DuplicateError, NotFoundError
from clubrules.privacy import AccessEvent, ConsentRecord, Purpose
from clubrules.storage._sqlite_db import (
    decode_at,
    decode_set,
    encode_instant,
    encode_set,
    encode_zone,
    window_bounds,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from clubrules.storage._sqlite_db import SQLiteDatabase

__all__ = ["SQLiteAccessLog", "SQLiteConsentStore", "SQLiteDataKeyStore"]


class SQLiteDataKeyStore:
    """Wrapped data keys in SQLite, as ciphertext BLOBs; `delete` overwrites the row.

    Implements [DataKeyStore][clubrules.privacy.ports.DataKeyStore]. `add` is
    an atomic insert, `replace` one compare-and-swap `UPDATE`. The database
    runs with `secure_delete` on, and `delete` then checkpoints the WAL, so
    that the destroyed key does not linger in free pages or in the log
    (copies in backups are the backup's concern).

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def get(self, customer_id: str) -> Sealed | None:
        """The customer's wrapped data key, or None."""
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT wrapped FROM data_keys WHERE customer_id = ?", (customer_id,)
            ).fetchone()
        return None if row is None else Sealed(row[0])

    def add(self, customer_id: str, wrapped: Sealed) -> None:
        """Store a new wrapped key; `DuplicateError` if the customer has one."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                "INSERT INTO data_keys (customer_id, wrapped) VALUES (?, ?)"
                " ON CONFLICT (customer_id) DO NOTHING",
                (customer_id, wrapped.ciphertext),
            )
            if cursor.rowcount == 0:
                raise DuplicateError(f"customer {customer_id!r} already has a data key")

    def replace(self, customer_id: str, expected: Sealed, wrapped: Sealed) -> bool:
        """Compare-and-swap the customer's wrapped key; say whether it was swapped."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                "UPDATE data_keys SET wrapped = ? WHERE customer_id = ? AND wrapped = ?",
                (wrapped.ciphertext, customer_id, expected.ciphertext),
            )
            return cursor.rowcount == 1

    def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key; say whether there was one."""
        with self._db.connection() as conn:
            cursor = conn.execute("DELETE FROM data_keys WHERE customer_id = ?", (customer_id,))
            deleted = cursor.rowcount == 1
            if deleted:
                # Best effort: a reader elsewhere may hold the log open a little longer.
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def customer_ids(self) -> Iterator[str]:
        """Every customer with a data key (a snapshot)."""
        with self._db.connection() as conn:
            rows = conn.execute("SELECT customer_id FROM data_keys ORDER BY customer_id").fetchall()
        return iter([r[0] for r in rows])

    def __repr__(self) -> str:
        return f"SQLiteDataKeyStore({self._db.path!r})"


_CONSENT_COLUMNS = (
    "id, customer_id, purpose, scope, given_at_us, given_at_tz, separate, expires_at_us,"
    " expires_at_tz, withdrawn_at_us, withdrawn_at_tz, recipient, evidence"
)


def _instant(value: datetime | None) -> tuple[int | None, str | None]:
    return (None, None) if value is None else (encode_instant(value), encode_zone(value))


def _optional_at(us: int | None, zone: str | None) -> datetime | None:
    return None if us is None else decode_at(us, zone)


def _consent_row(record: ConsentRecord) -> tuple[Any, ...]:
    return (
        record.id,
        record.customer_id,
        record.purpose.value,
        encode_set(record.scope),
        *_instant(record.given_at),
        int(record.separate),
        *_instant(record.expires_at),
        *_instant(record.withdrawn_at),
        record.recipient,
        record.evidence,
    )


def _consent(row: Sequence[Any]) -> ConsentRecord:
    return ConsentRecord(
        id=row[0],
        customer_id=row[1],
        purpose=Purpose(row[2]),
        scope=decode_set(row[3]),
        given_at=decode_at(row[4], row[5]),
        separate=bool(row[6]),
        expires_at=_optional_at(row[7], row[8]),
        withdrawn_at=_optional_at(row[9], row[10]),
        recipient=row[11],
        evidence=row[12],
    )


class SQLiteConsentStore:
    """Consent records in SQLite, kept forever; withdrawal updates the row in place.

    Implements [ConsentStore][clubrules.privacy.ports.ConsentStore].
    `withdraw` reads and writes inside one `BEGIN IMMEDIATE` transaction, so
    two concurrent withdrawals keep the first time.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def add(self, record: ConsentRecord) -> None:
        """Store a new record; `DuplicateError` if its id is taken."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                f"INSERT INTO consents ({_CONSENT_COLUMNS})"  # noqa: S608 - constant columns
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                _consent_row(record),
            )
            if cursor.rowcount == 0:
                raise DuplicateError(f"consent {record.id!r} already exists")

    def get(self, consent_id: str) -> ConsentRecord:
        """The record with this id; `NotFoundError` if there is none."""
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT {_CONSENT_COLUMNS} FROM consents WHERE id = ?",  # noqa: S608
                (consent_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError("consent", consent_id)
        return _consent(row)

    def withdraw(self, consent_id: str, at: datetime) -> ConsentRecord:
        """Mark the record withdrawn at `at` (idempotent) and return it."""
        require_aware(at, "at")
        with self._db.transaction(immediate=True) as conn:
            row = conn.execute(
                f"SELECT {_CONSENT_COLUMNS} FROM consents WHERE id = ?",  # noqa: S608
                (consent_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError("consent", consent_id)
            stored = _consent(row)
            record = stored.withdraw(at)
            if record is not stored:
                conn.execute(
                    "UPDATE consents SET withdrawn_at_us = ?, withdrawn_at_tz = ? WHERE id = ?",
                    (*_instant(at), consent_id),
                )
        return record

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """The customer's records, oldest first (by given time, then id)."""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_CONSENT_COLUMNS} FROM consents"  # noqa: S608 - constant columns
                " WHERE customer_id = ? ORDER BY given_at_us, id",
                (customer_id,),
            ).fetchall()
        return [_consent(r) for r in rows]

    def __repr__(self) -> str:
        return f"SQLiteConsentStore({self._db.path!r})"


_EVENT_COLUMNS = "at_us, at_tz, actor, role, purpose, customer_id, field, allowed, reason"


def _event(row: Sequence[Any]) -> AccessEvent:
    return AccessEvent(
        at=decode_at(row[0], row[1]),
        actor=row[2],
        role=row[3],
        purpose=Purpose(row[4]),
        customer_id=row[5],
        field=row[6],
        allowed=bool(row[7]),
        reason=row[8],
    )


def _period(
    clauses: list[str], params: list[object], since: datetime | None, until: datetime | None
) -> None:
    window_bounds(since, until, names=("since", "until"))
    if since is not None:
        clauses.append("at_us >= ?")
        params.append(encode_instant(since))
    if until is not None:
        clauses.append("at_us < ?")
        params.append(encode_instant(until))


class SQLiteAccessLog:
    """The access log in SQLite: one row per event, in append order (an AUTOINCREMENT key).

    Implements [AccessLog][clubrules.privacy.ports.AccessLog]. `append`
    commits before it returns, with `synchronous=FULL`, so it is durable.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def append(self, event: AccessEvent) -> None:
        """Record one access event."""
        with self._db.connection() as conn:
            conn.execute(
                f"INSERT INTO access_events ({_EVENT_COLUMNS})"  # noqa: S608 - constant columns
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    encode_instant(event.at),
                    encode_zone(event.at),
                    event.actor,
                    event.role,
                    event.purpose.value,
                    event.customer_id,
                    event.field,
                    int(event.allowed),
                    event.reason,
                ),
            )

    def _select(self, clauses: list[str], params: list[object]) -> list[AccessEvent]:
        where = " AND ".join(clauses)
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM access_events"  # noqa: S608 - built from constants
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
        clauses: list[str] = ["customer_id = ?"]
        params: list[object] = [customer_id]
        if field is not None:
            clauses.append("field = ?")
            params.append(field)
        _period(clauses, params, since, until)
        return self._select(clauses, params)

    def by_actor(
        self, actor: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AccessEvent]:
        """The actor's events in `[since, until)`."""
        clauses: list[str] = ["actor = ?"]
        params: list[object] = [actor]
        _period(clauses, params, since, until)
        return self._select(clauses, params)

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events before `cutoff`; return how many."""
        require_aware(cutoff, "cutoff")
        with self._db.connection() as conn:
            cursor = conn.execute(
                "DELETE FROM access_events WHERE at_us < ?", (encode_instant(cutoff),)
            )
            return cursor.rowcount

    def __repr__(self) -> str:
        return f"SQLiteAccessLog({self._db.path!r})"
