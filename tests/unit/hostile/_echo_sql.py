"""The no-echo walk over the SQL adapters: what `test_no_echo` checks, on a database.

`outcome` runs one call of an adapter method as the hostile walk of `_sql`
does (on a freshly stocked database, in a transaction rolled back after),
but keeps what the call showed: its error, its warnings and the library's
log records (`test_no_echo.Outcome`). `walk` gives each parameter every
marker, as `test_no_echo` does, and each field of a record argument too
(`in_fields`), so that a marker the record accepts reaches the database.
`echoes` adds to `test_no_echo`'s
check the `diagnostics` of a `StorageError` or a `ConflictError` anywhere
down the error's chain: they must hold codes and schema names only, never
a value, so each field must look like a code or a name, and none may show
the marker.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import attrs

from clubrules.errors import ConflictError, StorageError
from tests._chains import chain

from ._sql import arguments, sql_call
from .test_no_echo import MARKERS, Marker, Outcome, _echoes, _run, _shows, marker_cases

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ._sql import Backend
    from ._walk import Call

# A code (SQLSTATE "23514", SQLite's "SQLITE_CONSTRAINT_CHECK"), a class name, a schema name.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.$]*|[0-9A-Z]{5}|")


def diagnostics_problems(error: BaseException | None, marker: Marker) -> list[str]:
    """Where a `diagnostics` down the chain of `error` shows the marker or holds a non-name."""
    if error is None:
        return []
    found: list[str] = []
    for link in chain(error):
        if not isinstance(link, StorageError | ConflictError) or link.diagnostics is None:
            continue
        diagnostics = link.diagnostics
        fields = {
            "code": diagnostics.code,
            "error_class": diagnostics.error_class,
            "constraint": diagnostics.constraint,
            "table": diagnostics.table,
            "column": diagnostics.column,
            "datatype": diagnostics.datatype,
        }
        for name, value in fields.items():
            if value is not None and not _NAME.fullmatch(value):
                found.append(f"diagnostics.{name} of {type(link).__name__} is not a name")
        for text in (str(diagnostics), repr(diagnostics)):
            if any(_shows(text, n) for n in marker.needles):
                found.append(f"diagnostics of {type(link).__name__}: {text[:300]}")
                break
    return found


def outcome(
    backend: Backend, cls: type, method: str, call: Call, override: tuple[str, Any] | None
) -> Outcome:
    """What one call of `cls.method` showed, on a freshly stocked database, rolled back after."""
    backend.begin()
    try:
        backend.stock(cls)
        args, kwargs = arguments(call, override)
        adapter = backend.build(cls)
        return _run(lambda: backend.run(getattr(adapter, method)(*args, **kwargs)))
    finally:
        backend.end()


# A record's fields that hold an id the caller chose and that `test_no_echo.QUOTED_IDS` does
# not name (no parameter of the pure API is called so): quoted as its ids are.
FIELD_IDS: dict[str, str] = {
    "session_id": "a training session's id, in an attendance: not found",
}


def echoes(outcome: Outcome, marker: Marker, target: str, param: str) -> list[str]:
    """`test_no_echo`'s check of an outcome, and the diagnostics' (ids are not exempt there)."""
    as_id = "id" if param in FIELD_IDS else param
    return [*_echoes(outcome, marker, target, as_id), *diagnostics_problems(outcome.error, marker)]


def in_fields(valid: Any, marker: Marker) -> Iterator[tuple[str, Any]]:
    """The valid record with each of its fields in turn set to the marker, if it accepts it.

    A record refusing the marker is `test_no_echo`'s to check; one accepting
    it takes the marker to the database (a flag the record does not check,
    a text the schema refuses).
    """
    if not attrs.has(type(valid)):
        return
    for field in attrs.fields(type(valid)):
        if not field.init:
            continue
        try:
            changed = attrs.evolve(valid, **{field.alias: marker.value})
        except Exception:  # noqa: BLE001, S112 - refused by the record itself: not this walk's
            continue
        yield field.alias, changed


def markers_named(*labels: str) -> tuple[Marker, ...]:
    """The markers of `test_no_echo.MARKERS` with these labels (all of them if none given)."""
    if not labels:
        return MARKERS
    chosen = tuple(m for m in MARKERS if m.label in labels)
    assert len(chosen) == len(labels), labels
    return chosen


def walk(
    backend: Backend, cls: type, method: str, markers: tuple[Marker, ...] = MARKERS
) -> list[str]:
    """Every echo of `cls.method`: each marker in each parameter, and in each field of a record."""
    call = sql_call(cls, method)
    found: list[str] = []
    for p in call.params:
        for label, value, marker in marker_cases(call, p.name, markers):
            seen = outcome(backend, cls, method, call, (p.name, value))
            found += [
                f"{cls.__name__}.{method}({p.name}={label}): {e}"
                for e in echoes(seen, marker, call.target.name, p.name)
            ]
        for marker in markers if p.name in call.values else ():
            for name, record in in_fields(call.values[p.name], marker):
                seen = outcome(backend, cls, method, call, (p.name, record))
                found += [
                    f"{cls.__name__}.{method}({p.name}.{name}={marker.label}): {e}"
                    for e in echoes(seen, marker, call.target.name, name)
                ]
    return found
