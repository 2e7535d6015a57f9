"""Phone numbers: parsed once into E.164, masked everywhere they are shown."""

from __future__ import annotations

import pickle

import attrs
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.customers import PhoneNumber, parse_phone
from clubrules.customers._phone import mask_digits
from clubrules.errors import InvalidPhoneNumberError, ValidationError
from clubrules.testing.strategies import cn_mobile_numbers, phone_texts


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "(138) 0013 8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086 138 0013 8000",
        " +86 (0)138-0013-8000 ",
        "".join(chr(0xFF10 + int(d)) for d in "13800138000"),  # full-width, as IMEs type
    ],
)
def test_written_variants_parse_to_one_e164(text: str) -> None:
    phone = parse_phone(text)
    assert phone.e164 == "+8613800138000"
    assert phone.region == "CN"
    assert phone.country_code == 86
    assert phone == PhoneNumber("+8613800138000")


@settings(max_examples=150)
@given(number=cn_mobile_numbers(), data=st.data())
def test_any_written_form_parses_to_the_same_e164(number: str, data: st.DataObject) -> None:
    text = data.draw(phone_texts(number))
    phone = parse_phone(text)
    assert phone.e164 == "+86" + number
    # Round trip: the E.164 form parses to itself, in any default region.
    assert parse_phone(phone.e164, region="US") == phone
    assert PhoneNumber(phone.e164) == phone
    assert phone.masked == number[:3] + "****" + number[-4:]


def test_the_default_region_is_china_and_is_configurable() -> None:
    assert parse_phone("010 1234 5678").e164 == "+861012345678"
    hk = parse_phone("6123 4567", region="HK")
    assert hk.e164 == "+85261234567"
    assert hk.region == "HK"
    us = parse_phone("(650) 253-0000", region="US")
    assert us.e164 == "+16502530000"
    with pytest.raises(InvalidPhoneNumberError):
        parse_phone("6123 4567")  # not a Chinese number


def test_region_none_requires_a_country_code() -> None:
    assert parse_phone("+44 7911 123456", region=None).e164 == "+447911123456"
    with pytest.raises(InvalidPhoneNumberError) as caught:
        parse_phone("138 0013 8000", region=None)
    assert "+ is required" in str(caught.value)


def test_an_unknown_region_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_phone("138 0013 8000", region="ZZ")
    assert caught.value.field == "region"
    assert caught.value.rule == "unknown_region"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("12345", "invalid_phone_number"),
        ("138001380001234", "invalid_phone_number"),
        ("12800138000", "invalid_phone_number"),  # no such mobile prefix
        ("not a number", "invalid_phone_number"),
        ("", "empty"),
        ("   ", "empty"),
        ("138 0013 8000 ext. 12", "extension"),
        ("1" * 300, "invalid_phone_number"),
    ],
)
def test_invalid_input_gets_a_typed_error_naming_the_field(text: str, rule: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        parse_phone(text, field="contact.phone")
    error = caught.value
    assert isinstance(error, ValidationError)
    assert isinstance(error, ValueError)
    assert error.field == "contact.phone"
    assert error.rule == rule
    assert str(error).startswith("contact.phone: ")


def test_error_messages_show_only_a_masked_input() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        parse_phone("12800138000")
    message = str(caught.value)
    assert "12800138000" not in message
    assert "128****8000" in message
    with pytest.raises(InvalidPhoneNumberError) as caught:
        parse_phone("13800138000 ext. 99")
    assert "13800138000" not in str(caught.value)


@settings(max_examples=100)
@given(digits=st.text(alphabet="0123456789", min_size=7, max_size=20))
def test_no_error_message_contains_the_digits_typed(digits: str) -> None:
    try:
        parse_phone(digits)
    except InvalidPhoneNumberError as error:
        message, shown = str(error), repr(error)
    else:
        return
    assert digits not in message
    assert digits not in shown
    assert message.count("*") >= 4


@settings(max_examples=100)
@given(digits=st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_masking_hides_enough_digits(digits: str) -> None:
    masked = mask_digits(digits)
    assert len(masked) == len(digits)
    hidden = masked.count("*")
    assert hidden >= (4 if len(digits) >= 7 else len(digits) - 2)
    assert all(m in {d, "*"} for m, d in zip(masked, digits, strict=True))


def test_non_strings_are_refused() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        parse_phone(13800138000)  # type: ignore[arg-type]
    assert caught.value.rule == "not_a_string"
    assert "13800138000" not in str(caught.value)


def test_a_phone_number_is_returned_unchanged() -> None:
    phone = parse_phone("13800138000")
    assert parse_phone(phone) is phone


@pytest.mark.parametrize(
    "e164", ["13800138000", "+86 138 0013 8000", "+8612345", "+0123456789", "", "+86138001380001"]
)
def test_building_from_a_non_e164_string_is_refused(e164: str) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        PhoneNumber(e164)
    assert caught.value.field == "e164"
    assert "13800138000" not in str(caught.value)


def test_building_from_a_non_string_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumberError):
        PhoneNumber(8613800138000)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "region", "masked"),
    [
        ("13800138000", "CN", "138****8000"),
        ("010 1234 5678", "CN", "010****5678"),
        ("+44 7911 123456", "CN", "+44 79*****456"),
        ("6123 4567", "HK", "+852 *****567"),
        ("(650) 253-0000", "US", "+1 65*****000"),
    ],
)
def test_masked_forms(text: str, region: str, masked: str) -> None:
    assert parse_phone(text, region=region).masked == masked


