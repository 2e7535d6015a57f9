"""`Keyring.save` merges with the provider's keys; `Keyring.refresh`; `FileKeyProvider.update_keys`.

Two keyrings on one provider stand for two processes that share a key file
(tests/integration/test_keyring_processes.py runs real processes). The
state machine at the end holds the merge to a slow, obvious model of the
true key history.
"""

from __future__ import annotations

import base64
import logging
import stat
import threading
from collections import Counter
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clubrules.errors import DecryptionError, KeyringError, ValidationError
from clubrules.privacy import (
    EnvKeyProvider,
    FieldCipher,
    FileKeyProvider,
    Keyring,
    KeyStatus,
    KeyVersion,
    sealed_key_id,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from clubrules.customers import Sealed

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "health"}


class MemoryProvider:
    """A provider with `load_keys` and `save_keys` only (a third party's, say)."""

    def __init__(self, keys: Sequence[KeyVersion] = ()) -> None:
        self.stored = list(keys)
        self.writes = 0

    def load_keys(self) -> list[KeyVersion]:
        return list(self.stored)

    def save_keys(self, keys: Sequence[KeyVersion]) -> None:
        self.stored = list(keys)
        self.writes += 1


class AtomicMemoryProvider(MemoryProvider):
    """A provider with `update_keys` too."""

    def __init__(self, keys: Sequence[KeyVersion] = ()) -> None:
        super().__init__(keys)
        self.updates = 0

    def update_keys(
        self, change: Callable[[list[KeyVersion]], Sequence[KeyVersion]]
    ) -> list[KeyVersion]:
        self.updates += 1
        keys = list(change(list(self.stored)))
        self.save_keys(keys)
        return keys


def _seal(ring: Keyring, n: int = 1) -> list[Sealed]:
    cipher = FieldCipher(ring)
    return [cipher.seal(f"v{i}", **PLACE) for i in range(n)]


def _statuses(keys: Sequence[KeyVersion]) -> dict[int, KeyStatus]:
    return {k.key_id: k.status for k in keys}


def _uses(keys: Sequence[KeyVersion]) -> dict[int, int]:
    return {k.key_id: k.uses for k in keys}


@pytest.fixture(params=["file", "memory", "atomic"])
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> FileKeyProvider | MemoryProvider:
    if request.param == "file":
        return FileKeyProvider(tmp_path / "keys.json")
    return MemoryProvider() if request.param == "memory" else AtomicMemoryProvider()


# --- the four holes of a save that overwrites ---------------------------------------


def test_a_save_from_a_keyring_loaded_before_a_rotation_keeps_the_rotated_key(
    provider: FileKeyProvider | MemoryProvider,
) -> None:
    Keyring.generate().save(provider)
    a, b = Keyring.from_provider(provider), Keyring.from_provider(provider)
    new = a.rotate().key_id
    a.save(provider)
    (under_new,) = _seal(a)
    _seal(b, 3)
    b.save(provider)  # b still has key 1 as its primary
    after_restart = Keyring.from_provider(provider)
    assert _statuses(after_restart.keys) == {1: KeyStatus.DECRYPT_ONLY, new: KeyStatus.PRIMARY}
    assert FieldCipher(after_restart).open(under_new, **PLACE) == "v0"
    # b now holds the merged set: it seals under the new primary.
    assert b.primary_id == new
    assert sealed_key_id(_seal(b)[0]) == new


def test_a_stale_rotation_collides_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = FileKeyProvider(path)
    Keyring.generate().save(provider)
    a, b = Keyring.from_provider(provider), Keyring.from_provider(provider)
    a.rotate()
    a.save(provider)
    before = path.read_bytes()
    mine = b.rotate()  # b's own "key 2", other material
    with pytest.raises(KeyringError, match="key id 2 has other material") as caught:
        b.save(provider)
    assert path.read_bytes() == before
    message = str(caught.value)
    assert "refresh" in message
    assert "nothing was written" in message
    for material in (mine.material, a.keys[1].material):
        assert base64.urlsafe_b64encode(material).rstrip(b"=").decode() not in message
        assert material.hex() not in message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    # b is left as it was: its own key 2 still seals there.
    assert b.primary_id == 2
    assert b.keys[1].material == mine.material
    with pytest.raises(KeyringError, match="key id 2"):
        b.refresh(provider)


