"""The field recipe: seal a value for a place (record type, id, field), open it, rewrap it."""

from __future__ import annotations

from os import urandom
from typing import Any

from cryptography.exceptions import InvalidTag

from clubrules.customers import Sealed
from clubrules.errors import DecryptionError, ValidationError
from clubrules.privacy._format import (
    HEADER_SIZE,
    LENGTHS,
    MIN_SIZE,
    NONCE_SIZE,
    PREFIX_SIZE,
    TAG_TEXT,
    AadCache,
    check_place,
    decode_value,
    encode_id,
    encode_value,
    from_text,
    opens_as_its_type,
    pack_u32,
    parse_header,
    to_text,
)
from clubrules.privacy._keyring import Keyring  # noqa: TC001 - resolved at runtime by get_type_hints

__all__ = [
    "FieldCipher",
    "sealed_from_bytes",
    "sealed_from_text",
    "sealed_key_id",
    "sealed_to_bytes",
    "sealed_to_text",
]

_NONCE_END = PREFIX_SIZE


def _data(sealed: Sealed | bytes | str) -> bytes:
    """The binary form of a sealed value given as `Sealed`, bytes or text form."""
    if type(sealed) is Sealed:
        return sealed.ciphertext
    if isinstance(sealed, bytes):
        return sealed
    if isinstance(sealed, str):
        return from_text(sealed)
    raise DecryptionError


def sealed_to_text(sealed: Sealed) -> str:
    """The text form of a sealed value (`cr:` + base64url), for text columns.

    Examples:
        >>> from clubrules.privacy import FieldCipher, Keyring
        >>> cipher = FieldCipher(Keyring.generate())
        >>> sealed = cipher.seal("花粉", record_type="customer", record_id="c-1", field="allergies")
        >>> text = sealed_to_text(sealed)
        >>> text.startswith("cr:"), sealed_from_text(text) == sealed
        (True, True)
    """
    return to_text(_data(sealed))


def sealed_to_bytes(sealed: Sealed) -> bytes:
    """The binary form of a sealed value, for binary (BLOB, bytea) columns."""
    return _data(sealed)


