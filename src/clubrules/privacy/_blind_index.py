"""Blind indexes: equality search over sealed fields without decrypting, and their planning."""

from __future__ import annotations

import enum
import hmac
import math
import struct
from typing import Final, Protocol

import attrs
import phonenumbers

from clubrules._checks import (
    DEFAULT_TENANT,
    check_tenant,
    require_choice,
    require_int,
    require_real,
    shown,
)
from clubrules.errors import InvalidPhoneNumberError, KeyringError, ValidationError
from clubrules.privacy._sensitive import is_sensitive_field

__all__ = [
    "PHONE_VALUE_SPACE",
    "BlindIndex",
    "BlindIndexPlan",
    "IndexKind",
    "plan_blind_index",
]

MIN_VALUE_SPACE: Final = 2**16
# About 7 * 10^9 Chinese mobile numbers (1[3-9]x xxxx xxxx); a fair default.
PHONE_VALUE_SPACE: Final = 7 * 10**9
_U32 = struct.Struct(">I")


class _HasE164(Protocol):
    @property
    def e164(self) -> str: ...


class IndexKind(enum.StrEnum):
    """What an index holds, which decides how values are normalised."""

    PHONE = "phone"
    """Phone numbers, normalised to E.164 (default region CN)."""
    ID_NUMBER = "id_number"
    """Identity document numbers: spaces and hyphens dropped, upper case."""
    EMAIL = "email"
    """Email addresses: trimmed and case-folded."""


@attrs.frozen
class BlindIndexPlan:
    """A proposed bit length for a blind index, with what it implies.

    Attributes:
        bits: How many bits of the HMAC to keep.
        expected_false_positives: The expected number of other rows that
            match one lookup (each is opened and compared, then dropped).
        values_per_index: How many possible values share each index value:
            with the index key alone an attacker cannot narrow a value down
            to fewer candidates than this.
    """

    bits: int
    expected_false_positives: float
    values_per_index: float


