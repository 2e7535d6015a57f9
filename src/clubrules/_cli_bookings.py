"""`clubrules bookings check FILE`: read a CSV or JSON export of bookings and report conflicts.

Also holds the input helpers that `clubrules customers tier` shares: streaming
CSV rows with their line numbers, a JSON array reader that knows each item's
line, strict header checks, a progress bar, and time parsing. Errors name the
line and the column, never a cell's value: an export may hold phone numbers.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from clubrules.errors import ClubRulesError, ValidationError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator, Sequence

    from clubrules.booking import Booking, BookingStatus, ConflictReport, Occupancy

__all__ = ["add_bookings_commands"]

_OK, _FAILED, _USAGE = 0, 1, 2
LONG_RUN_BYTES = 1 << 20
"""Files at least this large draw a progress bar when standard error is a terminal."""

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
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]{0,39}")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_WHOLE = re.compile(r"[0-9]{1,9}")


# --- shared input helpers ---------------------------------------------------


class InputError(ClubRulesError):
    """A problem with an input file, placed by line and column, without the cell's value."""

    def __init__(
        self, message: str, *, line: int | None = None, column: str | None = None, word: str = ""
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.word = word or "column"
        super().__init__(self.render())

    def render(self) -> str:
        """The message with its place: `line 7, column 'start': ...`."""
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"{self.word} {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def fail(args: argparse.Namespace, code: int, message: str, **extra: object) -> int:
    """Report an error (JSON on standard output with `--json`) and return `code`."""
    if getattr(args, "json", False):
        write(json.dumps({"error": message, **extra}, ensure_ascii=False))
    else:
        sys.stderr.write(f"clubrules: error: {message}\n")
    return code


def write(text: str) -> None:
    """Write one line to standard output."""
    sys.stdout.write(f"{text}\n")


class Progress:
    """A one-line progress bar on a text stream, redrawn at most once per percent."""

    def __init__(self, label: str, total: int, out: TextIO, *, enabled: bool) -> None:
        self._label = label
        self._total = max(total, 1)
        self._out = out
        self._enabled = enabled
        self._shown = -1
        self._unit = "lines"
        self.rows = 0

    @classmethod
    def for_file(cls, label: str, path: Path, *, forced: bool) -> Progress:
        """A bar for reading `path`: drawn when forced, or for a large file on a terminal."""
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        enabled = forced or (size >= LONG_RUN_BYTES and sys.stderr.isatty())
        return cls(label, size, sys.stderr, enabled=enabled)

    def resize(self, total: int, unit: str) -> None:
        """Measure progress against a new total (characters of decoded text, say)."""
        self._total = max(total, 1)
        self._unit = unit

    def update(self, done: int, *, step: int = 1) -> None:
        """Count `step` more lines (or objects), `done` of the total (bytes, characters) read."""
        self.rows += step
        if not self._enabled:
            return
        percent = min(done * 100 // self._total, 100)
        if percent == self._shown:
            return
        self._shown = percent
        filled = percent * 30 // 100
        bar = "#" * filled + "." * (30 - filled)
        self._out.write(f"\r{self._label} [{bar}] {percent:3d}% ({self.rows} {self._unit})")
        self._out.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self._enabled and self._shown >= 0:
            self._out.write("\n")
            self._out.flush()
            self._shown = -1


def _shown_name(name: str, position: int) -> str:
    # A header cell is printed only if it looks like a column name: a file
    # without its header line would otherwise echo its first row (a phone, say).
    return repr(name) if _NAME.fullmatch(name) else f"number {position}"


def check_columns(
    names: Sequence[str],
    required: Sequence[str],
    optional: Sequence[str],
    *,
    line: int,
    word: str = "column",
) -> None:
    """Refuse unnamed, repeated, unknown or missing columns (or JSON keys)."""
    known = (*required, *optional)
    expected = f"expected {', '.join(required)}; optionally {', '.join(optional)}"
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputError(f"{word} number {position} has no name", line=line)
        if name in seen:
            raise InputError(f"{word} {_shown_name(name, position)} appears twice", line=line)
        seen.add(name)
        if name not in known:
            hint = "" if _NAME.fullmatch(name) else " (is the header line missing?)"
            raise InputError(
                f"unknown {word} {_shown_name(name, position)}{hint}; {expected}", line=line
            )
    for name in required:
        if name not in seen:
            raise InputError(f"missing required {word} {name!r}; {expected}", line=line)


def _lines(path: Path, progress: Progress) -> Iterator[str]:
    with path.open("rb") as handle:
        done = 0
        for number, raw in enumerate(handle, start=1):
            done += len(raw)
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise InputError("is not UTF-8 text", line=number) from None
            progress.update(done)
            yield text


def csv_rows(
    path: Path, progress: Progress, required: Sequence[str], optional: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream `(line, {column: stripped cell})` from a CSV file with a header line.

    Raises:
        InputError: the file is empty, a header problem, a row with the
            wrong number of cells, or text that is not UTF-8 CSV.
        OSError: the file cannot be read.
    """
    reader = csv.reader(_lines(path, progress), strict=True)
    header: list[str] | None = None
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            if header is None:
                raise InputError(
                    f"is empty; expected a header line such as {','.join(required)}"
                ) from None
            return
        except csv.Error as error:
            raise InputError(f"is not valid CSV ({error})", line=reader.line_num) from None
        if not any(cell.strip() for cell in row):
            continue
        line = before + 1
        if header is None:
            header = [cell.strip().lower() for cell in row]
            check_columns(header, required, optional, line=line)
            continue
        if len(row) != len(header):
            raise InputError(f"has {len(row)} cells; the header has {len(header)}", line=line)
        yield line, dict(zip(header, (cell.strip() for cell in row), strict=True))


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return pos if match is None else match.end()


def json_rows(
    path: Path, progress: Progress, required: Sequence[str], optional: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream `(line, {key: value as text})` from a JSON array of objects.

    Each object is decoded on its own, so that errors name the line where
    it starts. Strings are stripped; whole numbers become their digits; null
    is an empty cell.

    Raises:
        InputError: the file is empty, not a JSON array of objects, or an
            object has unknown or missing keys or a value of the wrong type.
        OSError: the file cannot be read.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError("is not UTF-8 text", line=data.count(b"\n", 0, error.start) + 1) from None
    progress.resize(len(text), "objects")
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if pos == len(text):
        raise InputError("is empty; expected a JSON array of objects")
    line, counted = 1, 0

    def line_at(at: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, at)
        counted = at
        return line

    if text[pos] != "[":
        raise InputError("expected a JSON array of objects", line=line_at(pos))
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            start = line_at(pos)
            try:
                item, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as error:
                raise InputError(f"is not valid JSON ({error.msg})", line=error.lineno) from None
            yield start, _json_cells(item, start, required, optional)
            progress.update(pos)
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
                continue
            if text.startswith("]", pos):
                pos += 1
                break
            raise InputError("expected ',' or ']' after an object", line=line_at(pos))
    progress.update(pos, step=0)
    progress.close()
    if _skip(text, pos) != len(text):
        raise InputError("has text after the array", line=line_at(_skip(text, pos)))


def _json_cells(
    item: object, line: int, required: Sequence[str], optional: Sequence[str]
) -> dict[str, str]:
    if not isinstance(item, dict):
        raise InputError("expected a JSON object", line=line)
    check_columns(list(item), required, optional, line=line, word="key")
    cells: dict[str, str] = {}
    for key, value in item.items():
        if value is None:
            cells[key] = ""
        elif isinstance(value, str):
            cells[key] = value.strip()
        elif isinstance(value, int) and not isinstance(value, bool):
            cells[key] = str(value)
        else:
            raise InputError(
                "expected a string or a whole number", line=line, column=key, word="key"
            )
    return cells


def parse_time(
    text: str,
    *,
    line: int | None,
    column: str | None,
    zone: tzinfo | None,
    word: str = "column",
) -> datetime:
    """An ISO 8601 time with an offset, or a naive one read in `zone`.

    Raises:
        InputError: not an ISO 8601 time, or naive without a zone.
    """
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            "not an ISO 8601 time (such as 2026-03-14T10:00+08:00)",
            line=line,
            column=column,
            word=word,
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        if zone is None:
            raise InputError(
                "has no UTC offset; add one (+08:00) or pass --tz",
                line=line,
                column=column,
                word=word,
            )
        value = value.replace(tzinfo=zone)
    return value


def whole(
    text: str, *, line: int, column: str, minimum: int, default: int, word: str = "column"
) -> int:
    """A whole number of at least `minimum` (`default` for an empty cell).

    Raises:
        InputError: not a whole number, or below `minimum`.
    """
    if not text:
        return default
    if not _WHOLE.fullmatch(text) or int(text) < minimum:
        raise InputError(
            f"not a whole number of at least {minimum}", line=line, column=column, word=word
        )
    return int(text)


def resolve_zone(name: str | None) -> tzinfo | None:
    """The IANA zone called `name`, or None.

    Raises:
        UnknownTimeZoneError: not a known zone.
    """
    if name is None:
        return None
    from clubrules._time import zone  # noqa: PLC0415 - keeps --help fast

    return zone(name, "--tz")


def input_format(args: argparse.Namespace, path: Path) -> str:
    """`csv` or `json`: from `--format`, else from the file's extension.

    Raises:
        InputError: neither tells.
    """
    chosen: str | None = args.format
    if chosen:
        return chosen
    suffix = path.suffix.lower()
    if suffix in {".csv", ".json"}:
        return suffix[1:]
    raise InputError("cannot tell the format from the extension; pass --format csv or json")


def open_check(path: Path) -> str | None:
    """Why `path` cannot be read as an input file, or None if it can."""
    if not path.exists():
        return f"{path} does not exist"
    if path.is_dir():
        return f"{path} is a directory, not a file"
    return None


# --- bookings check -----------------------------------------------------------


def add_bookings_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    usage: Callable[[argparse.ArgumentParser], int],
) -> None:
    """Register `bookings check` under `commands`."""
    bookings = commands.add_parser(
        "bookings",
        help="check an export of bookings for conflicts",
        description="Work with exports of bookings.",
    )
    bookings.set_defaults(handler=lambda _args: usage(bookings))
    sub = bookings.add_subparsers(dest="bookings_command", metavar="BOOKINGS_COMMAND")
    check = sub.add_parser(
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
    check.add_argument("file", type=Path, metavar="FILE", help="the CSV or JSON file to read")
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
            "judge held and pending bookings at this ISO 8601 time: those expired by "
            "then are skipped (default: every hold counts)"
        ),
    )
    check.add_argument(
        "--progress",
        action="store_true",
        help="draw a progress bar on standard error (the default for large files on a terminal)",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(handler=_run_check)


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

    def _error(self, message: str, line: int, column: str) -> InputError:
        return InputError(message, line=line, column=column, word=self.word)

    def _time(self, text: str, line: int, column: str) -> datetime:
        value = parse_time(text, line=line, column=column, zone=self.zone, word=self.word)
        if self.shown is None:
            self.shown = value.tzinfo
        return value

    def add(self, line: int, row: dict[str, str]) -> None:
        from clubrules.booking import BookingStatus, Occupancy  # noqa: PLC0415

        for column in REQUIRED:
            if not row[column]:
                raise self._error("is empty", line, column)
        booking_id, resource = row["id"], row["resource"]
        start = self._time(row["start"], line, "start")
        end = self._time(row["end"], line, "end")
        if end <= start:
            message = "is before start" if end < start else "is the same as start"
            raise self._error(message, line, "end")
        minutes = {
            column: whole(
                row.get(column, ""), line=line, column=column, minimum=0, default=0, word=self.word
            )
            for column in ("buffer_before", "buffer_after")
        }
        capacity = whole(
            row.get("capacity", ""),
            line=line,
            column="capacity",
            minimum=1,
            default=1,
            word=self.word,
        )
        headcount = whole(
            row.get("headcount", ""),
            line=line,
            column="headcount",
            minimum=1,
            default=1,
            word=self.word,
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
        before = timedelta(minutes=minutes["buffer_before"])
        after = timedelta(minutes=minutes["buffer_after"])
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
        return fail(args, _USAGE, problem)
    try:
        kind = input_format(args, path)
        zone = resolve_zone(args.tz)
        as_of = None
        if args.as_of is not None:
            try:
                as_of = parse_time(args.as_of, line=None, column=None, zone=zone)
            except InputError:
                return fail(
                    args, _USAGE, "--as-of: not an ISO 8601 time with an offset (or pass --tz)"
                )
    except InputError as error:
        return fail(args, _USAGE, f"{path}: {error.render()}")
    except ValidationError as error:
        return fail(args, _USAGE, str(error))
    progress = Progress.for_file("reading", path, forced=args.progress)
    reader = _Reader(zone, "key" if kind == "json" else "column")
    rows = json_rows if kind == "json" else csv_rows
    try:
        for line, row in rows(path, progress, REQUIRED, OPTIONAL):
            reader.add(line, row)
        bookings = reader.bookings()
    except InputError as error:
        progress.close()
        return fail(args, _USAGE, f"{path}: {error.render()}", **_place(error))
    except OSError as error:
        progress.close()
        return fail(args, _USAGE, f"{path}: cannot read it ({error.strerror or error})")
    progress.close()
    report = find_conflicts(bookings, as_of=as_of)
    _print_report(args, path, reader, report, len(bookings))
    return _FAILED if report else _OK


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _place(error: InputError) -> dict[str, object]:
    return {"line": error.line, "column": error.column}


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
    summary = f"{path}: {count} bookings on {len(reader.resources)} resources"
    if not report:
        write(f"{summary}; no conflicts")
        return
    noun = "conflict" if len(report) == 1 else "conflicts"
    write(f"{summary}; {len(report)} {noun} (times in {_zone_name(zone)})")
    write("")
    table = [("RESOURCE", "BOOKINGS (LINES)", "FROM", "TO", "")]
    for c in report.pairs:
        ids = (
            f"{c.first} ({lines[c.first, c.resource]}), {c.second} ({lines[c.second, c.resource]})"
        )
        table.append((c.resource, ids, _when(c.start, zone), _when(c.end, zone), "overlap"))
    for w in report.over_capacity:
        ids = ", ".join(f"{b} ({lines[b, w.resource]})" for b in w.bookings)
        note = f"{w.peak} at once, capacity {w.capacity}"
        table.append((w.resource, ids, _when(w.start, zone), _when(w.end, zone), note))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        write("  ".join([*cells, row[4]]).rstrip())
