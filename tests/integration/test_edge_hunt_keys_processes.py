"""Edge hunt, keys: what one process does is seen by another, in real processes (spawn).

Consent withdrawn in one process refuses the next read in another; access
events appended by several processes at once are all kept; one index key
gives one index value in every process; and a process that dies while it
writes the keyring file leaves the old file whole, and its temporary file
(key material) is removed by the next writer of that keyring, and by no
writer of another keyring in the same folder.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from clubrules.cli import EXIT_OK, main
from clubrules.errors import KeyringError
from clubrules.privacy import (
    AccessEvent,
    ConsentRecord,
    FileKeyProvider,
    Keyring,
    KeyStatus,
    KeyVersion,
    Purpose,
)
from clubrules.storage.sqlite import SQLiteAccessLog, SQLiteConsentStore, SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

SPAWN = multiprocessing.get_context("spawn")
T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
INDEX_KEY = bytes(range(32))


def _read_allergies(db_path: str, keyring_path: str) -> str:
    """In another process: one audited read of c-1's allergies; what came of it."""
    from clubrules.errors import ClubRulesError  # noqa: PLC0415 - in the child
    from clubrules.privacy import CustomerKeys, PrivacyVault, RolePolicy  # noqa: PLC0415
    from clubrules.storage.sqlite import SQLiteDataKeyStore  # noqa: PLC0415
    from clubrules.testing import ManualClock  # noqa: PLC0415

    db = SQLiteDatabase(db_path)
    vault = PrivacyVault(
        keys=CustomerKeys(
            Keyring.from_provider(FileKeyProvider(keyring_path)), SQLiteDataKeyStore(db)
        ),
        policy=RolePolicy.salon_default(),
        consents=SQLiteConsentStore(db),
        log=SQLiteAccessLog(db),
        clock=ManualClock(T0 + timedelta(hours=1)),
    )
    sealed = vault.seal("c-1", "allergies", ["pollen"])
    try:
        value = vault.open(
            sealed,
            customer_id="c-1",
            field="allergies",
            actor="st-2",
            role="beautician",
            purpose=Purpose.SERVICE_DELIVERY,
        )
    except ClubRulesError as error:
        return type(error).__name__
    return f"opened {value.reveal()}"


def _append(db_path: str, actor: str, count: int) -> None:
    log = SQLiteAccessLog(SQLiteDatabase(db_path))
    for n in range(count):
        log.append(
            AccessEvent(
                at=T0 + timedelta(seconds=n),
                actor=actor,
                role="therapist",
                purpose=Purpose.SERVICE_DELIVERY,
                customer_id="c-1",
                field="phone",
                allowed=True,
                reason="ok",
            )
        )


def _index_values(phones: list[str]) -> list[int]:
    from clubrules.privacy import BlindIndex, IndexKind  # noqa: PLC0415 - in the child

    index = BlindIndex(INDEX_KEY, field="phone", kind=IndexKind.PHONE, bits=40)
    return [index.of(phone) for phone in phones]


def _die_while_writing(keyring_path: str) -> None:
    """Write a new keyring, and die (no clean-up) as its bytes are being made durable."""

    def die(_fd: object) -> None:
        os._exit(3)

    pytest.MonkeyPatch().setattr(os, "fsync", die)
    FileKeyProvider(keyring_path).save_keys([KeyVersion.generate(7)])


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    path = str(tmp_path / "club.db")
    SQLiteDatabase(path).migrate()
    return path


def test_consent_withdrawn_in_one_process_refuses_the_next_read_in_another(
    tmp_path: Path, db_path: str
) -> None:
    keyring_path = str(tmp_path / "keys.json")
    Keyring.generate().save(FileKeyProvider(keyring_path))
    consents = SQLiteConsentStore(SQLiteDatabase(db_path))
    consents.add(
        ConsentRecord(
            id="k-1",
            customer_id="c-1",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=T0 - timedelta(days=1),
            separate=True,
        )
    )
    with SPAWN.Pool(1) as pool:
        assert pool.apply(_read_allergies, (db_path, keyring_path)) == "opened ['pollen']"
        consents.withdraw("k-1", T0)
        assert pool.apply(_read_allergies, (db_path, keyring_path)) == "ConsentRequiredError"
    events = SQLiteAccessLog(SQLiteDatabase(db_path)).for_customer("c-1")
    assert [(e.allowed, e.reason) for e in events] == [(True, "allowed"), (False, "no_consent")]


