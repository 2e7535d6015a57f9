from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.errors import DecryptionError, ValidationError
from clubrules.privacy import (
    FieldCipher,
    Keyring,
    KeyStatus,
    KeyVersion,
    sealed_from_bytes,
    sealed_from_text,
    sealed_key_id,
    sealed_to_bytes,
    sealed_to_text,
)
from clubrules.privacy._format import AadCache, associated_data, sealed_size

VECTORS = json.loads((Path(__file__).parent / "vectors" / "v1.json").read_text("utf-8"))
PLACE = {"record_type": "customer", "record_id": "c-001", "field": "allergies"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
archive_values = st.one_of(
    st.text(),
    st.binary(),
    st.lists(st.text(), max_size=6),
    st.dictionaries(st.text(), json_values, max_size=5),
)


@pytest.fixture(scope="module")
def cipher() -> FieldCipher:
    return FieldCipher(Keyring.generate())


@settings(max_examples=150)
@given(value=archive_values)
def test_every_archive_type_round_trips(value: Any) -> None:
    cipher = FieldCipher(Keyring.generate())
    sealed = cipher.seal(value, **PLACE)
    opened = cipher.open(sealed, **PLACE)
    assert opened == value
    assert type(opened) is type(value)
    assert cipher.open(sealed_to_text(sealed), **PLACE) == value


def test_tuples_of_tags_come_back_as_lists(cipher: FieldCipher) -> None:
    assert cipher.open(cipher.seal(("pollen",), **PLACE), **PLACE) == ["pollen"]


@pytest.mark.parametrize(
    "value", [1, 1.5, None, True, {1: "a"}, ["a", 1], {"x": float("nan")}, {"x": object()}]
)
def test_unsupported_values_are_refused_without_quoting_them(
    cipher: FieldCipher, value: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        cipher.seal(value, **PLACE)
    assert caught.value.rule == "unsupported_value"
    assert "nan" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_layout_is_version_key_id_nonce_ciphertext_tag(cipher: FieldCipher) -> None:
    sealed = cipher.seal("花粉", **PLACE)
    data = sealed_to_bytes(sealed)
    assert data[0] == 1
    assert struct.unpack(">I", data[1:5])[0] == cipher.keyring.primary_id == sealed_key_id(sealed)
    typed = b"t" + "花粉".encode()
    assert len(data) == 1 + 4 + 12 + len(typed) + 16 == sealed_size(len(typed))


def test_nonces_are_fresh(cipher: FieldCipher) -> None:
    nonces = {sealed_to_bytes(cipher.seal("x", **PLACE))[5:17] for _ in range(1500)}
    assert len(nonces) == 1500


@settings(max_examples=200)
@given(parts=st.tuples(st.text(min_size=1), st.text(min_size=1), st.text(min_size=1)))
def test_cached_associated_data_matches_the_obvious_encoding(parts: tuple[str, str, str]) -> None:
    record_type, record_id, field = parts

    def lp(text: str) -> bytes:
        raw = text.encode()
        return len(raw).to_bytes(4, "big") + raw

    expected = b"\x01" + lp(record_type) + lp(record_id) + lp(field)
    assert AadCache().aad(record_type, record_id, field) == expected
    assert associated_data(record_type, record_id, field) == expected


def test_associated_data_is_unambiguous() -> None:
    # Without length prefixes these two places would share associated data.
    assert associated_data("customer", "c-1", "allergies") != associated_data(
        "customer", "c-1a", "llergies"
    )


@pytest.mark.parametrize("bad", [{"record_id": ""}, {"field": ""}, {"record_type": 7}])
def test_an_empty_place_is_refused(cipher: FieldCipher, bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        cipher.seal("x", **{**PLACE, **bad})  # type: ignore[arg-type]


def test_text_form_is_prefixed_unpadded_base64url(cipher: FieldCipher) -> None:
    sealed = cipher.seal("过敏：青霉素", **PLACE)  # noqa: RUF001 - Chinese punctuation
    text = sealed_to_text(sealed)
    assert text.startswith("cr:")
    assert "=" not in text
    assert base64.urlsafe_b64decode(text[3:] + "=" * (-len(text[3:]) % 4)) == sealed_to_bytes(
        sealed
    )
    assert sealed_from_text(text) == sealed


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["description"])
def test_published_vectors(vector: dict[str, Any]) -> None:
    key = bytes.fromhex(vector["key_hex"])
    place = {k: vector[k] for k in ("record_type", "record_id", "field")}
    expected = vector["value"]
    if vector["value_type"] == "bytes":
        expected = base64.b64decode(expected)
    # The library opens the vector...
    cipher = FieldCipher(Keyring([KeyVersion(vector["key_id"], key, KeyStatus.PRIMARY)]))
    assert cipher.open(sealed_from_bytes(bytes.fromhex(vector["sealed_hex"])), **place) == expected
    assert cipher.open(vector["sealed_text"], **place) == expected
    # ...and the vector follows the documented layout, rebuilt from scratch.
    aad = associated_data(**place)
    assert aad.hex() == vector["associated_data_hex"]
    nonce = bytes.fromhex(vector["nonce_hex"])
    body = AESGCM(key).encrypt(nonce, bytes.fromhex(vector["typed_plaintext_hex"]), aad)
    rebuilt = struct.pack(">BI", 1, vector["key_id"]) + nonce + body
    assert rebuilt.hex() == vector["sealed_hex"]
    assert sealed_to_text(sealed_from_bytes(rebuilt)) == vector["sealed_text"]


def test_malformed_text_forms_fail_closed(cipher: FieldCipher) -> None:
    text = sealed_to_text(cipher.seal("x", **PLACE))
    for bad in ["", "cr:", text[3:], "xx" + text[2:], text + "=", text + "A", text[:-1] + "!"]:
        with pytest.raises(DecryptionError):
            cipher.open(bad, **PLACE)


def _slow_open(key: bytes, data: bytes, record_type: str, record_id: str, field: str) -> Any:
    """An obvious, independent reader of the documented format."""
    version, _key_id = struct.unpack(">BI", data[:5])
    assert version == 1
    aad = b"\x01" + b"".join(
        len(part.encode()).to_bytes(4, "big") + part.encode()
        for part in (record_type, record_id, field)
    )
    typed = AESGCM(key).decrypt(data[5:17], data[17:], aad)
    tag, payload = chr(typed[0]), typed[1:]
    if tag == "t":
        return payload.decode()
    if tag == "b":
        return payload
    assert tag in "lj"
    return json.loads(payload)


@settings(max_examples=150)
@given(
    value=archive_values,
    place=st.tuples(st.text(min_size=1), st.text(min_size=1), st.text(min_size=1)),
)
def test_the_fast_path_agrees_with_a_slow_reader(value: Any, place: tuple[str, str, str]) -> None:
    key = KeyVersion.generate(7)
    cipher = FieldCipher(Keyring([key]))
    record_type, record_id, field = place
    sealed = cipher.seal(value, record_type=record_type, record_id=record_id, field=field)
    assert _slow_open(key.material, sealed_to_bytes(sealed), *place) == value


def test_binary_form_round_trip_checks_the_header(cipher: FieldCipher) -> None:
    sealed = cipher.seal("x", **PLACE)
    assert sealed_from_bytes(sealed_to_bytes(sealed)) == sealed
    for bad in (b"", b"\x01" * 10, b"\x02" + sealed_to_bytes(sealed)[1:]):
        with pytest.raises(DecryptionError):
            sealed_from_bytes(bad)


def test_text_with_lone_surrogates_is_refused_without_quoting_it(cipher: FieldCipher) -> None:
    for value in ("abc\ud800", ["ok", "\udfff"], {"k": "\ud800"}):
        with pytest.raises(ValidationError) as caught:
            cipher.seal(value, **PLACE)
        assert "\\ud8" not in str(caught.value)
        assert caught.value.__cause__ is None
