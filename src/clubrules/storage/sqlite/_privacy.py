"""SQLite adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

import contextlib
import sqlite3

from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sql._privacy import SQLAccessLog, SQLConsentStore, SQLDataKeyStore
from clubrules.storage.sqlite._db import SQLiteDatabase

__all__ = ["SQLiteAccessLog", "SQLiteConsentStore", "SQLiteDataKeyStore"]


class SQLiteDataKeyStore(SQLDataKeyStore[SQLiteDatabase]):
    """Wrapped data keys in SQLite, as ciphertext BLOBs; `delete` overwrites the row.

    Implements [DataKeyStore][clubrules.privacy.ports.DataKeyStore]. `add` is
    an atomic insert, `replace` one compare-and-swap `UPDATE`. The database
    runs with `secure_delete` on, and `delete` then checkpoints the WAL, so
    that the destroyed key does not linger in free pages or in the log
    (copies in backups are the backup's concern).

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE

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


class SQLiteConsentStore(SQLConsentStore[SQLiteDatabase]):
    """Consent records in SQLite, kept forever; withdrawal updates the row in place.

    Implements [ConsentStore][clubrules.privacy.ports.ConsentStore].
    `withdraw` reads and writes inside one `BEGIN IMMEDIATE` transaction, so
    two concurrent withdrawals keep the first time.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE


class SQLiteAccessLog(SQLAccessLog[SQLiteDatabase]):
    """The access log in SQLite: one row per event, in append order (an AUTOINCREMENT key).

    Implements [AccessLog][clubrules.privacy.ports.AccessLog]. `append`
    commits before it returns, with `synchronous=FULL`, so it is durable.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE
