"""`clubrules bookings check FILE`: read a CSV or JSON export of bookings and report conflicts.

Errors name the line and the column, never a cell's value: an export may
hold phone numbers (see `clubrules.cli._io`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from clubrules.cli._io import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_json_option,
    add_lang_option,
    add_progress_option,
    bad_file,
    command_group,
    counted,
    csv_rows,
    fail,
    feed_rows,
    input_format,
    json_rows,
    open_check,
    parse_time,
    path_argument,
    resolve_zone,
    whole,
    write,
    write_table,
)
from clubrules.errors import InputError, ValidationError
from clubrules.words import message

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from clubrules.booking import Booking, BookingStatus, ConflictReport, Occupancy
    from clubrules.cli._io import AddParser

__all__ = ["add_bookings_commands"]

REQUIRED = ("id", "resource", "start", "end")
OPTIONAL = (
    "service",
    "status",
    "expires_at",
    "capacity",
    "headcount",
    "buffer_before",
    "buffer_after",
)


def add_bookings_commands(add_parser: AddParser) -> None:
    """Add `bookings check`."""
    add = command_group(
        add_parser,
        "bookings",
        summary="check an export of bookings for conflicts",
        description="Work with exports of bookings.",
    )
    check = add(
        "check",
        help="report bookings that overlap on a resource, buffers included",
        description=(
            "Read bookings from a CSV file (one row per booking and resource, with a "
            "header line) or a JSON array of objects with the same keys, and report every "
            "pair of bookings that makes a resource of capacity 1 busy at once, and every "
            "window in which a larger resource holds more than its capacity. Columns: id, "
            "resource, start, end (ISO 8601); optionally service, status, expires_at, "
            "capacity, headcount, buffer_before and buffer_after (minutes). Intervals are "
            "half-open: back-to-back bookings do not conflict. Cancelled, expired and "
            "no-show bookings never conflict. Exit codes: 0 no conflict, 1 conflicts "
            "found, 2 bad usage or a bad file."
        ),
    )
    check.add_argument(
        "file", type=path_argument, metavar="FILE", help="the CSV or JSON file to read"
    )
    check.add_argument(
        "--format",
        choices=("csv", "json"),
        default=None,
        help="the file's format (default: from its extension, .csv or .json)",
    )
    check.add_argument(
        "--tz",
        metavar="ZONE",
        default=None,
        help=(
            "IANA zone for times without a UTC offset, and for the report "
            "(default: times must carry an offset; the report uses the first one's)"
        ),
    )
    check.add_argument(
        "--as-of",
        metavar="TIME",
        default=None,
        help=(
            "judge held and pending bookings at this ISO 8601 time, such as "
            "2026-03-14T10:00+08:00: those expired by then are skipped (default: every "
            "hold counts)"
        ),
    )
    add_progress_option(check)
    add_json_option(check, "the report")
    add_lang_option(check)
    check.set_defaults(handler=_run_check)


_COLUMN_OF = {"units": "headcount", "resource_id": "resource"}
"""The column of a file that a field of `Occupancy` or `Booking` comes from."""


class _Draft:
    """One booking gathered from its rows (one row per resource it uses)."""

    __slots__ = ("expires", "expires_at", "headcount", "line", "occupancy", "service", "span")

    def __init__(
        self,
        line: int,
        service: str,
        expires: tuple[str, datetime | None],
        span: tuple[datetime, datetime],
    ) -> None:
        self.line = line
        self.service = service
        self.expires, self.expires_at = expires
        self.headcount = 1
        self.occupancy: list[Occupancy] = []
        self.span = span


class _Reader:
    """Turns rows into bookings, keeping each booking's lines for the report."""

    def __init__(self, zone: tzinfo | None, word: str) -> None:
        from clubrules.booking import BookingStatus  # noqa: PLC0415 - keeps --help fast

        self.zone = zone
        self.word = word
        self.shown: tzinfo | None = zone
        self.statuses = {s.value: s for s in BookingStatus}
        self.status_of: dict[str, BookingStatus] = {}
        self.drafts: dict[str, _Draft] = {}
        self.lines: dict[tuple[str, str], int] = {}
        self.resources: set[str] = set()

    def _error(self, message: str, line: int, column: str | None) -> InputError:
        return InputError(message, line=line, column=column, word=self.word)

    def _whole(self, row: dict[str, str], line: int, column: str, *, minimum: int) -> int:
        # An empty cell is the smallest value allowed: no buffer, one place.
        return whole(
            row.get(column, ""),
            line=line,
            column=column,
            minimum=minimum,
            default=minimum,
            word=self.word,
        )

    def _time(self, text: str, line: int, column: str) -> datetime:
        value = parse_time(text, line=line, column=column, zone=self.zone, word=self.word)
        if self.shown is None:
            self.shown = value.tzinfo
        return value

    def add(self, line: int, row: dict[str, str]) -> None:
        """Add one row, or raise an InputError naming its line and column.

        A value the booking rules refuse (an id too long, a buffer that
        reaches past year 9999) is reported at the row's line, by the
        column it came from, never with the value.
        """
        refused: InputError | None = None
        try:
            self._add(line, row)
        except InputError:
            raise
        except (ValidationError, OverflowError) as error:  # raised below, outside the handler
            refused = self._refused(error, line)
        if refused is not None:
            raise refused

    def _refused(self, error: ValidationError | OverflowError, line: int) -> InputError:
        if isinstance(error, OverflowError):
            return InputError(
                "is too close to year 1 or 9999 with its buffers", line=line, word=self.word
            )
        column = _COLUMN_OF.get(error.field, error.field) or None
        return self._error(error.violations[0].message, line, column)

    def _add(self, line: int, row: dict[str, str]) -> None:
        from clubrules.booking import BookingStatus, Occupancy  # noqa: PLC0415

        for column in REQUIRED:
            if not row[column]:
                raise self._error("is empty", line, column)
        booking_id, resource = row["id"], row["resource"]
        start = self._time(row["start"], line, "start")
        end = self._time(row["end"], line, "end")
        if _utc(end) <= _utc(start):
            message = "is before start" if _utc(end) < _utc(start) else "is the same as start"
            raise self._error(message, line, "end")
        before, after = (
            timedelta(minutes=self._whole(row, line, column, minimum=0))
            for column in ("buffer_before", "buffer_after")
        )
        capacity, headcount = (
            self._whole(row, line, column, minimum=1) for column in ("capacity", "headcount")
        )
        if headcount > capacity:
            raise self._error(f"is more than the capacity ({capacity})", line, "headcount")
        status_text = row.get("status", "").lower() or "confirmed"
        status = self.statuses.get(status_text)
        if status is None:
            raise self._error(f"not a booking status ({', '.join(self.statuses)})", line, "status")
        expires_text = row.get("expires_at", "")
        expires_at = self._time(expires_text, line, "expires_at") if expires_text else None
        if status is BookingStatus.HELD and expires_at is None:
            raise self._error("a held booking needs an expiry time", line, "expires_at")
        draft = self.drafts.get(booking_id)
        if draft is None:
            draft = _Draft(
                line, row.get("service", "") or "-", (expires_text, expires_at), (start, end)
            )
            self.drafts[booking_id] = draft
            self.status_of[booking_id] = status
        else:
            if (booking_id, resource) in self.lines:
                first = self.lines[booking_id, resource]
                raise self._error(
                    f"the booking already uses this resource (line {first})", line, "resource"
                )
            if self.status_of[booking_id] is not status:
                raise self._error(
                    f"differs from the booking's first row (line {draft.line})", line, "status"
                )
            if draft.expires != expires_text:
                raise self._error(
                    f"differs from the booking's first row (line {draft.line})",
                    line,
                    "expires_at",
                )
        draft.occupancy.append(
            Occupancy.between(
                resource, start - before, end + after, units=headcount, capacity=capacity
            )
        )
        draft.headcount = max(draft.headcount, headcount)
        # Compared as instants: datetimes sharing a tzinfo compare by wall time.
        draft.span = (min(draft.span[0], start, key=_utc), max(draft.span[1], end, key=_utc))
        self.lines[booking_id, resource] = line
        self.resources.add(resource)

    def bookings(self) -> list[Booking]:
        from clubrules.booking import Booking  # noqa: PLC0415

        out = []
        for booking_id, draft in self.drafts.items():
            try:
                out.append(
                    Booking(
                        id=booking_id,
                        service=draft.service,
                        start=draft.span[0],
                        end=draft.span[1],
                        occupancy=draft.occupancy,
                        status=self.status_of[booking_id],
                        headcount=draft.headcount,
                        expires_at=draft.expires_at,
                    )
                )
            except ValidationError as error:
                raise InputError(
                    f"{error.violations[0].message}",
                    line=draft.line,
                    column=error.field or None,
                    word=self.word,
                ) from None
        return out


def _run_check(args: argparse.Namespace) -> int:
    from clubrules.booking import find_conflicts  # noqa: PLC0415 - keeps --help fast

    path: Path = args.file
    problem = open_check(path)
    if problem is not None:
        return fail(args, EXIT_USAGE, problem)
    try:
        kind = input_format(args, path)
        zone = resolve_zone(args.tz)
        as_of = None
        if args.as_of is not None:
            try:
                as_of = parse_time(args.as_of, line=None, column=None, zone=zone)
            except InputError:
                return fail(
                    args, EXIT_USAGE, "--as-of: not an ISO 8601 time with an offset (or pass --tz)"
                )
    except InputError as error:
        return fail(args, EXIT_USAGE, f"{path}: {error.render()}")
    except ValidationError as error:
        return fail(args, EXIT_USAGE, str(error), type(error).__name__)
    reader = _Reader(zone, "key" if kind == "json" else "column")
    rows = json_rows if kind == "json" else csv_rows
    try:
        feed_rows(args, path, reader.add, REQUIRED, OPTIONAL, rows=rows)
        bookings = reader.bookings()
    except (InputError, OSError) as error:
        return bad_file(args, path, error)
    report = find_conflicts(bookings, as_of=as_of)
    _print_report(args, path, reader, report, len(bookings))
    return EXIT_FAILED if report else EXIT_OK


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _when(value: datetime, zone: tzinfo) -> str:
    local = value.astimezone(zone)
    pattern = "%Y-%m-%d %H:%M:%S" if local.second or local.microsecond else "%Y-%m-%d %H:%M"
    return local.strftime(pattern)


def _zone_name(zone: tzinfo) -> str:
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else str(zone)


def _print_report(
    args: argparse.Namespace,
    path: Path,
    reader: _Reader,
    report: ConflictReport,
    count: int,
) -> None:
    zone = reader.shown or UTC
    lines = reader.lines
    found: list[dict[str, object]] = [
        {
            "kind": "overlap",
            "resource": c.resource,
            "bookings": [c.first, c.second],
            "lines": [lines[c.first, c.resource], lines[c.second, c.resource]],
            "start": c.start.astimezone(zone).isoformat(),
            "end": c.end.astimezone(zone).isoformat(),
        }
        for c in report.pairs
    ]
    found += [
        {
            "kind": "over_capacity",
            "resource": w.resource,
            "bookings": list(w.bookings),
            "lines": [lines[b, w.resource] for b in w.bookings],
            "start": w.start.astimezone(zone).isoformat(),
            "end": w.end.astimezone(zone).isoformat(),
            "peak": w.peak,
            "peak_at": w.peak_at.astimezone(zone).isoformat(),
            "capacity": w.capacity,
        }
        for w in report.over_capacity
    ]
    if args.json:
        write(
            json.dumps(
                {
                    "file": str(path),
                    "bookings": count,
                    "resources": len(reader.resources),
                    "conflicts": found,
                },
                ensure_ascii=False,
            )
        )
        return
    summary = message(
        "cli.check.summary",
        path=path,
        bookings=counted("cli.check.bookings", count),
        resources=counted("cli.check.resources", len(reader.resources)),
    )
    if not report:
        write(message("cli.check.none", summary=summary))
        return
    write(counted("cli.check.found", len(report), summary=summary, zone=_zone_name(zone)))
    write("")
    table = [tuple(message("cli.check.columns").split("|"))]
    for c in report.pairs:
        ids = (
            f"{c.first} ({lines[c.first, c.resource]}), {c.second} ({lines[c.second, c.resource]})"
        )
        overlap = message("cli.check.overlap")
        table.append((c.resource, ids, _when(c.start, zone), _when(c.end, zone), overlap))
    for w in report.over_capacity:
        ids = ", ".join(f"{b} ({lines[b, w.resource]})" for b in w.bookings)
        note = message("cli.check.over_capacity", peak=w.peak, capacity=w.capacity)
        table.append((w.resource, ids, _when(w.start, zone), _when(w.end, zone), note))
    write_table(table)