def plan_blind_index(
    *,
    expected_rows: int,
    value_space: int,
    false_positive_rate: float = 0.01,
    min_values_per_index: int = 16,
) -> BlindIndexPlan:
    """Propose a bit length for a blind index (the CipherSweet planning rule).

    The fewest bits that keep the expected false positives per lookup at or
    below `false_positive_rate`, as long as every index value is still
    shared by at least `min_values_per_index` possible values.

    Args:
        expected_rows: How many rows the table will hold.
        value_space: How many distinct values the field can take (about
            7 * 10^9 for Chinese mobile numbers; 2 for a boolean).
        false_positive_rate: Expected false matches per lookup.
        min_values_per_index: The least number of possible values that must
            share each index value.

    Raises:
        ValidationError: the field has too few values to be indexed at all
            (`low_cardinality`), or no bit length meets both goals
            (`unplannable`); an argument that is not a number, or a
            `min_values_per_index` below 1.

    Examples:
        >>> plan = plan_blind_index(expected_rows=100_000, value_space=7 * 10**9)
        >>> plan.bits
        24
        >>> plan_blind_index(expected_rows=1000, value_space=2)
        Traceback (most recent call last):
        ...
        clubrules.errors.ValidationError: value_space: has only 2 values; ...
    """
    require_int(value_space, "value_space")
    require_int(expected_rows, "expected_rows")
    require_int(min_values_per_index, "min_values_per_index", minimum=1)
    rate = require_real(false_positive_rate, "false_positive_rate", floats=True)
    if value_space < MIN_VALUE_SPACE:
        raise ValidationError(
            f"has only {shown(value_space)} values; a blind index over so few values reveals them "
            f"(need at least {MIN_VALUE_SPACE})",
            field="value_space",
            rule="low_cardinality",
        )
    if expected_rows < 1 or not 0 < rate < 1:  # compared before any float is made of them
        raise ValidationError(
            "need expected_rows >= 1 and 0 < false_positive_rate < 1",
            field="expected_rows",
            rule="out_of_range",
        )
    false_positive_rate = float(rate)
    # Ints past 10**308 have no float, and a tiny rate makes the ratio
    # infinite: both need more than 64 bits, so they are unplannable.
    huge = expected_rows > 2**64 or false_positive_rate == 0  # a Decimal below any float: 0.0
    ratio = math.inf if huge else expected_rows / false_positive_rate
    bits = max(8, math.ceil(math.log2(ratio))) if math.isfinite(ratio) else 65  # past any plan
    # floor(log2(space / min)), exactly and for any size: the bit length of the quotient.
    max_bits = (value_space // min_values_per_index).bit_length() - 1
    if bits > max_bits or bits > 64:
        needs = str(bits) if bits <= 64 else "more than 64"
        raise ValidationError(
            f"needs {needs} bits for the false-positive rate but at most {max_bits} keep "
            f"{shown(min_values_per_index)} values per index value; accept more false positives",
            field="false_positive_rate",
            rule="unplannable",
        )
    return BlindIndexPlan(
        bits=bits,
        expected_false_positives=expected_rows / 2**bits,
        values_per_index=_quotient(value_space, 2**bits),
    )


def _quotient(numerator: int, denominator: int) -> float:
    """`numerator / denominator` as a float; infinity where no float is that large."""
    try:
        return numerator / denominator
    except OverflowError:
        return math.inf


class BlindIndex:
    """An HMAC-SHA256 blind index over one field: equal values give equal index values.

    The index value is the HMAC, under the index's own key, of the field name
    and the normalised value, truncated to `bits` bits. Truncation makes
    values collide on purpose: a lookup returns a few candidates, which are
    opened and compared; and someone holding only the index key cannot
    recover a value from its index value.

    Args:
        key: The index's own key, at least 32 bytes; never a sealing key.
        field: The field's name (part of the HMAC input, so two fields'
            indexes differ even under one key).
        kind: How to normalise values.
        bits: How many bits to keep (8 to 64); see `plan_blind_index`.
        tenant: The club whose values it indexes, when one database holds
            many. A tenant other than `"default"` is part of the HMAC input,
            so one phone number gets unrelated index values in two clubs,
            even under one key (give each club its own key as well). The
            default tenant's index values are those of an index without one.

    Raises:
        ValidationError: the field is a sensitive category (health,
            allergies, in any case, with spaces or a dotted prefix), or
            `bits` is out of range.
        KeyringError: the key is too short.

    Examples:
        >>> index = BlindIndex(b"k" * 32, field="phone", kind=IndexKind.PHONE, bits=24)
        >>> index.of("138 1234 5678") == index.of("+8613812345678")
        True
    """

    __slots__ = ("_bits", "_field", "_key", "_kind", "_prefix", "_shift", "_tenant")

    def __init__(
        self, key: bytes, *, field: str, kind: IndexKind, bits: int, tenant: str | None = None
    ) -> None:
        raw_key: object = key
        if not isinstance(raw_key, bytes) or len(raw_key) < 32:
            raise KeyringError("a blind-index key must be at least 32 bytes")
        if type(field) is not str or not field.strip():
            raise ValidationError("must be a non-empty string", field="field", rule="non_empty")
        # Sensitive fields are refused outright, however their name is written:
        # their values are few, so an index over them is a lookup table of who
        # has which condition.
        if is_sensitive_field(field):
            raise ValidationError(
                f"{field!r} is a low-cardinality sensitive field and cannot be indexed",
                field="field",
                rule="low_cardinality",
            )
        if type(bits) is not int or not 8 <= bits <= 64:
            raise ValidationError("must be from 8 to 64", field="bits", rule="out_of_range")
        self._key = key
        self._field = field
        self._kind = require_choice(IndexKind, kind, "kind")
        self._bits = bits
        try:
            raw_field: bytes | None = field.encode()
        except UnicodeEncodeError:  # holds the text: raised below, outside the handler
            raw_field = None
        if raw_field is None:
            raise ValidationError(
                "must be valid Unicode (no lone surrogates)", field="field", rule="invalid_text"
            )
        self._prefix = b"clubrules.blind_index.v1" + _U32.pack(len(raw_field)) + raw_field
        self._tenant = DEFAULT_TENANT if tenant is None else check_tenant(tenant)
        if self._tenant != DEFAULT_TENANT:
            # Its own tag ("." where the default prefix has a length's zero byte), then the
            # tenant and the field, each length-prefixed: no two prefixes spell each other.
            raw_tenant = self._tenant.encode()
            self._prefix = (
                b"clubrules.blind_index.v1.tenant"
                + _U32.pack(len(raw_tenant))
                + raw_tenant
                + _U32.pack(len(raw_field))
                + raw_field
            )
        self._shift = 256 - bits

    @property
    def tenant(self) -> str:
        """The tenant bound into the index values (`"default"` for none)."""
        return self._tenant

    @property
    def bits(self) -> int:
        """How many bits each index value has."""
        return self._bits

    def normalise(self, value: str | _HasE164) -> str:
        """The normal form of a value for this index's kind.

        Raises:
            ValidationError: a boolean or other non-text value.
            InvalidPhoneNumberError: a phone index given an invalid number.
        """
        if not isinstance(value, str):
            if self._kind is IndexKind.PHONE and hasattr(value, "e164"):
                e164: object = value.e164
                if type(e164) is not str:
                    raise ValidationError(
                        f"cannot index a {type(value).__name__} whose e164 is not text",
                        field=self._field,
                        rule="not_text",
                    )
                value = e164
            else:
                raise ValidationError(
                    f"cannot index a {type(value).__name__}", field=self._field, rule="not_text"
                )
        if self._kind is IndexKind.PHONE:
            # Every spelling goes through the parser, E.164 text too: "+" and
            # digits alone may be full-width or other Unicode digits (another
            # index value for the same number) or no valid number at all.
            try:
                parsed = phonenumbers.parse(value, "CN")
            except phonenumbers.NumberParseException:
                parsed = None
            if parsed is None or not phonenumbers.is_valid_number(parsed):
                raise InvalidPhoneNumberError("is not a valid phone number", field=self._field)
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if self._kind is IndexKind.ID_NUMBER:
            return "".join(c for c in value if c not in " -").upper()
        return value.strip().casefold()

    def of(self, value: str | _HasE164) -> int:
        """The index value of `value` (normalised first), an int below 2**bits."""
        return self.of_normalised(self.normalise(value))

    def of_normalised(self, normalised: str) -> int:
        """The index value of an already normalised value (the fast path).

        Raises:
            ValidationError: `normalised` is not a string of valid Unicode.
        """
        try:
            data: bytes | None = normalised.encode()
        except (AttributeError, UnicodeEncodeError):
            # Raised below, outside the handler: the encoding error holds the
            # whole value (a phone number, an email) in its `object`.
            data = None
        if data is None:
            raise ValidationError(
                "must be a string of valid Unicode (no lone surrogates)",
                field=self._field,
                rule="invalid_text",
            )
        digest = hmac.digest(self._key, self._prefix + data, "sha256")
        return int.from_bytes(digest) >> self._shift

    def __repr__(self) -> str:
        tenant = "" if self._tenant == DEFAULT_TENANT else f", tenant={self._tenant!r}"
        return (
            f"BlindIndex(field={self._field!r}, kind={self._kind.value!r}, bits={self._bits}"
            f"{tenant})"
        )
