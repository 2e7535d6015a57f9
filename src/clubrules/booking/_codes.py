"""Confirmation codes: random, short, an unambiguous alphabet and a check character."""

from __future__ import annotations

import secrets
from collections.abc import Callable  # noqa: TC003 - resolved at runtime by get_type_hints

from clubrules._checks import shown
from clubrules.errors import ValidationError

__all__ = [
    "CODE_ALPHABET",
    "is_valid_confirmation_code",
    "new_confirmation_code",
    "normalize_confirmation_code",
]

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base-32 alphabet: no I, L, O or U, so nothing reads as something else."""

_N = len(CODE_ALPHABET)
_VALUE = {c: i for i, c in enumerate(CODE_ALPHABET)}
# What people type for the letters left out (Crockford's decoding rules).
_ALIASES = {"O": "0", "I": "1", "L": "1"}
_LENGTH = 8


def _check_char(body: str) -> str:
    """The Luhn mod 32 check character of `body`."""
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return CODE_ALPHABET[(_N - total % _N) % _N]


def _check_length(length: object) -> None:
    if isinstance(length, bool) or not isinstance(length, int):
        raise ValidationError("must be an int", field="length", rule="not_an_int")
    if not 6 <= length <= 16:
        raise ValidationError("must be between 6 and 16", field="length", rule="out_of_range")


def new_confirmation_code(
    *, length: int = _LENGTH, randbelow: Callable[[int], int] = secrets.randbelow
) -> str:
    """A new random confirmation code: `length - 1` random characters and a check character.

    Codes come from the operating system's secure random source, never a
    counter, so customers cannot guess each other's. Eight characters give
    32**7 (about 3.4e10) codes. Show them grouped (`"7K3M-Q9TZ"`) if you
    like: hyphens and spaces are ignored on input.

    Args:
        length: The total length, check character included (6 to 16).
        randbelow: The random source; only tests replace it.

    Raises:
        ValidationError: a length outside 6 to 16.

    Examples:
        >>> code = new_confirmation_code()
        >>> len(code), is_valid_confirmation_code(code)
        (8, True)
    """
    _check_length(length)
    if not callable(randbelow):
        raise ValidationError("must be a function", field="randbelow", rule="not_callable")
    body = "".join(CODE_ALPHABET[randbelow(_N)] for _ in range(length - 1))
    return body + _check_char(body)


def normalize_confirmation_code(text: str, *, length: int = _LENGTH) -> str:
    """The canonical form of a typed-in code, after checking its check character.

    Case, spaces and hyphens are ignored; O reads as 0, and I and L as 1.
    Every single mistyped character is caught by the check character (Luhn
    mod 32), as are most swaps of two neighbouring characters.

    Raises:
        ValidationError: wrong length (`wrong_length`), a character outside
            the alphabet (`bad_character`), or a failed check
            (`bad_check_character`). The message never echoes the code.

    Examples:
        >>> normalize_confirmation_code("7k3m-q9tr")
        '7K3MQ9TR'
    """
    if not isinstance(text, str):
        raise ValidationError("must be a string", field="code", rule="not_a_string")
    if isinstance(length, bool) or not isinstance(length, int):
        raise ValidationError("must be an int", field="length", rule="not_an_int")
    cleaned = "".join(_ALIASES.get(c, c) for c in text.upper() if c not in " -\t")
    if len(cleaned) != length:
        raise ValidationError(
            f"must have {shown(length)} characters, not {len(cleaned)}",
            field="code",
            rule="wrong_length",
        )
    if any(c not in _VALUE for c in cleaned):
        raise ValidationError(
            "holds a character that confirmation codes never use",
            field="code",
            rule="bad_character",
        )
    if cleaned and cleaned[-1] != _check_char(cleaned[:-1]):
        raise ValidationError(
            "is not a valid confirmation code (check character mismatch: a typo?)",
            field="code",
            rule="bad_check_character",
        )
    return cleaned


def is_valid_confirmation_code(text: str, *, length: int = _LENGTH) -> bool:
    """Whether `text` is a well-formed code whose check character matches."""
    try:
        normalize_confirmation_code(text, length=length)
    except ValidationError:
        return False
    return True
