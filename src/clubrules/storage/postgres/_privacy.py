"""PostgreSQL adapters of the privacy ports: data keys, consents and the access log."""

from __future__ import annotations

from clubrules.storage._keys import keys_checked
from clubrules.storage.postgres._db import PostgresDatabase
from clubrules.storage.sql._dialect import POSTGRES
from clubrules.storage.sql._privacy import SQLAccessLog, SQLConsentStore, SQLDataKeyStore

__all__ = ["PostgresAccessLog", "PostgresConsentStore", "PostgresDataKeyStore"]


@keys_checked("DataKeyStore")
class PostgresDataKeyStore(SQLDataKeyStore[PostgresDatabase]):
    """Wrapped data keys in PostgreSQL, as bytea ciphertext; `delete` removes the row.

    Implements [DataKeyStore][clubrules.privacy.ports.DataKeyStore]. `add` is
    an atomic insert, `replace` one compare-and-swap `UPDATE`. `delete`
    commits before it returns, so every connection's next `get` sees the key
    gone. PostgreSQL keeps a deleted row's old version in the table's pages
    until `VACUUM` reclaims it, and the write-ahead log keeps the inserted row
    until its segment is recycled: schedule `VACUUM clubrules.data_keys`
    after erasures, and mind your backups and WAL archives. `erase_all`
    deletes every key of the database handle's tenant in one statement.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES


@keys_checked("ConsentStore")
class PostgresConsentStore(SQLConsentStore[PostgresDatabase]):
    """Consent records in PostgreSQL, kept forever; withdrawal updates the row in place.

    Implements [ConsentStore][clubrules.privacy.ports.ConsentStore].
    `withdraw` locks the row (`SELECT ... FOR UPDATE`) and writes in the same
    transaction, so two concurrent withdrawals keep the first time.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES


@keys_checked("AccessLog")
class PostgresAccessLog(SQLAccessLog[PostgresDatabase]):
    """The access log in PostgreSQL: one row per event, in append order (an identity key).

    Implements [AccessLog][clubrules.privacy.ports.AccessLog]. `append`
    commits before it returns.

    Args:
        database: The migrated database to use.
    """

    _dialect = POSTGRES
