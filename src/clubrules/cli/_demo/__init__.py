"""`clubrules demo`: the end-to-end story of a spring at a salon, on SQLite.

The story itself is in `_story`, one chapter a module; it is imported only
when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clubrules.cli._io import EXIT_OK, EXIT_USAGE, add_lang_option, fail

if TYPE_CHECKING:
    import argparse

    from clubrules.cli._io import AddParser

__all__ = ["add_demo_command"]


def add_demo_command(add_parser: AddParser) -> None:
    """Add `demo`."""
    demo = add_parser(
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
    add_lang_option(demo)
    demo.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    problem = _database_problem(args.database)
    if problem is not None:
        return fail(args, EXIT_USAGE, f"--database {problem}", "ValidationError")
    from clubrules.cli._demo._story import run_demo  # noqa: PLC0415 - keeps --help fast

    run_demo(database=args.database, locale=args.lang)
    return EXIT_OK


def _database_problem(database: str | None) -> str | None:
    """What is wrong with the `--database` path, said with the option's name; or None."""
    if database is None:
        return None
    if not database.strip():
        return "is empty; give the path of a new file"
    if "\x00" in database:
        return "contains a NUL character; give the path of a new file"
    if Path(database).exists():
        return f"{database}: names a file that already exists; give a new path"
    return None
