"""psycopg errors as clubrules errors; psycopg itself imported on first use.

Messages name the SQLSTATE, never a value from the row.
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

__all__ = ["psycopg_module", "translate", "translated"]

_RETRYABLE_STATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available
    "57014",  # query_canceled (statement_timeout)
}
_NO_SCHEMA_STATES = {"42P01", "3F000"}  # undefined_table, invalid_schema_name


def psycopg_module() -> Any:  # noqa: ANN401 - the module, imported late
    """The psycopg module, or a `StorageError` that names the extra to install."""
    try:
        import psycopg  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError as error:  # pragma: no cover - the test environment has the extra
        raise StorageError(
            "the PostgreSQL adapters need psycopg 3: pip install 'clubrules[postgres]'"
        ) from error
    return psycopg


def translate(error: Exception, *, migration: bool) -> ClubRulesError:
    """The clubrules error for a psycopg error (a migration's failure is a `MigrationError`)."""
    psycopg = psycopg_module()
    state = getattr(getattr(error, "diag", None), "sqlstate", None) or ""
    label = f"{state} {type(error).__name__}".strip()
    if state == "23505":
        return DuplicateError(f"an identifier is already stored ({label})")
    if state == "23P01":
        return SlotConflictError(f"the database refused an overlapping booking ({label})")
    if state in _RETRYABLE_STATES or isinstance(error, psycopg.OperationalError):
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
