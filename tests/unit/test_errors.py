"""The error tree's conflict errors: conflicts given at once or worked out when first read."""

from __future__ import annotations

import pickle

from clubrules.errors import ConflictError, DuplicateError, SlotConflictError


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
