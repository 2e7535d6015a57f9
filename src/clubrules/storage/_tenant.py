"""Tenant ids: which club's rows a database handle or an in-memory repository holds.

One database can hold many clubs (tenants). A handle bound to one, such as
`SQLiteDatabase.for_tenant("club-a")`, reads and writes that tenant's rows
only; a database not bound to one uses `DEFAULT_TENANT`, which is where the
rows of a single-club database live.
"""

from __future__ import annotations

from clubrules._checks import DEFAULT_TENANT, check_tenant

__all__ = ["DEFAULT_TENANT", "check_tenant", "sql_literal"]


def sql_literal(tenant: str) -> str:
    """A checked tenant id as an SQL string literal (quotes doubled, though none can occur)."""
    return "'" + check_tenant(tenant).replace("'", "''") + "'"
