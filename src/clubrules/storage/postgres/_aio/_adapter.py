"""What every async PostgreSQL adapter holds: its checked database, its dialect, its repr."""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from clubrules._checks import LIVE_HANDLE, refuse_pickle, require_instance
from clubrules.storage.postgres._aio._db import AsyncPostgresDatabase
from clubrules.storage.sql._dialect import POSTGRES, Dialect

__all__ = ["AsyncPostgresAdapter"]


class AsyncPostgresAdapter:
    """The base of the `AsyncPostgres...` adapters, as `SQLAdapter` is of the sync ones.

    `_dialect` names the tables in the database's schema and reads and
    writes the rows of the database handle's tenant. An adapter whose
    statements are one class of `clubrules.storage.sql` (`CustomerSQL`, ...)
    names it in `_statements`, and reads them as `self._q`.
    """

    _statements: ClassVar[type[Any] | None] = None
    """The class of the adapter's statements, made from its dialect (None: none)."""
    _q: Any

    def __init__(self, database: AsyncPostgresDatabase) -> None:
        require_instance(database, AsyncPostgresDatabase, "database")
        self._db = database
        prefix = database._table_prefix  # noqa: SLF001 - the database's schema
        self._dialect: Dialect = POSTGRES.in_schema(prefix).for_tenant(database.tenant)
        if self._statements is not None:
            self._q = self._statements(self._dialect)

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(self, LIVE_HANDLE)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._db!r})"
