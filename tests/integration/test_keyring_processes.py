"""One keyring file shared by several processes: rotations, retirements and counts survive.

Process A is this test; B (and C) are separate interpreters with their own
`Keyring` on the same `FileKeyProvider` file, driven one command at a time,
as other app servers would be; the `clubrules keys` command line is one
more writer.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from clubrules.errors import KeyringError
from clubrules.privacy import (
    FieldCipher,
    FileKeyProvider,
    Keyring,
    KeyStatus,
    sealed_from_text,
    sealed_key_id,
    sealed_to_text,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}

# A process with its own keyring on the file: one command a line on stdin, one answer a line.
OTHER = """
import sys
from clubrules.errors import ClubRulesError
from clubrules.privacy import FieldCipher, FileKeyProvider, Keyring
from clubrules.privacy import sealed_from_text, sealed_key_id, sealed_to_text

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}
provider = FileKeyProvider(sys.argv[1])
ring = Keyring.from_provider(provider)
cipher = FieldCipher(ring)
for line in sys.stdin:
    command, *args = line.split()
    try:
        if command == "seal":
            sealed = [cipher.seal("b", **PLACE) for _ in range(int(args[0]))]
            answer = " ".join(sealed_to_text(s) for s in sealed) or "none"
        elif command == "save":
            ring.save(provider)
            answer = "ok"
        elif command == "refresh":
            ring.refresh(provider)
            answer = "ok"
        elif command == "rotate":
            answer = str(ring.rotate().key_id)
        elif command == "retire":
            ring.retire(int(args[0]))
            answer = "ok"
        elif command == "open":
            answer = "opened " + cipher.open(sealed_from_text(args[0]), **PLACE)
        elif command == "primary":
            answer = str(ring.primary_id)
        elif command == "usage":
            answer = str(ring.usage(int(args[0])))
        elif command == "burst":
            # `rounds` times: seal `each` values and save, as fast as it can.
            rounds, each = int(args[0]), int(args[1])
            for _ in range(rounds):
                for _ in range(each):
                    cipher.seal("b", **PLACE)
                ring.save(provider)
            answer = "ok"
        else:
            answer = "unknown command"
    except ClubRulesError as error:
        answer = f"{type(error).__name__}: {error}"
    print(answer, flush=True)
