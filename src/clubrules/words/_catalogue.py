"""The message catalogues and how a keyed message is rendered."""

from __future__ import annotations

import string
from collections.abc import Mapping  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType

from clubrules._checks import DECIMALS
from clubrules.errors import NotFoundError, ValidationError
from clubrules.words import _en, _zh
from clubrules.words._format import duration
from clubrules.words._locale import (
    LOCALES,
    current_locale,
    normalize_locale,
    resolve,
    use_locale,
)

__all__ = [
    "LOCALES",
    "catalogue",
    "current_locale",
    "message",
    "normalize_locale",
    "placeholders",
    "use_locale",
]

_CATALOGUES: dict[str, Mapping[str, str]] = {
    "en": MappingProxyType(_en.MESSAGES),
    "zh": MappingProxyType(_zh.MESSAGES),
}


def _text(value: object, locale: str) -> object:
    """A template value as shown: a duration in words, a Decimal as Python's defaults write it.

    A Decimal is written with `DECIMALS` (an exponent as `E`, never `e`):
    the text does not depend on the thread's decimal context.
    """
    if isinstance(value, timedelta):
        return duration(value, locale=locale)
    if isinstance(value, Decimal):
        return DECIMALS.to_sci_string(value)
    return value


def catalogue(locale: str | None = None) -> Mapping[str, str]:
    """The message templates of `locale` (read-only), by key.

    Templates use `str.format` fields with names, such as
    `"starts sooner than the minimum notice ({notice}) allows"`.

    Raises:
        ValidationError: an unknown locale (rule `unknown_locale`).
    """
    return _CATALOGUES[resolve(locale)]


def placeholders(template: str) -> frozenset[str]:
    """The names of the fields in a message template."""
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(template) if name is not None
    )


def message(key: str, /, *, locale: str | None = None, **params: object) -> str:
    """The message `key` in `locale`, its fields filled from `params`.

    A `timedelta` parameter is worded by [duration][clubrules.words.duration]
    in the same locale, so a raw "2:00:00" never reaches a person.

        >>> from datetime import timedelta
        >>> message("booking.short_notice", notice=timedelta(hours=2))
        'starts sooner than the minimum notice (2 hours) allows'
        >>> message("booking.short_notice", notice=timedelta(hours=2), locale="zh")
        '开始时间早于最短提前预约时间（2小时）的要求'

    Raises:
        NotFoundError: no message has that key.
        ValidationError: a field of the template is not in `params` (rule
            `missing_field`) or the locale is unknown (rule `unknown_locale`).
    """
    loc = resolve(locale)
    template = _CATALOGUES[loc].get(key)
    if template is None:
        raise NotFoundError("message", key)
    values = {name: _text(value, loc) for name, value in params.items()}
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise ValidationError(
            f"message {key!r} needs the field {exc.args[0]!r}", field="params", rule="missing_field"
        ) from None
