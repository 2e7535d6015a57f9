"""What the command groups share: exit codes, parsers, error reporting and file reading.

The exit codes, the way a command group is added and prints its help, the
common options, streaming CSV rows with their line numbers, a JSON array
reader that knows each item's line, strict header checks, time and number
parsing, a progress bar, tables, and error reporting. Errors name the line
and the column, never a cell's value: an export may hold phone numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shlex
import sys
import unicodedata
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Protocol, TextIO

from clubrules._shown import shown
from clubrules.errors import InputError, ValidationError
from clubrules.words import message

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "LONG_RUN_BYTES",
    "AddParser",
    "Progress",
    "add_json_option",
    "add_lang_option",
    "add_progress_option",
    "bad_file",
    "check_columns",
    "command_group",
    "counted",
    "csv_rows",
    "display_width",
    "fail",
    "feed_rows",
    "input_format",
    "is_date",
    "json_rows",
    "not_utf8",
    "one_line",
    "open_check",
    "output_check",
    "parse_date",
    "parse_time",
    "path_argument",
    "regular_file_check",
    "report_error",
    "resolve_zone",
    "usage",
    "whole",
    "write",
    "write_table",
]

EXIT_OK = 0
"""Done: nothing wrong was found."""
EXIT_FAILED = 1
"""A rule or check failed: conflicts found, a database not migrated, a value that does not open.

Also an unexpected internal error (a bug), reported by its type alone.
"""
EXIT_USAGE = 2
"""Bad usage or bad input: a missing file, a malformed row, an unknown option value."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C): 128 + SIGINT, as for a process the signal stopped."""
EXIT_BROKEN_PIPE = 141
"""The output pipe was closed early: 128 + SIGPIPE, as for a process the signal stopped."""

LONG_RUN_BYTES = 1 << 20
"""Files at least this large draw a progress bar when standard error is a terminal."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]{0,39}")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_WHOLE = re.compile(r"[0-9]{1,9}")


class AddParser(Protocol):
    """Adds a command's parser: the `add_parser` method of an argparse subparsers action."""

    def __call__(
        self,
        name: str,
        /,
        *,
        help: str,  # noqa: A002 - argparse's own keyword
        description: str,
    ) -> argparse.ArgumentParser: ...


def usage(parser: argparse.ArgumentParser) -> int:
    """Print `parser`'s help, for a command given without its subcommand; return EXIT_USAGE."""
    parser.print_help()
    return EXIT_USAGE


def command_group(add_parser: AddParser, name: str, *, summary: str, description: str) -> AddParser:
    """Add the command `name`; its subcommands are added through the function returned.

    Given alone, the command prints its help and exits with EXIT_USAGE.
    """
    group = add_parser(name, help=summary, description=description)
    group.set_defaults(handler=lambda _args: usage(group))
    commands = group.add_subparsers(dest=f"{name}_command", metavar=f"{name.upper()}_COMMAND")
    return commands.add_parser


def add_json_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Add `--json`, which prints `what` (such as "the report") as JSON."""
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """Add `--lang`, the language of what the command prints (`en` or `zh`)."""
    parser.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="the language of the output: en (default) or zh (简体中文)",
    )


def add_progress_option(
    parser: argparse.ArgumentParser, default: str = "for large files on a terminal"
) -> None:
    """Add `--progress`, which forces the bar that is drawn by default `default`."""
    parser.add_argument(
        "--progress",
        action="store_true",
        help=f"draw a progress bar on standard error (the default {default})",
    )


def one_line(text: str) -> str:
    """`text` as one printable line: line breaks as spaces, lone surrogates as escapes.

    A file name that is not valid UTF-8 reaches Python with lone surrogates,
    which no UTF-8 stream can write.
    """
    return " ".join(text.encode("utf-8", "backslashreplace").decode("utf-8").splitlines())


def report_error(json_output: bool, message: str, error_type: str, **extra: object) -> None:
    """Print an error: one line on standard error, or with `json_output` one JSON object.

    The object, on standard output, is `{"error": message, "type":
    error_type, ...extra}`.
    """
    message = one_line(message)
    if json_output:
        write(json.dumps({"error": message, "type": error_type, **extra}, ensure_ascii=False))
    else:
        sys.stderr.write(f"clubrules: error: {message}\n")


def fail(
    args: argparse.Namespace,
    code: int,
    message: str,
    error_type: str = "InputError",
    **extra: object,
) -> int:
    """Report an error (JSON on standard output with `--json`) and return `code`.

    `error_type` is the JSON object's `type`: the class name of the error
    (`InputError`, the default, for bad usage or input).
    """
    report_error(getattr(args, "json", False), message, error_type, **extra)
    return code


def bad_file(args: argparse.Namespace, path: Path, error: InputError | OSError) -> int:
    """Report an input file that is malformed or cannot be read; return EXIT_USAGE."""
    if isinstance(error, InputError):
        message = f"{path}: {error.render()}"
        return fail(args, EXIT_USAGE, message, line=error.line, column=error.column)
    return fail(
        args,
        EXIT_USAGE,
        f"{path}: cannot read it ({error.strerror or type(error).__name__})",
        type(error).__name__,
    )


def counted(key: str, count: int, **fields: str) -> str:
    """The catalogue message `key.one` for one, else `key.other`: "1 resource", "2 resources"."""
    return message(f"{key}.one" if count == 1 else f"{key}.other", count=count, **fields)


def write(text: str) -> None:
    """Write one line to standard output."""
    sys.stdout.write(f"{text}\n")


def display_width(text: str) -> int:
    """The columns `text` takes in a terminal: wide (CJK) characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def write_table(rows: Sequence[Sequence[str]], *, right: frozenset[int] = frozenset()) -> None:
    """Write `rows` in aligned columns, those numbered in `right` aligned to the right.

    Columns are padded by display width, so Chinese text lines up too.
    """
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        write("  ".join(cells).rstrip())


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

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """End the bar's line, whether or not reading failed (before any error is printed)."""
        self.close()


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


