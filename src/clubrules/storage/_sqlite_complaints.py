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
                with this case's registration.
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
