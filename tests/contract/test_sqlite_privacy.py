"""The SQLite privacy adapters pass the privacy contract suites."""

from __future__ import annotations

import pickle
import sqlite3
from typing import TYPE_CHECKING

import pytest

from clubrules.errors import DecryptionError, ErasureNotFinalError, KeyringError, StorageError
from clubrules.privacy import CustomerKeys, Keyring, sealed_to_bytes
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteConsentStore,
    SQLiteDatabase,
    SQLiteDataKeyStore,
)
from clubrules.testing.contracts import (
    AccessLogContract,
    ConsentStoreContract,
    DataKeyStoreContract,
)

if TYPE_CHECKING:
    from pathlib import Path

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}


class TestSQLiteAccessLog(AccessLogContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteAccessLog:
        return SQLiteAccessLog(sqlite_database)


class TestSQLiteConsentStore(ConsentStoreContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteConsentStore:
        return SQLiteConsentStore(sqlite_database)


class TestSQLiteDataKeyStore(DataKeyStoreContract):
    @pytest.fixture
    def repository(self, sqlite_database: SQLiteDatabase) -> SQLiteDataKeyStore:
        return SQLiteDataKeyStore(sqlite_database)


# --- erasure leaves no copy of the key in the database files ----------------------


def _files_holding(directory: Path, secret: bytes) -> list[str]:
    """The database files (`club.db`, `-wal`, `-shm`) whose bytes contain `secret`."""
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.name.startswith("club.db") and secret in p.read_bytes()
    )


def _wrapped_bytes(store: SQLiteDataKeyStore, customer_id: str) -> bytes:
    wrapped = store.get(customer_id)
    assert wrapped is not None
    return sealed_to_bytes(wrapped)


def test_an_erased_key_is_in_none_of_the_database_files(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        store = SQLiteDataKeyStore(db)
        keys = CustomerKeys(Keyring.generate(), store)
        for customer_id in ("c-1", "c-2", "c-3"):
            keys.cipher_for(customer_id, create=True)
        erased = _wrapped_bytes(store, "c-2")
        kept = _wrapped_bytes(store, "c-1")
        assert keys.erase("c-2") is True
        assert _files_holding(tmp_path, erased) == []  # while the database is still open
        assert _files_holding(tmp_path, kept) != []
        with db.connection() as conn:
            assert conn.execute("PRAGMA secure_delete").fetchone() == (1,)


def test_an_erasure_a_reader_holds_back_is_reported_and_finished_later(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path, timeout=0.3) as db:
        db.migrate()
        store = SQLiteDataKeyStore(db)
        keys = CustomerKeys(Keyring.generate(), store)
        sealed = keys.cipher_for("c-1", create=True).seal("花粉", **PLACE)
        wrapped = _wrapped_bytes(store, "c-1")
        # Another connection (a backup job, another process) holds a read transaction
        # for longer than the database's timeout: the checkpoint cannot finish.
        reader = sqlite3.connect(path, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM clubrules_data_keys").fetchone()
            with pytest.raises(ErasureNotFinalError) as caught:
                keys.erase("c-1")
            assert caught.value.customer_id == "c-1"
            assert isinstance(caught.value, StorageError)
            # Not final on disk, but the key is gone for every reader already.
            with pytest.raises(KeyringError):
                keys.cipher_for("c-1")
            with pytest.raises(KeyringError):
                CustomerKeys(keys.kek, SQLiteDataKeyStore(db)).cipher_for("c-1")
            with pytest.raises(ErasureNotFinalError):
                keys.erase("c-1")  # still held back
        finally:
            reader.execute("COMMIT")
            reader.close()
        assert keys.erase("c-1") is False  # finishes the purge; there was no key left
        assert _files_holding(tmp_path, wrapped) == []
        with pytest.raises(DecryptionError):
            keys.cipher_for("c-1", create=True).open(sealed, **PLACE)


def test_erasure_not_final_error_pickles_and_names_no_key() -> None:
    error = ErasureNotFinalError("c-1", "a reader held the log")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (type(copy), copy.customer_id, copy.reason) == (
        ErasureNotFinalError,
        "c-1",
        error.reason,
    )
    assert "erase again" in str(error)


def test_an_erasure_inside_a_unit_of_work_is_purged_after_its_commit(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        store = SQLiteDataKeyStore(db)
        keys = CustomerKeys(Keyring.generate(), store)
        keys.cipher_for("c-1", create=True)
        wrapped = _wrapped_bytes(store, "c-1")
        with db.unit_of_work() as conn:
            conn.execute("CREATE TABLE erasure_requests (customer_id TEXT)")
            conn.execute("INSERT INTO erasure_requests VALUES ('c-1')")
            assert keys.erase("c-1") is True  # the unit goes on: no checkpoint inside it
        assert store.get("c-1") is None
        assert _files_holding(tmp_path, wrapped) == []


def test_a_unit_of_work_that_rolls_back_keeps_the_key(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        store = SQLiteDataKeyStore(db)
        keys = CustomerKeys(Keyring.generate(), store)
        sealed = keys.cipher_for("c-1", create=True).seal("花粉", **PLACE)

        def erase_then_fail() -> None:
            with db.unit_of_work():
                keys.erase("c-1")
                raise RuntimeError("the app's own write failed")

        with pytest.raises(RuntimeError):
            erase_then_fail()
        assert keys.cipher_for("c-1").open(sealed, **PLACE) == "花粉"


def test_a_unit_of_work_whose_purge_a_reader_holds_back_says_so_after_committing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path, timeout=0.3) as db:
        db.migrate()
        store = SQLiteDataKeyStore(db)
        keys = CustomerKeys(Keyring.generate(), store)
        keys.cipher_for("c-1", create=True)
        wrapped = _wrapped_bytes(store, "c-1")
        reader = sqlite3.connect(path, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM clubrules_data_keys").fetchone()
            with pytest.raises(ErasureNotFinalError) as caught, db.unit_of_work():
                keys.erase("c-1")
            assert caught.value.customer_id == "c-1"
            assert store.get("c-1") is None  # committed: the message's "is deleted" holds
        finally:
            reader.execute("COMMIT")
            reader.close()
        assert keys.erase("c-1") is False
        assert _files_holding(tmp_path, wrapped) == []


def test_an_erasure_on_the_callers_connection_is_purged_by_checkpoint_after_commit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    try:
        db = SQLiteDatabase.from_connection(conn)
        store = SQLiteDataKeyStore(db)
        keys = CustomerKeys(Keyring.generate(), store)
        keys.cipher_for("c-1", create=True)
        conn.commit()
        wrapped = _wrapped_bytes(store, "c-1")
        assert keys.erase("c-1") is True  # inside the caller's transaction
        assert conn.in_transaction  # nothing committed for the caller
        conn.commit()
        assert db.checkpoint() is True
        assert _files_holding(tmp_path, wrapped) == []
    finally:
        conn.close()
