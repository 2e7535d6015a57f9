"""Erasure across processes: once `erase` returns in one process, no other process opens the data.

Process A (this test) and process B (a separate Python interpreter with its
own connections and its own `CustomerKeys`, as another app server would be)
share one SQLite file or one PostgreSQL database and one KEK keyring file. B
opens a customer's value, which caches the customer's data key; A erases the
customer; B's next open must fail with `KeyringError`.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from clubrules.errors import KeyringError
from clubrules.privacy import CustomerKeys, FileKeyProvider, Keyring, sealed_to_text
from clubrules.storage.postgres import PostgresDatabase, PostgresDataKeyStore
from clubrules.storage.sqlite import SQLiteDatabase, SQLiteDataKeyStore
from tests.integration._store_process import STORE_FROM_ARGV

if TYPE_CHECKING:
    from pathlib import Path

    from clubrules.privacy.ports import DataKeyStore
    from clubrules.testing.postgres import PostgresCluster

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}

# Process B: for each sealed value read from stdin, open it with its own
# CustomerKeys and print "opened <value>" or the error's type name.
READER = (
    STORE_FROM_ARGV
    + """
keys = CustomerKeys(Keyring.from_provider(FileKeyProvider(keyring_file)), store)
place = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}
for line in sys.stdin:
    value = sealed_from_text(line.strip())
    try:
        opened = keys.cipher_for("c-1").open(value, **place)
    except ClubRulesError as error:
        print(type(error).__name__, flush=True)
    else:
        print("opened", ",".join(opened), flush=True)
db.close()
"""
)


def _erasure_reaches_the_other_process(
    kind: str, target: str, store: DataKeyStore, tmp_path: Path
) -> None:
    kek = Keyring.generate()
    keyring_file = tmp_path / "kek.json"
    kek.save(FileKeyProvider(keyring_file))
    here = CustomerKeys(kek, store)
    value = sealed_to_text(here.cipher_for("c-1", create=True).seal(["青霉素过敏"], **PLACE))
    reader = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", READER, kind, target, str(keyring_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None
    assert reader.stdout is not None

    def ask() -> str:
        assert reader.stdin is not None
        assert reader.stdout is not None
        reader.stdin.write(value + "\n")
        reader.stdin.flush()
        return reader.stdout.readline().strip()

    try:
        assert ask() == "opened 青霉素过敏"
        assert ask() == "opened 青霉素过敏"  # now from B's cache
        assert here.erase("c-1") is True
        assert ask() == "KeyringError"
        with pytest.raises(KeyringError):
            here.cipher_for("c-1")
    finally:
        _out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err


def test_an_erasure_in_one_process_reaches_another_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
        _erasure_reaches_the_other_process("sqlite", str(path), SQLiteDataKeyStore(db), tmp_path)


@pytest.mark.postgres
def test_an_erasure_in_one_process_reaches_another_on_postgres(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres_cluster.create_database("erasure")
    with PostgresDatabase(url) as db:
        db.migrate()
        _erasure_reaches_the_other_process("postgres", url, PostgresDataKeyStore(db), tmp_path)
