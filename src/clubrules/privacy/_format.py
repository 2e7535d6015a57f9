"""The versioned ciphertext format, the associated data, and the typed plaintext.

Binary form, format version 1 (every integer big-endian):

```text
offset  size  field
0       1     format version, 0x01
1       4     key id, unsigned 32-bit, never 0
5       12    nonce, random
17      n     AES-256-GCM ciphertext of the typed plaintext (n = its length)
17+n    16    AES-GCM tag
```

The typed plaintext is one tag byte followed by the payload: `t` UTF-8
text, `b` raw bytes, `l` a JSON array of strings, `j` a JSON object (sorted
keys, compact separators, UTF-8).

The associated data (never stored; rebuilt from the place on every call):

```text
0x01 || u32(len(record_type)) || record_type || u32(len(record_id)) || record_id
     || u32(len(field)) || field
```

with each string UTF-8 encoded. A cipher bound to a tenant other than
`"default"` appends `u32(len(tenant)) || tenant`: no place of one tenant
shares an encoding with a place of another, nor with a place of a cipher
bound to no tenant (whose associated data ends at the field).

The text form, for text columns, is `cr:` followed by the unpadded
base64url encoding of the binary form.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
import threading
from typing import Any, Final, cast

from clubrules._checks import DEFAULT_TENANT
from clubrules.errors import DecryptionError, ValidationError

__all__: list[str] = []

VERSION: Final = 1
VERSION_BYTE: Final = b"\x01"
KEY_ID_SIZE: Final = 4
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
HEADER_SIZE: Final = 1 + KEY_ID_SIZE
PREFIX_SIZE: Final = HEADER_SIZE + NONCE_SIZE
# One tag byte of plaintext at least, so the shortest valid value is 34 bytes.
MIN_SIZE: Final = PREFIX_SIZE + 1 + TAG_SIZE
MAX_KEY_ID: Final = 2**32 - 1
TEXT_PREFIX: Final = "cr:"

TAG_TEXT: Final = 0x74  # "t"
TAG_BYTES: Final = 0x62  # "b"
TAG_LIST: Final = 0x6C  # "l"
TAG_JSON: Final = 0x6A  # "j"

_U32 = struct.Struct(">I")
_pack_u32 = _U32.pack
pack_u32 = _pack_u32
# The 4-byte length prefixes of the usual short identifiers, precomputed.
LENGTHS: Final = tuple(_pack_u32(n) for n in range(256))
_HEADER = struct.Struct(">BI")


def header(key_id: int) -> bytes:
    """The 5-byte header (version, key id) of a value sealed under `key_id`."""
    return _HEADER.pack(VERSION, key_id)


def parse_header(data: bytes) -> int:
    """The key id of a binary value whose header is valid: the one header check.

    `FieldCipher.open` makes the same check by looking the 5 header bytes up
    among the keyring's headers, each of which is `header(key_id)` for a
    valid key id.

    Raises:
        DecryptionError: shorter than the shortest value, a version byte other
            than 0x01, or key id 0.
    """
    if len(data) < MIN_SIZE:
        raise DecryptionError
    version, key_id = _HEADER.unpack_from(data)
    if version != VERSION or key_id == 0:
        raise DecryptionError
    return int(key_id)


def _lp(text: str) -> bytes:
    raw = text.encode()
    return _pack_u32(len(raw)) + raw


def check_place(record_type: object, record_id: object, field: object) -> None:
    """Raise `ValidationError` naming every part of a place that is not a non-empty string.

    A string with a lone surrogate cannot be encoded into the associated
    data, so it is refused too (rule `invalid_text`).
    """
    problems = []
    for name, value in (("record_type", record_type), ("record_id", record_id), ("field", field)):
        if type(value) is not str or not value:
            problems.append(name)
    if problems:
        raise ValidationError(
            f"must be a non-empty string: {', '.join(problems)}",
            field=problems[0],
            rule="non_empty_string",
        )
    for name, value in (("record_type", record_type), ("record_id", record_id), ("field", field)):
        if not _encodable(cast("str", value)):
            raise ValidationError(
                "must be valid Unicode (no lone surrogates)", field=name, rule="invalid_text"
            )


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def encode_id(record_type: str, record_id: str, field: str) -> bytes:
    """`record_id` as UTF-8; a place `check_place` refuses raises its ValidationError."""
    try:
        return record_id.encode()
    except (AttributeError, UnicodeEncodeError):
        pass
    # Checked outside the handler, so that the error has no `__context__`:
    # the encoding error would hold the whole id.
    check_place(record_type, record_id, field)
    raise ValidationError(  # pragma: no cover - check_place raised
        "must be a non-empty string", field="record_id", rule="non_empty_string"
    )


def tenant_part(tenant: str | None) -> bytes:
    """The bytes a tenant adds after the field: none for no tenant or `"default"`."""
    if tenant is None or tenant == DEFAULT_TENANT:
        return b""
    return _lp(tenant)


# The constant parts an `AadCache` keeps, per record type and per field of one.
_MAX_CACHED: Final = 64
# The place ends an `AadCache` keeps in all (see `AadCache.ends`): a few
# hundred kilobytes at most, and room for 64 fields with ids of 64 lengths.
_MAX_ENDS: Final = 4096


class AadCache:
    """Builds associated data, caching the constant parts per (record type, field).

    The associated data for a record is `prefix(record_type) + lp(record_id) +
    suffix(field)`; only the record id part is built per call. The tenant,
    if any, is part of the suffix, so binding one costs nothing per call.

    `parts[record_type][field]` is `(prefix, suffix)`: two lookups of strings,
    whose hashes Python keeps, rather than hashing a new tuple per call. At
    most 64 record types of 64 fields each are kept; others are built per call.

    `ends[record_type][field][n]` is `(prefix + u32(n), suffix)`, kept for
    each length n (1 to 255 bytes) of a record id that passed the checks for
    a kept place, up to 4,096 of them in all: the associated data of a
    record id `raw` of that length is then
    `raw.join(ends[record_type][field][len(raw)])`, one allocation.
    """

    __slots__ = ("_lock", "ends", "kept", "parts", "tenant")

    def __init__(self, tenant: str | None = None) -> None:
        self.parts: dict[str, dict[str, tuple[bytes, bytes]]] = {}
        self.ends: dict[str, dict[str, dict[int, tuple[bytes, bytes]]]] = {}
        # How many ends are kept, counted under the lock (only the checked
        # paths add ends; the straight runs only read them).
        self.kept = 0
        self._lock = threading.Lock()
        self.tenant = tenant_part(tenant)

    def get(self, record_type: str, field: str) -> tuple[bytes, bytes]:
        """The constant parts for a record type and field (checked on first use)."""
        try:
            return self.parts[record_type][field]
        except (KeyError, TypeError):  # not cached yet; an unhashable part
            pass
        return self.miss(record_type, field)

    def miss(self, record_type: str, field: str) -> tuple[bytes, bytes]:
        """Build (and cache) the constant parts for a record type and field."""
        check_place(record_type, "x", field)
        parts = (VERSION_BYTE + _lp(record_type), _lp(field) + self.tenant)
        fields = self.parts.get(record_type)
        if fields is None and len(self.parts) < _MAX_CACHED:
            fields = self.parts.setdefault(record_type, {})
        if fields is not None and len(fields) < _MAX_CACHED:
            fields[field] = parts
        return parts

    def around(self, record_type: str, field: str, raw_id: bytes) -> bytes:
        """The associated data of a checked place whose record id is `raw_id` (UTF-8, not empty).

        The place's parts come from `get`; for a kept place and an id shorter
        than 256 bytes, the place's ends for that length are kept in `ends`.
        """
        prefix, suffix = self.get(record_type, field)
        size = len(raw_id)
        if not 0 < size < 256:
            return prefix + _pack_u32(size) + raw_id + suffix
        ends = (prefix + LENGTHS[size], suffix)
        fields = self.parts.get(record_type)
        if fields is not None and field in fields:
            with self._lock:
                by_length = self.ends.setdefault(record_type, {}).setdefault(field, {})
                if size not in by_length and self.kept < _MAX_ENDS:
                    by_length[size] = ends
                    self.kept += 1
        return raw_id.join(ends)

    def aad(self, record_type: str, record_id: str, field: str) -> bytes:
        """The associated data of a place; validates the parts on first use."""
        self.get(record_type, field)
        if type(record_id) is not str or not record_id:
            check_place(record_type, record_id, field)
        return self.around(record_type, field, encode_id(record_type, record_id, field))


def associated_data(
    record_type: str, record_id: str, field: str, tenant: str | None = None
) -> bytes:
    """The associated data of a place, built from scratch (the slow, obvious form)."""
    check_place(record_type, record_id, field)
    aad = VERSION_BYTE + _lp(record_type) + _lp(record_id) + _lp(field)
    if tenant is not None and tenant != DEFAULT_TENANT:
        aad += _lp(tenant)
    return aad


def encode_value(value: object) -> bytes:
    """The typed plaintext of a value: a tag byte, then the payload.

    Raises:
        ValidationError: the value is not text, bytes, a list of strings or a
            JSON-able dict, or its text is not valid Unicode (a lone
            surrogate). The message names the type only, never the value,
            and the error carries no context that holds it.
    """
    try:
        return _encode(value)
    except UnicodeEncodeError:
        pass
    # Raised here, outside the handler, so that `__context__` stays empty: the
    # encoding error holds the whole text it failed on.
    raise ValidationError(
        "text must be valid Unicode (no lone surrogates)",
        field="value",
        rule="unsupported_value",
    )


def _encode(value: object) -> bytes:
    if type(value) is str:
        return b"t" + value.encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return b"b" + bytes(value)
    if isinstance(value, list | tuple):
        if not all(type(item) is str for item in value):
            raise ValidationError(
                "a list value must hold strings only", field="value", rule="unsupported_value"
            )
        return b"l" + _json(list(value))
    if isinstance(value, dict):
        return b"j" + _json(value)
    raise ValidationError(
        f"cannot seal a value of type {type(value).__name__}; "
        "use str, bytes, a list of str, or a JSON-able dict",
        field="value",
        rule="unsupported_value",
    )


def _json_able(value: object, depth: int = 0) -> bool:
    """Whether `value` survives a JSON round trip unchanged (str keys, no tuples, no NaN)."""
    if value is None or type(value) in (str, bool, int):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if depth > 64:
        return False
    if type(value) is list:
        return all(_json_able(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _json_able(v, depth + 1) for k, v in value.items())
    return False


def _json(value: object) -> bytes:
    if not _json_able(value if not isinstance(value, tuple) else list(value)):
        raise ValidationError(
            "a structured value must be JSON-able (str keys; str, int, finite float, "
            "bool, None, list or dict values)",
            field="value",
            rule="unsupported_value",
        )
    try:
        text = json.dumps(
            value,
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
            default=_refuse,
        )
    except (TypeError, ValueError):
        text = None
    if text is None:
        # Raised outside the handler: the original error may quote the value,
        # so neither its message nor the error itself is kept.
        raise ValidationError(
            "a structured value must be JSON-able (str keys; str, int, finite float, "
            "bool, None, list or dict values)",
            field="value",
            rule="unsupported_value",
        )
    return text.encode()


def _refuse(value: object) -> object:
    msg = f"not JSON-able: {type(value).__name__}"
    raise TypeError(msg)


_REFUSED: Final = object()


def decode_value(plaintext: bytes) -> Any:  # noqa: ANN401 - any archive type
    """The value of a typed plaintext, of the type its tag byte names.

    A `t` payload must be UTF-8, an `l` payload a JSON array of strings and a
    `j` payload a JSON object; anything else is refused, so a value always
    opens as the type it was sealed as.

    Raises:
        DecryptionError: an empty plaintext, an unknown tag, or a payload that
            does not match its tag. It carries no context: the errors it
            replaces would hold the plaintext.
    """
    value = _decode(plaintext)
    if value is _REFUSED:
        raise DecryptionError
    return value


def opens_as_its_type(plaintext: bytes) -> bool:
    """Whether a typed plaintext decodes as the type its tag byte names (see `decode_value`)."""
    return _decode(plaintext) is not _REFUSED


def _no_constant(_name: str) -> object:
    # NaN and the infinities: JSON has none, and `seal` refuses them.
    raise ValueError


def _decode(plaintext: bytes) -> object:
    """The value of a typed plaintext, or `_REFUSED`; never raises."""
    if not plaintext:
        return _REFUSED
    tag = plaintext[0]
    try:
        if tag == TAG_TEXT:
            return plaintext[1:].decode()
        if tag == TAG_BYTES:
            return plaintext[1:]
        if tag == TAG_LIST:
            value = json.loads(plaintext[1:].decode(), parse_constant=_no_constant)
            if type(value) is list and all(type(item) is str for item in value):
                return value
        elif tag == TAG_JSON:
            value = json.loads(plaintext[1:].decode(), parse_constant=_no_constant)
            if type(value) is dict:
                return value
    except (ValueError, RecursionError):
        pass
    return _REFUSED


def to_text(data: bytes) -> str:
    """The text form of a binary value: `cr:` and unpadded base64url."""
    return TEXT_PREFIX + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_text(text: str) -> bytes:
    """The binary form of a text value; raises `DecryptionError` if it is malformed."""
    if type(text) is not str or not text.startswith(TEXT_PREFIX):
        raise DecryptionError
    body = text[len(TEXT_PREFIX) :]
    if len(body) % 4 == 1 or "=" in body:
        raise DecryptionError
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError from None
    # base64 decoding ignores nothing here, but make the form canonical anyway:
    # exactly one text form per binary value.
    if to_text(raw) != text:
        raise DecryptionError
    return raw


def sealed_size(plaintext_size: int) -> int:
    """The binary size of a value whose typed plaintext has `plaintext_size` bytes."""
    return PREFIX_SIZE + plaintext_size + TAG_SIZE
