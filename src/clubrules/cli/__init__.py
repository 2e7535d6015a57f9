"""The `clubrules` command-line interface.

Exit codes: 0 success, 1 a rule or check failed (conflicts found, say),
2 bad usage or bad input (a missing file, a malformed row), 141 the output
pipe was closed early (as for a process stopped by SIGPIPE).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from clubrules._version import __version__
from clubrules.cli._bookings import add_bookings_commands
from clubrules.cli._customers import add_customers_commands
from clubrules.cli._io import fail
from clubrules.cli._keys import add_keys_commands
from clubrules.errors import ClubRulesError, StorageError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clubrules",
        description=("The management rules that salons, spas, gyms and leisure clubs run on."),
    )
    parser.add_argument("--version", action="version", version=f"clubrules {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="run the end-to-end demo story",
        description=(
            "Run the end-to-end demo: a spring at a salon, rule by rule, stored in a "
            "SQLite file (a temporary one unless --database is given)."
        ),
    )
    demo.add_argument(
        "--database",
        metavar="PATH",
        default=None,
        help="keep the demo's SQLite database at PATH (a new file)",
    )
    demo.set_defaults(handler=_run_demo)
    _add_db_commands(commands)
    add_keys_commands(commands, _usage)
    add_bookings_commands(commands, _usage)
    add_customers_commands(commands, _usage)
    return parser


def _add_db_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser(
        "db",
        help="manage the schema of a SQLite or PostgreSQL database",
        description="Manage the schema that the SQLite and PostgreSQL adapters use.",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="DB_COMMAND")
    db.set_defaults(handler=lambda _args: _usage(db))
    migrate = db_commands.add_parser(
        "migrate",
        help="apply the pending schema migrations and report the version",
        description=(
            "Apply the pending schema migrations in one transaction and report the schema "
            "version. Running it again changes nothing. Exit codes: 0 done (or already up "
            "to date), 1 the database could not be migrated, 2 bad usage."
        ),
    )
    migrate.add_argument(
        "--url",
        required=True,
        help=(
            "sqlite:///relative/path.db, sqlite:////absolute/path.db or "
            "postgresql://user@host/dbname (keep passwords in ~/.pgpass or PGPASSWORD)"
        ),
    )
    migrate.add_argument(
        "--to", type=int, default=None, metavar="VERSION", help="stop at this schema version"
    )
    migrate.add_argument("--json", action="store_true", help="print the result as JSON")
    migrate.set_defaults(handler=_run_db_migrate)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE


def _run_db_migrate(args: argparse.Namespace) -> int:
    from clubrules.storage.migrations import migrate  # noqa: PLC0415 - keeps --help fast

    try:
        result = migrate(args.url, to=args.to)
    except StorageError as error:
        return fail(args, EXIT_FAILED, str(error), type=type(error).__name__)
    if args.json:
        print(json.dumps(result.as_json()))
    elif result.changed:
        applied = ", ".join(result.applied)
        print(
            f"{result.dialect} schema migrated from version {result.previous_version} "
            f"to {result.version} (applied {applied})"
        )
    else:
        print(f"{result.dialect} schema already at version {result.version}; nothing to apply")
    return EXIT_OK


def _run_demo(args: argparse.Namespace) -> int:
    from clubrules.cli._demo import run_demo  # noqa: PLC0415 - keeps --help fast

    run_demo(database=args.database)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (the process arguments by default); return the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        result: int = handler(args)
        sys.stdout.flush()
    except ClubRulesError as error:
        print(f"clubrules: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`clubrules demo | head`): stop quietly, as
        # Unix tools killed by SIGPIPE do, and keep Python's exit-time flush
        # from failing on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return result
