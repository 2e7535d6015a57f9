from __future__ import annotations

import json
import os
import pickle
import stat
import warnings
from typing import TYPE_CHECKING

import pytest

from clubrules.errors import DecryptionError, KeyringError, KeyUsageWarning
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
    from pathlib import Path

PLACE = {"record_type": "customer", "record_id": "c-1", "field": "health"}


def test_rotate_makes_a_new_primary_and_keeps_old_values_readable() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    old = cipher.seal("old", **PLACE)
    new_key = ring.rotate()
    assert ring.primary_id == new_key.key_id == 2
    assert ring.status(1) is KeyStatus.DECRYPT_ONLY
    new = cipher.seal("new", **PLACE)
    assert sealed_key_id(old) == 1
    assert sealed_key_id(new) == 2
    assert cipher.open(old, **PLACE) == "old"


def test_rewrap_moves_a_value_to_the_primary_without_returning_plaintext() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    old = cipher.seal(["penicillin"], **PLACE)
    ring.rotate()
    assert cipher.needs_rewrap(old)
    fresh = cipher.rewrap(old, **PLACE)
    assert sealed_key_id(fresh) == 2
    assert not cipher.needs_rewrap(fresh)
    assert cipher.rewrap(fresh, **PLACE) is fresh
    ring.retire(1)
    assert cipher.open(fresh, **PLACE) == ["penicillin"]
    with pytest.raises(DecryptionError):
        cipher.open(old, **PLACE)


def test_rewrap_refuses_a_value_for_another_place() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    old = cipher.seal("x", **PLACE)
    ring.rotate()
    with pytest.raises(DecryptionError):
        cipher.rewrap(old, **{**PLACE, "record_id": "c-2"})


def test_the_primary_cannot_be_retired() -> None:
    ring = Keyring.generate()
    with pytest.raises(KeyringError, match="primary"):
        ring.retire(1)
    with pytest.raises(KeyringError, match="unknown"):
        ring.retire(9)


@pytest.mark.parametrize(
    "keys",
    [
        [],
        [KeyVersion.generate(1, KeyStatus.DECRYPT_ONLY)],
        [KeyVersion.generate(1), KeyVersion.generate(2)],
        [KeyVersion.generate(1), KeyVersion.generate(1, KeyStatus.DECRYPT_ONLY)],
    ],
)
def test_a_keyring_needs_exactly_one_primary_and_unique_ids(keys: list[KeyVersion]) -> None:
    with pytest.raises(KeyringError):
        Keyring(keys)


@pytest.mark.parametrize("material", [b"short", b"x" * 31, b"x" * 33, "x" * 32])
def test_bad_key_material_is_refused(material: object) -> None:
    with pytest.raises(KeyringError, match="32 bytes"):
        KeyVersion(1, material, KeyStatus.PRIMARY)  # type: ignore[arg-type]


@pytest.mark.parametrize("key_id", [0, -1, 2**32, "1"])
def test_bad_key_ids_are_refused(key_id: object) -> None:
    with pytest.raises(KeyringError):
        KeyVersion(key_id, b"k" * 32, KeyStatus.PRIMARY)  # type: ignore[arg-type]


def test_key_material_never_shows_in_repr() -> None:
    key = KeyVersion(1, b"\xab" * 32, KeyStatus.PRIMARY)
    ring = Keyring([key])
    for text in (repr(key), repr(ring), str(ring), repr(FieldCipher(ring))):
        assert "ab" * 4 not in text
        assert "\\xab" not in text
    assert repr(ring) == "Keyring(primary=1, decrypt_only=[], retired=[])"


