"""psycopg errors as clubrules errors; psycopg itself imported on first use.

An error is retryable by its SQLSTATE, never by psycopg's Python class:
psycopg files a program limit exceeded (54000, a row too large for an
index) under `OperationalError`, as it does a lost connection, yet the
first fails the same way however often it is retried. Messages name the
SQLSTATE, never a value from the row.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from clubrules.errors import (
    ClubRulesError,
    DuplicateError,
    MigrationError,
    RetryableStorageError,
    SlotConflictError,
    StorageError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["is_retryable", "psycopg_module", "translate", "translated"]

# Transient conditions: the same transaction may well succeed if retried.
_RETRYABLE_STATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, in recovery)
        "53000",  # insufficient_resources
        "53100",  # disk_full
        "53200",  # out_of_memory
        "53300",  # too_many_connections
    }
)
_RETRYABLE_CLASSES = frozenset({"08"})  # connection_exception, whatever its subclass
_NO_SCHEMA_STATES = frozenset({"42P01", "3F000"})  # undefined_table, invalid_schema_name


def psycopg_module() -> Any:  # noqa: ANN401 - the module, imported late
    """The psycopg module, or a `StorageError` that names the extra to install."""
    try:
        import psycopg  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError as error:  # pragma: no cover - the test environment has the extra
        raise StorageError(
            "the PostgreSQL adapters need psycopg 3: pip install 'clubrules[postgres]'"
        ) from error
    return psycopg


def is_retryable(state: str, *, operational: bool = False) -> bool:
    """Whether SQLSTATE `state` is a transient failure that a retry may get past.

    Class 08 (connection exceptions), serialization failures and deadlocks,
    lock and statement timeouts, a server shutting down or starting up, and
    a shortage of connections, memory or disk are transient. Every other
    state (a program limit such as 54000, bad data in class 22, a
    constraint in class 23, ...) fails the same way on every retry.
    `operational` is for an error without a state: psycopg's own
    `OperationalError` (a connection lost before the server answered, a
    pool that timed out) is transient, anything else is not.
    """
    if not state:
        return operational
    return state in _RETRYABLE_STATES or state[:2] in _RETRYABLE_CLASSES


def translate(error: Exception, *, migration: bool) -> ClubRulesError:
    """The clubrules error for a psycopg error (a migration's failure is a `MigrationError`)."""
    psycopg = psycopg_module()
    state = getattr(getattr(error, "diag", None), "sqlstate", None) or ""
    label = f"{state} {type(error).__name__}".strip()
    if state == "23505":
        return DuplicateError(f"an identifier is already stored ({label})")
    if state == "23P01":
        return SlotConflictError(f"the database refused an overlapping booking ({label})")
    if is_retryable(state, operational=isinstance(error, psycopg.OperationalError)):
        return RetryableStorageError(
            f"PostgreSQL was unavailable or lost the connection ({label}); "
            "the transaction was rolled back, retry"
        )
    if state in _NO_SCHEMA_STATES:
        return MigrationError(
            "the PostgreSQL database has no clubrules schema yet: run "
            "PostgresDatabase.migrate() or `clubrules db migrate --url postgresql://...`"
        )
    if isinstance(error, psycopg.DataError) and "NUL" in str(error):
        return ValidationError(
            "text for PostgreSQL must not contain NUL characters", rule="nul_character"
        )
    if migration:
        return MigrationError(f"a migration failed and was rolled back ({label})")
    if state.startswith("54"):
        return StorageError(
            f"a value is larger than PostgreSQL can hold or index ({label}); "
            "retrying fails the same way"
        )
    return StorageError(f"PostgreSQL failed ({label})")


@contextlib.contextmanager
def translated(*, migration: bool = False) -> Iterator[None]:
    """Turn psycopg errors raised inside the block into clubrules errors.

    Messages name the SQLSTATE, never a value from the row.
    """
    psycopg = psycopg_module()
    try:
        yield
    except psycopg.Error as error:
        raise translate(error, migration=migration) from error
