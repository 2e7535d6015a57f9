"""The complaints adapter both SQL databases share: the event codec, rows, the stream check.

Each event is stored as one JSON document (JSON text in SQLite, `jsonb` in
PostgreSQL). Instants become `[us, zone]` (UTC epoch microseconds and the
zone they were given in, so they come back in it), money
`[amount text, currency]` (exact, digit for digit), enums their value. The
event's type is stored in its own column.

`SQLiteComplaintRepository` and `PostgresComplaintRepository` subclass
`SQLComplaintRepository`. Each keeps its own `append` (the transaction, the
bulk insert and the translation of what its driver refuses differ) and
`events` (both read the events along their primary key, and ask a joined
statement only when none come back, to tell an unknown case from an empty tail).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from types import MemberDescriptorType
from typing import Any, ClassVar, cast

import attrs

from clubrules._checks import chained
from clubrules._time import EPOCH, ONE_US
from clubrules.complaints import (
    CaseEvent,
    CaseKind,
    Severity,
)
from clubrules.complaints._events import EVENT_TYPES, check_new_stream
from clubrules.errors import DuplicateError, StaleVersionError, StorageError, ValidationError
from clubrules.money import Money
from clubrules.storage.sql._codecs import (
    ZONE_EPOCHS,
    decode_at,
    encode_instant,
    encode_zone,
    zone_epoch_of,
)
from clubrules.storage.sql._dialect import DB, Connection, Dialect, SQLAdapter, money_from_text
from clubrules.storage.sql._rows import row_builder

__all__ = [
    "ComplaintSQL",
    "SQLComplaintRepository",
    "decode_event",
    "decode_events",
    "encode_event",
    "refused_append",
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


# What `json.dumps(..., ensure_ascii=False, separators=(",", ":"), sort_keys=True)`
# builds on each call, built once: an append encodes between its writes.
_DOCUMENT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    cls: tuple(field.name for field in attrs.fields(cls)) for cls in EVENT_TYPES
}


def encode_event(event: CaseEvent) -> str:
    """An event as a JSON document (its type is stored apart, see `decode_event`)."""
    cls = type(event)
    names = _FIELD_NAMES.get(cls) or tuple(field.name for field in attrs.fields(cls))
    return _DOCUMENT.encode({name: _encode_value(getattr(event, name)) for name in names})


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
    reader = _READERS.get(type_name)
    if reader is None:
        raise StorageError(f"unknown complaint event type {type_name!r} in storage")
    fields = json.loads(document) if isinstance(document, str) else document
    if len(fields) == len(reader[1]):
        # A document this version wrote from a validated event (every field
        # present): built without re-validating, 4x cheaper (see `sql._rows`).
        event = _trusted(reader, fields)
        if event is not None:
            return event
    # Any other shape (an older or newer writer): through the checking constructor.
    kwargs: dict[str, Any] = {name: _decode_value(name, value) for name, value in fields.items()}
    return reader[0](**kwargs)


def decode_events(rows: Sequence[tuple[str, str]]) -> list[CaseEvent]:
    """The events of `(type, JSON text)` rows, in order (see `decode_event`).

    Raises:
        StorageError: a type is unknown to this clubrules (a newer writer).
    """
    if len(rows) < 2:
        return [decode_event(type_name, document) for type_name, document in rows]
    # One parse for the log: json.loads costs about 1 us a call before any work.
    documents = json.loads("[" + ",".join([document for _, document in rows]) + "]")
    events: list[CaseEvent] = []
    append = events.append
    readers = _READERS
    new = object.__new__
    set_field = object.__setattr__
    consume = _CONSUME
    builders = _BUILDERS
    for row, fields in zip(rows, documents, strict=True):
        build = builders.get(row[0])
        if build is not None:
            count, make = build
            if len(fields) == count:
                event = make(fields)
                if event is not None:
                    append(event)
                    continue
        # `_trusted` written out: a call is a tenth of an event's decoding.
        reader = readers.get(row[0])
        if reader is not None and len(fields) == len(reader[1]):
            cls, names, get, special = reader
            try:
                values = list(get(fields))  # every field, by one C call
            except KeyError:
                pass
            else:
                for i, decode in special:
                    value = values[i]
                    if value is not None:
                        values[i] = decode(value)
                event = new(cls)
                consume(map(set_field.__get__(event), names, values))
                append(event)
                continue
        append(decode_event(row[0], fields))
    return events


def _instant(value: list[Any]) -> datetime:
    """`decode_at(us, zone)`, 2.4x cheaper: each event has at least one instant.

    `astimezone` of a UTC instant is `zone.fromutc` of its UTC wall time with
    the zone attached; adding the microseconds to the epoch already carrying
    the zone builds that argument directly, without the UTC datetime and its
    offset lookup. The result is the same datetime, `fold` included.
    """
    us, zone = value
    if zone is None:
        instant: datetime = EPOCH + ONE_US * us
        return instant
    epoch, from_utc = ZONE_EPOCHS.get(zone) or zone_epoch_of(zone)
    return from_utc(epoch + ONE_US * us)


def _money(value: list[Any]) -> Money:
    return money_from_text(value[0], value[1])


def _member(enum: type[CaseKind | Severity]) -> Callable[[str], CaseKind | Severity]:
    members = {member.value: member for member in enum}

    def decode(value: str) -> CaseKind | Severity:
        return members.get(value) or enum(value)  # an unknown value: the enum's ValueError

    return decode


# The trusted decoder of each field that is not stored as it is (see `_decode_value`).
_DECODERS: dict[str, Callable[[Any], object]] = {
    "at": _instant,
    "reply_by": _instant,
    "planned_for": _instant,
    "compensation": _money,
    "kind": _member(CaseKind),
    "severity": _member(Severity),
}

_Reader = tuple[
    type[CaseEvent],
    tuple[str, ...],
    Callable[[dict[str, Any]], tuple[Any, ...]],
    tuple[tuple[int, Callable[[Any], object]], ...],
]
_CONSUME = deque[object](maxlen=0).extend


def _reader(cls: type[CaseEvent]) -> _Reader:
    row_builder(cls)  # refuses a class with derived fields, which `_trusted` cannot build
    names = tuple(f.name for f in attrs.fields(cls))
    special = tuple((i, _DECODERS[name]) for i, name in enumerate(names) if name in _DECODERS)
    if len(names) == 1:
        (only,) = names
        return cls, names, lambda fields: (fields[only],), special
    return cls, names, itemgetter(*names), special


def _trusted(reader: _Reader, fields: dict[str, Any]) -> CaseEvent | None:
    """The event of a document with every field of its type, unchecked; None if one is missing.

    Each field is set with `object.__setattr__`, as attrs' constructor of a
    frozen class does (see `sql._rows`).
    """
    cls, names, get, special = reader
    try:
        values = list(get(fields))
    except KeyError:
        return None
    # Most fields are stored as they are: only instants, money and enums are decoded.
    for i, decode in special:
        value = values[i]
        if value is not None:
            values[i] = decode(value)
    event = object.__new__(cls)
    _CONSUME(map(object.__setattr__.__get__(event), names, values))
    return event


# Each event type's class, field names in order, getter of those fields (a
# tuple), and the positions of the fields to decode with their decoders.
_READERS: dict[str, _Reader] = {name: _reader(cls) for name, cls in _TYPES.items()}

_Build = Callable[[dict[str, Any]], CaseEvent | None]


def _builder(cls: type[CaseEvent]) -> _Build | None:
    """`_trusted` unrolled for a type of two to four fields whose only decoded one is `at`, first.

    Most logged events are such (contacts, replies, waits): each field is set
    by its slot's own setter, named once here, without a loop over the
    fields, which makes their decoding about 40% cheaper. None for other types.
    """
    _, names, get, special = _READERS[cls.__name__]
    slots = [getattr(cls, name, None) for name in names]
    if not (
        2 <= len(names) <= 4  # the unrolled arities below
        and [i for i, _ in special] == [0]
        and names[0] == "at"
        and all(isinstance(slot, MemberDescriptorType) for slot in slots)
    ):
        return None
    new = object.__new__
    instant = _instant
    set_at, set_b, *rest = [cast("MemberDescriptorType", slot).__set__ for slot in slots]

    def two(fields: dict[str, Any]) -> CaseEvent | None:
        try:
            at, b = get(fields)
        except KeyError:
            return None
        event = new(cls)
        set_at(event, None if at is None else instant(at))
        set_b(event, b)
        return event

    if not rest:
        return two
    if len(rest) == 1:
        (set_c,) = rest

        def three(fields: dict[str, Any]) -> CaseEvent | None:
            try:
                at, b, c = get(fields)
            except KeyError:
                return None
            event = new(cls)
            set_at(event, None if at is None else instant(at))
            set_b(event, b)
            set_c(event, c)
            return event

        return three
    set_c, set_d = rest

    def four(fields: dict[str, Any]) -> CaseEvent | None:
        try:
            at, b, c, d = get(fields)
        except KeyError:
            return None
        event = new(cls)
        set_at(event, None if at is None else instant(at))
        set_b(event, b)
        set_c(event, c)
        set_d(event, d)
        return event

    return four


# Per type name, the field count and the unrolled decoder of the types `_builder` covers.
_BUILDERS: dict[str, tuple[int, _Build]] = {
    name: (len(attrs.fields(cls)), build)
    for name, cls in _TYPES.items()
    if (build := _builder(cls)) is not None
}


class ComplaintSQL:
    """The complaint statements and row codecs of one dialect, for the sync and async adapters.

    `registered_column` is the instant column of `complaint_cases`:
    `registered_us` (SQLite) or `registered_at` (PostgreSQL). `opens_in_one`:
    whether the dialect can open a new stream in one statement (a data-modifying
    `WITH`, PostgreSQL); without it `open_one` is None and a new stream takes
    the transaction block.
    """

    __slots__ = (
        "append_one",
        "case_ids",
        "cases",
        "dialect",
        "events",
        "insert",
        "insert_case",
        "log",
        "open_one",
        "stream",
        "version",
    )

    open_one: str | None

    def __init__(self, d: Dialect, registered_column: str, *, opens_in_one: bool = False) -> None:
        self.dialect = d
        self.cases = d.table("complaint_cases")
        self.events = d.table("complaint_events")
        # Every statement keeps to the dialect's tenant: its streams, and its keys.
        self.version = (
            f"SELECT COALESCE(MAX(version), 0) FROM {self.events}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND case_id = {d.param}"
        )
        self.insert = (
            f"INSERT INTO {self.events} (tenant, case_id, version, type, at{d.us}, at_tz,"  # noqa: S608
            f" document) VALUES ({d.tenant}, {d.params(5)}, {d.param}{d.json})"
        )
        self.insert_case = (
            f"INSERT INTO {self.cases} (tenant, id, kind, customer_id,"  # noqa: S608 - constant
            f" {registered_column}, registered_tz) VALUES ({d.tenant}, {d.params(5)})"
        )
        # One event appended at a version after the first, in one statement that
        # is its own transaction: the row is inserted only if the stream is at that
        # version (no row changed: a stale version), and the primary key refuses a
        # writer that raced it there. One round trip instead of a transaction's
        # BEGIN, version read, insert and COMMIT.
        self.append_one = (
            f"INSERT INTO {self.events} (tenant, case_id, version, type, at{d.us}, at_tz,"
            f" document) SELECT {d.tenant}, {d.params(5)}, {d.param}{d.json}"
            f" WHERE ({self.version}) = {d.param}"
        )
        # A new stream of one event in one statement, where the dialect has a
        # data-modifying WITH (`opens_in_one`: PostgreSQL): the case row and its
        # registration, refused whole by the cases' primary key when the id is taken.
        self.open_one = (
            f"WITH opened AS ({self.insert_case}) {self.insert}" if opens_in_one else None
        )
        self.case_ids = f"SELECT id FROM {self.cases} WHERE tenant = {d.tenant}"  # noqa: S608
        # A stream's events after a version, read along the events' primary key
        # (tenant, case_id, version), which also gives their order: no join, no sort.
        # An event row implies its case (the foreign key), so rows answer the read;
        # no row asks `stream` (an unknown case, or no event after the version).
        # The documents as text, also from jsonb: the log is parsed in one
        # `json.loads` (see `decode_events`), not one call per row by the driver.
        self.log = (
            f"SELECT type, document{d.json_as_text} FROM {self.events}"  # noqa: S608 - constant
            f" WHERE tenant = {d.tenant} AND case_id = {d.param} AND version > {d.param}"
            " ORDER BY version"
        )
        # The same read in one statement (one snapshot) that tells an unknown
        # case (no row) from one with no event after the version (one row of NULLs).
        self.stream = (
            f"SELECT e.type, e.document{d.json_as_text} FROM {self.cases} AS c"  # noqa: S608
            f" LEFT JOIN {self.events} AS e"
            f" ON e.tenant = c.tenant AND e.case_id = c.id AND e.version > {d.param}"
            f" WHERE c.tenant = {d.tenant} AND c.id = {d.param} ORDER BY e.version"
        )

    def event_rows(
        self, case_id: str, expected_version: int, events: Sequence[CaseEvent]
    ) -> tuple[list[CaseEvent], list[tuple[Any, ...]]]:
        """The events to append, and their rows at the versions after `expected_version`.

        Raises:
            ValidationError: no events (rule `empty`).
        """
        new = list(events)
        if not new:
            raise ValidationError("must hold at least one event", field="events", rule="empty")
        d = self.dialect
        rows = [
            (
                case_id,
                expected_version + i,
                type(event).__name__,
                d.encode_instant(event.at),
                encode_zone(event.at),
                encode_event(event),
            )
            for i, event in enumerate(new, start=1)
        ]
        return new, rows

    def case_row(self, case_id: str, new: Sequence[CaseEvent]) -> tuple[Any, ...]:
        """The `insert_case` parameters of a new stream (checked to open with its registration).

        Raises:
            ValidationError: the stream does not start with this case's registration.
        """
        first = check_new_stream(case_id, new)
        d = self.dialect
        return (
            case_id,
            first.kind.value,
            first.customer_id,
            d.encode_instant(first.at),
            encode_zone(first.at),
        )

    def one_statement(
        self, case_id: str, expected_version: int, new: Sequence[CaseEvent], rows: list[Any]
    ) -> tuple[str, tuple[Any, ...]] | None:
        """The append as one self-checking statement and its parameters, or None.

        One event at a version after the first: `append_one`; a new stream of
        one event: `open_one`, where the dialect has it. Anything else (several
        events, a version that is not a plain int) takes the transaction block.
        """
        if len(rows) != 1 or type(expected_version) is not int:
            return None
        if expected_version > 0:
            return self.append_one, (*rows[0], case_id, expected_version)
        if expected_version == 0 and self.open_one is not None:
            try:
                case = self.case_row(case_id, new)
            except ValidationError:  # the block reports a stale version before a bad log
                return None
            return self.open_one, (*case, *rows[0])
        return None


def refused_append(
    error: Exception, case_id: str, new: Sequence[CaseEvent], *, refuses_nul: bool
) -> Exception | None:
    """The typed error for an append the driver refused over its text, or None.

    A lone surrogate fails the driver's encoding (`UnicodeEncodeError`,
    before any write); a NUL character fails PostgreSQL's (`refuses_nul`).
    The error names the field, never the value.
    """
    if isinstance(error, UnicodeEncodeError):
        return unstorable_text(case_id, new, nul=False)
    if refuses_nul and isinstance(error, StorageError | ValidationError):
        refused = unstorable_text(case_id, new, nul=True)
        if refused is not None and refused.rule == "nul_character":
            return refused
    return None


class SQLComplaintRepository(SQLAdapter[DB]):
    """The body of the SQL complaint repositories; subclasses set `_dialect`."""

    _registered_column: ClassVar[str]
    """The instant column of `complaint_cases`: `registered_us` or `registered_at`."""
    _refuses_nul: ClassVar[bool] = False
    """Whether the database refuses a NUL character in text (PostgreSQL does)."""
    _appends_in_one: ClassVar[bool] = False
    """Whether an append of one event to a started stream is one statement, where the
    database owns the transaction: PostgreSQL, one round trip instead of five;
    SQLite, one statement that is its own write transaction instead of four."""
    _opens_in_one: ClassVar[bool] = False
    """Whether a new stream of one event is one statement too (PostgreSQL's `WITH`)."""

    def __init__(self, database: DB) -> None:
        super().__init__(database)
        self._q = ComplaintSQL(
            self._dialect, self._registered_column, opens_in_one=self._opens_in_one
        )

    def _check_version(
        self, conn: Connection, case_id: str, expected_version: int, new: Sequence[CaseEvent]
    ) -> None:
        """Inside the append's transaction: refuse a stale version; open a new stream's case."""
        actual = int(conn.execute(self._q.version, (case_id,)).fetchone()[0])
        if actual != expected_version:
            raise StaleVersionError(case_id, expected_version, actual)
        if actual == 0:
            conn.execute(self._q.insert_case, self._q.case_row(case_id, new))

    def _insert_events(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert the event rows on `conn`, inside the append's transaction."""
        raise NotImplementedError

    def _append(
        self,
        case_id: str,
        expected_version: int,
        events: Sequence[CaseEvent],
        *,
        owns_transaction: bool,
    ) -> int:
        """The body of `append`: check the version and insert, atomically.

        When the database would open a transaction of its own
        (`owns_transaction`) and `_appends_in_one`, an append of one event
        is one statement: `_append_one` to a started stream, or
        `ComplaintSQL.one_statement` for a new one where the dialect opens
        streams in one. Otherwise the version is read and the events
        inserted in one transaction block (a savepoint inside the caller's
        transaction, which a refused write leaves usable).
        """
        in_one = owns_transaction and self._appends_in_one
        if in_one and len(events) == 1 and type(expected_version) is int and expected_version > 0:
            return self._append_one(case_id, expected_version, events[0])
        q = self._q
        new, rows = q.event_rows(case_id, expected_version, events)
        failure: Exception | None = None
        try:
            statement = q.one_statement(case_id, expected_version, new, rows) if in_one else None
            if statement is not None:
                written = self._db._changed(*statement) == 1  # noqa: SLF001
            else:
                with self._db.transaction() as conn:
                    self._check_version(conn, case_id, expected_version, new)
                    self._insert_events(conn, rows)
                written = True
        except (DuplicateError, UnicodeEncodeError, StorageError, ValidationError) as error:
            failure = self._append_failed(error, case_id, expected_version, new)
        if failure is not None:  # raised here, outside the handler (see `_append_failed`)
            raise failure
        if not written:  # the one statement found the stream at another version
            raise StaleVersionError(case_id, expected_version, self.version(case_id))
        return expected_version + len(new)

    def _append_one(self, case_id: str, expected_version: int, event: CaseEvent) -> int:
        """`_append` of one event to a started stream (`expected_version` an int > 0).

        For a database that owns the transaction: `append_one`, its
        parameters built in place (without `event_rows`' lists: on SQLite the
        glue is most of what an append adds to its SQL).
        """
        at = event.at
        params = (
            case_id,
            expected_version + 1,
            type(event).__name__,
            self._dialect.encode_instant(at),
            encode_zone(at),
            encode_event(event),
            case_id,
            expected_version,
        )
        failure: Exception | None = None
        try:
            written = self._db._changed(self._q.append_one, params) == 1  # noqa: SLF001
        except (DuplicateError, UnicodeEncodeError, StorageError, ValidationError) as error:
            failure = self._append_failed(error, case_id, expected_version, (event,))
        if failure is not None:  # raised here, outside the handler (see `_append_failed`)
            raise failure
        if not written:  # the stream is at another version
            raise StaleVersionError(case_id, expected_version, self.version(case_id))
        return expected_version + 1

    def _append_failed(
        self, error: Exception, case_id: str, expected_version: int, new: Sequence[CaseEvent]
    ) -> Exception:
        """What an append's refused write means: the error to raise, outside the handler.

        Raised inside the `except` block, the error would keep the refused
        write's as its `__context__`, and an encoding error holds the whole
        text it failed on (see `refused_append`); a refusal over the text is
        raised with no cause either.
        """
        if isinstance(error, DuplicateError):  # a (case_id, version) or case id taken meanwhile
            stale = StaleVersionError(case_id, expected_version, self.version(case_id))
            return chained(stale, error)
        refused = refused_append(error, case_id, new, refuses_nul=self._refuses_nul)
        # Neither cause nor context: PostgreSQL's refusal of a NUL quotes the
        # parameter (the event's JSON) in its detail.
        return error if refused is None else refused

    def version(self, case_id: str) -> int:
        """The number of events stored for the case (0 if unknown)."""
        (version,) = self._db._fetchone(self._q.version, (case_id,))  # noqa: SLF001
        return int(version)

    def case_ids(self) -> list[str]:
        """Every stored case id, sorted."""
        rows = self._db._fetchall(self._q.case_ids, ())  # noqa: SLF001
        return sorted(row[0] for row in rows)
