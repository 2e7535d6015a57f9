"""Edge hunt, keys (2): leftover keyring writes, counts after a refused save.

Found after the first keys hunt: a writer that died while it wrote a
keyring file left its temporary file, key material in it, and nothing ever
removed it (`save_keys` did not even hold the file's lock, so nobody could
tell a dead writer's file from a live one's); and a process whose `save`
was refused (it rotated with a stale keyring) could only build its keyring
again from the provider, which lost the uses it had made of the keys it
shares with the file, so counts came out low although the guide promised
"high, never low". `refresh(provider, drop_conflicting=True)` now takes the
provider's key in place of the conflicting one and keeps every other
count. Real killed writers are in tests/integration/test_edge_hunt_keys_processes.py.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.errors import DecryptionError, KeyringError, ValidationError
from clubrules.privacy import FieldCipher, FileKeyProvider, Keyring, KeyVersion, sealed_key_id

if TYPE_CHECKING:
    from pathlib import Path

    from clubrules.customers import Sealed

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}


def _b64(material: bytes) -> str:
    return base64.urlsafe_b64encode(material).rstrip(b"=").decode("ascii")


# --- leftover temporary files ----------------------------------------------------------


def _temp_name(keyring: Path, tail: str) -> str:
    """The name a writer of `keyring` gives its temporary file (as the provider documents)."""
    digest = hashlib.sha256(os.fsencode(keyring.name)).hexdigest()[:16]
    return f".keyring-{digest}-{tail}"


def _plant(path: Path) -> Path:
    path.write_text('{"material": "left by a writer that died"}', encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("name", ["keys.json", "密钥.json", "k", "keys.json.lock"])
def test_a_write_removes_its_keyrings_leftovers_and_no_other_file(
    tmp_path: Path, name: str
) -> None:
    keyring = tmp_path / name
    mine = [_plant(tmp_path / _temp_name(keyring, tail)) for tail in ("abc12345", "x")]
    others = [
        _plant(tmp_path / _temp_name(tmp_path / "other.json", "abc12345")),
        _plant(tmp_path / ".keyring-abc12345"),  # no digest: not known to be this keyring's
        _plant(tmp_path / f"{name}.bak"),
    ]
    (tmp_path / _temp_name(keyring, "dir")).mkdir()  # not a file: left alone
    FileKeyProvider(keyring).save_keys([KeyVersion.generate(1)])
    assert not any(path.exists() for path in mine)
    assert all(path.exists() for path in others)
    assert (tmp_path / _temp_name(keyring, "dir")).is_dir()


def test_every_write_path_removes_leftovers(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = FileKeyProvider(path)
    ring = Keyring.generate()
    for write in (
        lambda: provider.save_keys(list(ring.keys)),
        lambda: provider.update_keys(lambda keys: keys),
        lambda: ring.save(provider),
    ):
        left = _plant(tmp_path / _temp_name(path, "zz"))
        write()
        assert not left.exists()
        assert provider.load_keys()[0].material == ring.keys[0].material
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json"]


def test_a_refused_save_keys_takes_no_lock_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    left = _plant(tmp_path / _temp_name(path, "zz"))
    with pytest.raises(KeyringError):
        FileKeyProvider(path).save_keys([])
    assert sorted(p.name for p in tmp_path.iterdir()) == [left.name]


# --- a refused save keeps its counts ---------------------------------------------------


def _stale_rotation(tmp_path: Path) -> tuple[FileKeyProvider, Keyring, Keyring, list[Sealed]]:
    """Two keyrings on one file; both seal, both rotate; the second one's save is refused."""
    provider = FileKeyProvider(tmp_path / "keys.json")
    Keyring.generate().save(provider)
    first, second = Keyring.from_provider(provider), Keyring.from_provider(provider)
    for _ in range(10):
        FieldCipher(first).seal("a", **PLACE)
    kept = [FieldCipher(second).seal(f"b{n}", **PLACE) for n in range(5)]
    first.rotate()
    first.save(provider)
    second.rotate()
    rogue = FieldCipher(second).seal("rogue", **PLACE)
    before = (tmp_path / "keys.json").read_bytes()  # as the first writer left it
    with pytest.raises(KeyringError, match="drop_conflicting=True"):
        second.save(provider)
    assert (tmp_path / "keys.json").read_bytes() == before  # refused: nothing written
    return provider, first, second, [*kept, rogue]


