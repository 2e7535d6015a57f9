"""SQLite adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

from clubrules.errors import ErasureNotFinalError
from clubrules.storage._keys import keys_checked
from clubrules.storage.sql._dialect import SQLITE
from clubrules.storage.sql._privacy import SQLAccessLog, SQLConsentStore, SQLDataKeyStore
from clubrules.storage.sqlite._db import SQLiteDatabase, checkpoint

__all__ = ["SQLiteAccessLog", "SQLiteConsentStore", "SQLiteDataKeyStore"]

_EVERY_CUSTOMER = "*"
"""Whose key `erase_all` deleted, as its `ErasureNotFinalError` names them: every customer."""


@keys_checked("DataKeyStore")
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
    Inside a unit of work the checkpoint runs when the unit has committed
    (the unit raises `ErasureNotFinalError` after its COMMIT if it cannot
    finish). On a `from_connection` database inside your transaction it
    cannot run before your COMMIT: call
    [checkpoint][clubrules.storage.sqlite.SQLiteDatabase.checkpoint] after
    committing, until it returns True.
    Copies in backups are the backup's concern. `erase_all` does the same
    for every key of the database handle's tenant at once.

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
        return self._purged(self._q.delete, (customer_id,), customer_id) == 1

    def erase_all(self) -> int:
        """Destroy every wrapped key of this store's tenant and purge them; how many there were.

        One `DELETE` of the tenant's rows (the keys of other tenants stay),
        then the checkpoint that `delete` runs, with the same deferral in a
        unit of work or the caller's transaction. `CustomerKeys.erase_tenant`
        calls it.

        Raises:
            ErasureNotFinalError: the rows are deleted (or were already), but
                the checkpoint that purges their bytes from the files could
                not finish; erase again later. Its `customer_id` is `"*"`,
                every customer of the tenant.
        """
        return self._purged(self._q.erase_all, (), _EVERY_CUSTOMER)

    def _purged(self, statement: str, params: tuple[object, ...], customer_id: str) -> int:
        """Run a `DELETE` of wrapped keys, then purge their bytes from the files: rows deleted.

        `customer_id` names whose keys they are (`"*"`: the tenant's every
        customer), for the deferred purge and for `ErasureNotFinalError`.

        Raises:
            ErasureNotFinalError: the checkpoint that purges the files could not finish.
        """
        with self._db.connection() as conn:
            count = int(conn.execute(statement, params).rowcount)
            if self._db.defer_purge(customer_id):
                # Inside a transaction: the unit of work purges after its COMMIT;
                # on the caller's connection, the caller checkpoints after theirs.
                return count
            # Also when no row was deleted (a second call): that retries a purge left unfinished.
            unfinished = checkpoint(conn)
        if unfinished:
            raise ErasureNotFinalError(customer_id, unfinished)
        return count


@keys_checked("ConsentStore")
class SQLiteConsentStore(SQLConsentStore[SQLiteDatabase]):
    """Consent records in SQLite, kept forever; withdrawal updates the row in place.

    Implements [ConsentStore][clubrules.privacy.ports.ConsentStore].
    `withdraw` reads and writes inside one `BEGIN IMMEDIATE` transaction, so
    two concurrent withdrawals keep the first time.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE


@keys_checked("AccessLog")
class SQLiteAccessLog(SQLAccessLog[SQLiteDatabase]):
    """The access log in SQLite: one row per event, in append order (an AUTOINCREMENT key).

    Implements [AccessLog][clubrules.privacy.ports.AccessLog]. `append`
    commits before it returns, with `synchronous=FULL`, so it is durable.

    Args:
        database: The migrated database to use.
    """

    _dialect = SQLITE
