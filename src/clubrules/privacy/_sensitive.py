"""`Sensitive`: a wrapper that keeps a plaintext value out of every accidental output.

Also the one place that says which field names are sensitive: consent and
the blind index both ask `is_sensitive_field`, which reads a name the way a
person would (any case, stray spaces, a `customer.` prefix).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Generic, NoReturn, TypeVar, final

from clubrules.errors import LeakRefusedError

__all__ = ["Sensitive"]

T = TypeVar("T")

# PIPL Art. 28: health data is sensitive personal information. These are the
# canonical names; `is_sensitive_field` also knows the spellings below.
SENSITIVE_FIELDS: Final = frozenset({"health", "allergies"})
_SENSITIVE_NAMES: Final = SENSITIVE_FIELDS | {"allergy", "allergy_flags", "allergy_tags"}
_PATH_SEPARATORS: Final = re.compile(r"[.:/]")
_WORD_GAPS: Final = re.compile(r"[\s\-]+")


def field_name_parts(name: str) -> tuple[str, ...]:
    """The normalised parts of a field name: NFKC, case-folded, gaps as `_`.

    `" Customer.Allergy-Flags "` gives `("customer", "allergy_flags")`.
    Parts are split at `.`, `:` and `/`; empty parts are dropped.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    parts = (_WORD_GAPS.sub("_", part.strip()).strip("_") for part in _PATH_SEPARATORS.split(text))
    return tuple(part for part in parts if part)


def is_sensitive_field(name: str) -> bool:
    """Whether a field name names sensitive data (health, allergies), however it is written.

    Case, surrounding spaces, hyphens and a dotted prefix or suffix do not
    matter: `"Allergies"`, `" allergies"`, `"customer.allergies"` and
    `"health.notes"` are all sensitive.
    """
    return any(part in _SENSITIVE_NAMES for part in field_name_parts(name))


@final
class Sensitive(Generic[T]):
    """A sensitive plaintext value that shows up nowhere unless `reveal()` is called.

    `repr`, `str`, `format` (with any format spec), logging, exception
    messages and tracebacks (which use `repr`, even with local variables
    captured) all show `<redacted>`. Pickling and copying to another process
    are refused with `LeakRefusedError`; `copy.copy` returns the same
    wrapper. Two wrappers are equal only if they are the same object, so
    an equality test cannot be used to guess the value.

    Args:
        value: The plaintext.
        label: A non-sensitive name for the value (for example the field),
            shown in `repr`.

    Examples:
        >>> secret = Sensitive(["penicillin"], label="allergies")
        >>> secret
        Sensitive[allergies](<redacted>)
        >>> f"{secret}"
        '<redacted>'
        >>> secret.reveal()
        ['penicillin']
    """

    __slots__ = ("__value", "_label")

    def __init__(self, value: T, *, label: str = "") -> None:
        self.__value = value
        self._label = label

    @property
    def label(self) -> str:
        """The non-sensitive name given to the value."""
        return self._label

    def reveal(self) -> T:
        """The plaintext. Call it only where the value is really needed."""
        return self.__value

    def __repr__(self) -> str:
        return f"Sensitive[{self._label}](<redacted>)" if self._label else "Sensitive(<redacted>)"

    def __str__(self) -> str:
        return "<redacted>"

    def __format__(self, format_spec: str) -> str:
        return "<redacted>"

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise LeakRefusedError("a Sensitive value cannot be pickled; reveal() it on purpose")

    def __reduce__(self) -> NoReturn:
        raise LeakRefusedError("a Sensitive value cannot be pickled; reveal() it on purpose")

    def __getstate__(self) -> NoReturn:
        raise LeakRefusedError("a Sensitive value cannot be pickled; reveal() it on purpose")

    def __copy__(self) -> Sensitive[T]:
        return self

    def __deepcopy__(self, memo: object) -> Sensitive[T]:
        return self

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> NoReturn:
        # Truthiness would leak whether the value is empty.
        raise LeakRefusedError("a Sensitive value has no truth value; reveal() it on purpose")

    def __iter__(self) -> NoReturn:
        raise LeakRefusedError("a Sensitive value cannot be iterated; reveal() it on purpose")

    def __len__(self) -> NoReturn:
        raise LeakRefusedError("a Sensitive value has no length; reveal() it on purpose")
