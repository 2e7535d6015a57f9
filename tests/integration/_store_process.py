"""The start of a second process's script: the data-key store named on its command line.

The two-process privacy tests run a script with `python -c SCRIPT kind target
keyring_file`; this opens `db` and `store` on a PostgreSQL URL or a SQLite
file (`kind` is "postgres" or "sqlite") and leaves `keyring_file` for the
script's own `CustomerKeys`.
"""

from __future__ import annotations

__all__ = ["STORE_FROM_ARGV"]

STORE_FROM_ARGV = """
import sys
from clubrules.errors import ClubRulesError
from clubrules.privacy import CustomerKeys, FileKeyProvider, Keyring, sealed_from_text
from clubrules.privacy import sealed_to_text

kind, target, keyring_file = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "postgres":
    from clubrules.storage.postgres import PostgresDatabase, PostgresDataKeyStore
    db = PostgresDatabase(target)
    store = PostgresDataKeyStore(db)
else:
    from clubrules.storage.sqlite import SQLiteDatabase, SQLiteDataKeyStore
    db = SQLiteDatabase(target)
    store = SQLiteDataKeyStore(db)
"""
