"""What the SQLite and PostgreSQL adapters spell differently, for the code they share.

The shared adapter bodies (`_sql_*.py`) write their SQL once, through a
`Dialect`: the placeholder (`?` or `%s`), the schema prefix, the suffix of
instant columns (`at_us` holds UTC microseconds in SQLite, `at` a
`timestamptz` in PostgreSQL), the casts text-array and `jsonb` parameters
need, and how instants, dates, sets, decimals and booleans are encoded and
decoded. Connections come from the database object itself: both databases
offer `connection()` (autocommit, driver errors already translated to
clubrules errors) and `transaction()` (SQLite's takes the write lock up
front). What only one database does (exclusion constraints, `DISTINCT ON`,
the SQLite decimal aggregate, checkpoints after a delete, the translation of
what a driver refuses) stays in its own adapter module.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NoReturn, Protocol, TypeVar, cast

from clubrules._checks import LIVE_HANDLE, refuse_pickle, require_instance
from clubrules._time import require_window
from clubrules.money import Money
from clubrules.storage._tenant import DEFAULT_TENANT, sql_literal
from clubrules.storage.sql._codecs import (
    decode_at,
    decode_date,
    decode_set,
    encode_date,
    encode_instant,
    encode_set,
    encode_timestamptz,
    in_zone,
)
from clubrules.storage.sql._database import SQLDatabase
from clubrules.storage.sql._rows import row_builder

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from contextlib import AbstractContextManager
    from datetime import date, datetime

__all__ = [
    "DB",
    "MONEY_BY_TEXT",
    "POSTGRES",
    "SQLITE",
    "SQLITE_PREFIX",
    "Connection",
    "Database",
    "Dialect",
    "SQLAdapter",
    "decode_decimal",
    "money_from_text",
    "with_schema",
]


class Cursor(Protocol):
    """The part of a DB-API cursor the shared adapters use."""

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        ...

    def fetchone(self) -> Any:  # noqa: ANN401 - a driver row
        """The next row, or None."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        ...


class Connection(Protocol):
    """The part of a `sqlite3` or psycopg connection the shared adapters use."""

    def execute(self, query: str, params: Sequence[Any] | Mapping[str, Any] = ..., /) -> Cursor:
        """Run one statement."""
        ...


class Database(Protocol):
    """`SQLiteDatabase` and `PostgresDatabase`, as the shared adapters see them."""

    @property
    def _table_prefix(self) -> str:
        """What goes before each table name: `clubrules_`, or the schema (`"clubrules".`)."""
        ...

    @property
    def tenant(self) -> str:
        """The tenant whose rows the adapters built on this database read and write."""
        ...

    def connection(self) -> AbstractContextManager[Connection]:
        """An autocommit connection; driver errors become clubrules errors."""
        ...

    def transaction(self) -> AbstractContextManager[Connection]:
        """A connection inside a write transaction, committed on success."""
        ...

    def _fetchone(self, query: str, params: Sequence[object], /) -> Any:  # noqa: ANN401 - a row
        """`connection()`, one statement and `fetchone()`: a read without a `with` block."""
        ...

    def _fetchall(self, query: str, params: Sequence[object], /) -> list[Any]:
        """`connection()`, one statement and `fetchall()`: a read without a `with` block."""
        ...

    def _owns_transaction(self) -> bool:
        """Whether no unit of work or caller's transaction is open: a write commits on its own."""
        ...

    def _changed(self, query: str, params: Sequence[object], /) -> int:
        """One write statement run as the database's tenant: how many rows it changed."""
        ...

    def _write(self, query: str, params: Sequence[object], /) -> None:
        """`connection()` and one statement that returns no rows, without a `with` block."""
        ...


def _identity(value: Any) -> Any:  # noqa: ANN401 - the driver adapts the value itself
    return value