def sealed_from_bytes(data: bytes) -> Sealed:
    """The sealed value of a binary form read back from storage.

    Only the header is checked here (version 1, a key id other than 0, long
    enough); the value is authenticated when it is opened.

    Raises:
        DecryptionError: not a version-1 sealed value.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecryptionError
    raw = bytes(data)
    parse_header(raw)
    return Sealed(raw)


def sealed_from_text(text: str) -> Sealed:
    """The sealed value of a text form; raises `DecryptionError` if malformed."""
    return sealed_from_bytes(from_text(text))


def sealed_key_id(sealed: Sealed | bytes | str) -> int:
    """The id of the key a value was sealed under (read from its header, not verified).

    Raises:
        DecryptionError: the header is not a version-1 header (as for
            `sealed_from_bytes`), or the value is too short.
    """
    return parse_header(_data(sealed))


class FieldCipher:
    """Seals values for a place and opens them there, under a keyring.

    A place is a record type, a record id and a field name; the ciphertext is
    bound to it by AES-GCM's associated data, so a value copied to another
    record or field fails to open. Every failure to open raises the same
    opaque `DecryptionError`.

    This is the cryptographic recipe. The customer archive is read through
    `PrivacyVault`, which adds per-customer data keys, the role policy,
    consent and the access log around it.

    Args:
        keyring: The keys; the primary seals, primary and decrypt-only keys open.

    Examples:
        >>> from clubrules.privacy import Keyring
        >>> cipher = FieldCipher(Keyring.generate())
        >>> place = dict(record_type="customer", record_id="c-1", field="allergies")
        >>> sealed = cipher.seal(["penicillin", "pollen"], **place)
        >>> cipher.open(sealed, **place)
        ['penicillin', 'pollen']
    """

    __slots__ = ("_aad", "_keyring")

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._aad = AadCache()

    @property
    def keyring(self) -> Keyring:
        """The keyring this cipher uses."""
        return self._keyring

    def seal(self, value: object, *, record_type: str, record_id: str, field: str) -> Sealed:
        """Encrypt `value` for the place, under the primary key.

        Args:
            value: Text, bytes, a list of strings, or a JSON-able dict.
            record_type: The kind of record, for example `"customer"`.
            record_id: The record's identifier.
            field: The field's name, for example `"allergies"`.

        Raises:
            ValidationError: the value's type is not supported, or a part of
                the place is empty.
            KeyringError: the primary key has reached its usage limit.
        """
        # Written out inline: on the hot path each call saved is a few percent of a seal.
        plaintext = None
        if type(value) is str:
            try:  # noqa: SIM105 - contextlib.suppress costs a few percent of a seal
                plaintext = b"t" + value.encode()
            except UnicodeEncodeError:
                # Not raised here: the encoding error would stay in the new
                # error's `__context__`, and it holds the whole text.
                pass
        if plaintext is None:
            plaintext = encode_value(value)
        parts = self._aad.parts.get((record_type, field)) or self._aad.miss(record_type, field)
        if type(record_id) is not str or not record_id:
            check_place(record_type, record_id, field)
        rid = encode_id(record_type, record_id, field)
        size = len(rid)
        aad = parts[0] + (LENGTHS[size] if size < 256 else pack_u32(size)) + rid + parts[1]
        ring = self._keyring
        slot = ring._primary  # noqa: SLF001 - the keyring and the cipher work as one
        used = slot.use()
        if used >= slot.warn_at:
            ring._exceeded(slot, used)  # noqa: SLF001
        nonce = urandom(NONCE_SIZE)
        return Sealed(slot.header + nonce + slot.aead.encrypt(nonce, plaintext, aad))

    def _seal_plaintext(self, plaintext: bytes, aad: bytes) -> bytes:
        ring = self._keyring
        slot = ring._primary  # noqa: SLF001
        used = slot.use()
        if used >= slot.warn_at:
            ring._exceeded(slot, used)  # noqa: SLF001
        nonce = urandom(NONCE_SIZE)
        return slot.header + nonce + slot.aead.encrypt(nonce, plaintext, aad)

    def _open_plaintext(self, data: bytes, aad: bytes) -> bytes:
        aead = self._keyring._by_header.get(data[:HEADER_SIZE])  # noqa: SLF001
        if aead is None or len(data) < MIN_SIZE:
            raise DecryptionError
        try:
            return aead.decrypt(data[HEADER_SIZE:_NONCE_END], data[_NONCE_END:], aad)
        except InvalidTag:
            raise DecryptionError from None

    def open(
        self, sealed: Sealed | bytes | str, *, record_type: str, record_id: str, field: str
    ) -> Any:  # noqa: ANN401 - the type the value was sealed as
        """Decrypt a value sealed for this place.

        Args:
            sealed: The sealed value, its binary form, or its text form.
            record_type: The kind of record it was sealed for.
            record_id: The record it was sealed for.
            field: The field it was sealed for.

        Returns:
            The value, of the type it was sealed as (a list comes back as a list).

        Raises:
            DecryptionError: always the same, whatever the cause: tampered,
                truncated, another place, an unknown or retired key, a future
                format version.
        """
        data = sealed.ciphertext if type(sealed) is Sealed else _data(sealed)
        parts = self._aad.parts.get((record_type, field))
        if parts is None or type(record_id) is not str or not record_id:
            try:
                parts = self._aad.miss(record_type, field)
                check_place(record_type, record_id, field)
            except ValidationError:
                raise DecryptionError from None
        try:
            rid = encode_id(record_type, record_id, field)
        except ValidationError:  # a place no value was ever sealed for
            raise DecryptionError from None
        size = len(rid)
        aad = parts[0] + (LENGTHS[size] if size < 256 else pack_u32(size)) + rid + parts[1]
        aead = self._keyring._by_header.get(data[:HEADER_SIZE])  # noqa: SLF001
        if aead is None or len(data) < MIN_SIZE:
            raise DecryptionError
        try:
            plaintext = aead.decrypt(data[HEADER_SIZE:_NONCE_END], data[_NONCE_END:], aad)
        except InvalidTag:
            raise DecryptionError from None
        if plaintext[0] == TAG_TEXT:
            try:
                return plaintext[1:].decode()
            except UnicodeDecodeError:
                # Raised below, outside the handler: the decoding error holds the plaintext.
                pass
            raise DecryptionError
        return decode_value(plaintext)

    def needs_rewrap(self, sealed: Sealed | bytes | str) -> bool:
        """Whether a value is sealed under a key other than the primary (header only).

        Raises:
            DecryptionError: the header is not a version-1 header, or the
                value is too short (as for `sealed_key_id`).
        """
        return parse_header(_data(sealed)) != self._keyring.primary_id

    def rewrap(self, sealed: Sealed, *, record_type: str, record_id: str, field: str) -> Sealed:
        """Re-encrypt a value under the primary key, for the same place.

        The value is opened first, whatever key it is under: a value already
        under the primary key is returned as it is only once it has opened.
        The plaintext never leaves this call.

        Raises:
            DecryptionError: the value does not open (as for `open`).
        """
        data = _data(sealed)
        try:
            aad = self._aad.aad(record_type, record_id, field)
        except ValidationError:
            aad = None
        if aad is None:
            raise DecryptionError
        plaintext = self._open_plaintext(data, aad)
        # The value must open as `open` would open it, its type tag included.
        # Text is checked inline (the usual case); the tag byte is ASCII, so
        # the whole plaintext is UTF-8 exactly when the text is.
        if plaintext[0] == TAG_TEXT:
            try:
                plaintext.decode()
            except UnicodeDecodeError:
                plaintext = b""
        elif not opens_as_its_type(plaintext):
            plaintext = b""
        if not plaintext:
            raise DecryptionError
        if data[:HEADER_SIZE] == self._keyring._primary.header:  # noqa: SLF001
            return sealed if type(sealed) is Sealed else Sealed(data)
        return Sealed(self._seal_plaintext(plaintext, aad))

    def __repr__(self) -> str:
        return f"FieldCipher({self._keyring!r})"
