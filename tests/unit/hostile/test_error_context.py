"""A typed error raised over bad input carries no exception that holds the input.

`raise TypedError(...) from None` inside an `except` block hides the caught
exception from a traceback but still keeps it as `__context__`, and an
encoding or parsing error holds the very text it failed on
(`UnicodeError.object`, `JSONDecodeError.doc`, a `ValueError` quoting it).
Each error here is checked to have no context at all, and nothing in its
chain (cause, context, their args and held inputs) to show the text.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._checks import chained
from clubrules._time import zone
from clubrules.cli import _customers
from clubrules.cli._io import Progress, csv_rows, json_rows, parse_time
from clubrules.customers import parse_phone
from clubrules.errors import (
    InputError,
    InvalidMoneyError,
    InvalidPhoneNumberError,
    UnknownTimeZoneError,
    ValidationError,
)
from clubrules.money import Money
from clubrules.privacy import BlindIndex, IndexKind
from tests._chains import assert_clean

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PRIVATE = "13800138000-allergic-to-penicillin"


def _raised(kind: type[BaseException], call: Callable[[], object]) -> BaseException:
    with pytest.raises(kind) as caught:
        call()
    return caught.value


def _progress() -> Progress:
    return Progress("reading", 1, io.StringIO(), enabled=False)


# --- the import files of the command line ---


def test_a_csv_line_that_is_not_utf8_leaves_no_line_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(f"customer_id,phone\nc-1,{PRIVATE}\xe9\n".encode("latin-1"))
    error = _raised(
        InputError, lambda: list(csv_rows(path, _progress(), ["customer_id", "phone"], []))
    )
    assert error.line == 2  # type: ignore[attr-defined]
    assert_clean(error, PRIVATE)


def test_a_csv_file_that_is_not_csv_has_no_context(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(f'customer_id,phone\nc-1,"{PRIVATE}"x\n', encoding="utf-8")
    error = _raised(
        InputError, lambda: list(csv_rows(path, _progress(), ["customer_id", "phone"], []))
    )
    assert "not valid CSV" in str(error)
    assert_clean(error, PRIVATE)


def test_a_json_file_that_is_not_utf8_leaves_no_data_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_bytes(f'[{{"phone": "{PRIVATE}"}},\n{{"phone": "\xe9"}}]'.encode("latin-1"))
    error = _raised(
        InputError, lambda: list(json_rows(path, _progress(), ["customer_id", "phone"], []))
    )
    assert error.line == 2  # type: ignore[attr-defined]
    assert_clean(error, PRIVATE)


def test_a_malformed_json_object_leaves_no_document_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text(
        f'[{{"customer_id": "c-1", "phone": "{PRIVATE}"}},\n{{"phone": }}]', encoding="utf-8"
    )
    error = _raised(
        InputError, lambda: list(json_rows(path, _progress(), ["customer_id", "phone"], []))
    )
    assert "not valid JSON" in str(error)
    assert_clean(error, PRIVATE)


@given(st.text(min_size=1).filter(lambda t: "T" not in t and ":" not in t))
def test_a_cell_that_is_not_a_time_is_not_quoted_in_the_chain(text: str) -> None:
    cell = f"{PRIVATE}{text}"
    error = _raised(InputError, lambda: parse_time(cell, line=3, column="start", zone=UTC))
    assert_clean(error, PRIVATE)


def _reader() -> _customers._Reader:
    run = datetime(2026, 3, 1, tzinfo=UTC)
    return _customers._Reader(UTC, run, "CNY", _customers.default_program(UTC))


@pytest.mark.parametrize(
    ("column", "cell"), [("last_visit", "2026-02-30"), ("last_review", "2025-13-01")]
)
def test_a_date_cell_that_is_no_date_leaves_no_cell_in_the_error(column: str, cell: str) -> None:
    row = {"customer_id": "c-1", "visits": "1", "spend": "", "last_visit": "2026-02-01"}
    row[column] = cell
    error = _raised(InputError, lambda: _reader().add(2, row))
    assert (error.line, error.column) == (2, column)  # type: ignore[attr-defined]
    assert_clean(error, cell)


def test_an_as_of_that_is_no_date_leaves_no_argument_in_the_error() -> None:
    import argparse  # noqa: PLC0415

    args = argparse.Namespace(as_of=f"{PRIVATE}-01")
    error = _raised(InputError, lambda: _customers._as_of(args, UTC))
    assert_clean(error, PRIVATE)


# --- library values ---


@given(st.text(alphabet="0123456789 -+()#abc", min_size=1, max_size=30))
def test_a_phone_number_that_does_not_parse_has_no_context(text: str) -> None:
    try:
        parse_phone(text, region="CN")
    except InvalidPhoneNumberError as error:
        assert_clean(error)


def test_an_unparseable_phone_number_has_no_context() -> None:
    error = _raised(InvalidPhoneNumberError, lambda: parse_phone("+", region=None))
    assert_clean(error)


def test_a_blind_index_value_with_a_lone_surrogate_leaves_no_value_in_the_error() -> None:
    index = BlindIndex(bytes(32), field="phone", kind=IndexKind.PHONE, bits=16)
    value = "+8613800138000\ud800"
    error = _raised(ValidationError, lambda: index.of_normalised(value))
    assert (error.field, error.rule) == ("phone", "invalid_text")  # type: ignore[attr-defined]
    assert_clean(error, "13800138000")


def test_a_blind_index_field_with_a_lone_surrogate_has_no_context() -> None:
    error = _raised(
        ValidationError,
        lambda: BlindIndex(bytes(32), field="ph\ud800", kind=IndexKind.PHONE, bits=16),
    )
    assert error.rule == "invalid_text"  # type: ignore[attr-defined]
    assert_clean(error, "ph\ud800")


def test_an_amount_that_is_not_a_number_has_no_context() -> None:
    error = _raised(InvalidMoneyError, lambda: Money("12,5"))
    assert error.rule == "not_a_number"  # type: ignore[attr-defined]
    assert error.__context__ is None


@pytest.mark.parametrize("name", ["Asia/Nowhere", "../etc/passwd", "Asia/\x00"])
def test_an_unknown_zone_has_no_context(name: str) -> None:
    error = _raised(UnknownTimeZoneError, lambda: zone(name))
    assert error.__context__ is None


def test_chained_sets_the_cause_as_raise_from_does() -> None:
    cause = KeyError("k")
    error = chained(ValidationError("x", field="f"), cause)
    assert error.__cause__ is cause
    assert error.__suppress_context__
    with pytest.raises(ValidationError) as caught:
        raise error
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is cause
