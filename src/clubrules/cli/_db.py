"""`clubrules db migrate` and `db grants`: the schema of a SQLite or PostgreSQL database.

`db migrate` brings the schema to the current version; with `--app-role`
(PostgreSQL) it also makes that role the application's: a role that owns
nothing, so that row-level security keeps each tenant to its own rows.
`db grants` prints the same role statements for a DBA, without connecting.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from clubrules.cli._io import (
    EXIT_FAILED,
    EXIT_OK,
    add_json_option,
    command_group,
    fail,
    whole_option,
    write,
)
from clubrules.errors import StorageError

if TYPE_CHECKING:
    import argparse

    from clubrules.cli._io import AddParser

__all__ = ["add_db_commands"]


def add_db_commands(add_parser: AddParser) -> None:
    """Add `db migrate` and `db grants`."""
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
        "--to",
        type=whole_option,
        default=None,
        metavar="VERSION",
        help="stop at this schema version",
    )
    migrate.add_argument(
        "--schema",
        default=None,
        metavar="NAME",
        help="PostgreSQL only: the schema that holds the clubrules tables (default clubrules)",
    )
    migrate.add_argument(
        "--app-role",
        default=None,
        metavar="NAME",
        help=(
            "PostgreSQL only: then create the role the application connects as, if missing, "
            "and grant it the tables (it must not own them, be a superuser or bypass "
            "row-level security)"
        ),
    )
    add_json_option(migrate, "the result")
    migrate.set_defaults(handler=_run_migrate)
    grants = add(
        "grants",
        help="print the SQL that creates and grants the application's PostgreSQL role",
        description=(
            "Print, without connecting, the PostgreSQL statements that create the role the "
            "application connects as (NOLOGIN, if missing) and grant it the clubrules tables: "
            "for a DBA to run after 'db migrate', as the tables' owner. Row-level security "
            "keeps each tenant to its own rows only for a role that owns nothing, is no "
            "superuser and has no BYPASSRLS. Exit codes: 0 printed, 2 bad usage."
        ),
    )
    grants.add_argument(
        "--app-role", required=True, metavar="NAME", help="the role the application connects as"
    )
    grants.add_argument(
        "--schema",
        default="clubrules",
        metavar="NAME",
        help="the schema that holds the clubrules tables (default clubrules)",
    )
    grants.set_defaults(handler=_run_grants)


def _run_migrate(args: argparse.Namespace) -> int:
    from clubrules.storage.migrations import migrate  # noqa: PLC0415 - keeps --help fast

    try:
        result = migrate(args.url, to=args.to, schema=args.schema, app_role=args.app_role)
    except StorageError as error:
        return fail(args, EXIT_FAILED, str(error), type(error).__name__)
    if args.json:
        found = result.as_json()
        if args.app_role is not None:
            found["app_role"] = args.app_role
        write(json.dumps(found))
        return EXIT_OK
    if result.changed:
        applied = ", ".join(result.applied)
        write(
            f"{result.dialect} schema migrated from version {result.previous_version} "
            f"to {result.version} (applied {applied})"
        )
    else:
        write(f"{result.dialect} schema already at version {result.version}; nothing to apply")
    if args.app_role is not None:
        write(f"role {args.app_role} granted the clubrules tables")
    return EXIT_OK


def _run_grants(args: argparse.Namespace) -> int:
    from clubrules.storage.migrations import app_role_statements  # noqa: PLC0415 - fast --help

    for statement in app_role_statements(args.app_role, schema=args.schema):
        write(f"{statement};")
    return EXIT_OK
