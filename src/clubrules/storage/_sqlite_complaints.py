"""SQLite adapter of the complaints port, and the JSON codec of case events.

Each event is stored as one JSON document. Instants become `[us, zone]`
(UTC epoch microseconds and the zone they were given in, so they come back
in it), money `[amount text, currency]` (exact, digit for digit), enums
their value. The event's type is stored in its own column.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from clubrules.complaints import CaseKind, Registered, Severity
from clubrules.complaints._events import EVENT_TYPES
from clubrules.errors import (
    DuplicateError,
    NotFoundError,
    StaleVersionError,
    StorageError,
    ValidationError,
)
from clubrules.money import Money
from clubrules.storage._sqlite_db import decode_at, encode_instant, encode_zone

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clubrules.complaints import CaseEvent
    from clubrules.storage._sqlite_db import SQLiteDatabase

__all__ = [
    "SQLiteComplaintRepository",
    "check_new_stream",
    "decode_event",
    "encode_event",
    "unstorable_text",
]

_TYPES: dict[str, type[CaseEvent]] = {cls.__name__: cls for cls in EVENT_TYPES}
_ENUMS: dict[str, type[CaseKind | Severity]] = {"kind": CaseKind, "severity": Severity}


def _encode_value(value: object) -> object:
    if isinstance(value, datetime):
        return [encode_instant(value), encode_zone(value)]
    if isinstance(value, Money):
        return [str(value.amount), value.currency]
    if isinstance(value, CaseKind | Severity):
        return value.value
    return value


def encode_event(event: CaseEvent) -> str:
    """An event as a JSON document (its type is stored apart, see `decode_event`)."""
    document = {
        field.name: _encode_value(getattr(event, field.name)) for field in attrs.fields(type(event))
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def unstorable_text(
    case_id: str, events: Sequence[CaseEvent], *, nul: bool
) -> ValidationError | None:
    """The typed error for text that the database cannot hold, naming the field only.

    A lone surrogate (text that is not valid Unicode, as from a bad decode)
    has no UTF-8 form, so no SQL adapter can store it. A NUL character
    (`nul`) cannot be stored by PostgreSQL, in `text` or in `jsonb`. Called
    after the driver refused a write, so the common path pays nothing. The
    message never holds the value: event text may be a phone number or a
    complaint's words.

    Returns:
        A `ValidationError` (rule `lone_surrogate` or `nul_character`), or
        None if no such text is found (the refusal had another cause).
    """
    fields = [("case_id", case_id)] + [
        (f"events[{i}].{field.name}", getattr(event, field.name))
        for i, event in enumerate(events)
        for field in attrs.fields(type(event))
    ]
    for name, value in fields:
        if not isinstance(value, str):
            continue
        if nul and "\x00" in value:
            return ValidationError(
                "must not contain NUL characters, which PostgreSQL cannot store",
                field=name,
                rule="nul_character",
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return ValidationError(
                "must be valid Unicode text, without lone surrogates",
                field=name,
                rule="lone_surrogate",
            )
    return None


def _decode_value(name: str, value: Any) -> object:  # noqa: ANN401 - a JSON value
    if value is None:
        return None
    if name in _ENUMS:
        return _ENUMS[name](value)
    if isinstance(value, list):
        if name == "compensation":
            return Money(value[0], value[1])
        return decode_at(value[0], value[1])
    return value


def decode_event(type_name: str, document: str | dict[str, Any]) -> CaseEvent:
    """The event stored as `document` (JSON text or already parsed) of type `type_name`.

    Raises:
        StorageError: the type is unknown to this clubrules (a newer writer).
    """
    cls = _TYPES.get(type_name)
    if cls is None:
        raise StorageError(f"unknown complaint event type {type_name!r} in storage")
    fields = json.loads(document) if isinstance(document, str) else document
    kwargs: dict[str, Any] = {name: _decode_value(name, value) for name, value in fields.items()}
    return cls(**kwargs)


def check_new_stream(case_id: str, events: Sequence[CaseEvent]) -> Registered:
    """The registration that must open a new stream of `case_id`.

    Raises:
        ValidationError: the first event is not the `Registered` of `case_id`
            (rule `no_registration`).
    """
    first = events[0]
    if not isinstance(first, Registered) or first.case_id != case_id:
        raise ValidationError(
            f"a new case's log starts with the Registered event of {case_id!r}",
            field="events",
            rule="no_registration",
        )
    return first


_INSERT_SQL = (
    "INSERT INTO complaint_events (case_id, version, type, at_us, at_tz, document)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_VERSION_SQL = "SELECT COALESCE(MAX(version), 0) FROM complaint_events WHERE case_id = ?"


class SQLiteComplaintRepository:
    """Case event logs in SQLite.

    Implements [ComplaintRepository][clubrules.complaints.ports.ComplaintRepository].

    One row per case in `complaint_cases`, one per event in the append-only
    `complaint_events`, keyed by `(case_id, version)`. An append checks the
    version and inserts inside one `BEGIN IMMEDIATE` transaction; the primary
    key refuses a second event at a taken version, and that refusal is a
    `StaleVersionError` like a failed check.

    Args:
        database: The migrated database to use.
    """

    def __init__(self, database: SQLiteDatabase) -> None:
        self._db = database

    def append(self, case_id: str, expected_version: int, events: Sequence[CaseEvent]) -> int:
        """Append `events` if the stream is at `expected_version`; the new version.

        Raises:
            StaleVersionError: the stream is not at `expected_version` (nothing is written).
            ValidationError: no events, or a new stream that does not start
                with this case's registration; or text with a lone surrogate
                (rule `lone_surrogate`, naming the field, never the value).
            RetryableStorageError: the database stayed locked.
        """
        new = list(events)
        if not new:
            raise ValidationError("must hold at least one event", field="events", rule="empty")
        rows = [
            (
                case_id,
                expected_version + i,
                type(event).__name__,
                encode_instant(event.at),
                encode_zone(event.at),
                encode_event(event),
            )
            for i, event in enumerate(new, start=1)
        ]
        try:
            with self._db.transaction() as conn:
                (actual,) = conn.execute(_VERSION_SQL, (case_id,)).fetchone()
                if actual != expected_version:
                    raise StaleVersionError(case_id, expected_version, actual)
                if actual == 0:
                    first = check_new_stream(case_id, new)
                    conn.execute(
                        "INSERT INTO complaint_cases (id, kind, customer_id, registered_us,"
                        " registered_tz) VALUES (?, ?, ?, ?, ?)",
                        (
                            case_id,
                            first.kind.value,
                            first.customer_id,
                            encode_instant(first.at),
                            encode_zone(first.at),
                        ),
                    )
                if len(rows) == 1:  # the common case
                    conn.execute(_INSERT_SQL, rows[0])
                else:
                    conn.executemany(_INSERT_SQL, rows)
        except DuplicateError as error:  # a (case_id, version) or case id taken meanwhile
            raise StaleVersionError(case_id, expected_version, self.version(case_id)) from error
        except UnicodeEncodeError:  # raised by sqlite3 while binding, before any write
            refused = unstorable_text(case_id, new, nul=False)
            if refused is None:  # pragma: no cover - every bound text is checked
                raise
            raise refused from None
        return expected_version + len(new)

    def events(self, case_id: str, *, after: int = 0) -> list[CaseEvent]:
        """The stream's events after the first `after`; `NotFoundError` if unknown."""
        with self._db.transaction(immediate=False) as conn:
            rows = conn.execute(
                "SELECT type, document FROM complaint_events WHERE case_id = ? AND version > ?"
                " ORDER BY version",
                (case_id, max(after, 0)),
            ).fetchall()
            if (
                not rows
                and not conn.execute(
                    "SELECT 1 FROM complaint_cases WHERE id = ?", (case_id,)
                ).fetchone()
            ):
                raise NotFoundError("case", case_id)
        return [decode_event(type_name, document) for type_name, document in rows]

    def version(self, case_id: str) -> int:
        """The number of events stored for the case (0 if unknown)."""
        with self._db.connection() as conn:
            (version,) = conn.execute(_VERSION_SQL, (case_id,)).fetchone()
        return int(version)

    def case_ids(self) -> list[str]:
        """Every stored case id, sorted."""
        with self._db.connection() as conn:
            rows = conn.execute("SELECT id FROM complaint_cases").fetchall()
        return sorted(row[0] for row in rows)

    def __repr__(self) -> str:
        return f"SQLiteComplaintRepository({self._db.path!r})"