def test_counts_from_two_keyrings_add_up(provider: FileKeyProvider | MemoryProvider) -> None:
    ring = Keyring.generate()
    _seal(ring, 4)
    ring.save(provider)
    a, b = Keyring.from_provider(provider), Keyring.from_provider(provider)
    for n_a, n_b in [(3, 5), (0, 2), (7, 0), (1, 1)]:
        _seal(a, n_a)
        _seal(b, n_b)
        a.save(provider)
        b.save(provider)
    total = 4 + 11 + 8
    assert _uses(provider.load_keys()) == {1: total}
    # The last to save knows every use; the other learns them at its next sync.
    assert b.usage(1) == total
    assert a.usage(1) == 4 + 11 + 7
    a.refresh(provider)
    assert a.usage(1) == total


def test_refresh_takes_in_a_rotation_and_keeps_unsaved_uses(
    provider: FileKeyProvider | MemoryProvider,
) -> None:
    Keyring.generate().save(provider)
    a, b = Keyring.from_provider(provider), Keyring.from_provider(provider)
    _seal(a, 2)
    _seal(b, 3)
    b.rotate()
    _seal(b, 4)
    b.save(provider)
    a.refresh(provider)
    assert a.primary_id == 2
    (value,) = _seal(a)
    assert sealed_key_id(value) == 2
    assert FieldCipher(b).open(value, **PLACE) == "v0"
    # a's 2 uses of key 1 and 1 of key 2 are not saved yet, but counted.
    assert (a.usage(1), a.usage(2)) == (5, 5)
    a.save(provider)
    assert _uses(provider.load_keys()) == {1: 5, 2: 5}
    if isinstance(provider, MemoryProvider):
        assert provider.writes == 3  # refresh wrote nothing


def test_a_retirement_elsewhere_is_refused_here_after_refresh(
    provider: FileKeyProvider | MemoryProvider,
) -> None:
    Keyring.generate().save(provider)
    a, b = Keyring.from_provider(provider), Keyring.from_provider(provider)
    (old,) = _seal(a)
    b.rotate()
    b.retire(1)
    b.save(provider)
    assert FieldCipher(a).open(old, **PLACE) == "v0"  # a has not heard of it yet
    a.refresh(provider)
    assert a.status(1) is KeyStatus.RETIRED
    with pytest.raises(DecryptionError):
        FieldCipher(a).open(old, **PLACE)
    # a's use of key 1, made before it learnt of the retirement, is still saved.
    a.save(provider)
    assert _uses(provider.load_keys()) == {1: 1, 2: 0}


def test_the_later_status_wins_and_one_primary_remains() -> None:
    provider = MemoryProvider()
    Keyring.generate().save(provider)
    a, b = Keyring.from_provider(provider), Keyring.from_provider(provider)
    a.rotate()
    a.rotate()  # 1 and 2 decrypt-only, 3 primary
    a.retire(1)
    a.save(provider)
    b.refresh(provider)
    assert _statuses(b.keys) == {
        1: KeyStatus.RETIRED,
        2: KeyStatus.DECRYPT_ONLY,
        3: KeyStatus.PRIMARY,
    }
    b.retire(2)
    b.save(provider)
    a.save(provider)  # a still has 2 decrypt-only: the retirement stays
    assert _statuses(provider.load_keys())[2] is KeyStatus.RETIRED


def test_two_primaries_in_a_provider_merge_to_the_highest() -> None:
    one, two = KeyVersion.generate(1), KeyVersion.generate(2)
    provider = MemoryProvider([one, two])  # written by hand, two primaries
    ring = Keyring([one])
    ring.save(provider)
    assert _statuses(provider.stored) == {1: KeyStatus.DECRYPT_ONLY, 2: KeyStatus.PRIMARY}
    assert ring.primary_id == 2


