"""A value's row declared once: from one list of fields, its columns, encoder and decoder.

A `RowLayout` names, in column order, how each field of a value is stored:
as it is (`"id"`), as an enum's value (`enum`), as an instant in two columns
(`instant`), as a decimal, a date, JSON or money. The statements' column
lists, the row an insert binds and the value a selected row decodes to all
come from that one list, so they cannot disagree on the order. `bind` gives
the layout in one dialect, once, when an adapter is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from clubrules.storage.sql._adds import settle_add
from clubrules.storage.sql._codecs import encode_zone
from clubrules.storage.sql._dialect import decode_decimal, money_from_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from enum import Enum

    from clubrules.money import Money
    from clubrules.storage._values import Keyed
    from clubrules.storage.sql._dialect import Database, Dialect

__all__ = [
    "BoundLayout",
    "Field",
    "RowLayout",
    "date",
    "decimal",
    "enum",
    "instant",
    "json",
    "money",
    "plain",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Field:
    """How one field of a value is stored: its columns and the functions between them.

    The SQL texts may hold `{us}` (the suffix of an instant column),
    `{json_as_text}`, `{exact_text}` (in `reads`), `{p}` and `{json}` (in
    `values`), filled in from the dialect.
    """

    name: str
    """The field, as the value's constructor names it."""
    columns: str
    """The columns an insert writes."""
    reads: str
    """What a select reads for them."""
    values: str
    """The placeholders an insert binds them to."""
    attr: str
    """The attribute of the value that is written (the field itself, as a rule)."""
    put: Callable[[Dialect, Any], Sequence[object]] | None = None
    """The column values of the attribute (None: the attribute itself, one column)."""
    get: Callable[[Dialect, Sequence[Any], int], object] | None = None
    """The field from the row and its first column's index (None: by `convert`)."""
    convert: Callable[[Any], object] | None = None
    """The field from its one column's value (None, and no `get`: the value as it is)."""
    width: int = 1
    """How many columns the field takes."""


def plain(
    name: str,
    *,
    column: str | None = None,
    reads: str = "{column}",
    values: str = "{p}",
    attr: str | None = None,
    put: Callable[[Dialect, Any], Sequence[object]] | None = None,
    get: Callable[[Dialect, Sequence[Any], int], object] | None = None,
    convert: Callable[[Any], object] | None = None,
) -> Field:
    """A field in one column (`name`'s own, unless `column`), written from `attr`.

    `reads` and `values` may name the column as `{column}`; `put`, `get` and
    `convert` as in `Field` (by default the value goes in and comes back as it is).
    """
    column = column or name
    reads = reads.format(column=column, us="{us}")
    return Field(name, column, reads, values, attr or name, put, get, convert)


def _value(d: Dialect, member: Enum) -> tuple[object]:
    del d
    return (member.value,)


def enum(
    name: str, cls: Callable[[Any], object] | None = None, *, column: str | None = None
) -> Field:
    """An enum field stored as its value; read back through `cls` (None: the value as it is).

    A value whose constructor converts the field itself needs no `cls`.
    """
    return plain(name, column=column, put=_value, convert=cls)


def _put_instant(d: Dialect, at: Any) -> tuple[object, str | None]:  # noqa: ANN401 - a datetime
    return d.encode_instant(at), encode_zone(at)


def _get_instant(d: Dialect, row: Sequence[Any], i: int) -> object:
    return d.decode_at(row[i], row[i + 1])


def instant(name: str, column: str | None = None) -> Field:
    """An aware datetime in two columns: UTC (`column{us}`) and its zone (`column_tz`)."""
    column = column or name
    columns = f"{column}{{us}}, {column}_tz"
    return Field(name, columns, columns, "{p}, {p}", name, _put_instant, _get_instant, width=2)


def decimal(name: str) -> Field:
    """A `Decimal` field in a decimal column."""
    return plain(
        name,
        put=lambda d, value: (d.encode_decimal(value),),
        convert=decode_decimal,
    )


def date(name: str) -> Field:
    """A `date` field in a date column."""
    return plain(
        name,
        put=lambda d, value: (d.encode_date(value),),
        get=lambda d, row, i: d.decode_date(row[i]),
    )


def json(
    name: str,
    encode: Callable[[Any], str],
    decode: Callable[[Any], object],
    *,
    as_text: bool = False,
) -> Field:
    """A field in a JSON column: written as `encode`'s text, read back through `decode`.

    `as_text`: read the column as its text in every database (else PostgreSQL
    gives `decode` the decoded JSON).
    """
    return plain(
        name,
        reads="{column}{{json_as_text}}" if as_text else "{column}",
        values="{p}{json}",
        put=lambda _d, value: (encode(value),),
        convert=decode,
    )


