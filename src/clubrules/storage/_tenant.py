"""Tenant ids: which club's rows a database handle or an in-memory repository holds.

One database can hold many clubs (tenants). A handle bound to one, such as
`SQLiteDatabase.for_tenant("club-a")`, reads and writes that tenant's rows
only; a database not bound to one uses `DEFAULT_TENANT`, which is where the
rows of a single-club database live.
"""

from __future__ import annotations

import re

from clubrules.errors import ValidationError

__all__ = ["DEFAULT_TENANT", "check_tenant", "sql_literal"]

DEFAULT_TENANT = "default"
"""The tenant of a database or repository bound to none, and of every row stored before tenants."""

_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}")


def check_tenant(value: object) -> str:
    """`value` if it is a tenant id, else `ValidationError` (field `tenant`, rule `tenant_id`).

    A tenant id is 1 to 63 characters: ASCII letters, digits, `_`, `.`, `:`
    and `-`, starting with a letter or digit (a slug or a UUID passes).
    """
    if isinstance(value, str) and _TENANT.fullmatch(value):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(
            f"must be a str, not {type(value).__name__}", field="tenant", rule="tenant_id"
        )
    raise ValidationError(
        "must be 1 to 63 ASCII letters, digits, '_', '.', ':' or '-', starting with a letter"
        " or digit",
        field="tenant",
        rule="tenant_id",
    )


def sql_literal(tenant: str) -> str:
    """A checked tenant id as an SQL string literal (quotes doubled, though none can occur)."""
    return "'" + check_tenant(tenant).replace("'", "''") + "'"
