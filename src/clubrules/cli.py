"""The `clubrules` command-line interface.

Exit codes: 0 success, 1 a rule or check failed (conflicts found, say),
2 bad usage or bad input (a missing file, a malformed row).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from clubrules._version import __version__
from clubrules.errors import ClubRulesError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


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
        description="Run the end-to-end demo: a day at a salon, rule by rule.",
    )
    demo.set_defaults(handler=_run_demo)
    return parser


def _run_demo(_args: argparse.Namespace) -> int:
    from clubrules._demo import run_demo  # noqa: PLC0415 - keeps --help fast

    run_demo()
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
    except ClubRulesError as error:
        print(f"clubrules: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return result