def test_usage_is_counted_per_key_and_warns_then_refuses() -> None:
    ring = Keyring.generate(warn_at=3, limit=5)
    cipher = FieldCipher(ring)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cipher.seal("a", **PLACE)
        cipher.seal("b", **PLACE)
    assert ring.usage(1) == 2
    with pytest.warns(KeyUsageWarning, match="key 1 has sealed 3 values"):
        cipher.seal("c", **PLACE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warns once per key
        cipher.seal("d", **PLACE)
        cipher.seal("e", **PLACE)
    assert ring.usage(1) == 5
    with pytest.raises(KeyringError, match="safe limit"):
        cipher.seal("f", **PLACE)
    new = ring.rotate()
    cipher.seal("g", **PLACE)
    assert ring.usage(new.key_id) == 1


def test_decryption_does_not_count_as_usage() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    sealed = cipher.seal("x", **PLACE)
    for _ in range(5):
        cipher.open(sealed, **PLACE)
    assert ring.usage(1) == 1


def test_usage_survives_a_save_and_load(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path / "keys.json")
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    for _ in range(3):
        cipher.seal("x", **PLACE)
    ring.save(provider)
    again = Keyring.from_provider(provider)
    assert again.usage(1) == 3
    FieldCipher(again).seal("x", **PLACE)
    assert again.usage(1) == 4


def test_file_provider_round_trip_is_private_and_atomic(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = FileKeyProvider(path)
    ring = Keyring.generate()
    sealed = FieldCipher(ring).seal("x", **PLACE)
    ring.rotate()
    ring.retire(1)
    ring.save(provider)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]
    loaded = Keyring.from_provider(provider)
    assert [(k.key_id, k.status) for k in loaded.keys] == [
        (1, KeyStatus.RETIRED),
        (2, KeyStatus.PRIMARY),
    ]
    with pytest.raises(DecryptionError):
        FieldCipher(loaded).open(sealed, **PLACE)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"format": "other", "version": 1, "keys": []}),
        json.dumps({"format": "clubrules-keyring", "version": 1, "keys": [{"id": 1}]}),
        json.dumps(
            {
                "format": "clubrules-keyring",
                "version": 1,
                "keys": [{"id": 1, "status": "primary", "material": "c2VjcmV0LXNob3J0"}],
            }
        ),
    ],
)
def test_malformed_key_files_are_refused_without_quoting_them(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(content)
    with pytest.raises(KeyringError) as caught:
        Keyring.from_provider(FileKeyProvider(path))
    assert "c2VjcmV0" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_missing_key_file_is_a_keyring_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="cannot read"):
        FileKeyProvider(tmp_path / "nope.json").load_keys()


def test_env_provider_reads_the_named_variable_and_is_read_only() -> None:
    keys = [KeyVersion.generate(1)]
    environ = {"SALON_KEYS": EnvKeyProvider.render(keys)}
    provider = EnvKeyProvider("SALON_KEYS", environ)
    ring = Keyring.from_provider(provider)
    assert ring.keys[0].material == keys[0].material
    assert "SALON_KEYS" in repr(provider)
    assert keys[0].material.hex() not in repr(provider)
    with pytest.raises(KeyringError, match="read-only"):
        provider.save_keys(keys)
    with pytest.raises(KeyringError, match="not set"):
        EnvKeyProvider("MISSING", {}).load_keys()


def test_env_provider_defaults_to_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLUBRULES_TEST_KEYS", EnvKeyProvider.render([KeyVersion.generate(4)]))
    assert Keyring.from_provider(EnvKeyProvider("CLUBRULES_TEST_KEYS")).primary_id == 4
    assert "CLUBRULES_TEST_KEYS" in os.environ


def test_key_versions_pickle_only_with_their_material_intact() -> None:
    key = KeyVersion.generate(1)
    assert pickle.loads(pickle.dumps(key)) == key  # noqa: S301 - our own bytes


def test_refused_seals_are_not_counted() -> None:
    ring = Keyring.generate(warn_at=4, limit=4)
    cipher = FieldCipher(ring)
    sealed = 0
    for _ in range(6):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", KeyUsageWarning)
                cipher.seal("x", **PLACE)
        except KeyringError:
            continue
        sealed += 1
    assert sealed == 4
    assert ring.usage(1) == 4
    assert ring.keys[0].uses == 4
    # A rewrap refused at the limit is not counted either.
    other = Keyring.generate(warn_at=1, limit=1)
    mover = FieldCipher(other)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyUsageWarning)
        value = mover.seal("x", **PLACE)
        other.rotate()
        mover.seal("y", **PLACE)
        with pytest.raises(KeyringError, match="safe limit"):
            mover.rewrap(value, **PLACE)
    assert other.usage(2) == 1


