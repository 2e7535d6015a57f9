"""psycopg errors become clubrules errors by SQLSTATE, never by psycopg's Python class.

psycopg files a program limit exceeded (54000: a row too large for an index)
under `OperationalError`, as it files a lost connection; only the second is
worth a retry. No server is needed: psycopg builds each error class from its
SQLSTATE.
"""

from __future__ import annotations

import psycopg
import psycopg.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import (
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    SlotConflictError,
    StorageError,
    ValidationError,
)
from clubrules.storage.postgres._errors import is_retryable, translate

# SQLSTATE -> the clubrules error it becomes: the whole table, written out.
TABLE: dict[str, type[Exception]] = {
    # Transient, so a retry may succeed.
    "40001": RetryableStorageError,  # serialization_failure
    "40P01": RetryableStorageError,  # deadlock_detected
    "55P03": RetryableStorageError,  # lock_not_available
    "57014": RetryableStorageError,  # query_canceled (statement_timeout)
    "57P01": RetryableStorageError,  # admin_shutdown
    "57P02": RetryableStorageError,  # crash_shutdown
    "57P03": RetryableStorageError,  # cannot_connect_now
    "08000": RetryableStorageError,  # connection_exception
    "08003": RetryableStorageError,  # connection_does_not_exist
    "08006": RetryableStorageError,  # connection_failure
    "53000": RetryableStorageError,  # insufficient_resources
    "53100": RetryableStorageError,  # disk_full
    "53200": RetryableStorageError,  # out_of_memory
    "53300": RetryableStorageError,  # too_many_connections
    # Permanent, since the same call fails the same way.
    "54000": StorageError,  # program_limit_exceeded (index row too large)
    "54001": StorageError,  # statement_too_complex
    "54011": StorageError,  # too_many_columns
    "53400": StorageError,  # configuration_limit_exceeded
    "22001": StorageError,  # string_data_right_truncation
    "22003": StorageError,  # numeric_value_out_of_range
    "22012": StorageError,  # division_by_zero
    "22P02": StorageError,  # invalid_text_representation
    "23502": StorageError,  # not_null_violation
    "23503": StorageError,  # foreign_key_violation
    "23514": StorageError,  # check_violation
    "58030": StorageError,  # io_error
    "XX000": StorageError,  # internal_error
    "40002": StorageError,  # transaction_integrity_constraint_violation
    # A taken key, an overlap, no schema yet.
    "23505": DuplicateError,
    "23P01": SlotConflictError,
    "42P01": MigrationError,
    "3F000": MigrationError,
}


class _Diag:
    def __init__(self, state: str) -> None:
        self.sqlstate = state


def _error(state: str) -> psycopg.Error:
    """An error of psycopg's class for `state`, carrying that SQLSTATE as a server error does."""
    base: type[psycopg.Error] = psycopg.errors.lookup(state)

    class FromServer(base):  # type: ignore[valid-type,misc]
        @property
        def diag(self) -> _Diag:
            return _Diag(state)

    FromServer.__name__ = base.__name__
    return FromServer("refused")


@pytest.mark.parametrize(("state", "expected"), sorted(TABLE.items()))
def test_each_sqlstate_becomes_its_clubrules_error(state: str, expected: type[Exception]) -> None:
    translated = translate(_error(state), migration=False)
    assert type(translated) is expected
    assert state in str(translated) or expected is MigrationError


def test_a_program_limit_is_an_operational_error_to_psycopg_but_never_retryable() -> None:
    error = _error("54000")
    assert isinstance(error, psycopg.OperationalError)
    translated = translate(error, migration=False)
    assert not isinstance(translated, RetryableStorageError)
    assert "retrying fails the same way" in str(translated)


def test_errors_without_a_state_are_retryable_only_when_operational() -> None:
    # A connection lost before the server answered, or a pool that timed out.
    assert isinstance(
        translate(psycopg.OperationalError("lost"), migration=False), RetryableStorageError
    )
    assert type(translate(psycopg.InterfaceError("closed"), migration=False)) is StorageError
    assert type(translate(psycopg.ProgrammingError("bad"), migration=False)) is StorageError


def test_a_nul_refused_by_psycopg_is_a_validation_error() -> None:
    error = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    translated = translate(error, migration=False)
    assert isinstance(translated, ValidationError)
    assert translated.rule == "nul_character"


def test_a_failed_migration_is_a_migration_error_unless_transient() -> None:
    assert type(translate(_error("22012"), migration=True)) is MigrationError
    assert type(translate(_error("40001"), migration=True)) is RetryableStorageError


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=5))
def test_retryable_means_a_transient_class_or_state(state: str) -> None:
    transient = state[:2] == "08" or state in {
        "40001",
        "40P01",
        "55P03",
        "57014",
        "57P01",
        "57P02",
        "57P03",
        "53000",
        "53100",
        "53200",
        "53300",
    }
    assert is_retryable(state) is transient
    assert is_retryable(state, operational=True) is transient
