"""`Sealed`: the only form in which the customer archive holds sensitive data."""

from __future__ import annotations

import attrs

from clubrules.errors import ValidationError

__all__ = ["Sealed"]


def _to_bytes(value: bytes | bytearray | memoryview) -> bytes:
    # bytearray and memoryview are copied into immutable bytes; anything else
    # is passed on for the validator to refuse.
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _check_ciphertext(_instance: object, _attribute: object, checked: bytes) -> None:
    value: object = checked
    if not isinstance(value, bytes):
        # Never echo the value: it may be plaintext given by mistake.
        raise ValidationError(
            f"must be bytes produced by clubrules.privacy, not {type(value).__name__}",
            field="ciphertext",
            rule="not_ciphertext",
        )
    if not value:
        raise ValidationError("must not be empty", field="ciphertext", rule="empty_ciphertext")


@attrs.frozen(repr=False)
class Sealed:
    """An opaque sealed (encrypted) value: ciphertext bytes, nothing else.

    The archive fields of a [Customer][clubrules.customers.Customer]
    (`health`, `allergies`, `beauty_needs`) accept only `Sealed` values, so
    plaintext health data cannot reach a repository by mistake. Sealed values
    are made and opened by `clubrules.privacy` (its field recipe binds each
    ciphertext to its customer and field); this class only carries the bytes.
    For a text column, `clubrules.privacy.sealed_to_text` and
    `sealed_from_text` convert to and from a `cr:`-prefixed base64url form.

    `repr` and `str` show only the length. Two sealed values are equal when
    their bytes are equal.

    Attributes:
        ciphertext: The sealed bytes, exactly as the privacy recipes wrote
            them (a `bytearray` or `memoryview` is copied into `bytes`).

    Raises:
        ValidationError: `ciphertext` is not bytes (a `str`, say) or is empty.

    Examples:
        >>> sealed = Sealed(bytes(41))
        >>> sealed
        Sealed(<41 bytes>)
        >>> len(sealed), sealed == Sealed(bytes(sealed.ciphertext))
        (41, True)
    """

    ciphertext: bytes = attrs.field(converter=_to_bytes, validator=_check_ciphertext)

    @classmethod
    def _trusted(cls, ciphertext: bytes) -> Sealed:
        """A sealed value around bytes a privacy recipe has just written: no checks (private).

        For `clubrules.privacy` only, on its sealing paths: the bytes are
        non-empty `bytes` by construction, and the checks cost a third of a seal.
        """
        self = object.__new__(cls)
        object.__setattr__(self, "ciphertext", ciphertext)  # as attrs' frozen __init__ does
        return self

    def __len__(self) -> int:
        return len(self.ciphertext)

    def __repr__(self) -> str:
        return f"Sealed(<{len(self.ciphertext)} bytes>)"

    __str__ = __repr__
