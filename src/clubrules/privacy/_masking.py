"""Masking for display: phone numbers, names (Chinese and Latin), ID numbers, email."""

from __future__ import annotations

import unicodedata
from typing import Final, Protocol

from clubrules.errors import ValidationError

__all__ = ["mask_email", "mask_id_number", "mask_name", "mask_phone"]
from clubrules._checks import require_str


class _HasE164(Protocol):
    @property
    def e164(self) -> str: ...


# 复姓: two-character surnames, kept whole when a name is masked.
COMPOUND_SURNAMES: Final = frozenset(
    """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤
    南宫 西门 百里 呼延 澹台 公冶 太史 申屠 钟离 闻人 万俟 濮阳 淳于 单于 赫连 第五 拓跋
    左丘 东郭 司空 亓官 仲孙 巫马 谷梁 乐正 漆雕 壤驷 公良 梁丘 宗政 公羊 微生 羊舌 子车
    颛孙 公西 鲜于 闾丘 司寇 段干 东门 归海 羊角 左人 叱干 即墨 夹谷 宰父 拓拔
    """.split()  # noqa: SIM905 - a table of names reads better as text
)


# Numbers with fewer digits than this are hidden whole.
SHORT_PHONE_DIGITS: Final = 6


def _is_cjk(char: str) -> bool:
    return "CJK" in unicodedata.name(char, "")


def _decimal(text: str) -> str:
    """`text` with every decimal digit as its ASCII digit (full-width digits too)."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _has_cn_code(text: str) -> bool:
    """Whether `text` starts with the `+86` country code, its plus or digits full-width or not."""
    lead = text.lstrip()
    return lead[:1] in {"+", "\uff0b"} and _decimal(lead[1:3]) == "86"


def mask_phone(phone: str | _HasE164) -> str:
    """Mask a phone number for display, keeping the first 3 and last 4 digits.

    Takes a parsed phone number (anything with an `e164` attribute) or a
    string. A `+86` country code is dropped (its plus and digits full-width
    too, as a Chinese keyboard may type them). At least four digits are always
    hidden, and short numbers show less:

    - 11 digits or more: the first 3 and the last 4 are shown;
    - 8 to 10 digits: fewer leading digits are shown (none at 8), the last 4 always;
    - 6 or 7 digits: only the last 2 are shown;
    - 3 to 5 digits (a short service number, or a fragment): every digit is hidden.

    Raises:
        ValidationError: fewer than 3 digits (`invalid_phone_number`), or
            `phone` is neither a string nor has a string `e164` (`wrong_type`).

    Examples:
        >>> mask_phone("13812345678")
        '138****5678'
        >>> mask_phone("+86 138 1234 5678")
        '138****5678'
        >>> mask_phone("6123 4567")
        '****4567'
        >>> mask_phone("123456"), mask_phone("12345")
        ('****56', '*****')
    """
    text = phone if isinstance(phone, str) else getattr(phone, "e164", None)
    if not isinstance(text, str):
        raise ValidationError(
            f"must be a PhoneNumber or a string, not {type(phone).__name__}",
            field="phone",
            rule="wrong_type",
        )
    digits = "".join(c for c in text if c.isdigit())
    if _has_cn_code(text) or (len(digits) == 13 and _decimal(digits[:2]) == "86"):
        digits = digits[2:]
    if len(digits) < 3:
        raise ValidationError("is not a phone number", field="phone", rule="invalid_phone_number")
    if len(digits) < SHORT_PHONE_DIGITS:  # showing even 2 would hide fewer than 4
        return "*" * len(digits)
    if len(digits) < 8:  # with 4 shown, too few would stay hidden
        return "*" * (len(digits) - 2) + digits[-2:]
    shown = max(0, min(3, len(digits) - 8))
    return digits[:shown] + "*" * (len(digits) - shown - 4) + digits[-4:]


def mask_name(name: str) -> str:
    """Mask a person's name for display.

    Chinese names keep the surname (a compound surname such as 欧阳 whole)
    and star each other character; names with a middle dot (迪丽热巴·迪力木拉提)
    keep the first character and the dots. Latin names keep the initial of
    the first name followed by `***` (hiding its length) and the initials
    of the other names.

    Examples:
        >>> mask_name("张三"), mask_name("王小明"), mask_name("欧阳娜娜")
        ('张*', '王**', '欧阳**')
        >>> mask_name("John Smith"), mask_name("mary ann lee")
        ('J*** S.', 'M*** A. L.')
    """
    require_str(name, "name")
    text = " ".join(name.split())
    if not text:
        raise ValidationError("must not be empty", field="name", rule="non_empty")
    if _is_cjk(text[0]):
        compact = text.replace(" ", "")
        if "·" in compact or "•" in compact:
            return compact[0] + "".join(c if c in "·•" else "*" for c in compact[1:])
        if len(compact) > 2 and compact[:2] in COMPOUND_SURNAMES:
            return compact[:2] + "*" * (len(compact) - 2)
        return compact[0] + "*" * (len(compact) - 1)
    parts = text.split(" ")
    first = parts[0][0].upper() + "***"
    rest = [p[0].upper() + "." for p in parts[1:]]
    return " ".join([first, *rest])


def mask_id_number(number: str) -> str:
    """Mask an identity document number, keeping the first 3 and last 4 characters.

    Spaces and hyphens are dropped first. Numbers shorter than 10 characters
    keep only their last 2.

    Examples:
        >>> mask_id_number("110101199003078515")
        '110***********8515'
    """
    require_str(number, "number")
    text = "".join(c for c in number if c not in " -").upper()
    if len(text) < 4:
        raise ValidationError("is too short for an ID number", field="id_number", rule="too_short")
    if len(text) < 10:
        return "*" * (len(text) - 2) + text[-2:]
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_email(email: str) -> str:
    """Mask an email address: the first character of the local part, then `***`, then the domain.

    Examples:
        >>> mask_email("wang.fang@example.com")
        'w***@example.com'
    """
    require_str(email, "email")
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValidationError("is not an email address", field="email", rule="invalid_email")
    return f"{local[0]}***@{domain}"
