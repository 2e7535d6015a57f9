"""SQLite adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

import sqlite3

from clubrules.errors import ErasureNotFinalError
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sql._privacy import SQLAccessLog, SQLConsentStore, SQLDataKeyStore
from clubrules.storage.sqlite._db import SQLiteDatabase

__all__ = ["SQLiteAccessLog", "SQLiteConsentStore", "SQLiteDataKeyStore"]


class SQLiteDataKeyStore(SQLDataKeyStore[SQLiteDatabase]):
    """Wrapped data keys in SQLite, as ciphertext BLOBs; `delete` purges the key from the files.

    Implements [DataKeyStore][clubrules.privacy.ports.DataKeyStore]. `add` is
    an atomic insert, `replace` one compare-and-swap `UPDATE`. The database
    runs with `secure_delete` on, so a deleted row is overwritten with
    zeros. `delete` then checkpoints the write-ahead log with
    `wal_checkpoint(TRUNCATE)` and confirms it: only then are the key's
    bytes gone from `club.db`, `club.db-wal` and `club.db-shm`. While
    another connection (in any process) holds a read transaction for longer
    than the database's `timeout`, the checkpoint cannot finish: `delete`
    then raises `ErasureNotFinalError` (the row is already deleted, so the
    key no longer opens), and a later `delete` retries the checkpoint.
    Copies in backups are the backup's concern.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE

    def delete(self, customer_id: str) -> bool:
        """Destroy the customer's wrapped key, purge it from the files; say if there was one.

        Raises:
            ErasureNotFinalError: the row is deleted (or was already), but
                the checkpoint that purges its bytes from the files could not
                finish; delete again later.
        """
        with self._db.connection() as conn:
            cursor = conn.execute("DELETE FROM data_keys WHERE customer_id = ?", (customer_id,))
            deleted = cursor.rowcount == 1
            # Also on a second call for the same customer: that retries a purge left unfinished.
            unfinished = _checkpoint(conn)
        if unfinished:
            raise ErasureNotFinalError(customer_id, unfinished)
        return deleted


def _checkpoint(conn: sqlite3.Connection) -> str | None:
    """Copy the whole log into the database file and truncate it; why not, if it could not."""
    try:
        busy, log_frames, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as error:
        return f"the WAL checkpoint failed ({getattr(error, 'sqlite_errorname', 'error')})"
    # (0, 0, 0): the log was copied and truncated; (0, -1, -1): no log (an in-memory database).
    if busy or log_frames > 0:
        return "another connection is reading the SQLite database; the WAL checkpoint waited"
    return None


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
