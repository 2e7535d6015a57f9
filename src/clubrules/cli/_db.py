"""`clubrules db migrate`: bring a SQLite or PostgreSQL schema to the current version."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from clubrules.cli._io import (
    EXIT_FAILED,
    EXIT_OK,
    add_json_option,
    command_group,
    fail,
    write,
)
from clubrules.errors import StorageError

if TYPE_CHECKING:
    import argparse

    from clubrules.cli._io import AddParser

__all__ = ["add_db_commands"]


def add_db_commands(add_parser: AddParser) -> None:
    """Add `db migrate`."""
    add = command_group(
        add_parser,
        "db",
        summary="manage the schema of a SQLite or PostgreSQL database",
        description="Manage the schema that the SQLite and PostgreSQL adapters use.",
    )
    migrate = add(
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
    migrate.add_argument(
        "--schema",
        default=None,
        metavar="NAME",
        help="PostgreSQL only: the schema that holds the clubrules tables (default clubrules)",
    )
    add_json_option(migrate, "the result")
    migrate.set_defaults(handler=_run_migrate)


def _run_migrate(args: argparse.Namespace) -> int:
    from clubrules.storage.migrations import migrate  # noqa: PLC0415 - keeps --help fast

    try:
        result = migrate(args.url, to=args.to, schema=args.schema)
    except StorageError as error:
        return fail(args, EXIT_FAILED, str(error), type(error).__name__)
    if args.json:
        write(json.dumps(result.as_json()))
    elif result.changed:
        applied = ", ".join(result.applied)
        write(
            f"{result.dialect} schema migrated from version {result.previous_version} "
            f"to {result.version} (applied {applied})"
        )
    else:
        write(f"{result.dialect} schema already at version {result.version}; nothing to apply")
    return EXIT_OK