def test_access_events_appended_by_several_processes_at_once_are_all_kept(db_path: str) -> None:
    actors = [f"st-{n}" for n in range(4)]
    with SPAWN.Pool(len(actors)) as pool:
        pool.starmap(_append, [(db_path, actor, 150) for actor in actors])
    log = SQLiteAccessLog(SQLiteDatabase(db_path))
    assert len(log.for_customer("c-1")) == 600
    for actor in actors:
        # Each process's events, all there and in the order it appended them.
        assert [e.at for e in log.by_actor(actor)] == [
            T0 + timedelta(seconds=n) for n in range(150)
        ]


def test_one_index_key_gives_one_index_value_in_every_process() -> None:
    full_width = "+" + "8613900001111".translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    phones = ["+8613812345678", "138 1234 5678", full_width, "13900001111"]
    with SPAWN.Pool(2) as pool:
        first, second = pool.map(_index_values, [phones, phones])
    assert first == second == _index_values(phones)
    assert first[0] == first[1]
    assert first[2] == first[3]


def test_a_process_that_dies_while_writing_the_keyring_leaves_the_old_file_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys.json"
    ring = Keyring.generate()
    ring.save(FileKeyProvider(path))
    before = path.read_bytes()
    child = SPAWN.Process(target=_die_while_writing, args=(str(path),))
    child.start()
    child.join(120)
    assert child.exitcode == 3
    assert path.read_bytes() == before
    loaded = FileKeyProvider(path).load_keys()
    assert [(k.key_id, k.status) for k in loaded] == [(1, KeyStatus.PRIMARY)]
    assert loaded[0].material == ring.keys[0].material
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


# --- a writer killed mid-write leaves key material that the next writer removes -------


def _leftovers(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(".keyring-"))


def _kill_while_writing(path: Path) -> Path:
    """Kill a child process as it writes `path`; the temporary file it left behind."""
    before = set(_leftovers(path.parent))
    child = SPAWN.Process(target=_die_while_writing, args=(str(path),))
    child.start()
    child.join(120)
    assert child.exitcode == 3
    [left] = set(_leftovers(path.parent)) - before
    # What the fix is about: key material, readable by its owner, left next to the keyring.
    assert stat.S_IMODE(left.stat().st_mode) == 0o600
    assert '"material"' in left.read_text(encoding="utf-8")
    return left


def _save_keys(path: Path) -> None:
    FileKeyProvider(path).save_keys([KeyVersion.generate(1)])


def _update_keys(path: Path) -> None:
    FileKeyProvider(path).update_keys(lambda keys: keys)


def _keyring_save(path: Path) -> None:
    Keyring.from_provider(FileKeyProvider(path)).save(FileKeyProvider(path))


def _cli_rotate(path: Path) -> None:
    assert main(["keys", "rotate", "--file", str(path)]) == EXIT_OK


def _cli_retire(path: Path) -> None:
    assert main(["keys", "rotate", "--file", str(path)]) == EXIT_OK
    assert main(["keys", "retire", "--file", str(path), "--key-id", "1"]) == EXIT_OK


WRITERS: dict[str, Callable[[Path], None]] = {
    "save_keys": _save_keys,
    "update_keys": _update_keys,
    "Keyring.save": _keyring_save,
    "keys rotate": _cli_rotate,
    "keys retire": _cli_retire,
}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_the_next_writer_removes_what_a_killed_writer_left_and_only_of_its_keyring(
    tmp_path: Path, writer: Callable[[Path], None]
) -> None:
    mine, other = tmp_path / "keys.json", tmp_path / "keys.json.old"
    for path in (mine, other):
        Keyring.generate().save(FileKeyProvider(path))
    mine_left = _kill_while_writing(mine)
    other_left = _kill_while_writing(other)
    writer(mine)
    assert not mine_left.exists()
    assert _leftovers(tmp_path) == [other_left]  # another keyring's: not this writer's to remove
    FileKeyProvider(mine).load_keys()  # the new file is whole
    FileKeyProvider(other).update_keys(lambda keys: keys)
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json", "keys.json.old"]


def test_a_writer_that_is_refused_still_removes_what_a_killed_writer_left(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys.json"
    Keyring.generate().save(FileKeyProvider(path))
    before = path.read_bytes()
    left = _kill_while_writing(path)

    def refuse(_keys: list[KeyVersion]) -> list[KeyVersion]:
        raise KeyringError("changed my mind")

    with pytest.raises(KeyringError):
        FileKeyProvider(path).update_keys(refuse)
    assert not left.exists()
    assert path.read_bytes() == before
