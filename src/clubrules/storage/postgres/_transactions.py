"""What the sync and async PostgreSQL databases share about transactions and pools.

The COMMIT whose outcome is unknown, the aborted transaction that must not
be committed, the unit of work's context variable and the log line of a
pool that ran dry: one definition each, used by `PostgresDatabase` and
`AsyncPostgresDatabase` alike (psycopg's sync and async connections expose
the same `broken`, `autocommit` and `info` attributes).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import TYPE_CHECKING, Any

from clubrules.errors import CommitOutcomeUnknownError, StorageError
from clubrules.storage._tenant import DEFAULT_TENANT
from clubrules.storage.postgres._errors import psycopg_module, translate
from clubrules.storage.sql._dialect import TENANT_SETTING
from clubrules.storage.sql._unit import SAVEPOINT, logger

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "IDLE",
    "INERROR",
    "INTRANS",
    "OPEN_SAVEPOINT",
    "RELEASE_SAVEPOINT",
    "SET_TENANT",
    "SWAP_TENANT",
    "UNDO_SAVEPOINT",
    "UnitEnd",
    "commit_failure",
    "log_pool_timeout",
    "owns_block",
    "refuse_aborted",
    "restore_needed",
    "unit_connection",
    "unit_tenant",
]

# psycopg.pq.TransactionStatus: no transaction open / one open / one failed.
IDLE = 0
INTRANS = 2
INERROR = 3
# SQLSTATE classes of a COMMIT the server refused, rolling back: the outcome is known.
_REFUSED_CLASSES = {"23", "40"}


def unit_connection() -> contextvars.ContextVar[Any]:
    """A fresh context variable for the connection of the unit of work open in a thread or task."""
    return contextvars.ContextVar("clubrules_postgres_unit", default=None)


def unit_tenant() -> contextvars.ContextVar[str]:
    """The tenant of the handle that opened the unit of work of this thread or task."""
    return contextvars.ContextVar("clubrules_postgres_unit_tenant", default=DEFAULT_TENANT)


SET_TENANT = f"SELECT set_config('{TENANT_SETTING}', %s, true)"
"""Bind the transaction to a tenant (`SET LOCAL clubrules.tenant`), the value a parameter."""

SWAP_TENANT = (
    "WITH prior AS MATERIALIZED"  # noqa: S608 - constants; the tenant is a parameter
    f" (SELECT current_setting('{TENANT_SETTING}', true) AS tenant)"
    f" SELECT prior.tenant, set_config('{TENANT_SETTING}', %s, true) FROM prior"
)
"""`SET_TENANT` on the caller's connection: also returns the setting it replaces.

The application's transaction may carry a tenant of its own (its own SQL
on the clubrules tables sets one, as the docs tell it to); a call through a
`from_connection` database sets the setting back afterwards (`restore_needed`),
so the application's next statements run as before.
"""


def restore_needed(conn: Any, prior: object, tenant: str) -> str | None:  # noqa: ANN401
    """The value to set `clubrules.tenant` back to after a call on the caller's connection.

    None when nothing is to be done: the setting already held `tenant`, or
    no transaction is open any more (the call's own transaction, on an
    autocommit connection, ended and took its `SET LOCAL` with it), or the
    transaction is aborted (the caller must roll back, which ends the
    setting too). A setting that was never defined is set back to `''`,
    which PostgreSQL itself leaves after a `SET LOCAL` and which the
    tables' policies read as no tenant.
    """
    if prior == tenant or conn.info.transaction_status != INTRANS:
        return None
    return prior if isinstance(prior, str) else ""


OPEN_SAVEPOINT = f"SAVEPOINT {SAVEPOINT}"
"""An atomic block's start inside an open transaction."""
UNDO_SAVEPOINT = (f"ROLLBACK TO SAVEPOINT {SAVEPOINT}", f"RELEASE SAVEPOINT {SAVEPOINT}")
"""What undoes a failed atomic block and leaves the outer transaction usable."""
RELEASE_SAVEPOINT = UNDO_SAVEPOINT[1]
"""An atomic block's end when it succeeded."""


def owns_block(conn: Any) -> bool:  # noqa: ANN401 - a psycopg connection, sync or async
    """Whether a block on `conn` is a transaction of its own (autocommit, no transaction open)."""
    return bool(conn.autocommit) and conn.info.transaction_status == IDLE


def commit_failure(conn: Any, error: Exception) -> Exception:  # noqa: ANN401 - a psycopg connection
    """What a failed COMMIT means: refused (rolled back, known) or the outcome unknown."""
    state = getattr(getattr(error, "diag", None), "sqlstate", None) or ""
    if state[:2] in _REFUSED_CLASSES or not (
        isinstance(error, psycopg_module().OperationalError) or conn.broken
    ):
        return translate(error, migration=False)
    label = f"{state} {type(error).__name__}".strip()
    logger.error("the PostgreSQL connection failed during COMMIT (%s); outcome unknown", label)
    return CommitOutcomeUnknownError(
        f"the PostgreSQL connection failed during COMMIT ({label}): the transaction may or"
        " may not be stored; check before doing it again"
    )


def refuse_aborted(conn: Any) -> None:  # noqa: ANN401 - a psycopg connection
    """Refuse to commit a transaction that a failed statement aborted (COMMIT would roll back)."""
    if conn.info.transaction_status == INERROR:
        raise StorageError(
            "a statement failed inside the unit of work and PostgreSQL aborted its transaction;"
            " nothing of the unit's is stored"
        )


class UnitEnd:
    """How a unit of work's own transaction ended its block: whether it went on to COMMIT.

    The I/O-free part of the block's end, shared by the sync and async
    databases: `block()` wraps the caller's block inside the transaction
    (sync or async), logs a rollback, refuses to commit an aborted
    transaction, and marks the COMMIT that follows, whose failure means
    something else (`commit_failure`).
    """

    __slots__ = ("_conn", "committing")

    def __init__(self, conn: Any) -> None:  # noqa: ANN401 - a psycopg connection, sync or async
        self._conn = conn
        self.committing = False

    @contextlib.contextmanager
    def block(self) -> Iterator[None]:
        """The caller's block: its error logged and raised; else COMMIT comes next."""
        try:
            yield
        except BaseException as error:
            logger.debug("unit of work rolled back (%s)", type(error).__name__)
            raise
        refuse_aborted(self._conn)
        self.committing = True


def log_pool_timeout(error: Exception, timeout: float) -> None:
    """Log a pool that handed out no connection within `timeout` seconds (other errors: nothing)."""
    if type(error).__name__ == "PoolTimeout":
        logger.warning("no pooled PostgreSQL connection came free within %.1f s", timeout)