def test_a_process_refused_for_a_stale_rotation_keeps_its_counts(tmp_path: Path) -> None:
    provider, first, second, sealed = _stale_rotation(tmp_path)
    *kept, rogue = sealed
    rogue_material = next(k.material for k in second.keys if k.key_id == 2)
    path = tmp_path / "keys.json"
    before = path.read_bytes()
    second.refresh(provider, drop_conflicting=True)
    assert path.read_bytes() == before  # a refresh writes nothing
    assert (second.primary_id, second.usage(1), second.usage(2)) == (2, 15, 0)
    cipher = FieldCipher(second)
    with pytest.raises(DecryptionError):
        cipher.open(rogue, **PLACE)  # its key was dropped
    new = cipher.seal("c", **PLACE)
    second.save(provider)
    first.save(provider)
    stored = {k.key_id: k for k in provider.load_keys()}
    assert (stored[1].uses, stored[2].uses) == (15, 1)  # every seal under keys 1 and 2
    assert _b64(rogue_material) not in path.read_text(encoding="utf-8")
    reader = FieldCipher(Keyring.from_provider(provider))
    assert [reader.open(v, **PLACE) for v in kept] == [f"b{n}" for n in range(5)]
    assert reader.open(new, **PLACE) == "c"
    assert FieldCipher(first).open(new, **PLACE) == "c"


def test_without_drop_conflicting_the_refresh_is_refused_and_changes_nothing(
    tmp_path: Path,
) -> None:
    provider, _, second, [*_, rogue] = _stale_rotation(tmp_path)
    keys = second.keys
    with pytest.raises(KeyringError, match="other material"):
        second.refresh(provider)
    assert second.keys == keys
    assert FieldCipher(second).open(rogue, **PLACE) == "rogue"


@pytest.mark.parametrize("bad", [None, 1, "yes"])
def test_drop_conflicting_must_be_a_bool(tmp_path: Path, bad: object) -> None:
    provider = FileKeyProvider(tmp_path / "keys.json")
    ring = Keyring.generate()
    ring.save(provider)
    with pytest.raises(ValidationError) as caught:
        ring.refresh(provider, drop_conflicting=bad)  # type: ignore[arg-type]
    assert caught.value.field == "drop_conflicting"


def test_drop_conflicting_without_a_conflict_is_a_plain_refresh(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path / "keys.json")
    Keyring.generate().save(provider)
    one, other = Keyring.from_provider(provider), Keyring.from_provider(provider)
    FieldCipher(one).seal("x", **PLACE)
    other.rotate()
    other.save(provider)
    one.refresh(provider, drop_conflicting=True)
    assert (one.primary_id, one.usage(1)) == (2, 1)
    one.save(provider)
    assert [k.uses for k in provider.load_keys()] == [1, 0]


_STEP = st.tuples(
    st.sampled_from(["seal", "save", "refresh", "stale rotate", "rotate", "restart"]),
    st.integers(0, 2),
    st.integers(1, 4),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_STEP, max_size=25))
def test_refused_saves_recovered_with_drop_conflicting_never_count_low(
    tmp_path: Path, steps: list[tuple[str, int, int]]
) -> None:
    """Keyrings on one file, rotating stale or not; a refused save is recovered as documented.

    The model: every value sealed, with the key (id and material) it was
    sealed under. After the last saves, every key in the file has a count
    at least the values sealed under it, and those values open; a value
    sealed under a dropped key does not, and no dropped key is in the file.
    """
    path = tmp_path / "keys.json"
    for stale in tmp_path.iterdir():
        stale.unlink()
    provider = FileKeyProvider(path)
    Keyring.generate().save(provider)
    rings = [Keyring.from_provider(provider) for _ in range(3)]
    sealed: list[tuple[Sealed, bytes, str]] = []

    def save(ring: Keyring) -> None:
        try:
            ring.save(provider)
        except KeyringError:
            ring.refresh(provider, drop_conflicting=True)
            ring.save(provider)

    for action, who, n in steps:
        ring = rings[who]
        if action == "seal":
            cipher = FieldCipher(ring)
            material = next(k.material for k in ring.keys if k.key_id == ring.primary_id)
            for _ in range(n):
                text = f"v{len(sealed)}"
                sealed.append((cipher.seal(text, **PLACE), material, text))
        elif action == "save":
            save(ring)
        elif action == "refresh":
            ring.refresh(provider, drop_conflicting=True)
        elif action == "stale rotate":  # rotate without refreshing first
            ring.rotate()
        elif action == "rotate":
            ring.refresh(provider, drop_conflicting=True)
            ring.rotate()
            save(ring)
        else:  # a graceful restart: save, then load again
            save(ring)
            rings[who] = Keyring.from_provider(provider)
    for ring in rings:
        save(ring)
    stored = {k.material: k for k in provider.load_keys()}
    fresh = FieldCipher(Keyring.from_provider(provider))
    for material, key in stored.items():
        under = [(v, t) for v, m, t in sealed if m == material]
        assert key.uses >= len(under)
        assert all(sealed_key_id(v) == key.key_id for v, _ in under)
        assert [fresh.open(v, **PLACE) for v, _ in under] == [t for _, t in under]
    for value, material, _ in sealed:
        if material not in stored:
            with pytest.raises(DecryptionError):
                fresh.open(value, **PLACE)
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]