def _frozen(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted(values)


def _sqlite_us(column: str) -> str:
    return f"{column}_us"


def _postgres_us(column: str) -> str:
    # Exact: extract() returns numeric (PostgreSQL 14+); as the booking adapter reads them.
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


def _postgres_json_array(column: str) -> str:
    return f"array_to_json({column})::text"


def _path_repr(database: Any) -> str:  # noqa: ANN401 - a SQLiteDatabase
    return repr(database.path)


def decode_decimal(value: Decimal | str) -> Decimal:
    """A stored amount (exact text in SQLite, numeric in PostgreSQL) as a Decimal."""
    return value if isinstance(value, Decimal) else Decimal(value)


_new_money = row_builder(Money)

# Stored (amount text, currency) -> Money. Prices repeat (a salon's menu has a
# few dozen), and `Decimal` and `Money` are immutable, so equal texts share
# one value; the cache stops growing at `_MONEY_MAX` distinct amounts.
MONEY_BY_TEXT: dict[tuple[str, str], Money] = {}
_MONEY_MAX = 4096


def money_from_text(amount: str, currency: str) -> Money:
    """An amount as exact decimal text and its currency, as clubrules wrote them, as `Money`.

    Unchecked (see `sql._rows`), and shared between equal texts.
    """
    key = (amount, currency)
    money = MONEY_BY_TEXT.get(key)
    if money is None:
        money = _new_money(Decimal(amount), currency)
        if len(MONEY_BY_TEXT) < _MONEY_MAX:
            MONEY_BY_TEXT[key] = money
    return money


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one database spells the SQL and the values the shared adapters use."""

    param: str
    """The placeholder: `?` or `%s`."""
    schema: str
    """Prefix of every table name: `clubrules_` (SQLite) or the schema, `"clubrules".`.

    A `PostgresDatabase` in another schema gives its adapters the dialect
    `in_schema` makes; every statement names its tables through it, so none
    relies on the connection's `search_path`.
    """
    us: str
    """Suffix of an instant column: `"_us"` (UTC microseconds) or `""` (timestamptz)."""
    text_array: str
    """Cast after a parameter bound to a text-array column: `""` or `"::text[]"`."""
    json: str
    """Cast after a parameter bound to a JSON column: `""` (JSON text) or `"::jsonb"`."""
    json_as_text: str
    """Cast that reads a JSON column back as its text: `""` or `"::text"`."""
    for_update: str
    """Row lock to add to a read that decides a write: `""` (SQLite locks the database)."""
    encode_instant: Callable[[datetime], object]
    decode_at: Callable[[Any, str | None], datetime]
    encode_date: Callable[[date | None], object]
    decode_date: Callable[[Any], date | None]
    encode_set: Callable[[Iterable[str]], object]
    decode_set: Callable[[Any], frozenset[str]]
    encode_decimal: Callable[[Decimal], object]
    select_us: Callable[[str], str]
    """The SQL that reads instant column `name` as exact UTC epoch microseconds.

    The readers decode instants as SQLite stores them, whatever the database:
    for PostgreSQL an integer costs the driver less to load than a
    `timestamptz`, which it would also convert to the session's zone first.
    """
    exact_text: str
    """Cast that reads a decimal column as its exact text: `""` or `"::text"`."""
    select_set: Callable[[str], str]
    """The SQL that reads a set column (JSON text, or `text[]`) as a JSON array's text.

    For `decode_set` of SQLite, which shares one frozenset between equal texts.
    """
    encode_bool: Callable[[bool], object]
    describe: Callable[[Any], str]
    """How an adapter's repr shows its database: the SQLite file, or the `PostgresDatabase`."""
    tenant: str
    """The SQL expression of the tenant whose rows every statement reads and writes.

    SQLite: the tenant's id as a string literal, so statements are rendered
    per tenant (`for_tenant`). PostgreSQL: `current_setting('clubrules.tenant')`,
    one text for every tenant; the database sets that setting in each
    transaction, and the tables' row-level security policies check it again.
    """
    tenant_literal: bool
    """Whether `tenant` is a literal that `for_tenant` replaces (SQLite), or the setting."""

    def table(self, name: str) -> str:
        """A table name with the schema prefix."""
        return f"{self.schema}{name}"

    def in_schema(self, prefix: str) -> Dialect:
        """This dialect with `prefix` before every table name (the same one for the same prefix).

        Made once per database and prefix: adapters render their statements
        with it when they are built, never per call.
        """
        if prefix == self.schema:
            return self
        key = (self, prefix)
        found = _IN_SCHEMA.get(key)
        if found is None:
            found = _IN_SCHEMA[key] = replace(self, schema=prefix)
        return found

    def for_tenant(self, tenant: str) -> Dialect:
        """This dialect for the statements of `tenant` (an equal one for the same tenant).

        Raises:
            ValidationError: `tenant` is not a tenant id.
        """
        literal = sql_literal(tenant)
        if not self.tenant_literal or literal == self.tenant:
            return self
        return _with_tenant(self, literal)

    def params(self, count: int) -> str:
        """`count` placeholders, comma separated, for a `VALUES (...)` list."""
        return ", ".join([self.param] * count)

    def window(
        self,
        clauses: list[str],
        params: list[object],
        start: datetime | None,
        end: datetime | None,
        *,
        column: str = "at",
        names: tuple[str, str] = ("start", "end"),
    ) -> None:
        """Check a half-open window and add its bounds on the instant `column` to a WHERE."""
        require_window(start, end, names=names)
        if start is not None:
            clauses.append(f"{column}{self.us} >= {self.param}")
            params.append(self.encode_instant(start))
        if end is not None:
            clauses.append(f"{column}{self.us} < {self.param}")
            params.append(self.encode_instant(end))

    def where_in_window(
        self,
        key_column: str,
        key: str | None,
        *,
        start: datetime | None,
        end: datetime | None,
        column: str = "at",
    ) -> tuple[str, list[object]]:
        """A WHERE clause and its parameters.

        It keeps the rows of the dialect's tenant whose `key_column` is `key` (all when `key` is
        None) and whose instant `column` is in `[start, end)`, checked as
        `window` checks it.
        """
        clauses: list[str] = [f"tenant = {self.tenant}"]
        params: list[object] = []
        if key is not None:
            clauses.append(f"{key_column} = {self.param}")
            params.append(key)
        self.window(clauses, params, start, end, column=column)
        return f" WHERE {' AND '.join(clauses)}", params

    def insert_or_read_back(
        self,
        db: Database,
        table: str,
        columns: str,
        row: Sequence[Any],
        *,
        values: str | None = None,
        read_columns: str | None = None,
    ) -> tuple[bool, Any]:
        """Insert `row` unless its id (the first value) is taken: `(True, None)` if inserted.

        One `INSERT ... ON CONFLICT (tenant, id) DO NOTHING` (the row in the
        dialect's tenant); when the id is taken the stored row (which never
        changes) is read back, `(False, stored)`, for the caller to compare
        with what it tried to add.
        `values` is the placeholder list when a column needs a cast (plain
        placeholders by default); `read_columns` what the read-back selects
        (`columns` by default).
        """
        # Two one-statement calls (one round trip each on PostgreSQL), not a
        # borrowed connection: the read-back only runs when the id is taken.
        inserted = db._changed(  # noqa: SLF001 - the databases' write helper
            f"INSERT INTO {table} (tenant, {columns})"  # noqa: S608 - constant
            f" VALUES ({self.tenant}, {values or self.params(len(row))})"
            " ON CONFLICT (tenant, id) DO NOTHING",
            row,
        )
        if inserted == 1:
            return True, None
        stored = db._fetchone(  # noqa: SLF001 - the databases' read helper
            f"SELECT {read_columns or columns} FROM {table}"  # noqa: S608 - constant
            f" WHERE tenant = {self.tenant} AND id = {self.param}",
            (row[0],),
        )
        return False, stored


DB = TypeVar("DB", bound=Database)
"""The database class of a backend: `SQLiteDatabase` or `PostgresDatabase`."""


class SQLAdapter(Generic[DB]):
    """What every shared SQL adapter holds (its dialect and database) and its repr.

    The public subclasses (`SQLiteCustomerRepository`, ...) set `_dialect`
    and name their database class as the type argument, so that type
    checkers see `database` (and `self._db`) as that class. An adapter's
    `_dialect` names its tables with its database's prefix (the schema of
    a `PostgresDatabase`), from `__init__` on.
    """

    _dialect: Dialect
    _table_name: ClassVar[str] = ""
    """An adapter of one table names it here, and reads it as `self._table`."""
    _column_list: ClassVar[str] = ""
    """Its columns as statements list them, as `self._columns`: `{us}` stands
    for the dialect's suffix of a column of instants (`at{us}`)."""

    _table: str
    _columns: str

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(self, LIVE_HANDLE)

    def __init__(self, database: DB) -> None:
        # Checked before use: anything else would fail with an AttributeError below.
        require_instance(database, cast("type[Any]", SQLDatabase), "database")
        self._db = database
        self._dialect = self._dialect.in_schema(database._table_prefix).for_tenant(  # noqa: SLF001
            database.tenant
        )
        if self._table_name:
            d = self._dialect
            self._table = d.table(self._table_name)
            self._columns = self._column_list.format(us=d.us)

    def _in_window(
        self,
        table: str,
        columns: str,
        key_column: str,
        key: str | None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        column: str = "at",
    ) -> list[Any]:
        """The rows of `table` whose instant `column` is in `[start, end)`, by it then id.

        Only those whose `key_column` is `key`, unless `key` is None.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        d = self._dialect
        where, params = d.where_in_window(key_column, key, start=start, end=end, column=column)
        return self._db._fetchall(  # noqa: SLF001 - the databases' read helper
            f"SELECT {columns} FROM {table}{where} ORDER BY {column}{d.us}, id",  # noqa: S608
            params,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._dialect.describe(self._db)})"


_IN_SCHEMA: dict[tuple[Dialect, str], Dialect] = {}


@functools.lru_cache(maxsize=1024)
def _with_tenant(dialect: Dialect, literal: str) -> Dialect:
    """`dialect` with `literal` as its tenant, kept for the most recently used tenants.

    A process serving more tenants makes the others again when they come
    back (an equal dialect), rather than growing without bound.
    """
    return replace(dialect, tenant=literal)


_DEFAULT_QUALIFIER = re.compile(r"(?<![\w.\"'])clubrules\.")


def with_schema(sql: str, prefix: str) -> str:
    """`sql`, written with its tables in the default schema (`clubrules.x`), with them in `prefix`.

    For the PostgreSQL adapters' own statements, rendered once per adapter.
    """
    return _DEFAULT_QUALIFIER.sub(lambda _m: prefix, sql)


TENANT_SETTING = "clubrules.tenant"
"""The PostgreSQL setting that names the tenant of a transaction (set with `SET LOCAL`)."""
TENANT_SETTING_SQL = f"current_setting('{TENANT_SETTING}')"
"""The PostgreSQL statements' tenant: the setting, an error where it is not set."""

SQLITE_PREFIX = "clubrules_"
"""What precedes every clubrules table, index and trigger name in SQLite (from schema version 9)."""

SQLITE = Dialect(
    param="?",
    schema=SQLITE_PREFIX,
    us="_us",
    text_array="",
    json="",
    json_as_text="",
    for_update="",
    encode_instant=encode_instant,
    decode_at=decode_at,
    encode_date=encode_date,
    decode_date=decode_date,
    encode_set=encode_set,
    decode_set=decode_set,
    encode_decimal=str,  # exact decimal text: str(Decimal) round-trips digit for digit
    select_us=_sqlite_us,
    exact_text="",
    select_set=str,  # stored as JSON text already
    encode_bool=int,
    describe=_path_repr,
    tenant=sql_literal(DEFAULT_TENANT),
    tenant_literal=True,
)

POSTGRES = Dialect(
    param="%s",
    schema='"clubrules".',
    us="",
    text_array="::text[]",
    json="::jsonb",
    json_as_text="::text",
    for_update=" FOR UPDATE",
    encode_instant=encode_timestamptz,
    decode_at=in_zone,
    encode_date=_identity,
    decode_date=_identity,
    encode_set=_sorted,
    decode_set=_frozen,
    encode_decimal=_identity,
    select_us=_postgres_us,
    exact_text="::text",
    select_set=_postgres_json_array,
    encode_bool=_identity,
    describe=repr,
    tenant=TENANT_SETTING_SQL,
    tenant_literal=False,
)