def not_utf8(path: Path) -> str:
    """The error for an input file that is not UTF-8, with the usual cause and its cure.

    A spreadsheet saved as CSV on Chinese Windows is GBK unless "CSV UTF-8"
    was chosen; `iconv` converts it.
    """
    fixed = path.with_name(f"{path.stem}-utf8{path.suffix}")
    command = f"iconv -f GBK -t UTF-8 {shlex.quote(str(path))} > {shlex.quote(str(fixed))}"
    return (
        "is not UTF-8 text; if it was saved on Chinese Windows it is likely GBK: "
        f'convert it with "{command}", or save it again as "CSV UTF-8"'
    )


def _lines(path: Path, progress: Progress) -> Iterator[str]:
    with path.open("rb") as handle:
        done = 0
        for number, raw in enumerate(handle, start=1):
            done += len(raw)
            try:
                text: str | None = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                # Raised below, outside the handler: the decoding error holds the line.
                text = None
            if text is None:
                raise InputError(not_utf8(path), line=number)
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
        bad: InputError | None = None
        try:
            row = next(reader)
        except StopIteration:
            if header is None:
                raise InputError(
                    f"is empty; expected a header line such as {','.join(required)}"
                ) from None
            return
        except csv.Error as error:
            bad = InputError(f"is not valid CSV ({error})", line=reader.line_num)
        if bad is not None:  # raised outside the handler, without the reader's error
            raise bad
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


def feed_rows(
    args: argparse.Namespace,
    path: Path,
    add: Callable[[int, dict[str, str]], None],
    required: Sequence[str],
    optional: Sequence[str],
    *,
    rows: Callable[
        [Path, Progress, Sequence[str], Sequence[str]], Iterator[tuple[int, dict[str, str]]]
    ] = csv_rows,
) -> None:
    """Give each row of `path` to `add(line, row)`, with a progress bar as `--progress` asks.

    `rows` reads the file: `csv_rows` (the default) or `json_rows`, with
    `required` and `optional` their columns or keys.

    Raises:
        InputError: the file or a row is malformed, as `rows` says.
        OSError: the file cannot be read.
    """
    with Progress.for_file("reading", path, forced=args.progress) as progress:
        for line, row in rows(path, progress, required, optional):
            add(line, row)


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
    bad: InputError | None = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Raised below, outside the handler: the decoding error holds the whole file.
        bad = InputError(not_utf8(path), line=data.count(b"\n", 0, error.start) + 1)
    if bad is not None:
        raise bad
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
                # Raised below, outside the handler: the error's `doc` is the whole file.
                bad = InputError(f"is not valid JSON ({error.msg})", line=error.lineno)
            except (ValueError, RecursionError) as error:
                # A number of more than 4300 digits, or arrays nested too deep to parse.
                what = (
                    "nested too deep" if isinstance(error, RecursionError) else "a number too long"
                )
                bad = InputError(f"is not valid JSON ({what})", line=start)
            if bad is not None:
                raise bad
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


