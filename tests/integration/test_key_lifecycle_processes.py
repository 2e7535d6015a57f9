"""Data-key lifecycle races across processes: create against erase, rotation, the revalidate window.

Process A (this test) and process B (a separate interpreter with its own
connections, keyring and `CustomerKeys`, as another app server) share one
SQLite file or one PostgreSQL database. A's store is wrapped so that B's
steps run at an exact point between two of A's store calls: the races are
the real ones, made deterministic.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from clubrules.errors import DecryptionError, KeyringError
from clubrules.privacy import (
    AsyncCustomerKeys,
    CustomerKeys,
    FileKeyProvider,
    Keyring,
    sealed_from_text,
    sealed_to_text,
)
from clubrules.storage.postgres import (
    AsyncPostgresDatabase,
    AsyncPostgresDataKeyStore,
    PostgresDatabase,
    PostgresDataKeyStore,
)
from clubrules.storage.sqlite import SQLiteDatabase, SQLiteDataKeyStore
from tests.integration._store_process import STORE_FROM_ARGV

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.customers import Sealed
    from clubrules.privacy.ports import DataKeyStore
    from clubrules.testing.postgres import PostgresCluster


def place(customer_id: str) -> dict[str, str]:
    return {"record_type": "customer", "record_id": customer_id, "field": "allergies"}


# Process B: one command a line on stdin, one answer a line on stdout.
OTHER = (
    STORE_FROM_ARGV
    + """
def load():
    return CustomerKeys(Keyring.from_provider(FileKeyProvider(keyring_file)), store)

def place(customer_id):
    return {"record_type": "customer", "record_id": customer_id, "field": "allergies"}

keys = load()
for line in sys.stdin:
    command, *args = line.split()
    try:
        if command == "create":
            keys.cipher_for(args[0], create=True)
            answer = "ok"
        elif command == "erase":
            answer = str(keys.erase(args[0]))
        elif command == "seal":
            cipher = keys.cipher_for(args[0], create=True)
            answer = sealed_to_text(cipher.seal(args[1], **place(args[0])))
        elif command == "open":
            value = sealed_from_text(args[1])
            answer = "opened " + keys.cipher_for(args[0]).open(value, **place(args[0]))
        elif command == "rewrap":
            answer = str(keys.rewrap_data_keys())
        elif command == "reload":
            keys = load()
            answer = "ok"
        else:
            answer = "unknown command"
    except ClubRulesError as error:
        answer = f"{type(error).__name__}: {error}"
    print(answer, flush=True)
db.close()
"""
)


class Other:
    """Process B, driven one command at a time."""

    def __init__(self, kind: str, target: str, keyring_file: Path) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", OTHER, kind, target, str(keyring_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def __call__(self, *command: str) -> str:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(" ".join(command) + "\n")
        stdin.flush()
        return stdout.readline().strip()

    def close(self) -> None:
        _out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err


class Hooked:
    """A's data-key store: runs the steps queued for a method just before A's call of it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.before: dict[str, list[Callable[[], object]]] = {}

    def _run(self, method: str) -> None:
        steps = self.before.get(method)
        if steps:
            steps.pop(0)()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: object) -> object:
            self._run(name)
            return method(*args)

        return call


class Timer:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Case = tuple[str, str, "DataKeyStore", "Path"]


@pytest.fixture
def sqlite_case(tmp_path: Path) -> Iterator[Case]:
    path = tmp_path / "club.db"
    with SQLiteDatabase(path) as db:
        db.migrate()
        yield "sqlite", str(path), SQLiteDataKeyStore(db), tmp_path


@pytest.fixture(scope="module")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    url = postgres_cluster.create_database("key_lifecycle")
    with PostgresDatabase(url) as db:
        db.migrate()
    return url


@pytest.fixture
def postgres_case(postgres_url: str, tmp_path: Path) -> Iterator[Case]:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("TRUNCATE clubrules.data_keys")
    with PostgresDatabase(postgres_url) as db:
        yield "postgres", postgres_url, PostgresDataKeyStore(db), tmp_path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def case(request: pytest.FixtureRequest) -> Case:
    fixture: Case = request.getfixturevalue(f"{request.param}_case")
    return fixture


def _keyring(tmp_path: Path) -> tuple[Keyring, Path]:
    kek = Keyring.generate()
    keyring_file = tmp_path / "kek.json"
    kek.save(FileKeyProvider(keyring_file))
    return kek, keyring_file


# --- create against erase ----------------------------------------------------------


def test_a_create_whose_rival_key_is_erased_before_it_is_read_makes_a_fresh_key(
    case: Case,
) -> None:
    kind, target, store, tmp_path = case
    kek, keyring_file = _keyring(tmp_path)
    other = Other(kind, target, keyring_file)
    try:
        hooked = Hooked(store)
        here = CustomerKeys(kek, hooked)

        def rival_then_erasure() -> None:
            # A has read "no key"; B makes one first (A's add then fails as a
            # duplicate), and erases it before A reads B's key.
            assert other("create", "c-1") == "ok"
            hooked.before["get"] = [lambda: other("erase", "c-1")]

        hooked.before["add"] = [rival_then_erasure]
        cipher = here.cipher_for("c-1", create=True)
        sealed = sealed_to_text(cipher.seal("花粉过敏", **place("c-1")))
        # A's key is the one stored: what A sealed opens in B, for the living key.
        assert other("open", "c-1", sealed) == "opened 花粉过敏"
        assert here.erase("c-1") is True
        assert other("open", "c-1", sealed).startswith("KeyringError")
    finally:
        other.close()


# --- rotation across processes ----------------------------------------------------------


