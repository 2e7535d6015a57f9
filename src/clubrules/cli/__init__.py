"""The `clubrules` command-line interface.

Exit codes: 0 success, 1 a rule or check failed (conflicts found, say),
2 bad usage or bad input (a missing file, a malformed row), 141 the output
pipe was closed early (as for a process stopped by SIGPIPE).

Each command group is a module of this package: `_demo` (with the demo's
story), `_db`, `_keys`, `_bookings` and `_customers`; `_io` holds what they
share, the exit codes among it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence  # noqa: TC003 - get_type_hints(main) resolves it

from clubrules._version import __version__
from clubrules.cli._bookings import add_bookings_commands
from clubrules.cli._customers import add_customers_commands
from clubrules.cli._db import add_db_commands
from clubrules.cli._demo import add_demo_command
from clubrules.cli._io import EXIT_BROKEN_PIPE, usage

# Re-exported: scripts and tests compare exit codes with these.
from clubrules.cli._io import EXIT_FAILED as EXIT_FAILED
from clubrules.cli._io import EXIT_OK as EXIT_OK
from clubrules.cli._io import EXIT_USAGE as EXIT_USAGE
from clubrules.cli._keys import add_keys_commands
from clubrules.errors import ClubRulesError

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (the process arguments by default); return the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        return usage(parser)
    try:
        result: int = handler(args)
        sys.stdout.flush()
    except ClubRulesError as error:
        sys.stderr.write(f"clubrules: error: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`clubrules demo | head`): stop quietly, as
        # Unix tools killed by SIGPIPE do, and keep Python's exit-time flush
        # from failing on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return result