# The one form of a date and of a time that every option and column takes, as the
# docs and the help show them: 2026-03-31, and 2026-03-14T10:00+08:00 (seconds and
# their fraction optional, a space for the T, Z for +00:00, the offset optional
# where --tz gives the zone). Python's fromisoformat takes much more: 20260331,
# 2026-W14-2, 2026-03-14x10:00, 2026-03-14T10 (an hour alone), +0800; a typo
# read as another day or time is worse than a refusal.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)


def is_date(text: str) -> bool:
    """Whether `text` is written as a date, YYYY-MM-DD (valid or not: see `parse_date`)."""
    return _DATE.fullmatch(text) is not None


def parse_date(
    text: str, *, line: int | None = None, column: str | None = None, word: str = "column"
) -> date:
    """A calendar date written YYYY-MM-DD, the only form taken (not 20260331 nor 2026-W14-2).

    Raises:
        InputError: not a date in that form, or no such day (2026-02-30).
    """
    value: date | None = None
    if is_date(text):
        try:
            value = date.fromisoformat(text)
        except ValueError:  # its message quotes the cell: raised below, outside the handler
            value = None
    if value is None:
        raise InputError("not a date (YYYY-MM-DD)", line=line, column=column, word=word)
    return value


def parse_time(
    text: str,
    *,
    line: int | None,
    column: str | None,
    zone: tzinfo | None,
    word: str = "column",
) -> datetime:
    """An ISO 8601 time with an offset, or a naive one read in `zone`.

    Written as 2026-03-14T10:00+08:00: seconds (with a fraction of up to
    six digits) optional, a space allowed for the `T`, `Z` for UTC; no
    other form of ISO 8601 (see `_TIME`).

    Raises:
        InputError: not an ISO 8601 time in that form, or naive without a zone.
    """
    value: datetime | None = None
    if _TIME.fullmatch(text):
        try:
            value = datetime.fromisoformat(text)
        except ValueError:  # its message quotes the cell: raised below, outside the handler
            value = None
    if value is None:
        raise InputError(
            "not an ISO 8601 time (such as 2026-03-14T10:00+08:00)",
            line=line,
            column=column,
            word=word,
        )
    if value.tzinfo is None or value.utcoffset() is None:
        if zone is None:
            raise InputError(
                "has no UTC offset; add one (+08:00) or pass --tz",
                line=line,
                column=column,
                word=word,
            )
        value = value.replace(tzinfo=zone)
    from clubrules._time import canonical_instant  # noqa: PLC0415 - keeps --help fast

    refused: ValidationError | None = None
    try:
        # A wall time skipped by a DST change becomes the instant it names,
        # written as it exists, so that wall times compare as instants.
        value = canonical_instant(value, column or "time")
    except ValidationError as error:  # raised below, outside the handler
        refused = error
    if refused is not None:
        raise InputError(
            "is too close to year 1 or 9999 (its UTC or local time leaves years 1-9999)",
            line=line,
            column=column,
            word=word,
        )
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


def whole_option(text: str) -> int:
    """An option's whole number, for argparse's `type=`: ASCII digits only.

    `int()` would also read `1_000`, full-width digits and other scripts'
    digits, which no CSV cell or JSON number accepts either.

    Raises:
        argparse.ArgumentTypeError: not a whole number of ASCII digits.
    """
    if not _WHOLE.fullmatch(text):
        # Shown as every refused option value is: a short token quoted, anything else not.
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number (digits 0-9)")
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


def path_argument(text: str) -> Path:
    """An argparse `type` for a file argument: refuses a path no system call takes.

    Raises:
        argparse.ArgumentTypeError: the path holds a NUL character.
    """
    import argparse  # noqa: PLC0415 - a type-checking import above
    from pathlib import Path  # noqa: PLC0415

    if "\x00" in text:
        raise argparse.ArgumentTypeError("the path contains a NUL character")
    return Path(text)


def regular_file_check(path: Path, what: str) -> str | None:
    """Why `path` cannot be `what` (a keyring file, say), a regular file; or None."""
    problem = open_check(path)
    if problem is not None:
        return problem
    if not path.is_file():
        return f"{path} is not a regular file, so it cannot be {what}"
    return None


def output_check(path: Path) -> str | None:
    """Why `path` cannot be replaced by a new file written whole; or None.

    A directory, a FIFO or a device (such as /dev/null) is never replaced.
    """
    if path.is_dir():
        return f"{path} is a directory; give the path of a file to write"
    if path.exists() and not path.is_file():
        return f"{path} is not a regular file; give the path of a file to write"
    return None


def open_check(path: Path) -> str | None:
    """Why `path` cannot be read as an input file, or None if it can."""
    if not path.exists():
        return f"{path} does not exist"
    if path.is_dir():
        return f"{path} is a directory, not a file"
    return None
