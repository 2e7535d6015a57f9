"""The field recipe: seal a value for a place (record type, id, field), open it, rewrap it."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any, Final, NoReturn, cast

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clubrules._checks import DEFAULT_TENANT, check_tenant, refuse_pickle, require_instance
from clubrules.customers import Sealed
from clubrules.errors import DecryptionError, LeakRefusedError, ValidationError
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
from clubrules.privacy._keyring import Keyring

__all__ = [
    "FieldCipher",
    "sealed_from_bytes",
    "sealed_from_text",
    "sealed_key_id",
    "sealed_to_bytes",
    "sealed_to_text",
]

_NONCE_END = PREFIX_SIZE


def _nonce_source() -> Callable[[int], bytes]:
    """`os.getrandom` where the system has it, else `os.urandom`: the OS CSPRNG either way.

    `os.getrandom` is the same getrandom(2) call as `os.urandom` on Linux,
    without `os.urandom`'s fallback layer (about 40 ns less a seal). Linux
    returns reads of up to 256 bytes whole, so a nonce is always 12 bytes.
    """
    getrandom: Callable[[int], bytes] | None = getattr(os, "getrandom", None)
    if getrandom is not None:
        try:
            if len(getrandom(NONCE_SIZE)) == NONCE_SIZE:
                return getrandom
        except OSError:  # a kernel without the call, or a sandbox that refuses it
            pass
    return os.urandom


# A fresh draw from the operating system for every nonce, in the sealing call.
_random = _nonce_source()

_Parts = tuple[bytes, bytes]

# `seal` and `open` write the layout's offsets as literals; they must agree.
assert (HEADER_SIZE, PREFIX_SIZE, MIN_SIZE, NONCE_SIZE, TAG_TEXT) == (5, 17, 34, 12, 0x74)  # noqa: S101

# Bytes a seal has just written are wrapped without `Sealed`'s checks, which
# hold by construction here and cost a third of a seal: `Sealed._trusted`,
# written out on the sealing paths below to save a call per value.
_wrap = Sealed._trusted  # noqa: SLF001 - the sealed-value carrier's constructor for its recipes
_new_object = object.__new__
# The slot's own setter, as `object.__setattr__` would find it, without the lookup.
_set_ciphertext = Sealed.__dict__["ciphertext"].__set__


def _at(error: ValidationError, field: str) -> ValidationError:
    """`error` again, its problems moved to `field` (a position in a batch)."""
    return ValidationError(violations=[attrs.evolve(v, field=field) for v in error.violations])


def _typed_plaintexts(values: list[object]) -> list[bytes]:
    """The typed plaintext of every value; an error names the first bad one by position."""
    out: list[bytes] = []
    append = out.append
    problem = None
    for value in values:
        if type(value) is str:
            try:
                append(b"t" + value.encode())
                continue
            except UnicodeEncodeError:
                pass  # encode_value raises the error, without the text in its context
        try:
            append(encode_value(value))
        except ValidationError as error:
            problem = error
            break
    if problem is not None:
        raise _at(problem, f"values[{len(out)}]")
    return out


def _column(items: object, name: str) -> list[Any]:
    """The items of a batch argument as a list; text, bytes and mappings are refused."""
    if not isinstance(items, str | bytes | bytearray | memoryview | Mapping):
        try:
            return list(cast("Iterable[Any]", items))
        except TypeError:
            pass  # not iterable: refused below, outside the handler
    raise ValidationError(
        f"must be a list or another iterable of items, not {type(items).__name__}",
        field=name,
        rule="not_iterable",
    )


def _columns(values: object, name: str, record_ids: object) -> tuple[list[Any], list[Any]]:
    """The values and record ids of a batch, checked to be of the same length."""
    items, ids = _column(values, name), _column(record_ids, "record_ids")
    if len(items) != len(ids):
        raise ValidationError(
            f"record_ids has {len(ids)} items for {len(items)} {name}",
            field="record_ids",
            rule="length_mismatch",
        )
    return items, ids


# Batches are worked through in chunks, column by column: each step is one
# `map` of a C function over the chunk, not a loop of Python statements, and
# the chunk bounds the memory held by the intermediate columns.
_CHUNK: Final = 4096  # open_many: flat from 512 up
_SEAL_CHUNK: Final = 256  # seal_many: its columns of fresh bytes stay in cache
_TEXT_TAG: Final = b"t"
_join = b"".join
_header_of = itemgetter(slice(0, 5))
_nonce_of = itemgetter(slice(5, 17))
_body_of = itemgetter(slice(17, None))
_tag_of = itemgetter(0)
_payload_of = itemgetter(slice(1, None))


def _aads(prefix: bytes, suffix: bytes, raw_ids: list[bytes]) -> list[bytes]:
    """The associated data of each record id, between a place's constant parts."""
    try:
        lengths = map(LENGTHS.__getitem__, map(len, raw_ids))
        return list(map(_join, zip(repeat(prefix), lengths, raw_ids, repeat(suffix))))
    except IndexError:  # an id of 256 bytes or more: its prefix is not precomputed
        lengths = map(pack_u32, map(len, raw_ids))
        return list(map(_join, zip(repeat(prefix), lengths, raw_ids, repeat(suffix))))