def _put_money(d: Dialect, value: Money | None) -> tuple[object, str | None]:
    return (None, None) if value is None else (d.encode_decimal(value.amount), value.currency)


def _get_money(d: Dialect, row: Sequence[Any], i: int) -> Money | None:
    del d
    amount = row[i]
    return None if amount is None else money_from_text(str(amount), row[i + 1])


def money(name: str, column: str | None = None) -> Field:
    """An optional `Money` field in two columns: `column` (read as exact text) and `currency`."""
    column = column or name
    return Field(
        name,
        f"{column}, currency",
        f"{column}{{exact_text}}, currency",
        "{p}, {p}",
        name,
        _put_money,
        _get_money,
        width=2,
    )


class RowLayout(Generic[T]):
    """The rows of one kind of value: its table, constructor, and fields in column order."""

    __slots__ = ("_fields", "build", "table")

    def __init__(self, table: str, build: Callable[..., T], *fields: Field | str) -> None:
        self.table = table
        """The table's name, without the dialect's prefix."""
        self.build = build
        """What builds the value, from the fields by name (its class)."""
        self._fields = tuple(plain(f) if isinstance(f, str) else f for f in fields)

    def bind(self, d: Dialect) -> BoundLayout[T]:
        """This layout in dialect `d`: its SQL texts filled in, its codec ready."""
        return BoundLayout(self, d)


class BoundLayout(Generic[T]):
    """A `RowLayout` in one dialect: column lists, `row` (to write) and `read` (a row back)."""

    __slots__ = (
        "_converted",
        "_d",
        "_get",
        "_instants",
        "_plain",
        "_put",
        "build",
        "columns",
        "reads",
        "table",
        "values",
    )

    def __init__(self, layout: RowLayout[T], d: Dialect) -> None:
        fields = layout._fields
        self._d = d
        self.build = layout.build
        self.table = d.table(layout.table)
        """The table, as the dialect names it."""
        fill = {
            "us": d.us,
            "json_as_text": d.json_as_text,
            "exact_text": d.exact_text,
            "p": d.param,
            "json": d.json,
        }
        self.columns = ", ".join(f.columns.format(**fill) for f in fields)
        """The columns an insert writes, in order."""
        self.reads = ", ".join(f.reads.format(**fill) for f in fields)
        """What a select reads, in the order `read` takes."""
        self.values = ", ".join(f.values.format(**fill) for f in fields)
        """The placeholders of an insert's `VALUES`."""
        self._put = tuple((attrgetter(f.attr), f.put) for f in fields)
        # Read in four groups, the common ones without a call of their own: columns as
        # they are, one-column conversions, instants, and the rest.
        at = [(f, sum(f.width for f in fields[:n])) for n, f in enumerate(fields)]
        self._plain = tuple((f.name, i) for f, i in at if f.get is None and f.convert is None)
        self._converted = tuple((f.name, f.convert, i) for f, i in at if f.convert is not None)
        self._instants = tuple((f.name, i) for f, i in at if f.get is _get_instant)
        self._get = tuple(
            (f.name, f.get, i) for f, i in at if f.get is not None and f.get is not _get_instant
        )

    def row(self, value: T) -> tuple[object, ...]:
        """The parameters an insert of `value` binds, in column order."""
        d = self._d
        out: list[object] = []
        for attr, put in self._put:
            if put is None:
                out.append(attr(value))
            else:
                out.extend(put(d, attr(value)))
        return tuple(out)

    def read(self, row: Sequence[Any]) -> T:
        """The value of a row selected with `reads`."""
        d = self._d
        fields = {name: row[i] for name, i in self._plain}
        for name, convert, i in self._converted:
            fields[name] = convert(row[i])
        decode_at = d.decode_at
        for name, i in self._instants:
            fields[name] = decode_at(row[i], row[i + 1])
        for name, get, i in self._get:
            fields[name] = get(d, row, i)
        return self.build(**fields)

    def add(self: BoundLayout[Keyed], db: Database, value: Keyed, kind: str) -> bool:
        """Insert `value` unless its id is taken; as `settle_add` answers.

        Raises:
            DuplicateError: `kind` with this id is stored with other content.
        """
        outcome = self._d.insert_or_read_back(
            db,
            self.table,
            self.columns,
            self.row(value),
            values=self.values,
            read_columns=self.reads,
        )
        return settle_add(outcome, value, self.read, kind)
