"""The attacks of the issue's "Done when": every one fails closed with the opaque error."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clubrules.errors import DecryptionError
from clubrules.privacy import (
    FieldCipher,
    FileKeyProvider,
    Keyring,
    KeyStatus,
    KeyVersion,
    sealed_to_bytes,
    sealed_to_text,
)
from clubrules.privacy._format import associated_data

if TYPE_CHECKING:
    from pathlib import Path

    from clubrules.customers import Sealed

PLACE = {"record_type": "customer", "record_id": "c-001", "field": "allergies"}


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(Keyring.generate())


def _fails(cipher: FieldCipher, sealed: Sealed | bytes | str, **place: str) -> None:
    with pytest.raises(DecryptionError) as caught:
        cipher.open(sealed, **{**PLACE, **place})
    assert str(caught.value) == "decryption failed"
    assert caught.value.__cause__ is None


def test_flipping_any_bit_of_any_byte_fails(cipher: FieldCipher) -> None:
    data = sealed_to_bytes(cipher.seal("青霉素", **PLACE))
    assert cipher.open(data, **PLACE) == "青霉素"
    for position in range(len(data)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(data)
            tampered[position] ^= mask
            _fails(cipher, bytes(tampered))


def test_every_truncation_and_extension_fails(cipher: FieldCipher) -> None:
    data = sealed_to_bytes(cipher.seal("青霉素", **PLACE))
    for length in range(len(data)):
        _fails(cipher, data[:length])
    _fails(cipher, data + b"\x00")


@pytest.mark.parametrize(
    "place",
    [
        {"record_id": "c-002"},
        {"field": "health"},
        {"record_type": "staff"},
        {"record_id": "c-00", "field": "1allergies"},
    ],
)
def test_a_value_moved_to_another_record_or_field_fails(
    cipher: FieldCipher, place: dict[str, str]
) -> None:
    sealed = cipher.seal(["penicillin"], **PLACE)
    _fails(cipher, sealed, **place)


def test_swapping_values_between_two_customers_fails(cipher: FieldCipher) -> None:
    a = cipher.seal("A's allergies", **{**PLACE, "record_id": "c-A"})
    b = cipher.seal("B's allergies", **{**PLACE, "record_id": "c-B"})
    _fails(cipher, b, record_id="c-A")
    _fails(cipher, a, record_id="c-B")


def test_a_retired_key_is_refused(cipher: FieldCipher) -> None:
    old = cipher.seal("x", **PLACE)
    cipher.keyring.rotate()
    assert cipher.open(old, **PLACE) == "x"  # decrypt-only still opens
    cipher.keyring.retire(1)
    _fails(cipher, old)


def test_an_unknown_key_id_fails(cipher: FieldCipher) -> None:
    data = bytearray(sealed_to_bytes(cipher.seal("x", **PLACE)))
    data[1:5] = struct.pack(">I", 99)
    _fails(cipher, bytes(data))


def test_a_keyring_from_the_wrong_provider_fails(tmp_path: Path) -> None:
    right, wrong = FileKeyProvider(tmp_path / "right.json"), FileKeyProvider(tmp_path / "w.json")
    right.save_keys([KeyVersion.generate(1)])
    wrong.save_keys([KeyVersion.generate(1)])  # same key id, other material
    sealed = FieldCipher(Keyring.from_provider(right)).seal("x", **PLACE)
    assert FieldCipher(Keyring.from_provider(right)).open(sealed, **PLACE) == "x"
    _fails(FieldCipher(Keyring.from_provider(wrong)), sealed)


@pytest.mark.parametrize("version", [0, 2, 255])
def test_a_future_or_unknown_format_version_fails(cipher: FieldCipher, version: int) -> None:
    data = bytearray(sealed_to_bytes(cipher.seal("x", **PLACE)))
    data[0] = version
    _fails(cipher, bytes(data))


def test_a_future_version_is_refused_even_with_a_valid_tag() -> None:
    # A version-2 writer with the same key: the version byte is in the
    # associated data, so even a correctly tagged future value fails.
    key = KeyVersion.generate(1)
    aad = b"\x02" + associated_data(**PLACE)[1:]
    nonce = bytes(12)
    data = b"\x02" + struct.pack(">I", 1) + nonce + AESGCM(key.material).encrypt(nonce, b"tx", aad)
    _fails(FieldCipher(Keyring([key])), data)


def test_the_text_form_is_checked_the_same_way(cipher: FieldCipher) -> None:
    sealed = cipher.seal("x", **PLACE)
    text = sealed_to_text(sealed)
    _fails(cipher, text, record_id="c-002")
    flipped = text[:10] + ("A" if text[10] != "A" else "B") + text[11:]
    _fails(cipher, flipped)


def test_garbage_inputs_fail(cipher: FieldCipher) -> None:
    garbage: list[object] = [b"", b"\x01" * 40, 12345, None]
    for value in garbage:
        _fails(cipher, value)  # type: ignore[arg-type]


def test_a_decrypt_only_keyring_cannot_open_anothers_key_material() -> None:
    ring = Keyring([KeyVersion.generate(1), KeyVersion.generate(2, KeyStatus.DECRYPT_ONLY)])
    other = Keyring([KeyVersion.generate(2)])
    sealed = FieldCipher(other).seal("x", **PLACE)
    _fails(FieldCipher(ring), sealed)
