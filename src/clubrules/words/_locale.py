"""The locale in force: an explicit argument, else the context setting, else English."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator  # noqa: TC003 - resolved at runtime by get_type_hints
from contextvars import ContextVar

from clubrules.errors import ValidationError

LOCALES: tuple[str, ...] = ("en", "zh")
"""The locales the catalogues hold: English and simplified Chinese."""

_ALIASES = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "en_us": "en",
    "en_gb": "en",
    "zh": "zh",
    "zh-hans": "zh",
    "zh-cn": "zh",
    "zh_cn": "zh",
    "zh_hans": "zh",
    "zh-hans-cn": "zh",
}

_CURRENT: ContextVar[str] = ContextVar("clubrules_words_locale", default="en")


def normalize_locale(locale: object, field: str = "locale") -> str:
    """`"en"` or `"zh"` for a locale name such as `"zh-Hans"` or `"en_GB"`.

    Raises:
        ValidationError: `locale` is not a string naming English or
            simplified Chinese (rule `unknown_locale`).
    """
    if isinstance(locale, str):
        found = _ALIASES.get(locale.strip().lower())
        if found is not None:
            return found
    raise ValidationError(
        "must be 'en' or 'zh' (also 'zh-Hans', 'zh-CN')", field=field, rule="unknown_locale"
    )


def resolve(locale: str | None) -> str:
    """The locale to use: `locale` if given, else the one set by `use_locale`."""
    return _CURRENT.get() if locale is None else normalize_locale(locale)


def current_locale() -> str:
    """The locale set by [use_locale][clubrules.words.use_locale]; `"en"` by default."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Render messages in `locale` inside the block (per thread and per asyncio task).

    Yields:
        The normalised locale, `"en"` or `"zh"`.

    Raises:
        ValidationError: an unknown locale (rule `unknown_locale`).
    """
    token = _CURRENT.set(normalize_locale(locale))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)