def test_a_process_with_an_older_keyring_is_told_which_kek_it_lacks(case: Case) -> None:
    kind, target, store, tmp_path = case
    kek, keyring_file = _keyring(tmp_path)
    other = Other(kind, target, keyring_file)  # B loads the keyring now
    try:
        here = CustomerKeys(kek, store)
        sealed = sealed_to_text(here.cipher_for("c-1", create=True).seal("x", **place("c-1")))
        assert other("open", "c-1", sealed) == "opened x"
        new = kek.rotate().key_id
        kek.save(FileKeyProvider(keyring_file))
        assert here.rewrap_data_keys() == 1
        lacks = f"KeyringError: the data key of customer 'c-1' does not open: it is wrapped under key-encryption key {new}, which this keyring does not hold"  # noqa: E501
        assert other("open", "c-1", sealed).startswith(lacks)
        # B's rewrap pass with the older keyring names the key too, not an opaque failure.
        assert other("rewrap").startswith(lacks)
        assert other("reload") == "ok"
        assert other("open", "c-1", sealed) == "opened x"
    finally:
        other.close()


def test_a_key_made_by_an_older_keyring_after_the_rewrap_is_named_once_its_kek_is_retired(
    case: Case,
) -> None:
    kind, target, store, tmp_path = case
    kek, keyring_file = _keyring(tmp_path)
    other = Other(kind, target, keyring_file)  # B keeps the keyring of before the rotation
    try:
        here = CustomerKeys(kek, store)
        old = kek.primary_id
        kek.rotate()
        assert here.rewrap_data_keys() == 0
        sealed = other("seal", "c-2", "y")  # B wraps c-2's new key under the old KEK
        assert here.cipher_for("c-2").open(sealed_from_text(sealed), **place("c-2")) == "y"
        kek.retire(old)
        retired = f"key-encryption key {old}, which this keyring has retired"
        with pytest.raises(KeyringError, match=retired):
            here.cipher_for("c-2")
    finally:
        other.close()


# --- the revalidate window --------------------------------------------------------------


def test_within_the_window_a_seal_never_uses_a_key_erased_in_another_process(
    case: Case,
) -> None:
    kind, target, store, tmp_path = case
    kek, keyring_file = _keyring(tmp_path)
    other = Other(kind, target, keyring_file)
    try:
        timer = Timer()
        here = CustomerKeys(kek, store, revalidate_after=30, timer=timer)
        before = here.cipher_for("c-1", create=True).seal("old", **place("c-1"))
        # Read back once: from here the window trusts the key this vault created.
        assert here.cipher_for("c-1").open(before, **place("c-1")) == "old"
        assert other("erase", "c-1") == "True"
        timer.now += 10
        # Opening may still use the cached key within the window (documented)...
        assert here.cipher_for("c-1").open(before, **place("c-1")) == "old"
        # ...but sealing reads the store: the new value is under a new key,
        # which B can open, not under the erased one, which nobody can.
        after = here.cipher_for("c-1", create=True).seal("new", **place("c-1"))
        assert other("open", "c-1", sealed_to_text(after)) == "opened new"
        # Once A has met the new key, the erased key's value no longer opens in A either.
        with pytest.raises(DecryptionError):
            here.cipher_for("c-1").open(before, **place("c-1"))
    finally:
        other.close()


# --- the async adapter ------------------------------------------------------------------


class AsyncHooked(Hooked):
    """`Hooked` for an async store."""

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def call(*args: object) -> object:
            self._run(name)
            return await method(*args)

        return call


@pytest.mark.postgres
def test_async_a_create_whose_rival_key_is_erased_before_it_is_read_makes_a_fresh_key(
    postgres_case: Case,
) -> None:
    kind, target, _store, tmp_path = postgres_case
    kek, keyring_file = _keyring(tmp_path)
    other = Other(kind, target, keyring_file)

    async def main() -> Sealed:
        async with AsyncPostgresDatabase(target) as db:
            hooked = AsyncHooked(AsyncPostgresDataKeyStore(db))
            here = AsyncCustomerKeys(kek, hooked)

            def rival_then_erasure() -> None:
                assert other("create", "c-1") == "ok"
                hooked.before["get"] = [lambda: other("erase", "c-1")]

            hooked.before["add"] = [rival_then_erasure]
            cipher = await here.cipher_for("c-1", create=True)
            return cipher.seal("花粉过敏", **place("c-1"))

    try:
        sealed = asyncio.run(main())
        assert other("open", "c-1", sealed_to_text(sealed)) == "opened 花粉过敏"
    finally:
        other.close()


@pytest.mark.postgres
def test_async_an_older_keyring_is_told_which_kek_it_lacks(postgres_case: Case) -> None:
    kind, target, store, tmp_path = postgres_case
    kek, keyring_file = _keyring(tmp_path)
    other = Other(kind, target, keyring_file)
    try:
        sealed = other("seal", "c-1", "x")
        newer = Keyring(kek.keys)
        newer.rotate()
        assert CustomerKeys(newer, store).rewrap_data_keys() == 1

        async def main() -> list[str]:
            errors = []
            async with AsyncPostgresDatabase(target) as db:
                here = AsyncCustomerKeys(kek, AsyncPostgresDataKeyStore(db))  # the older keyring
                for step in (here.cipher_for("c-1"), here.rewrap_data_keys()):
                    with pytest.raises(KeyringError) as caught:
                        await step
                    errors.append(str(caught.value))
            return errors

        for error in asyncio.run(main()):
            assert "key-encryption key 2, which this keyring does not hold" in error
        assert other("open", "c-1", sealed).startswith("KeyringError")  # B's keyring is older too
    finally:
        other.close()