@settings(max_examples=100)
@given(number=cn_mobile_numbers())
def test_repr_and_str_never_show_the_number(number: str) -> None:
    phone = parse_phone(number)
    for shown in (repr(phone), str(phone), f"{phone}", repr([phone]), repr({"p": phone})):
        assert number not in shown
        assert phone.e164 not in shown
        assert number[3:7] not in shown.replace(number[:3], "").replace(number[-4:], "")
    assert repr(phone) == f"PhoneNumber('{phone.masked}')"


def test_full_forms_are_read_explicitly() -> None:
    phone = parse_phone("13800138000")
    assert phone.national == "138 0013 8000"
    assert phone.international == "+86 138 0013 8000"


def test_equality_and_hash_follow_e164() -> None:
    a = parse_phone("138 0013 8000")
    b = parse_phone("+86-138-0013-8000")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, parse_phone("13900139000")}) == 2
    assert a != "+8613800138000"  # type: ignore[comparison-overlap]


def test_a_phone_number_pickles_and_evolves() -> None:
    phone = parse_phone("13800138000")
    assert pickle.loads(pickle.dumps(phone)) == phone  # noqa: S301 - our own data
    assert attrs.evolve(phone).masked == phone.masked
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        phone.e164 = "+8613900139000"  # type: ignore[misc]


def test_strategy_numbers_are_valid() -> None:
    # The strategy filters on validity; this checks the filter is not doing all the work.
    valid = [
        p
        for p in ("13012345678", "15912345678", "18612345678", "19912345678")
        if phonenumbers.is_valid_number(phonenumbers.parse(p, "CN"))
    ]
    assert len(valid) == 4


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("0044 7911 123456", "US", "+447911123456"),  # the US dial abroad with 011
        ("0086 138 0013 8000", "JP", "+8613800138000"),  # Japan with 010
        ("\uff10\uff1044 7911 123456", "JP", "+447911123456"),  # full-width 00
        ("0012015550000", "HK", "+2015550000"),  # Hong Kong's own 001 prefix comes first
    ],
)
def test_a_leading_00_names_the_country_in_any_region(text: str, region: str, e164: str) -> None:
    assert parse_phone(text, region=region).e164 == e164


def test_a_leading_00_without_a_region_still_needs_a_plus() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        parse_phone("0044 7911 123456", region=None)
    assert "+ is required" in str(caught.value)
