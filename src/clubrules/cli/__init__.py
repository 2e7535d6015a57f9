"""The `clubrules` command-line interface.

Exit codes: 0 success, 1 a rule or check failed (conflicts found, say), a
storage failure, or an unexpected internal error, 2 bad usage or bad input
(a missing file, a malformed row, an unknown option), 130 interrupted
(Ctrl-C), 141 the output pipe was closed early (as for a process stopped by
SIGPIPE).

Every error of every command is one line on standard error, or with
`--json` one JSON object on standard output, `{"error": message, "type":
class name, ...}`, and its exit code; never a traceback. `main` turns what
a command raises into that; the commands report what they catch themselves
through `_io.fail`.

Each command group is a module of this package: `_demo` (with the demo's
story), `_db`, `_keys`, `_bookings` and `_customers`; `_io` holds what they
share, the exit codes among it.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import os
import re
import sys
from collections.abc import Iterator, Sequence  # noqa: TC003 - get_type_hints(main) resolves it
from typing import NoReturn

from clubrules._checks import shown
from clubrules._version import __version__
from clubrules.cli._bookings import add_bookings_commands
from clubrules.cli._customers import add_customers_commands
from clubrules.cli._db import add_db_commands
from clubrules.cli._demo import add_demo_command
from clubrules.cli._io import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, report_error, usage

# Re-exported: scripts and tests compare exit codes with these.
from clubrules.cli._io import EXIT_FAILED as EXIT_FAILED
from clubrules.cli._io import EXIT_OK as EXIT_OK
from clubrules.cli._io import EXIT_USAGE as EXIT_USAGE
from clubrules.cli._keys import add_keys_commands
from clubrules.errors import ClubRulesError, DecryptionError, StorageError
from clubrules.words import use_locale

__all__ = ["main"]


class _ArgumentError(Exception):
    """Bad usage found by argparse, reported as one line instead of its usage text."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors `main` reports like every other error.

    Its subcommands' parsers are of this class too (argparse makes them so).
    """

    def error(self, message: str) -> NoReturn:
        raise _ArgumentError(f"{_unquoted(message)} (see '{self.prog} --help')")


# argparse quotes the refused value ("invalid int value: '13812345678'",
# "invalid choice: 'x'"); the error line shows it only as `shown` does.
_QUOTED_VALUE = re.compile(
    r"(invalid (?:[\w.]+ value|choice): )('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
)


def _unquoted(message: str) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            value = ast.literal_eval(match.group(2))
        except (ValueError, SyntaxError):
            return f"{match.group(1)}a value"
        return f"{match.group(1)}{shown(value)}"

    return _QUOTED_VALUE.sub(replace, message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="clubrules",
        description=("The management rules that salons, spas, gyms and leisure clubs run on."),
    )
    parser.add_argument("--version", action="version", version=f"clubrules {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add_commands in (
        add_demo_command,
        add_db_commands,
        add_keys_commands,
        add_bookings_commands,
        add_customers_commands,
    ):
        add_commands(commands.add_parser)
    return parser


def _failure(error: Exception) -> tuple[int, str]:
    """The exit code and the message for an error a command raised."""
    if isinstance(error, ClubRulesError):
        failed = isinstance(error, (StorageError, DecryptionError))
        return (EXIT_FAILED if failed else EXIT_USAGE), str(error)
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
        where = f"{error.filename}: " if error.filename is not None else ""
        return EXIT_USAGE, f"{where}{reason}"
    # A bug: its message may quote input (a phone number, say), so only its type.
    return EXIT_FAILED, f"unexpected internal error ({type(error).__name__}); please report it"


def _command_of(args: argparse.Namespace) -> str:
    """The command line's command and subcommand, such as `clubrules keys rewrap`."""
    words = ["clubrules"]
    command = getattr(args, "command", None)
    if command:
        words.append(command)
        subcommand = getattr(args, f"{command}_command", None)
        if subcommand:
            words.append(subcommand)
    return " ".join(words)


@contextlib.contextmanager
def _escaping_streams() -> Iterator[None]:
    r"""Write what a stream's encoding cannot hold as escapes, for the command's run.

    A file name that is not valid UTF-8 reaches Python with lone surrogates,
    and a JSON export may hold them (`"\ud800"`): echoed, they would stop
    a report half-printed. They are written `\udcff`, which in JSON output
    is the same escape.
    """
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            with contextlib.suppress(ValueError):  # closed meanwhile
                stream.reconfigure(errors="strict")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (the process arguments by default); return the exit code.

    Every error is one line on standard error, or with `--json` one JSON
    object on standard output, and an exit code; never a traceback.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        args, unknown = parser.parse_known_args(arguments)
    except _ArgumentError as error:
        report_error("--json" in arguments, str(error), "ArgumentError")
        return EXIT_USAGE
    if unknown:
        # argparse would point at the top level's help; the command's own
        # help is the one that lists the options it takes.
        given = (u if shown(u) == repr(u) else shown(u) for u in unknown)
        message = f"unrecognized arguments: {' '.join(given)}"
        report_error(
            "--json" in arguments, f"{message} (see '{_command_of(args)} --help')", "ArgumentError"
        )
        return EXIT_USAGE
    handler = getattr(args, "handler", None)
    if handler is None:
        return usage(parser)
    try:
        with use_locale(getattr(args, "lang", "en")), _escaping_streams():
            result: int = handler(args)
            sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`clubrules demo | head`): stop quietly, as
        # Unix tools killed by SIGPIPE do, and keep Python's exit-time flush
        # from failing on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        sys.stderr.write("clubrules: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - every error is reported, never a traceback
        code, message = _failure(error)
        report_error(bool(getattr(args, "json", False)), message, type(error).__name__)
        return code
    return result
