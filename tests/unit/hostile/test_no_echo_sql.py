"""No refused value comes back from the SQLite adapters: `test_no_echo`'s walk, on a database.

Every public method of every SQLite adapter gets, in each parameter in turn,
every marker of `test_no_echo.MARKERS` (and its valid value with the marker
added, for a list or a mapping), on a migrated database stocked as in
`test_hostile_sql`, each call rolled back after. Whatever the library raises,
warns or logs must not show the marker (ids excepted, as in `test_no_echo`),
and the `diagnostics` of a storage or conflict error must hold codes and
schema names only. The database's own methods and the adapters' constructors
are walked too. `test_no_echo_postgres` walks the PostgreSQL adapters.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import pytest

from clubrules.errors import ConflictError, StorageDiagnostics, StorageError, ValidationError
from clubrules.storage import sqlite as sqlite_storage
from clubrules.storage.sqlite import SQLiteActivityRepository, SQLiteDatabase

from . import _samples as s
from ._echo_sql import diagnostics_problems, echoes, walk
from ._sql import Backend, adapter_classes, methods_of, sqlite_backend
from .test_no_echo import MARKERS, PHONE, _run

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

CLASSES = adapter_classes(sqlite_storage)
BY_NAME = {cls.__name__: cls for cls in CLASSES}
CASES = [pytest.param(cls.__name__, m) for cls in CLASSES for m in methods_of(cls)]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with sqlite_backend(
        tmp_path_factory.mktemp("echo-sqlite") / "club.db", snapshots=False
    ) as backend:
        yield backend


def test_the_walk_covers_every_sqlite_adapter() -> None:
    assert len(CLASSES) == len(sqlite_storage.__all__) - 1  # all but the database
    assert len(CASES) > 50


@pytest.mark.parametrize(("cls", "method"), CASES)
def test_no_refused_value_is_echoed(backend: Backend, cls: str, method: str) -> None:
    found = walk(backend, BY_NAME[cls], method)
    assert not found, "echoed:\n" + "\n".join(found[:20])


@pytest.mark.parametrize("cls", sorted(BY_NAME))
def test_no_refused_constructor_argument_is_echoed(cls: str) -> None:
    kind = BY_NAME[cls]
    found: list[str] = []
    with SQLiteDatabase(":memory:") as database:
        valid: dict[str, Any] = {"database": database}
        if kind is SQLiteActivityRepository:
            valid |= {"zone": s.SHANGHAI, "currency": "CNY"}
        for param in valid:
            for marker in MARKERS:
                seen = _run(functools.partial(kind, **{**valid, param: marker.value}))
                found += [
                    f"{cls}({param}={marker.label}): {e}" for e in echoes(seen, marker, cls, param)
                ]
    assert not found, "echoed:\n" + "\n".join(found[:20])


def test_no_refused_argument_to_the_database_is_echoed(tmp_path: Path) -> None:
    found: list[str] = []
    with SQLiteDatabase(tmp_path / "walk.db") as database:
        database.migrate()
        for marker in MARKERS:
            calls = _database_calls(database, tmp_path, marker.value)
            for name, param, call in calls:
                seen = _run(call)
                found += [
                    f"SQLiteDatabase.{name}({param}={marker.label}): {e}"
                    for e in echoes(seen, marker, f"SQLiteDatabase.{name}", param)
                ]
    assert not found, "echoed:\n" + "\n".join(found[:20])


def _database_calls(
    database: SQLiteDatabase, tmp_path: Path, v: Any
) -> list[tuple[str, str, Callable[[], Any]]]:
    return [
        ("for_tenant", "tenant", lambda: database.for_tenant(v)),
        ("defer_purge", "customer_id", lambda: database.defer_purge(v)),
        ("migrate", "to", lambda: database.migrate(to=v)),
        (
            "from_connection",
            "conn",
            lambda: SQLiteDatabase.from_connection(v),
        ),
        (
            "SQLiteDatabase",
            "timeout",
            lambda: SQLiteDatabase(tmp_path / "t.db", timeout=v).close(),
        ),
        (
            "SQLiteDatabase",
            "max_connections",
            lambda: SQLiteDatabase(tmp_path / "m.db", max_connections=v).close(),
        ),
    ]


# --- the check of the diagnostics, on errors made to fail it ---


def test_diagnostics_that_quote_a_value_are_caught() -> None:
    error = StorageError("insert refused")
    error.diagnostics = StorageDiagnostics("23514", "CheckViolation", constraint=f"ck {PHONE}")
    assert diagnostics_problems(error, MARKERS[1])


def test_diagnostics_down_the_chain_are_checked() -> None:
    inner = ConflictError("taken")
    inner.diagnostics = StorageDiagnostics("23505", "UniqueViolation", table="clubrules.customers")
    outer = StorageError("failed")
    outer.__context__ = inner
    assert not diagnostics_problems(outer, MARKERS[1])
    inner.diagnostics = StorageDiagnostics("23505", "UniqueViolation", column="青霉素过敏")
    assert diagnostics_problems(outer, MARKERS[5])


# --- regressions: the echoes the walk found ---


@pytest.mark.parametrize("flag", ["青霉素过敏 hypertension", "+86 138 1234 5678"])
def test_a_flag_holding_a_text_is_refused_without_quoting_it(flag: Any) -> None:
    # SQLite's int() of the text quoted it; the value now refuses it where it is made.
    import attrs  # noqa: PLC0415

    from clubrules.storage.sqlite import (  # noqa: PLC0415
        SQLiteAccessLog,
        SQLiteBookingRepository,
        SQLiteConsentStore,
    )

    with SQLiteDatabase(":memory:") as database:
        database.migrate()
        for field, write in (
            (
                "late_cancel",
                lambda: SQLiteBookingRepository(database).add(
                    attrs.evolve(s.booking(), late_cancel=flag), now=s.NOW
                ),
            ),
            (
                "separate",
                lambda: SQLiteConsentStore(database).add(attrs.evolve(s.consent(), separate=flag)),
            ),
            (
                "allowed",
                lambda: SQLiteAccessLog(database).append(
                    attrs.evolve(s.access_event(), allowed=flag)
                ),
            ),
        ):
            with pytest.raises(ValidationError) as caught:
                write()
            assert caught.value.field == field
            assert flag not in str(caught.value)
            assert "1234" not in str(caught.value)
