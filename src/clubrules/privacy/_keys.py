"""Key versions: a key's id, its material and its status."""

from __future__ import annotations

import enum
import secrets
from typing import Final

import attrs

from clubrules._checks import require_choice, shown
from clubrules.errors import KeyringError
from clubrules.privacy._format import MAX_KEY_ID

__all__ = ["KEY_SIZE", "KeyStatus", "KeyVersion"]

KEY_SIZE: Final = 32


class KeyStatus(enum.StrEnum):
    """What a key version may still do."""

    PRIMARY = "primary"
    """Seals new values, and opens old ones. Exactly one key is primary."""
    DECRYPT_ONLY = "decrypt_only"
    """Opens values sealed under it; seals nothing new."""
    RETIRED = "retired"
    """Refused for everything: values still under it no longer open."""


def _check_key_id(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or not 1 <= value <= MAX_KEY_ID:
        raise KeyringError(f"key id must be an int from 1 to {MAX_KEY_ID}, got {shown(value)}")


def _check_material(_instance: object, _attribute: attrs.Attribute[bytes], value: bytes) -> None:
    raw: object = value
    if type(raw) is not bytes or len(raw) != KEY_SIZE:
        size = len(raw) if isinstance(raw, bytes) else type(raw).__name__
        raise KeyringError(f"key material must be {KEY_SIZE} bytes, got {size}")


def _check_uses(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 0:
        raise KeyringError(f"key uses must be a non-negative int, got {shown(value)}")


def _status(value: object) -> KeyStatus:
    return require_choice(KeyStatus, value, "status")


@attrs.frozen
class KeyVersion:
    """One version of a key: its id, its 32 bytes of material and its status.

    The material never appears in `repr`.

    Attributes:
        key_id: The id written into every value sealed under this key (1 to 2^32 - 1).
        material: The 32-byte AES-256 key.
        status: Primary, decrypt-only or retired.
        uses: How many values this key had sealed when it was loaded; the
            keyring counts on from here.
    """

    key_id: int = attrs.field(validator=_check_key_id)
    material: bytes = attrs.field(repr=False, validator=_check_material)
    status: KeyStatus = attrs.field(converter=_status)
    uses: int = attrs.field(default=0, validator=_check_uses)

    @classmethod
    def generate(cls, key_id: int, status: KeyStatus = KeyStatus.PRIMARY) -> KeyVersion:
        """A new key version with fresh random material."""
        return cls(key_id, secrets.token_bytes(KEY_SIZE), status)
