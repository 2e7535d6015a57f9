"""The check on bare ids agrees with the values' own rule, however the id is passed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._checks import ID_MAX_CHARS, check_storable
from clubrules.errors import NotFoundError, ValidationError, ViolationCollector
from clubrules.storage._keys import unholdable
from clubrules.storage.memory import InMemoryClubActivityRepository, InMemoryDataKeyStore

TEXT = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", "é"])),
    max_size=8,
) | st.integers(ID_MAX_CHARS - 2, ID_MAX_CHARS + 2).flatmap(
    lambda n: st.sampled_from(["x" * n, "é" * n, "\U0001f600" * n])
)


@given(TEXT)
def test_unholdable_is_what_the_values_refuse(text: str) -> None:
    problems = ViolationCollector()
    storable = check_storable(problems, "id", text)
    assert (unholdable(text) is None) == storable


def test_a_left_out_optional_id_is_left_to_the_method() -> None:
    assert unholdable(None) is None


@pytest.mark.parametrize("value", [7, 2**63, b"a\x00", ("a\x00",), object()])
def test_an_id_that_is_no_text_is_refused_naming_the_argument(value: object) -> None:
    # Never sent to a driver, which refuses it with an error naming no argument.
    with pytest.raises(ValidationError) as caught:
        unholdable(value, "customer_id")
    assert [(v.field, v.rule) for v in caught.value.violations] == [("customer_id", "not_a_string")]


def test_an_id_passed_by_keyword_is_checked_too() -> None:
    keys = InMemoryDataKeyStore()
    assert keys.get(customer_id="a\x00") is None
    with pytest.raises(ValidationError) as caught:
        keys.delete(customer_id="a\ud800")
    assert [(v.field, v.rule) for v in caught.value.violations] == [
        ("customer_id", "lone_surrogate")
    ]
    activities = InMemoryClubActivityRepository()
    with pytest.raises(NotFoundError):
        activities.get(activity_id="x" * (ID_MAX_CHARS + 1))
    at = datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        activities.sign_up("act-1", customer_id="c\x00", at=at)
    assert caught.value.violations[0].field == "customer_id"