def test_a_provider_with_one_material_under_two_ids_is_refused() -> None:
    one = KeyVersion.generate(1)
    twin = KeyVersion(2, one.material, KeyStatus.DECRYPT_ONLY)
    provider = MemoryProvider([twin])
    with pytest.raises(KeyringError, match="same material"):
        Keyring([one]).save(provider)
    assert provider.stored == [twin]


@pytest.mark.parametrize("stored", [["not a key"], [KeyVersion.generate(1)] * 2])
def test_a_provider_that_returns_bad_keys_is_refused(stored: list[KeyVersion]) -> None:
    provider = MemoryProvider(stored)
    ring = Keyring.generate(key_id=3)
    with pytest.raises(KeyringError, match="key provider"):
        ring.save(provider)
    with pytest.raises(KeyringError, match="key provider"):
        ring.refresh(provider)
    assert provider.writes == 0


def test_a_provider_that_cannot_be_read_is_written_this_keyrings_keys(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Empty(MemoryProvider):
        def load_keys(self) -> list[KeyVersion]:
            raise KeyringError("nothing stored yet")

    provider = Empty()
    ring = Keyring.generate()
    _seal(ring, 2)
    with caplog.at_level(logging.WARNING, logger="clubrules.privacy"):
        ring.save(provider)
    assert _uses(provider.stored) == {1: 2}
    assert "cannot read the key provider" in caplog.text
    with pytest.raises(KeyringError, match="nothing stored yet"):
        ring.refresh(provider)


def test_save_uses_update_keys_when_the_provider_has_it() -> None:
    provider = AtomicMemoryProvider()
    Keyring.generate().save(provider)
    assert provider.updates == 1


def test_a_read_only_provider_is_still_refused() -> None:
    ring = Keyring.generate()
    environ = {"KEYS": EnvKeyProvider.render(ring.keys)}
    provider = EnvKeyProvider("KEYS", environ)
    with pytest.raises(KeyringError, match="read-only"):
        ring.save(provider)
    other = Keyring.generate(key_id=1)
    with pytest.raises(KeyringError, match="key id 1 has other material"):
        other.refresh(provider)
    Keyring.from_provider(provider).refresh(provider)


def test_a_fork_may_count_high_but_never_low() -> None:
    # A copy of a live keyring counts on from its parent's count, as a forked
    # process does: both saving counts the uses before the copy twice.
    provider = MemoryProvider()
    parent = Keyring.generate()
    parent.save(provider)
    _seal(parent, 5)
    child = Keyring(parent.keys)
    _seal(child, 2)
    _seal(parent, 1)
    child.save(provider)
    parent.save(provider)
    assert _uses(provider.stored)[1] >= 5 + 2 + 1


def test_a_retired_key_keeps_the_count_it_reached() -> None:
    provider = MemoryProvider()
    ring = Keyring.generate()
    _seal(ring, 3)
    ring.rotate()
    ring.retire(1)
    assert ring.usage(1) == 3
    ring.save(provider)
    assert _uses(provider.stored) == {1: 3, 2: 0}


def test_uses_learnt_from_the_provider_count_towards_the_limit() -> None:
    provider = MemoryProvider()
    Keyring.generate().save(provider)
    a = Keyring.from_provider(provider, warn_at=8, limit=10)
    b = Keyring.from_provider(provider, warn_at=8, limit=10)
    _seal(a, 6)
    _seal(b, 2)  # b has counted uses ahead of time below warn_at
    a.save(provider)
    b.save(provider)
    assert b.usage(1) == 8
    with pytest.warns(match="near its safe limit"):
        _seal(b, 2)
    with pytest.raises(KeyringError, match="safe limit"):
        _seal(b)
    assert b.usage(1) == 10


def test_saves_from_many_threads_of_two_keyrings_add_up(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path / "keys.json")
    Keyring.generate().save(provider)
    rings = [Keyring.from_provider(provider), Keyring.from_provider(provider)]

    def work(ring: Keyring) -> None:
        cipher = FieldCipher(ring)
        for _ in range(25):
            cipher.seal("x", **PLACE)
            ring.save(provider)

    threads = [threading.Thread(target=work, args=(r,)) for r in rings for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _uses(provider.load_keys()) == {1: 100}


# --- FileKeyProvider.update_keys --------------------------------------------------------


def test_update_keys_on_a_missing_file_starts_from_no_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    seen: list[list[KeyVersion]] = []
    key = KeyVersion.generate(1)

    def change(current: list[KeyVersion]) -> list[KeyVersion]:
        seen.append(current)
        return [*current, key]

    assert FileKeyProvider(path).update_keys(change) == [key]
    assert seen == [[]]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]  # no lock file left


def test_update_keys_writes_nothing_when_change_raises(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = FileKeyProvider(path)
    provider.save_keys([KeyVersion.generate(1)])
    before = path.read_bytes()

    def refuse(_current: list[KeyVersion]) -> list[KeyVersion]:
        raise KeyringError("no")

    with pytest.raises(KeyringError, match="no"):
        provider.update_keys(refuse)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]


@pytest.mark.parametrize("change", [None, "keys", 3])
def test_update_keys_needs_a_callable(tmp_path: Path, change: object) -> None:
    with pytest.raises(ValidationError) as caught:
        FileKeyProvider(tmp_path / "keys.json").update_keys(change)  # type: ignore[arg-type]
    assert caught.value.field == "change"


def test_update_keys_refuses_what_is_not_a_list_of_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    with pytest.raises(ValidationError) as caught:
        FileKeyProvider(path).update_keys(lambda _keys: ["x"])  # type: ignore[list-item]
    assert caught.value.field == "keys[0]"
    assert not path.exists()


def test_update_keys_on_a_corrupt_file_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text("garbage", encoding="utf-8")
    with pytest.raises(KeyringError, match="not a clubrules keyring"):
        Keyring.generate().save(FileKeyProvider(path))
    assert path.read_text(encoding="utf-8") == "garbage"


def test_update_keys_in_a_missing_directory_names_the_keyring_file(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "keys.json"
    with pytest.raises(KeyringError) as caught:
        FileKeyProvider(path).update_keys(list)
    assert str(path) in str(caught.value)
    assert ".lock" not in str(caught.value)
    assert caught.value.__suppress_context__
    assert not path.parent.exists()


def test_update_keys_runs_one_change_at_a_time(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path / "keys.json")
    provider.save_keys([KeyVersion(1, bytes(32), KeyStatus.PRIMARY)])
    inside = Counter[str]()
    lock = threading.Lock()

    def bump(current: list[KeyVersion]) -> list[KeyVersion]:
        with lock:
            inside["now"] += 1
            inside["most"] = max(inside["most"], inside["now"])
        (key,) = current
        with lock:
            inside["now"] -= 1
        return [KeyVersion(1, key.material, key.status, key.uses + 1)]

    def work() -> None:
        for _ in range(20):
            provider.update_keys(bump)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _uses(provider.load_keys()) == {1: 80}
    assert inside["most"] == 1


# --- the merge against a model of the true key history ------------------------------


class TwoProcesses(RuleBasedStateMachine):
    """Two keyrings ("processes") on one provider, against the key history they made.

    The model: every key id ever saved, with the material it was first
    saved with; the ids whose retirement was saved; the seals each process
    has saved per key. The provider must hold every saved key with its
    material; the highest saved id is primary, the saved retirements are
    retired and every other key only decrypts; each key's count is exactly
    the seals saved under it; and every value sealed under a saved key
    opens from the provider, unless that key is retired.
    """

    def __init__(self) -> None:
        super().__init__()
        self.provider: MemoryProvider = AtomicMemoryProvider()
        first = Keyring.generate()
        first.save(self.provider)
        self.material = {1: first.keys[0].material}  # id -> material, as first saved
        self.retired: set[int] = set()
        self.saved = Counter[int]()  # seals saved, per key id
        self.values: list[tuple[Sealed, int, bytes, str]] = []
        self.rings = [Keyring.from_provider(self.provider) for _ in range(2)]
        self.unsaved = [Counter[int](), Counter[int]()]
        self.known = [Counter[int](), Counter[int]()]  # the provider's count at the last sync

    def _collides(self, p: int) -> bool:
        stored = {k.key_id: k.material for k in self.provider.stored}
        return any(
            k.key_id in stored and stored[k.key_id] != k.material for k in self.rings[p].keys
        )

    def _synced(self, p: int) -> None:
        for key in self.provider.stored:
            self.known[p][key.key_id] = key.uses

    @rule(p=st.integers(0, 1), n=st.integers(0, 4))
    def seal(self, p: int, n: int) -> None:
        ring = self.rings[p]
        primary = ring.primary_id
        material = next(k.material for k in ring.keys if k.key_id == primary)
        for i, value in enumerate(_seal(ring, n)):
            assert sealed_key_id(value) == primary
            self.values.append((value, primary, material, f"v{i}"))
        self.unsaved[p][primary] += n

    @rule(p=st.integers(0, 1))
    def save(self, p: int) -> None:
        ring = self.rings[p]
        if self._collides(p):
            stored = list(self.provider.stored)
            with pytest.raises(KeyringError, match="other material"):
                ring.save(self.provider)
            assert self.provider.stored == stored
            # The process starts again from the provider: its unsaved work is lost.
            self.rings[p] = Keyring.from_provider(self.provider)
            self.unsaved[p].clear()
            self._synced(p)
            return
        ring.save(self.provider)
        for key in ring.keys:
            self.material.setdefault(key.key_id, key.material)
            if key.status is KeyStatus.RETIRED:
                self.retired.add(key.key_id)
        self.saved.update(self.unsaved[p])
        self.unsaved[p].clear()
        self._synced(p)

    @rule(p=st.integers(0, 1))
    def refresh(self, p: int) -> None:
        if self._collides(p):
            before = self.rings[p].keys
            with pytest.raises(KeyringError, match="other material"):
                self.rings[p].refresh(self.provider)
            assert self.rings[p].keys == before
            return
        self.rings[p].refresh(self.provider)
        self._synced(p)

    @rule(p=st.integers(0, 1))
    def rotate(self, p: int) -> None:
        new = self.rings[p].rotate().key_id
        self.known[p][new] = 0

    @rule(p=st.integers(0, 1), data=st.data())
    def retire(self, p: int, data: st.DataObject) -> None:
        ring = self.rings[p]
        choices = [k.key_id for k in ring.keys if k.status is KeyStatus.DECRYPT_ONLY]
        if choices:
            ring.retire(data.draw(st.sampled_from(choices)))

    @precondition(lambda self: self.provider.stored)
    @invariant()
    def the_provider_holds_the_true_history(self) -> None:
        stored = {k.key_id: k for k in self.provider.stored}
        assert set(stored) == set(self.material)
        top = max(self.material)
        for key_id, material in self.material.items():
            assert stored[key_id].material == material
            expected = (
                KeyStatus.RETIRED
                if key_id in self.retired
                else KeyStatus.PRIMARY
                if key_id == top
                else KeyStatus.DECRYPT_ONLY
            )
            assert stored[key_id].status is expected
            assert stored[key_id].uses == self.saved[key_id]

    @invariant()
    def each_process_counts_the_known_and_its_own(self) -> None:
        for p, ring in enumerate(self.rings):
            for key in ring.keys:
                assert (
                    ring.usage(key.key_id)
                    == self.known[p][key.key_id] + self.unsaved[p][key.key_id]
                )
            assert ring.primary_id == max(k.key_id for k in ring.keys)

    @invariant()
    def every_saved_value_opens_from_the_provider_unless_retired(self) -> None:
        cipher = FieldCipher(Keyring.from_provider(self.provider))
        for value, key_id, material, plain in self.values:
            if self.material.get(key_id) != material:
                continue  # sealed under a key that was never saved
            if key_id in self.retired:
                with pytest.raises(DecryptionError):
                    cipher.open(value, **PLACE)
            else:
                assert cipher.open(value, **PLACE) == plain


TwoProcesses.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestTwoProcesses = TwoProcesses.TestCase
