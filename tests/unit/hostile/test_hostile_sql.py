"""The typed-error promise, kept by the SQLite adapters as by the in-memory ones.

The walk of `test_hostile_inputs` covers the in-memory adapters; this one
gives every public method of every SQLite adapter the same hostile values,
on a migrated temporary database file, and also holds a refusal to what a
user of a database would notice: the error comes from the library's own
checks (not from the driver, which names no field), and a refused call
leaves every row as it was. `_sql.Backend` runs a call on any database
in a rolled-back transaction; `test_hostile_postgres` walks the PostgreSQL adapters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from clubrules.storage import sqlite as sqlite_storage
from clubrules.storage.sqlite import SQLiteActivityRepository, SQLiteDatabase

from . import _samples as s
from ._sql import Backend, adapter_classes, constructor_escapes, methods_of, sqlite_backend
from ._walk import hostile_values

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CLASSES = adapter_classes(sqlite_storage)
BY_NAME = {cls.__name__: cls for cls in CLASSES}

# Escapes the walk found that are not fixed yet (strict: a fix makes the test pass and fails
# the xfail, so the entry must then go).
_VALUE_ARGS: dict[str, tuple[str, ...]] = {}
KNOWN = {(cls, m) for cls, methods in _VALUE_ARGS.items() for m in methods}
CASES = [
    pytest.param(
        cls.__name__,
        m,
        marks=[pytest.mark.xfail(strict=True, reason="a known escape")]
        if (cls.__name__, m) in KNOWN
        else [],
    )
    for cls in CLASSES
    for m in methods_of(cls)
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with sqlite_backend(tmp_path_factory.mktemp("hostile-sqlite") / "club.db") as backend:
        yield backend


def test_the_walk_covers_every_sqlite_adapter() -> None:
    assert len(CLASSES) == len(sqlite_storage.__all__) - 1  # all but the database
    assert len(CASES) > 50


@pytest.mark.parametrize(("cls", "method"), CASES)
def test_hostile_arguments_raise_only_library_errors(
    backend: Backend, cls: str, method: str
) -> None:
    escapes = backend.walk(BY_NAME[cls], method)
    assert not escapes, "escaped:\n" + "\n".join(str(e) for e in escapes[:40])


@pytest.mark.parametrize("cls", sorted(BY_NAME))
def test_hostile_constructor_arguments_raise_only_library_errors(cls: str) -> None:
    kind = BY_NAME[cls]
    with SQLiteDatabase(":memory:") as database:
        valid: dict[str, Any] = {"database": database}
        if kind is SQLiteActivityRepository:
            valid |= {"zone": s.SHANGHAI, "currency": "CNY"}
        escapes = constructor_escapes(kind, valid)
    assert not escapes, "escaped:\n" + "\n".join(str(e) for e in escapes[:40])


def _database_escapes(tmp_path: Path) -> list[str]:
    from ._sql import classify_sql  # noqa: PLC0415
    from ._walk import guarded  # noqa: PLC0415

    found: list[str] = []
    for label, value in hostile_values():
        with SQLiteDatabase(tmp_path / "walk.db") as database:
            database.migrate()
            for name, call in (
                ("for_tenant", lambda value=value: database.for_tenant(value)),
                ("defer_purge", lambda value=value: database.defer_purge(value)),
                ("migrate(to)", lambda value=value: database.migrate(to=value)),
                ("from_connection", lambda value=value: SQLiteDatabase.from_connection(value)),
                ("timeout", lambda value=value: SQLiteDatabase(tmp_path / "t.db", timeout=value)),
                (
                    "max_connections",
                    lambda value=value: SQLiteDatabase(tmp_path / "m.db", max_connections=value),
                ),
            ):
                escape = classify_sql(guarded(call))
                if escape is not None:
                    found.append(f"SQLiteDatabase.{name}={label} -> {escape}")
    return found


def test_hostile_arguments_to_the_database_raise_only_library_errors(tmp_path: Path) -> None:
    escapes = _database_escapes(tmp_path)
    assert not escapes, "escaped:\n" + "\n".join(escapes[:40])