def _seal_texts(
    values: list[object],
    ids: Sequence[object],
    *,
    prefix: bytes,
    suffix: bytes,
    header: bytes,
    encrypt: Callable[[bytes, bytes, bytes], bytes],
) -> list[Sealed] | None:
    """Seal a batch of text values with good record ids; None for any other batch."""
    if set(map(type, values)) - {str} or set(map(type, ids)) - {str} or not all(ids):
        return None
    texts = cast("list[str]", values)
    record_ids = cast("list[str]", ids)
    out: list[Sealed] = []
    for start in range(0, len(texts), _SEAL_CHUNK):
        end = start + _SEAL_CHUNK
        try:
            plaintexts = list(map(_TEXT_TAG.__add__, map(str.encode, texts[start:end])))
            raw_ids = list(map(str.encode, record_ids[start:end]))
        except UnicodeEncodeError:
            return None  # a lone surrogate: the checked path raises, without the text
        aads = _aads(prefix, suffix, raw_ids)
        # One system call per nonce, as in `seal`.
        nonces = list(map(_random, repeat(12, len(raw_ids))))
        datas = map(_join, zip(repeat(header), nonces, map(encrypt, nonces, plaintexts, aads)))
        sealed = list(map(_new_object, repeat(Sealed, len(raw_ids))))
        deque(map(_set_ciphertext, sealed, datas), maxlen=0)  # Sealed._trusted, run in C
        out += sealed
    return out


def _open_chunk(
    values: list[Sealed | bytes | str],
    ids: list[str],
    parts: _Parts,
    by_header: dict[bytes, AESGCM],
) -> list[Any]:
    """The values of a chunk of `open_many`, or `DecryptionError` if any fails to open."""
    datas = [v.ciphertext if type(v) is Sealed else _data(v) for v in values]
    if set(map(type, ids)) - {str} or not all(ids) or min(map(len, datas)) < MIN_SIZE:
        raise DecryptionError
    try:
        raw_ids: list[bytes] | None = list(map(str.encode, ids))
    except UnicodeEncodeError:  # a place no value was ever sealed for
        raw_ids = None
    aeads = list(map(by_header.get, map(_header_of, datas)))
    if raw_ids is None or None in aeads:
        raise DecryptionError
    prefix, suffix = parts
    aads = _aads(prefix, suffix, raw_ids)
    try:
        plaintexts: list[bytes] | None = list(
            map(
                AESGCM.decrypt,
                cast("list[AESGCM]", aeads),
                map(_nonce_of, datas),
                map(_body_of, datas),
                aads,
            )
        )
    except InvalidTag:
        plaintexts = None
    if plaintexts is None:
        raise DecryptionError
    if set(map(_tag_of, plaintexts)) == {TAG_TEXT}:  # text, the usual archive value
        try:
            return list(map(bytes.decode, map(_payload_of, plaintexts)))
        except UnicodeDecodeError:
            pass  # raised below, outside the handler: the error holds the plaintext
        raise DecryptionError
    return list(map(decode_value, plaintexts))  # raises DecryptionError, with no context


