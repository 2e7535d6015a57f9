from __future__ import annotations

import hashlib
import hmac
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.errors import InvalidPhoneNumberError, KeyringError, ValidationError
from clubrules.privacy import PHONE_VALUE_SPACE, BlindIndex, IndexKind, plan_blind_index

KEY = bytes(range(32))


@pytest.fixture
def phones() -> BlindIndex:
    return BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=24)


def test_every_spelling_of_a_number_gives_one_index_value(phones: BlindIndex) -> None:
    spellings = ["13812345678", "138 1234 5678", "+86 138-1234-5678", "+8613812345678"]
    assert len({phones.of(s) for s in spellings}) == 1
    assert phones.of("13812345678") != phones.of("13812345679")


def test_a_parsed_phone_number_is_indexed_by_its_e164(phones: BlindIndex) -> None:
    class Parsed:
        e164 = "+8613812345678"

    assert phones.of(Parsed()) == phones.of("138 1234 5678")


def test_invalid_phone_numbers_are_refused_without_quoting_them(phones: BlindIndex) -> None:
    with pytest.raises(InvalidPhoneNumberError) as caught:
        phones.of("12345")
    assert "12345" not in str(caught.value)


@settings(max_examples=200)
@given(value=st.text(min_size=1), bits=st.integers(8, 64))
def test_index_value_is_the_truncated_hmac(value: str, bits: int) -> None:
    index = BlindIndex(KEY, field="email", kind=IndexKind.EMAIL, bits=bits)
    normal = value.strip().casefold()
    message = b"clubrules.blind_index.v1" + len(b"email").to_bytes(4, "big") + b"email"
    digest = hmac.new(KEY, message + normal.encode(), hashlib.sha256).digest()
    expected = int.from_bytes(digest, "big") >> (256 - bits)
    assert index.of(value) == expected
    assert 0 <= index.of(value) < 2**bits


def test_fields_under_one_key_get_different_indexes() -> None:
    a = BlindIndex(KEY, field="id_number", kind=IndexKind.ID_NUMBER, bits=32)
    b = BlindIndex(KEY, field="passport", kind=IndexKind.ID_NUMBER, bits=32)
    assert a.of("110101199003078515") != b.of("110101199003078515")


def test_id_numbers_and_emails_are_normalised() -> None:
    ids = BlindIndex(KEY, field="id_number", kind=IndexKind.ID_NUMBER, bits=32)
    assert ids.of("11010119900307851x") == ids.of("110101 19900307 851X")
    emails = BlindIndex(KEY, field="email", kind=IndexKind.EMAIL, bits=32)
    assert emails.of(" Wang.Fang@Example.com ") == emails.of("wang.fang@example.com")


@pytest.mark.parametrize("field", ["allergies", "health", "allergy_flags"])
def test_low_cardinality_sensitive_fields_are_refused(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BlindIndex(KEY, field=field, kind=IndexKind.EMAIL, bits=16)
    assert caught.value.rule == "low_cardinality"


@pytest.mark.parametrize("value", [True, False, 1, None])
def test_booleans_and_other_non_text_values_are_refused(phones: BlindIndex, value: object) -> None:
    with pytest.raises(ValidationError):
        phones.of(value)  # type: ignore[arg-type]


def test_bad_keys_and_bit_lengths_are_refused() -> None:
    with pytest.raises(KeyringError):
        BlindIndex(b"short", field="phone", kind=IndexKind.PHONE, bits=24)
    for bits in (7, 65):
        with pytest.raises(ValidationError):
            BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=bits)


def test_repr_shows_no_key() -> None:
    index = BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=24)
    assert repr(index) == "BlindIndex(field='phone', kind='phone', bits=24)"


@pytest.mark.parametrize(
    ("rows", "rate", "bits"),
    [(100_000, 0.01, 24), (1_000_000, 0.01, 27), (1_000, 0.1, 14), (10, 0.5, 8)],
)
def test_plan_picks_the_fewest_bits_for_the_false_positive_rate(
    rows: int, rate: float, bits: int
) -> None:
    plan = plan_blind_index(
        expected_rows=rows, value_space=PHONE_VALUE_SPACE, false_positive_rate=rate
    )
    assert plan.bits == bits
    assert plan.expected_false_positives <= rate
    assert rows / 2 ** (bits - 1) > rate or bits == 8
    assert plan.values_per_index >= 16


@settings(max_examples=200)
@given(rows=st.integers(1, 10**8), exp=st.integers(1, 6))
def test_plan_against_a_brute_force_search(rows: int, exp: int) -> None:
    rate = 10.0**-exp
    space = PHONE_VALUE_SPACE
    feasible = [b for b in range(8, 65) if rows / 2**b <= rate * (1 + 1e-12) and space / 2**b >= 16]
    if not feasible:
        with pytest.raises(ValidationError):
            plan_blind_index(expected_rows=rows, value_space=space, false_positive_rate=rate)
        return
    plan = plan_blind_index(expected_rows=rows, value_space=space, false_positive_rate=rate)
    assert plan.bits == min(feasible) or math.isclose(rows / 2 ** min(feasible), rate)


@pytest.mark.parametrize("space", [2, 3, 100, 2**16 - 1])
def test_plan_refuses_low_cardinality_fields(space: int) -> None:
    with pytest.raises(ValidationError) as caught:
        plan_blind_index(expected_rows=1000, value_space=space)
    assert caught.value.rule == "low_cardinality"


def test_plan_refuses_goals_that_cannot_both_hold() -> None:
    with pytest.raises(ValidationError) as caught:
        plan_blind_index(expected_rows=10**9, value_space=10**8, false_positive_rate=0.001)
    assert caught.value.rule == "unplannable"


def test_lookup_finds_the_row_among_few_candidates() -> None:
    index = BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=14)
    rows = {f"c-{i}": f"+86138{i:08d}" for i in range(5000)}
    table: dict[int, list[str]] = {}
    for cid, phone in rows.items():
        table.setdefault(index.of_normalised(phone), []).append(cid)
    candidates = table.get(index.of("138 0000 4321"), [])
    assert "c-4321" in candidates
    assert len(candidates) < 10


@pytest.mark.parametrize(
    "field",
    [
        "Allergies",
        "ALLERGIES",
        " allergies",
        "allergies ",
        "customer.allergies",
        "Customer.Health",
        "health.notes",
        "allergy-flags",
        "Allergy Flags",
        "ａｌｌｅｒｇｉｅｓ",  # noqa: RUF001 - full-width letters on purpose
    ],
)
def test_sensitive_fields_are_refused_however_they_are_written(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BlindIndex(KEY, field=field, kind=IndexKind.EMAIL, bits=16)
    assert caught.value.rule == "low_cardinality"


@pytest.mark.parametrize("field", ["", "  ", None])
def test_a_field_name_must_be_text(field: object) -> None:
    with pytest.raises(ValidationError):
        BlindIndex(KEY, field=field, kind=IndexKind.EMAIL, bits=16)  # type: ignore[arg-type]
