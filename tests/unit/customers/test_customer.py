"""The customer profile: validation at construction, sealed archive fields, no leaks."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

import attrs
import pytest
from hypothesis import given, settings

from clubrules.customers import SEALED_FIELDS, Customer, Gender, PhoneNumber, Sealed, parse_phone
from clubrules.errors import (
    InvalidPhoneNumberError,
    NaiveDatetimeError,
    ValidationError,
)
from clubrules.testing.strategies import customers

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
PHONE = "13800138000"


def _customer(**changes: object) -> Customer:
    fields: dict[str, object] = {
        "id": "c-001",
        "name": "王芳",
        "phone": parse_phone(PHONE),
        "gender": Gender.FEMALE,
        "birthday": date(1990, 2, 28),
        "occupation": "teacher",
        "email": "Wang.Fang@Example.COM",
        "wechat": "wangfang_88",
        "tags": frozenset({"vip"}),
        "needs": frozenset({"anti-ageing"}),
        "registered_at": T0,
    }
    fields.update(changes)
    return Customer(**fields)  # type: ignore[arg-type]


def test_a_full_profile_is_built_and_normalised() -> None:
    customer = _customer(tags=["vip", "prefers-mornings"], gender="female")
    assert customer.gender is Gender.FEMALE
    assert customer.tags == frozenset({"vip", "prefers-mornings"})
    assert customer.email == "Wang.Fang@example.com"  # the domain is case-insensitive
    assert customer.phone == PhoneNumber("+8613800138000")
    assert customer.sealed_fields == ()


def test_only_id_name_and_registration_are_required() -> None:
    customer = Customer(id="c-2", name="Li Na", registered_at=T0)
    assert customer.phone is None
    assert customer.gender is Gender.UNDISCLOSED
    assert customer.tags == frozenset()
    assert all(getattr(customer, f) is None for f in SEALED_FIELDS)


def test_gender_accepts_names_and_values() -> None:
    assert _customer(gender="MALE").gender is Gender.MALE
    assert _customer(gender="other").gender is Gender.OTHER


@pytest.mark.parametrize("gender", ["F", "woman", 1, None])
def test_an_unknown_gender_is_refused(gender: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _customer(gender=gender)
    assert caught.value.field == "gender"
    assert caught.value.rule == "unknown_choice"
    assert "FEMALE" in str(caught.value)  # the allowed values are listed


def test_a_naive_registration_time_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        _customer(registered_at=datetime(2026, 3, 1, 10))  # noqa: DTZ001 - the point
    assert caught.value.field == "registered_at"


def test_a_date_is_not_a_registration_instant() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        _customer(registered_at=date(2026, 3, 1))
    assert caught.value.rule == "not_a_datetime"


def test_an_unparsed_phone_is_refused_without_echoing_it() -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        _customer(phone=PHONE)
    assert caught.value.field == "phone"
    assert caught.value.rule == "not_parsed"
    assert "parse_phone" in str(caught.value)
    assert PHONE not in str(caught.value)


@pytest.mark.parametrize("field", SEALED_FIELDS)
@pytest.mark.parametrize(
    "plaintext", ["对青霉素过敏", b"penicillin", ["penicillin"], {"pregnant": True}, 42]
)
def test_plaintext_in_a_sealed_field_is_refused(field: str, plaintext: object) -> None:
    with pytest.raises(ValidationError) as caught:
        _customer(**{field: plaintext})
    error = caught.value
    assert error.field == field
    assert error.rule == "not_sealed"
    assert "clubrules.privacy" in str(error)
    for secret in ("青霉素", "penicillin", "pregnant", "42"):
        assert secret not in str(error)
        assert secret not in repr(error)
        assert secret not in repr(error.violations)


def test_sealed_values_are_accepted_in_every_archive_field() -> None:
    sealed = {f: Sealed(f"ciphertext-of-{f}".encode()) for f in SEALED_FIELDS}
    customer = _customer(**sealed)
    assert customer.sealed_fields == SEALED_FIELDS
    assert "ciphertext" not in repr(customer)
    assert "sealed=['health', 'allergies', 'beauty_needs']" in repr(customer)


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("id", "", "empty"),
        ("id", 7, "not_a_string"),
        ("id", " c-1", "whitespace"),
        ("name", "  ", "empty"),
        ("email", "wang.fang", "invalid_email"),
        ("email", "wang fang@example.com", "invalid_email"),
        ("email", "a@b", "invalid_email"),
        ("wechat", "has space", "invalid_wechat"),
        ("wechat", "x" * 65, "invalid_wechat"),
        ("wechat", "", "invalid_wechat"),
        ("birthday", datetime(1990, 2, 28, tzinfo=UTC), "not_a_date"),
        ("birthday", "1990-02-28", "not_a_date"),
        ("occupation", "", "empty"),
        ("tags", "vip", "not_a_set"),
        ("tags", ["vip", ""], "bad_tag"),
        ("needs", [" padded "], "bad_tag"),
        ("needs", 3, "not_a_set"),
    ],
)
def test_bad_fields_get_typed_errors(field: str, value: object, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _customer(**{field: value})
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_an_invalid_email_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        _customer(email="wang.fang.secret")
    assert "wang.fang.secret" not in str(caught.value)


def test_a_bad_name_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        _customer(name=["王芳"])
    assert "王芳" not in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        _customer(
            id="",
            gender="F",
            registered_at=datetime(2026, 3, 1),  # noqa: DTZ001 - the point
            phone=PHONE,
            health="diabetic",
        )
    error = caught.value
    assert type(error) is ValidationError  # several kinds: the common base
    assert set(error.fields) == {"id", "gender", "registered_at", "phone", "health"}
    assert str(error).startswith("5 problems")
    assert "diabetic" not in str(error)
    assert PHONE not in str(error)


def test_customers_are_frozen_and_evolve_with_validation() -> None:
    customer = _customer()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        customer.name = "李娜"  # type: ignore[misc]
    assert attrs.evolve(customer, occupation="nurse").occupation == "nurse"
    with pytest.raises(ValidationError):
        attrs.evolve(customer, allergies="penicillin")  # type: ignore[arg-type]


def test_a_customer_pickles() -> None:
    customer = _customer(allergies=Sealed(b"\x01\x02\x03"))
    assert pickle.loads(pickle.dumps(customer)) == customer  # noqa: S301 - our own data


def test_repr_masks_the_name_and_phone_and_omits_contacts() -> None:
    customer = _customer(name="欧阳娜娜", allergies=Sealed(b"secret-bytes"))
    shown = repr(customer)
    assert shown == str(customer)
    assert "欧***" in shown
    for secret in ("欧阳娜娜", "娜娜", PHONE, "+8613800138000", "0013", "Wang.Fang", "wangfang_88"):
        assert secret not in shown
    assert "138****8000" in shown
    assert "W***@example.com" in shown
    assert "secret-bytes" not in shown


def test_latin_names_keep_only_an_initial() -> None:
    shown = repr(_customer(name="Mary Ann Lee"))
    assert "M***" in shown
    assert "Mary" not in shown
    assert "Lee" not in shown


@settings(max_examples=60)
@given(customer=customers())
def test_no_customer_repr_leaks_a_contact_point_or_name(customer: Customer) -> None:
    shown = [repr(customer), str(customer), f"{customer}", repr([customer])]
    secrets = [customer.name, customer.wechat, customer.email]
    if customer.phone is not None:
        secrets += [
            customer.phone.e164,
            customer.phone.e164.removeprefix("+86"),
            customer.phone.national,
        ]
    for sealed in (customer.health, customer.allergies, customer.beauty_needs):
        if sealed is not None:
            secrets.append(repr(sealed.ciphertext))
    for text in shown:
        for secret in secrets:
            if secret is not None and len(secret) > 1:
                assert secret not in text
