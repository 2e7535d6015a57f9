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

from clubrules.customers import Sealed
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


def _slow_seal(key: KeyVersion, value: Any, record_type: str, record_id: str, field: str) -> bytes:
    """An obvious, independent writer of the documented format."""
    if isinstance(value, str):
        typed = b"t" + value.encode()
    elif isinstance(value, bytes):
        typed = b"b" + value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        typed = (b"l" if isinstance(value, list | tuple) else b"j") + text.encode()
    aad = b"\x01" + b"".join(
        len(part.encode()).to_bytes(4, "big") + part.encode()
        for part in (record_type, record_id, field)
    )
    nonce = bytes(range(12))
    body = AESGCM(key.material).encrypt(nonce, typed, aad)
    return b"\x01" + key.key_id.to_bytes(4, "big") + nonce + body


# Short and long parts: a record id of 256 UTF-8 bytes or more takes the
# length prefix that is not precomputed.
place_parts = st.text(min_size=1) | st.text(min_size=80, max_size=300)


@settings(max_examples=150)
@given(
    value=archive_values,
    place=st.tuples(place_parts, place_parts, place_parts),
)
def test_the_fast_paths_agree_with_a_slow_writer_and_reader(
    value: Any, place: tuple[str, str, str]
) -> None:
    key = KeyVersion.generate(9)
    cipher = FieldCipher(Keyring([key]))
    record_type, record_id, field = place
    kwargs = {"record_type": record_type, "record_id": record_id, "field": field}
    expected = _slow_open(key.material, _slow_seal(key, value, *place), *place)
    # What the obvious writer wrote, `open` (its text fast path included) reads...
    for form in (Sealed(_slow_seal(key, value, *place)), _slow_seal(key, value, *place)):
        opened = cipher.open(form, **kwargs)
        assert opened == expected
        assert type(opened) is type(expected)
    # ...and what `seal` writes, the obvious reader reads, whatever the path.
    sealed = cipher.seal(value, **kwargs)
    assert type(sealed) is Sealed
    assert sealed == Sealed(sealed_to_bytes(sealed))
    assert hash(sealed) == hash(Sealed(sealed_to_bytes(sealed)))
    assert _slow_open(key.material, sealed_to_bytes(sealed), *place) == expected
    # Another record, field or record type: the fast path refuses it too.
    for other in ({"record_id": record_id + "x"}, {"field": field + "x"}):
        with pytest.raises(DecryptionError):
            cipher.open(sealed, **{**kwargs, **other})


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


def _forge(key: KeyVersion, plaintext: bytes, **place: str) -> bytes:
    """A value sealed by hand under `key`: authentic, whatever its plaintext says."""
    nonce = bytes(12)
    aad = associated_data(**{**PLACE, **place})
    body = AESGCM(key.material).encrypt(nonce, plaintext, aad)
    return struct.pack(">BI", 1, key.key_id) + nonce + body


def _no_plaintext_in_chain(error: BaseException, *secrets: str) -> None:
    """Nothing in the error's chain (cause or context, shown or not) holds a secret."""
    seen: BaseException | None = error
    while seen is not None:
        for secret in filter(None, secrets):
            assert secret not in repr(seen.args)
            for attr in ("object", "doc"):  # UnicodeError.object, JSONDecodeError.doc
                held = getattr(seen, attr, None)
                assert held is None or secret not in repr(held)
        seen = seen.__cause__ or seen.__context__


@pytest.mark.parametrize(
    "plaintext",
    [
        b'j"x"',
        b"j1",
        b"jnull",
        b"j[1,2]",
        b'j["a"]',
        b"l[1,2]",
        b'l["a",1]',
        b'l{"a":"b"}',
        b'l"a"',
        b"lnull",
        b"j{bad json",
        b'j{"x":NaN}',
        b"t\xff\xfe",
        b"x",
        b"?payload",
    ],
)
def test_a_value_opens_only_as_the_type_its_tag_names(plaintext: bytes) -> None:
    key = KeyVersion.generate(1)
    cipher = FieldCipher(Keyring([key]))
    forged = _forge(key, plaintext)
    with pytest.raises(DecryptionError) as caught:
        cipher.open(forged, **PLACE)
    assert caught.value.__context__ is None
    _no_plaintext_in_chain(caught.value, plaintext[1:].decode("latin-1"))
    # Rewrap opens it the same way, and refuses it the same way.
    with pytest.raises(DecryptionError):
        cipher.rewrap(sealed_from_bytes(forged), **PLACE)


def test_forged_values_of_the_right_shape_still_open() -> None:
    key = KeyVersion.generate(1)
    cipher = FieldCipher(Keyring([key]))
    assert cipher.open(_forge(key, b'l["a","b"]'), **PLACE) == ["a", "b"]
    assert cipher.open(_forge(key, b'j{"a":[1,null]}'), **PLACE) == {"a": [1, None]}
    assert cipher.open(_forge(key, b"l[]"), **PLACE) == []
    assert cipher.open(_forge(key, b"t"), **PLACE) == ""


def test_lone_surrogates_leave_no_plaintext_in_the_exception_chain(cipher: FieldCipher) -> None:
    private = "青霉素过敏 and more private text"
    for value in (private + "\ud800", ["ok", private + "\udfff"], {private + "\ud800": "k"}):
        with pytest.raises(ValidationError) as caught:
            cipher.seal(value, **PLACE)
        assert caught.value.__context__ is None
        assert caught.value.__cause__ is None
        _no_plaintext_in_chain(caught.value, private)


@pytest.mark.parametrize("version", [0x00, 0x02, 0xFF])
def test_one_header_check_everywhere(cipher: FieldCipher, version: int) -> None:
    data = sealed_to_bytes(cipher.seal("x", **PLACE))
    bad = bytes([version]) + data[1:]
    zero_key = data[:1] + bytes(4) + data[5:]
    for wrong in (bad, zero_key, sealed_to_text(Sealed(bad))):
        with pytest.raises(DecryptionError):
            sealed_key_id(wrong)
        with pytest.raises(DecryptionError):
            cipher.needs_rewrap(wrong)
        with pytest.raises(DecryptionError):
            cipher.rewrap(Sealed(wrong) if isinstance(wrong, bytes) else wrong, **PLACE)  # type: ignore[arg-type]
    for wrong in (bad, zero_key):
        with pytest.raises(DecryptionError):
            sealed_from_bytes(wrong)
    assert sealed_key_id(data) == 1
    assert not cipher.needs_rewrap(data)


def test_rewrap_opens_a_value_already_under_the_primary() -> None:
    ring = Keyring.generate()
    cipher = FieldCipher(ring)
    sealed = cipher.seal("花粉", **PLACE)
    assert cipher.rewrap(sealed, **PLACE) is sealed
    tampered = bytearray(sealed_to_bytes(sealed))
    tampered[-1] ^= 1
    with pytest.raises(DecryptionError):
        cipher.rewrap(Sealed(bytes(tampered)), **PLACE)
    # Another place, or a keyring from another environment with the same key id.
    with pytest.raises(DecryptionError):
        cipher.rewrap(sealed, **{**PLACE, "record_id": "c-002"})
    with pytest.raises(DecryptionError):
        FieldCipher(Keyring.generate()).rewrap(sealed, **PLACE)
