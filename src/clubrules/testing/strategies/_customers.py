"""Hypothesis strategies for the customers area: phone numbers, customers, records."""

# No `from __future__ import annotations` here: `st.composite` builds each
# strategy's signature in hypothesis's own module, where a name in a string
# annotation would not resolve, so the annotations are evaluated at once.

from datetime import date

import phonenumbers
from hypothesis import strategies as st

from clubrules._checks import require_str
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Gender,
    PhoneNumber,
    Sealed,
    ServiceRecord,
    parse_phone,
)
from clubrules.testing.strategies._core import aware_datetimes, money

__all__ = [
    "CN_MOBILE_PREFIXES",
    "cn_mobile_numbers",
    "consumption_records",
    "customers",
    "phone_numbers",
    "phone_texts",
    "sealed_values",
    "service_records",
]

CN_MOBILE_PREFIXES: tuple[str, ...] = tuple(
    str(prefix)
    for prefix in (
        *range(130, 140),
        *range(150, 154),
        *range(155, 160),
        166,
        *range(175, 190),
        198,
        199,
    )
)
"""Three-digit prefixes of Chinese mobile numbers that phonenumbers accepts as valid."""

_IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)
_CUSTOMER_IDS = st.sampled_from(["c-1", "c-2", "c-3"])
# Any text a value stores: every character with a UTF-8 form, but NUL.
_FREE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
_KINDS = st.sampled_from(ConsumptionKind)
_NAMES = st.one_of(
    st.text(
        alphabet="王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高芳伟娜敏静丽强磊军洋",
        min_size=2,
        max_size=4,
    ),
    st.from_regex(r"[A-Z][a-z]{1,8} [A-Z][a-z]{1,10}", fullmatch=True),
)


def cn_mobile_numbers() -> st.SearchStrategy[str]:
    """Valid Chinese mobile numbers as 11 national digits, such as `13800138000`."""
    digits = st.text(alphabet="0123456789", min_size=8, max_size=8)
    numbers = st.builds(
        lambda prefix, rest: prefix + rest, st.sampled_from(CN_MOBILE_PREFIXES), digits
    )
    return numbers.filter(_valid_in_cn)


def _valid_in_cn(number: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(number, "CN")))
    except phonenumbers.NumberParseException:
        return False


def phone_texts(number: str) -> st.SearchStrategy[str]:
    """Ways a person might write the Chinese mobile `number` (11 digits).

    Spaces or hyphens between groups, brackets, a `+86`, `0086` or `86`
    prefix: every variant parses to the same E.164 number.
    """
    require_str(number, "number")
    groups = [number[:3], number[3:7], number[7:]]
    separators = st.sampled_from(["", " ", "-", ".", "  "])
    prefixes = st.sampled_from(["", "+86 ", "+86", "0086 ", "+86-", "(+86) ", "+86 (0)"])

    @st.composite
    def texts(draw: st.DrawFn) -> str:
        sep = draw(separators)
        first = f"({groups[0]})" if draw(st.booleans()) else groups[0]
        padding = draw(st.sampled_from(["", " ", "\t"]))
        return padding + draw(prefixes) + sep.join([first, *groups[1:]]) + padding

    return texts()


def phone_numbers() -> st.SearchStrategy[PhoneNumber]:
    """Parsed, valid Chinese mobile numbers."""
    return cn_mobile_numbers().map(parse_phone)


def sealed_values() -> st.SearchStrategy[Sealed]:
    """Opaque sealed values (random bytes standing in for ciphertext)."""
    return st.binary(min_size=29, max_size=80).map(Sealed)


def customers(*, ids: st.SearchStrategy[str] = _IDS) -> st.SearchStrategy[Customer]:
    """Valid customers, with or without each optional field (sealed fields included)."""
    optional_sealed = st.none() | sealed_values()
    birthdays: st.SearchStrategy[date | None] = st.none() | st.dates(
        min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)
    )
    return st.builds(
        Customer,
        id=ids,
        name=_NAMES,
        registered_at=aware_datetimes(),
        phone=st.none() | phone_numbers(),
        gender=st.sampled_from(Gender),
        birthday=birthdays,
        occupation=st.none() | _WORDS,
        email=st.none()
        | st.from_regex(r"[a-z][a-z0-9.]{0,10}@[a-z]{1,8}\.(com|cn)", fullmatch=True),
        wechat=st.none() | st.from_regex(r"[a-zA-Z][a-zA-Z0-9_-]{5,19}", fullmatch=True),
        tags=st.frozensets(_WORDS, max_size=3),
        needs=st.frozensets(_WORDS, max_size=3),
        health=optional_sealed,
        allergies=optional_sealed,
        beauty_needs=optional_sealed,
    )


def consumption_records(
    *,
    ids: st.SearchStrategy[str] = _IDS,
    customer_ids: st.SearchStrategy[str] = _CUSTOMER_IDS,
    kinds: st.SearchStrategy[ConsumptionKind] = _KINDS,
    currency: str = "CNY",
) -> st.SearchStrategy[ConsumptionRecord]:
    """Valid consumption records of every kind, with non-negative amounts."""

    @st.composite
    def records(draw: st.DrawFn) -> ConsumptionRecord:
        kind = draw(kinds)
        refund_of = draw(st.none() | _IDS) if kind is ConsumptionKind.REFUND else None
        return ConsumptionRecord(
            id=draw(ids),
            customer_id=draw(customer_ids),
            at=draw(aware_datetimes()),
            service=draw(_WORDS),
            amount=draw(money(currency=currency, max_amount=20_000)),
            kind=kind,
            refund_of=refund_of,
        )

    return records()


def service_records(
    *,
    ids: st.SearchStrategy[str] = _IDS,
    customer_ids: st.SearchStrategy[str] = _CUSTOMER_IDS,
) -> st.SearchStrategy[ServiceRecord]:
    """Valid service records."""
    return st.builds(
        ServiceRecord,
        id=ids,
        customer_id=customer_ids,
        at=aware_datetimes(),
        service=_WORDS,
        staff_id=st.sampled_from(["st-1", "st-2", "st-7"]),
        notes=_FREE_TEXT,
        effect=_FREE_TEXT,
    )