def test_rotating_to_an_existing_keys_material_is_refused() -> None:
    ring = Keyring.generate()
    first = ring.keys[0].material
    second = ring.rotate().material
    ring.retire(1)
    for material in (first, second):
        with pytest.raises(KeyringError, match="same material") as caught:
            ring.rotate(material=material)
        assert material.hex() not in str(caught.value)
    # Nothing changed: key 2 is still the primary, with its count.
    assert ring.primary_id == 2
    assert [k.key_id for k in ring.keys] == [1, 2]
    assert ring.rotate(material=os.urandom(32)).key_id == 3


def test_a_keyring_with_two_ids_for_one_material_is_refused() -> None:
    material = os.urandom(32)
    with pytest.raises(KeyringError, match="same material"):
        Keyring(
            [
                KeyVersion(1, material, KeyStatus.DECRYPT_ONLY),
                KeyVersion(2, material, KeyStatus.PRIMARY),
            ]
        )


def test_a_key_file_that_cannot_be_written_is_a_keyring_error(tmp_path: Path) -> None:
    path = tmp_path / "missing-dir" / "keys.json"
    with pytest.raises(KeyringError) as caught:
        Keyring.generate().save(FileKeyProvider(path))
    message = str(caught.value)
    assert str(path) in message
    assert ".keyring-" not in message
    assert caught.value.__suppress_context__
    assert not path.parent.exists()


def _document(**entry: object) -> str:
    key = {"id": 1, "status": "primary", "material": "A" * 43, "uses": 0, **entry}
    return json.dumps({"format": "clubrules-keyring", "version": 1, "keys": [key]})


@pytest.mark.parametrize(
    ("entry", "member"),
    [
        ({"id": 1.5}, "'id'"),
        ({"id": True}, "'id'"),
        ({"id": "1"}, "'id'"),
        ({"id": 0}, "'id'"),
        ({"status": "PRIMARY"}, "'status'"),
        ({"status": ["primary"]}, "'status'"),
        ({"uses": -1}, "'uses'"),
        ({"uses": 2.0}, "'uses'"),
        ({"material": "A" * 42 + "+"}, "'material'"),  # the standard alphabet
        ({"material": "!" + "A" * 43}, "'material'"),  # a stray character
        ({"material": "A" * 42 + "B"}, "'material'"),  # stray bits in the last character
        ({"material": "A" * 44}, "'material'"),  # 33 bytes
        ({"material": None}, "'material'"),
    ],
)
def test_each_bad_key_entry_is_named_without_its_value(
    entry: dict[str, object], member: str
) -> None:
    with pytest.raises(KeyringError) as caught:
        EnvKeyProvider("KEYS", {"KEYS": _document(**entry)}).load_keys()
    message = str(caught.value)
    assert "key number 1" in message
    assert member in message
    assert "AAAA" not in message
    assert caught.value.__cause__ is None


def test_a_key_entry_may_leave_out_uses_and_pad_its_material() -> None:
    document = json.loads(_document())
    del document["keys"][0]["uses"]
    document["keys"][0]["material"] += "="
    (key,) = EnvKeyProvider("KEYS", {"KEYS": json.dumps(document)}).load_keys()
    assert key.uses == 0
    assert key.material == bytes(32)
    assert json.loads(EnvKeyProvider.render([key]))["keys"][0]["material"] == "A" * 43


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[" * 100_000, "is not a clubrules keyring"),
        (b'{"format": "clubrules-keyring", "version": 1, "keys": []}\xe9', "is not UTF-8 text"),
    ],
    ids=["nested too deep", "not UTF-8"],
)
def test_a_keyring_file_python_cannot_read_is_a_keyring_error(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes(content)
    provider = FileKeyProvider(path)
    with pytest.raises(KeyringError, match=words) as caught:
        provider.load_keys()
    assert caught.value.__context__ is None  # the file's bytes stay out of the error
    with pytest.raises(KeyringError, match=words) as caught:
        provider.update_keys(list)
    assert caught.value.__context__ is None
    assert path.read_bytes() == content