def _batch_aads(
    prefix: bytes, suffix: bytes, ids: list[str], record_type: str, field: str
) -> list[bytes]:
    """The associated data of every record of one field; an error names the first bad id."""
    out: list[bytes] = []
    append = out.append
    for record_id in ids:
        try:
            rid = record_id.encode() if type(record_id) is str else b""
        except UnicodeEncodeError:
            rid = b""
        if not rid:
            break
        size = len(rid)
        append(prefix + (LENGTHS[size] if size < 256 else pack_u32(size)) + rid + suffix)
    else:
        return out
    problem = None
    try:
        check_place(record_type, ids[len(out)], field)
    except ValidationError as error:
        problem = error
    raise _at(cast("ValidationError", problem), f"record_ids[{len(out)}]")


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
    opaque `DecryptionError`. For one field of many records, `seal_many` and
    `open_many` do the per-call work once for the whole batch.

    This is the cryptographic recipe. The customer archive is read through
    `PrivacyVault`, which adds per-customer data keys, the role policy,
    consent and the access log around it.

    Where many clubs share one database, give each club's cipher its
    `tenant`: the tenant is then bound into every value as well, so a value
    copied from one tenant's record to the same record id of another tenant
    fails to open, even under the same keys. A cipher of the tenant
    `"default"` (or of none) seals and opens exactly as a cipher without
    tenants, so the values of a single-club database keep opening.

    Args:
        keyring: The keys; the primary seals, primary and decrypt-only keys open.
        tenant: The tenant whose values this cipher seals and opens; None or
            `"default"` binds none.

    Raises:
        ValidationError: `tenant` is not a tenant id (field `tenant`), or
            `keyring` is not a `Keyring` (field `keyring`).

    Examples:
        >>> from clubrules.privacy import Keyring
        >>> cipher = FieldCipher(Keyring.generate())
        >>> place = dict(record_type="customer", record_id="c-1", field="allergies")
        >>> sealed = cipher.seal(["penicillin", "pollen"], **place)
        >>> cipher.open(sealed, **place)
        ['penicillin', 'pollen']
    """

    __slots__ = ("_aad", "_ends", "_keyring", "_tenant")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(
            self,
            "it holds a keyring, whose key material and use counts must not fork; "
            "build one in each process",
            LeakRefusedError,
        )

    def __init__(self, keyring: Keyring, *, tenant: str | None = None) -> None:
        self._tenant = DEFAULT_TENANT if tenant is None else check_tenant(tenant)
        self._keyring = require_instance(keyring, Keyring, "keyring")
        # The tenant lives in the cached constant parts of the associated
        # data: binding one adds no work per value.
        self._aad = AadCache(self._tenant)
        self._ends = self._aad.ends  # one attribute away on the hot paths

    @property
    def keyring(self) -> Keyring:
        """The keyring this cipher uses."""
        return self._keyring

    @property
    def tenant(self) -> str:
        """The tenant bound into every value (`"default"`: none is bound)."""
        return self._tenant

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
        # The usual call, text for a place sealed before, in one straight run:
        # on this path every operation saved is a few percent of a seal.
        if type(value) is str and type(record_id) is str:
            try:
                rid = record_id.encode()
                # The place's bytes before and after an id of this length,
                # joined around it in one step (see `AadCache.ends`).
                aad = rid.join(self._ends[record_type][field][len(rid)])
                plaintext = b"t" + value.encode()
            except (KeyError, TypeError, UnicodeEncodeError):
                # A place or id length not seen yet (an empty id, one of 256
                # bytes or more), an unhashable part, a lone surrogate: left to
                # the checked path. Not raised here: an encoding error would
                # stay in the new error's `__context__`, and it holds the whole text.
                rid = b""
            if rid:
                ring = self._keyring
                header, encrypt, take, slot = ring._sealer  # noqa: SLF001 - one cipher with its keyring
                nonce = _random(12)  # NONCE_SIZE: a system call of its own for every value
                # header + nonce + ciphertext, in one allocation.
                data = nonce.join((header, encrypt(nonce, plaintext, aad)))
                # Counted once sealed, so a seal that fails is not counted: one
                # of the uses the key counted ahead (see `_Slot`), or under its
                # lock, where a seal refused at the limit is given back and its
                # value dropped.
                try:
                    take()
                except IndexError:
                    used = slot.use()
                    if used >= slot.warn_at:
                        ring._exceeded(slot, used)  # noqa: SLF001
                sealed = _new_object(Sealed)
                _set_ciphertext(sealed, data)  # Sealed._trusted, written out
                return sealed
        # Any other value or place: checked, with the precise error.
        plaintext = encode_value(value)
        aad = self._aad_to_seal(record_type, record_id, field)
        return _wrap(self._seal_plaintext(plaintext, aad))

    def _aad_to_seal(self, record_type: object, record_id: object, field: object) -> bytes:
        """The associated data of a place; `ValidationError` naming a bad part."""
        if type(record_id) is not str or not record_id:
            check_place(record_type, record_id, field)
        self._aad.get(cast("str", record_type), cast("str", field))
        rid = encode_id(cast("str", record_type), cast("str", record_id), cast("str", field))
        return self._aad.around(cast("str", record_type), cast("str", field), rid)

    def seal_many(
        self,
        values: Iterable[object],
        *,
        record_type: str,
        field: str,
        record_ids: Iterable[str],
    ) -> list[Sealed]:
        """Encrypt many values of one field, each for its own record, under the primary key.

        The same as `seal` for each pair of `values` and `record_ids` in turn,
        with the per-call work done once: the field's place is checked once,
        and the key's usage is counted once for the whole batch. Each value
        still gets its own random nonce.

        The batch is sealed whole or not at all: on any error nothing is
        returned and no use of the key is counted.

        Args:
            values: The values, as for `seal`.
            record_type: The kind of record, for example `"customer"`.
            field: The field's name, for example `"allergies"`.
            record_ids: The record of each value, in the same order.

        Returns:
            The sealed values, in the order of `values`.

        Raises:
            ValidationError: the two sequences differ in length; a value's type
                is not supported (the error names its position, `values[i]`,
                never the value); a record id is empty or not a string
                (`record_ids[i]`); or the record type or field is empty.
            KeyringError: the batch would take the primary key past its
                usage limit.

        Examples:
            >>> from clubrules.privacy import Keyring
            >>> cipher = FieldCipher(Keyring.generate())
            >>> place = dict(record_type="customer", field="allergies")
            >>> sealed = cipher.seal_many(["花粉", "青霉素"], record_ids=["c-1", "c-2"], **place)
            >>> cipher.open(sealed[1], record_id="c-2", **place)
            '青霉素'
        """
        values, ids = _columns(values, "values", record_ids)
        if type(record_type) is not str or type(field) is not str:
            check_place(record_type, "x", field)
        prefix, suffix = self._aad.get(record_type, field)
        ring = self._keyring
        slot = ring._primary  # noqa: SLF001 - the keyring and the cipher work as one
        header, encrypt = slot.header, slot.aead.encrypt
        out = _seal_texts(values, ids, prefix=prefix, suffix=suffix, header=header, encrypt=encrypt)
        if out is None:
            # Not all text, or a bad value or id: checked one by one, which
            # raises the precise error (or seals a batch of mixed types).
            out = []
            append = out.append
            plaintexts = _typed_plaintexts(values)
            aads = _batch_aads(prefix, suffix, ids, record_type, field)
            for plaintext, aad in zip(plaintexts, aads, strict=True):
                nonce = _random(12)  # one system call per nonce, as in `seal`
                append(_wrap(header + nonce + encrypt(nonce, plaintext, aad)))
        # Counted once the whole batch is sealed, as in `seal`: a batch refused
        # at the limit gives its uses back and returns nothing.
        if out:
            used = slot.use(len(out))
            if used >= slot.warn_at:
                ring._exceeded(slot, used, len(out))  # noqa: SLF001
        return out

    def _seal_plaintext(self, plaintext: bytes, aad: bytes) -> bytes:
        ring = self._keyring
        slot = ring._primary  # noqa: SLF001
        nonce = _random(NONCE_SIZE)
        data = slot.header + nonce + slot.aead.encrypt(nonce, plaintext, aad)
        used = slot.use()
        if used >= slot.warn_at:
            ring._exceeded(slot, used)  # noqa: SLF001
        return data

    def _open_plaintext(self, data: bytes, aad: bytes) -> bytes:
        aead = self._keyring._by_header.get(data[:HEADER_SIZE])  # noqa: SLF001
        if aead is None or len(data) < MIN_SIZE:
            raise DecryptionError
        try:
            return aead.decrypt(data[HEADER_SIZE:_NONCE_END], data[_NONCE_END:], aad)
        except InvalidTag:
            raise DecryptionError from None

    def _parts_to_open(self, record_type: object, record_id: object, field: object) -> _Parts:
        """The constant associated-data parts of a place, or `DecryptionError` for a bad place."""
        try:
            check_place(record_type, record_id, field)
            parts: _Parts | None = self._aad.get(cast("str", record_type), cast("str", field))
        except ValidationError:
            parts = None
        if parts is None:
            raise DecryptionError
        return parts

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
        # The usual call, a place opened or sealed before, in one straight run.
        try:
            rid = record_id.encode() if type(record_id) is str else b""
            aad = rid.join(self._ends[record_type][field][len(rid)])  # as in `seal`
        except (KeyError, TypeError, UnicodeEncodeError):
            # A place or id length not seen yet, an unhashable part, a lone
            # surrogate: left to the checked path.
            rid = b""
        if not rid:
            aad = self._aad_to_open(record_type, record_id, field)
        # The layout's offsets as literals (header 0-5, nonce 5-17, MIN_SIZE 34).
        aead = self._keyring._by_header.get(data[:5])  # noqa: SLF001
        if aead is None or len(data) < 34:
            raise DecryptionError
        try:
            plaintext = aead.decrypt(data[5:17], data[17:], aad)
        except InvalidTag:
            raise DecryptionError from None
        if plaintext[0] == 0x74:  # TAG_TEXT, the usual archive value: decoded inline
            try:
                return plaintext[1:].decode()
            except UnicodeDecodeError:
                # Raised below, outside the handler: the decoding error holds the plaintext.
                pass
            raise DecryptionError
        return decode_value(plaintext)

    def _aad_to_open(self, record_type: object, record_id: object, field: object) -> bytes:
        """The associated data of a place, or `DecryptionError` for a place no value has."""
        try:
            aad: bytes | None = self._aad_to_seal(record_type, record_id, field)
        except ValidationError:
            aad = None
        if aad is None:
            raise DecryptionError
        return aad

    def open_many(
        self,
        sealed_values: Iterable[Sealed | bytes | str],
        *,
        record_type: str,
        field: str,
        record_ids: Iterable[str],
    ) -> list[Any]:
        """Decrypt many values of one field, each sealed for its own record.

        The same as `open` for each pair of `sealed_values` and `record_ids`
        in turn, with the field's place checked once. All or nothing: if any
        value fails to open, the whole call raises the same opaque
        `DecryptionError` as `open` and returns nothing (open the values one
        at a time to find which).

        Args:
            sealed_values: The sealed values, their binary or their text forms.
            record_type: The kind of record they were sealed for.
            field: The field they were sealed for.
            record_ids: The record each value was sealed for, in the same order.

        Returns:
            The values, in the order of `sealed_values`, each of the type it
            was sealed as.

        Raises:
            ValidationError: the two sequences differ in length.
            DecryptionError: a value does not open (as for `open`).

        Examples:
            >>> from clubrules.privacy import Keyring
            >>> cipher = FieldCipher(Keyring.generate())
            >>> place = dict(record_type="customer", field="allergies")
            >>> ids = ["c-1", "c-2"]
            >>> sealed = cipher.seal_many(["花粉", ["青霉素"]], record_ids=ids, **place)
            >>> cipher.open_many(sealed, record_ids=ids, **place)
            ['花粉', ['青霉素']]
        """
        values, ids = _columns(sealed_values, "sealed_values", record_ids)
        parts = self._parts_to_open(record_type, "x", field)
        by_header = self._keyring._by_header  # noqa: SLF001 - one keyring state for the batch
        out: list[Any] = []
        for start in range(0, len(values), _CHUNK):
            out += _open_chunk(
                values[start : start + _CHUNK], ids[start : start + _CHUNK], parts, by_header
            )
        return out

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
        except (ValidationError, TypeError):  # a bad place opens nothing
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
        return _wrap(self._seal_plaintext(plaintext, aad))

    def __repr__(self) -> str:
        if self._tenant == DEFAULT_TENANT:
            return f"FieldCipher({self._keyring!r})"
        return f"FieldCipher({self._keyring!r}, tenant={self._tenant!r})"
