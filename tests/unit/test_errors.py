"""The error tree: conflicts given at once or worked out when first read, and input errors."""

from __future__ import annotations

import pickle

from clubrules.errors import (
    ClubRulesError,
    ConflictError,
    DuplicateError,
    InputError,
    SlotConflictError,
    ValidationError,
)


def test_conflicts_given_at_once_are_kept_as_a_tuple() -> None:
    error = SlotConflictError(
        "booking 'b-2' clashes with 2 stored booking(s)", conflicts=["a", "b"]
    )
    assert error.conflicts == ("a", "b")
    assert str(error) == "booking 'b-2' clashes with 2 stored booking(s)"
    assert DuplicateError("taken").conflicts == ()


def test_conflicts_found_later_are_worked_out_once_on_first_read() -> None:
    calls: list[int] = []

    def find() -> list[str]:
        calls.append(1)
        return ["a", "b"]

    error = SlotConflictError._found_later("clashes with 2 stored booking(s)", find)
    assert isinstance(error, SlotConflictError)
    assert calls == []  # nothing built until asked
    assert error.conflicts == ("a", "b")
    assert error.conflicts == ("a", "b")
    assert calls == [1]
    assert str(error) == "clashes with 2 stored booking(s)"


def test_an_error_with_conflicts_found_later_pickles_with_them() -> None:
    error = SlotConflictError._found_later("clashes", lambda: ["a"])
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is SlotConflictError
    assert copy.conflicts == ("a",)
    assert str(copy) == "clashes"
    assert isinstance(copy, ConflictError)


def test_an_input_error_is_bad_input_placed_by_line_and_column() -> None:
    error = InputError("is before start", line=4, column="end")
    assert isinstance(error, ValidationError)
    assert isinstance(error, ValueError)
    assert isinstance(error, ClubRulesError)
    assert str(error) == error.render() == "line 4, column 'end': is before start"
    assert (error.message, error.line, error.column) == ("is before start", 4, "end")
    assert error.field == "end"
    assert error.rule == "invalid_input"
    assert [v.message for v in error.violations] == ["is before start"]


def test_an_input_error_names_a_json_key_or_no_place_at_all() -> None:
    key = InputError("expected a string or a whole number", line=2, column="start", word="key")
    assert str(key) == "line 2, key 'start': expected a string or a whole number"
    header = InputError("missing required column 'end'", line=1)
    assert str(header) == "line 1: missing required column 'end'"
    assert header.field == ""
    option = InputError("--as-of: not a date (YYYY-MM-DD)")
    assert str(option) == "--as-of: not a date (YYYY-MM-DD)"
    assert option.line is None
    assert option.column is None


def test_an_input_error_pickles_with_its_place() -> None:
    error = InputError("not a whole number of at least 1", line=9, column="capacity", word="key")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is InputError
    assert (copy.message, copy.line, copy.column, copy.word) == (
        "not a whole number of at least 1",
        9,
        "capacity",
        "key",
    )
    assert str(copy) == str(error)
