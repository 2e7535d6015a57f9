"""What the SQLite and PostgreSQL databases share: migrating, the adapters' reads, `with`."""

from __future__ import annotations

import contextvars  # noqa: TC003 - resolved at runtime by get_type_hints
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence  # noqa: TC003 - resolved at runtime by get_type_hints
from contextlib import AbstractContextManager  # noqa: TC003 - resolved at runtime by get_type_hints
from typing import Any, Generic, Self, TypeVar, cast

from clubrules.storage._fork import ForkSafe
from clubrules.storage._handles import TenantHandles, other_tenant
from clubrules.storage.sql._migrations import MigrationResult  # noqa: TC001 - as above

__all__ = ["SQLDatabase"]

C = TypeVar("C")
"""The driver's connection class."""


class SQLDatabase(TenantHandles, ForkSafe, ABC, Generic[C]):
    """The base of `SQLiteDatabase` and `PostgresDatabase`.

    A subclass lends connections (`connection`, `_read`), closes, and names
    the functions that migrate one of its connections and read its schema
    version; the methods built on those are here. In a forked child, a
    subclass's `_after_fork` sets its parent's connections aside (see
    `clubrules.storage._fork`).
    """

    _migrate_connection: Callable[..., MigrationResult]
    """Apply the pending migrations on a connection, up to `to`."""
    _schema_version_of: Callable[[C], int]
    """The schema version found through a connection."""
    _caller: C | None
    """The application's own connection (`from_connection`), or None."""
    _unit: contextvars.ContextVar[C | None]
    """The connection of the unit of work open in this thread or task, if any."""
    _unit_tenant: contextvars.ContextVar[str]
    """The tenant of the handle that opened that unit of work."""

    def _joined(self) -> C | None:
        """The caller's connection, or that of the unit of work open in this thread or task.

        Raises:
            StorageError: the unit was opened through a handle of another tenant.
        """
        if self._caller is not None:
            return self._caller
        unit = self._unit.get()
        if unit is not None and self._unit_tenant.get() != self._tenant:
            raise other_tenant(self._unit_tenant.get(), self._tenant)
        return unit

    @abstractmethod
    def connection(self) -> AbstractContextManager[C]:
        """Borrow a connection in autocommit mode."""

    @abstractmethod
    def _read(self, query: str, params: Sequence[object], *, one: bool) -> Any:  # noqa: ANN401
        """One statement and its rows (`fetchone()` if `one`, else `fetchall()`)."""

    @abstractmethod
    def close(self) -> None:
        """Close the database."""

    def _fetchone(self, query: str, params: Sequence[object]) -> Any:  # noqa: ANN401 - a row
        """One statement and `fetchone()`: the adapters' reads."""
        return self._read(query, params, one=True)

    def _write(self, query: str, params: Sequence[object]) -> None:
        """One statement that returns no rows, on its own (committed unless in a unit)."""
        with self.connection() as conn:
            cast("Any", conn).execute(query, params)

    def _changed(self, query: str, params: Sequence[object]) -> int:
        """One write statement, on its own (committed unless in a unit): the rows it changed."""
        with self.connection() as conn:
            return int(cast("Any", conn).execute(query, params).rowcount)

    def _fetchall(self, query: str, params: Sequence[object] = ()) -> list[Any]:
        """One statement and `fetchall()`: the adapters' reads."""
        rows: list[Any] = self._read(query, params, one=False)
        return rows

    def migrate(self, *, to: int | None = None) -> MigrationResult:
        """Bring the schema up to date (see `clubrules.storage.migrations.migrate`)."""
        with self.connection() as conn:
            return self._migrate_connection(conn, to=to)

    def schema_version(self) -> int:
        """The schema version of the database (0 if never migrated)."""
        with self.connection() as conn:
            return self._schema_version_of(conn)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
