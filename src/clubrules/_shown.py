"""How an error message or a log line shows a refused value: `shown`.

Private, and at the bottom of the layers with `errors`, so that every
module (`_time` too) can use it; `clubrules._checks` re-exports it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

__all__ = ["SHOWN_MAX_CHARS", "shown"]

SHOWN_MAX_CHARS: Final = 32
"""The most characters of a refused string that a message quotes (see `shown`)."""

_TOKEN = re.compile(r"[A-Za-z0-9_./:+-]+")
_DIGIT_RUN = re.compile(r"[0-9]{5}")
_TOKEN_MAX_DIGITS = 6


def shown(value: object) -> str:
    """A refused value as an error message or a log line may show it, never personal data.

    A short ASCII token is shown, so that a typo stays easy to spot: a str
    of at most `SHOWN_MAX_CHARS` characters from ``A-Z a-z 0-9 _ . / : + -``
    (a zone such as ``'Asia/Shangai'``, a currency such as ``'RMB'``) is
    quoted, and an int, float or Decimal is written as a number, if it has
    no run of five digits and at most six digits in all. None and the bools
    are shown as themselves. Anything else is only described, because it
    may be a phone number, an ID-card number or a health note typed into
    the wrong field: ``"a str of 11 characters"``, ``"an int of 400
    digits"``, ``"a list"``.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        if not value:
            return "an empty str"
        if _is_token(value):
            return repr(value)
        return f"a str of {len(value)} character{'' if len(value) == 1 else 's'}"
    name = type(value).__name__
    article = "an" if name[0].lower() in "aeiou" else "a"
    if isinstance(value, int):
        if -_SHOWN_INT_BOUND < value < _SHOWN_INT_BOUND:
            return str(value)
        try:
            return f"an int of {len(str(abs(value)))} digits"
        except ValueError:  # more digits than str() converts
            return "an int of thousands of digits"
    if isinstance(value, float | Decimal) and _is_token(str(value)):
        return str(value)
    return f"{article} {name}"


_SHOWN_INT_BOUND: Final = 10_000


def _is_token(text: str) -> bool:
    return (
        len(text) <= SHOWN_MAX_CHARS
        and _TOKEN.fullmatch(text) is not None
        and _DIGIT_RUN.search(text) is None
        and sum(c.isdigit() for c in text) <= _TOKEN_MAX_DIGITS
    )
