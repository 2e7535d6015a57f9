from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ValidationError
from clubrules.privacy import mask_email, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("+442079460958", "442*****0958"),
        ("12345", "*****"),
        ("123", "***"),
        ("95 588", "*****"),
        ("123456", "****56"),
        ("1234567", "*****67"),
        ("6123 4567", "****4567"),
        ("0101234567", "01****4567"),
    ],
)
def test_phones(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@given(st.text(alphabet="0123456789", min_size=7, max_size=15))
def test_a_masked_phone_always_hides_at_least_four_digits(digits: str) -> None:
    masked = mask_phone(digits)
    assert masked.count("*") >= 4
    assert masked.endswith(digits[-4:] if len(digits) >= 8 else digits[-2:])


@given(st.text(alphabet="0123456789", min_size=3, max_size=15))
def test_a_short_number_is_hidden_whole(digits: str) -> None:
    masked = mask_phone(digits)
    # 13 digits starting 86 are a Chinese number with its country code, dropped.
    national = digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
    assert len(masked) == len(national)
    # At least four digits hidden, or all of them when there are fewer.
    assert masked.count("*") >= min(4, len(national))
    if len(national) < 6:
        assert masked == "*" * len(national)


def test_a_parsed_phone_is_masked_from_its_e164() -> None:
    class Parsed:
        e164 = "+8613812345678"

    assert mask_phone(Parsed()) == "138****5678"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("李", "李"),
        ("欧阳娜娜", "欧阳**"),
        ("司马相如", "司马**"),
        ("欧阳", "欧*"),
        ("上官婉儿", "上官**"),
        ("迪丽热巴·迪力木拉提", "迪***·*****"),
        ("John Smith", "J*** S."),
        ("mary ann lee", "M*** A. L."),
        ("Madonna", "M***"),
        ("  Jo   Li ", "J*** L."),
    ],
)
def test_names(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked


def test_masked_names_never_contain_the_given_name() -> None:
    for name in ["王小明", "欧阳娜娜", "John Smith"]:
        masked = mask_name(name)
        assert name[-1] not in masked.replace(".", "")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110101199003078515", "110***********8515"),
        ("11010119900307851x", "110***********851X"),
        ("110101-1990-0307-8515", "110***********8515"),
        ("E1234567", "******67"),
    ],
)
def test_id_numbers(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


def test_email() -> None:
    assert mask_email("wang.fang@example.com") == "w***@example.com"
    assert mask_email("a@b.cn") == "a***@b.cn"


@pytest.mark.parametrize(
    ("fn", "bad"),
    [(mask_phone, "1"), (mask_name, "  "), (mask_id_number, "12"), (mask_email, "nope")],
)
def test_bad_inputs_are_refused_without_quoting_them(fn: object, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        fn(bad)  # type: ignore[operator]
    assert repr(bad) not in str(caught.value)