"""


class Other:
    """Another process, driven one command at a time (or started on a burst and awaited)."""

    def __init__(self, keyring_file: Path) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", OTHER, str(keyring_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self("primary").isdigit()  # loaded

    def send(self, *command: str) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(" ".join(command) + "\n")
        stdin.flush()

    def answer(self) -> str:
        stdout = self.process.stdout
        assert stdout is not None
        return stdout.readline().strip()

    def __call__(self, *command: str) -> str:
        self.send(*command)
        return self.answer()

    def close(self) -> None:
        _out, err = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, err


@pytest.fixture
def keyring_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    Keyring.generate().save(FileKeyProvider(path))
    return path


@pytest.fixture
def other(keyring_file: Path) -> Iterator[Other]:
    process = Other(keyring_file)
    yield process
    process.close()


def _stored(path: Path) -> dict[int, tuple[KeyStatus, int]]:
    return {k.key_id: (k.status, k.uses) for k in FileKeyProvider(path).load_keys()}


def test_a_save_from_a_process_loaded_before_a_rotation_keeps_the_rotated_key(
    keyring_file: Path, other: Other
) -> None:
    provider = FileKeyProvider(keyring_file)
    here = Keyring.from_provider(provider)
    new = here.rotate().key_id
    here.save(provider)
    sealed = FieldCipher(here).seal("花粉过敏", **PLACE)
    # B still has key 1 as its primary; it seals and saves its counts.
    assert {sealed_key_id(sealed_from_text(t)) for t in other("seal", "2").split()} == {1}
    assert other("save") == "ok"
    # After a restart, what A sealed under the rotated key still opens.
    restarted = Keyring.from_provider(provider)
    assert FieldCipher(restarted).open(sealed, **PLACE) == "花粉过敏"
    assert _stored(keyring_file) == {1: (KeyStatus.DECRYPT_ONLY, 2), 2: (KeyStatus.PRIMARY, 0)}
    # B took the rotation in with its save: it seals under key 2 now.
    assert other("primary") == str(new)
    assert other("open", sealed_to_text(sealed)) == "opened 花粉过敏"


def test_a_stale_process_that_rotates_is_refused_and_the_file_is_left_as_it_was(
    keyring_file: Path, other: Other
) -> None:
    provider = FileKeyProvider(keyring_file)
    here = Keyring.from_provider(provider)
    here.rotate()
    here.save(provider)
    first_writer = keyring_file.read_bytes()
    assert other("rotate") == "2"  # B's own key 2, other material
    answer = other("save")
    assert answer.startswith("KeyringError: key id 2 has other material")
    assert keyring_file.read_bytes() == first_writer
    for key in FileKeyProvider(keyring_file).load_keys():
        assert base64.urlsafe_b64encode(key.material).rstrip(b"=").decode() not in answer
    assert other("refresh").startswith("KeyringError: key id 2 has other material")


def test_counts_add_up_across_two_processes_saving_under_contention(keyring_file: Path) -> None:
    provider = FileKeyProvider(keyring_file)
    base = Keyring.from_provider(provider)
    cipher = FieldCipher(base)
    for _ in range(7):
        cipher.seal("a", **PLACE)
    base.save(provider)
    b, c = Other(keyring_file), Other(keyring_file)
    try:
        b.send("burst", "200", "1")
        c.send("burst", "200", "2")
        # A seals and saves meanwhile too.
        for _ in range(50):
            cipher.seal("a", **PLACE)
            base.save(provider)
        assert b.answer() == "ok"
        assert c.answer() == "ok"
    finally:
        b.close()
        c.close()
    assert _stored(keyring_file) == {1: (KeyStatus.PRIMARY, 7 + 200 * 1 + 200 * 2 + 50)}
    assert [p.name for p in keyring_file.parent.iterdir()] == ["keys.json"]


def test_a_running_process_takes_in_a_rotation_with_refresh(
    keyring_file: Path, other: Other
) -> None:
    provider = FileKeyProvider(keyring_file)
    here = Keyring.from_provider(provider)
    cipher = FieldCipher(here)
    cipher.seal("before", **PLACE)
    assert other("rotate") == "2"
    assert other("retire", "1") == "ok"
    assert other("save") == "ok"
    old_value = sealed_from_text(other("seal", "1"))
    here.refresh(provider)
    assert here.primary_id == 2
    assert here.status(1) is KeyStatus.RETIRED
    mine = cipher.seal("after", **PLACE)
    assert sealed_key_id(mine) == 2
    assert other("open", sealed_to_text(mine)) == "opened after"
    assert cipher.open(old_value, **PLACE) == "b"
    # The use of key 1 made here before the refresh is saved with the next save.
    here.save(provider)
    assert _stored(keyring_file) == {1: (KeyStatus.RETIRED, 1), 2: (KeyStatus.PRIMARY, 1)}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "clubrules", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_keys_rotate_while_another_process_saves_loses_nothing(
    keyring_file: Path, other: Other
) -> None:
    other.send("burst", "150", "1")
    rotations = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-m", "clubrules", "keys", "rotate", "--file", str(keyring_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for rotation in rotations:
        out, err = rotation.communicate(timeout=120)
        assert rotation.returncode == 0, err
        assert "is primary" in out
    assert other.answer() == "ok"
    assert other("save") == "ok"
    stored = _stored(keyring_file)
    # Every rotation is kept (none overwrote another), and every seal is counted.
    assert sorted(stored) == [1, 2, 3, 4]
    assert [k for k, (status, _) in stored.items() if status is KeyStatus.PRIMARY] == [4]
    assert sum(uses for _, uses in stored.values()) == 150
    retired = _cli("keys", "retire", "--file", str(keyring_file), "--key-id", "1", "--json")
    assert retired.returncode == 0, retired.stderr
    assert other("refresh") == "ok"
    assert other("save") == "ok"
    assert _stored(keyring_file)[1][0] is KeyStatus.RETIRED
    before = keyring_file.read_bytes()
    primary = _cli("keys", "retire", "--file", str(keyring_file), "--key-id", "4")
    assert primary.returncode == 2
    assert primary.stderr == "clubrules: error: key 4 is the primary; rotate before retiring it\n"
    assert keyring_file.read_bytes() == before


def test_a_collision_error_in_this_process_names_the_key_only(keyring_file: Path) -> None:
    provider = FileKeyProvider(keyring_file)
    a, b = Keyring.from_provider(provider), Keyring.from_provider(provider)
    a.rotate()
    a.save(provider)
    b.rotate()
    with pytest.raises(KeyringError) as caught:
        b.save(provider)
    assert "key id 2" in str(caught.value)
    assert caught.value.__context__ is None
