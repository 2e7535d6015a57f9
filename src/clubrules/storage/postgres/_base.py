"""What the sync and async PostgreSQL databases share: their settings, schema, refusals and repr.

`PostgresDatabase` and `AsyncPostgresDatabase` differ in their driver calls
(blocking or awaited) and in where a unit of work lives (a thread or a
task); the checks of their constructors' arguments and the pool they make,
the state every way of making one starts from, the bookkeeping around a unit
of work's own transaction, the closed database's refusal and the text of
their reprs are written once, here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from typing import TYPE_CHECKING, Any, TypeVar

from clubrules._checks import SIZE_MAX, require_flag, require_seconds, require_size
from clubrules.errors import StorageError, ValidationError
from clubrules.storage._fork import OwnedConnections, forked_in_block
from clubrules.storage._tenant import DEFAULT_TENANT
from clubrules.storage.postgres._errors import Refusals, checked_url, psycopg_module, raise_for
from clubrules.storage.postgres._migrate import DEFAULT_SCHEMA, schema_prefix
from clubrules.storage.postgres._transactions import UnitEnd, commit_failure, log_pool_timeout

if TYPE_CHECKING:
    import contextvars
    from collections.abc import Callable, Iterator

__all__ = ["PoolSettings", "PostgresBase", "checked_pool_settings", "require_driver"]

_T = TypeVar("_T")
_P = TypeVar("_P")


@dataclasses.dataclass(frozen=True, slots=True)
class PoolSettings:
    """A constructor's checked URL and pool settings, and the pool they make."""

    url: str
    size: int
    min_size: int
    timeout: float
    check: bool

    def factory(
        self,
        pool_class: Callable[..., _P],
        check_connection: object,
        *,
        name: str,
        configure: Callable[[Any], object],
        open: bool,  # noqa: A002 - psycopg_pool's own name
    ) -> Callable[[], _P]:
        """How to make the database's own pool (again in a forked child): autocommit connections.

        `check_connection` is the pool class's check, used if `check` is set.
        """
        return functools.partial(
            pool_class,
            self.url,
            min_size=self.min_size,
            max_size=self.size,
            kwargs={"autocommit": True},
            timeout=self.timeout,
            check=check_connection if self.check else None,
            name=name,
            configure=configure,
            open=open,
        )


def checked_pool_settings(
    url: str,
    *,
    pool_size: int,
    pool_min_size: int,
    timeout: float,
    pool_check: bool,
    least_pool: int,
) -> PoolSettings:
    """A constructor's URL and pool settings, checked (in this order).

    `least_pool` is the smallest `pool_size` allowed (0: no pool at all).

    Raises:
        ValidationError: as the constructors document.
    """
    require_size(pool_size, "pool_size", minimum=least_pool)
    # At most the pool's size: a larger floor was once cut down to it unseen.
    require_size(pool_min_size, "pool_min_size", minimum=0, maximum=pool_size or SIZE_MAX)
    seconds = require_seconds(timeout, "timeout", positive=True)
    require_flag(pool_check, "pool_check")
    return PoolSettings(checked_url(url), pool_size, pool_min_size, seconds, pool_check)


def require_driver(value: object, kind: type[_T], field: str, rule: str) -> _T:
    """`value` itself if it is a psycopg or psycopg_pool `kind` (`from_pool`, `from_connection`).

    Raises:
        ValidationError: `value` is not a `kind` ("must be a psycopg.Connection").
    """
    if not isinstance(value, kind):
        package = kind.__module__.partition(".")[0]
        raise ValidationError(
            f"must be a {package}.{kind.__name__}, not {type(value).__name__}",
            field=field,
            rule=rule,
        )
    return value


class PostgresBase:
    """The state and small methods both PostgreSQL databases share (a mixin, no driver calls)."""

    _closed_why = "the PostgreSQL database is closed"
    """Why a closed database refuses calls: closed, or made unusable by a fork."""
    _tenant: str
    _pid: int

    def _start(self, schema: str, *, timeout: float, url: str) -> None:
        """The state every way of making a database starts from (the schema checked first).

        Owns no pool and lends no caller's connection yet: the database's
        own class sets those, with their sync or async types.
        """
        self._prefix: str = schema_prefix(schema)
        self._schema: str = schema
        self._driver_error: type[Exception] = psycopg_module().Error
        self._url: str = url  # the database's own URL, for its first contact ("": lent)
        self._timeout: float = timeout
        self._owns_pool: bool = False
        # The connections its own pool opened, cut off in a forked child (see `_after_fork`).
        self._owned = OwnedConnections()
        self._refusals = Refusals()
        self._closed: bool = False

    @property
    def schema(self) -> str:
        """The schema that holds the clubrules tables."""
        return self._schema

    @property
    def _table_prefix(self) -> str:
        """What the adapters put before a table name: the quoted schema and a dot."""
        return self._prefix

    def _closed_error(self, error: Exception) -> None:
        """Raise the closed database's refusal for a driver error met after `close()` began.

        A call that waited on the pool when another thread or task closed the
        database gets the pool's `PoolClosed`: a closed database, not a
        failure that a retry fixes.
        """
        if self._closed:
            raise StorageError(self._closed_why) from error

    def _pool_failed(self, error: Exception) -> None:
        """A driver error met waiting for a pooled connection: closed, or logged if a timeout."""
        self._closed_error(error)
        log_pool_timeout(error, self._timeout)

    def _unit_failed(self, conn: Any, error: Exception, *, pid: int, committing: bool) -> None:  # noqa: ANN401 - a psycopg connection
        """Raise what a driver error that ended a unit of work means, if not the error itself.

        In a child forked inside the block (`pid` is not this process), the
        transaction was the parent's: refused, naming the fork. A failed
        COMMIT is refused or of unknown outcome (`commit_failure`). For any
        other error it returns, and the unit re-raises the error.
        """
        if self._pid != pid:
            raise StorageError(forked_in_block("PostgreSQL")) from None
        if committing:
            raise_for(commit_failure(conn, error), error)

    @contextlib.contextmanager
    def _own_unit(
        self,
        conn: Any,  # noqa: ANN401 - a psycopg connection, sync or async
        *bound: tuple[contextvars.ContextVar[Any], object],
    ) -> Iterator[UnitEnd]:
        """The bookkeeping around a unit of work's own transaction on `conn` (no driver calls).

        Sets the `bound` context variables (the unit's connection, its
        tenant) for the block, and resets them after it, except in a child
        forked inside the block, whose variables are new. A driver error
        that ends the block raises what `_unit_failed` says it means. The
        database opens the transaction inside it, sync or awaited, and runs
        the caller's block in the yielded `UnitEnd`'s `block()`.
        """
        pid = self._pid
        tokens = [(var, var.set(value)) for var, value in bound]
        end = UnitEnd(conn)
        try:
            yield end
        except self._driver_error as error:
            self._unit_failed(conn, error, pid=pid, committing=end.committing)
            raise
        finally:
            if self._pid == pid:  # else a forked child, whose variables are new
                for var, token in reversed(tokens):
                    var.reset(token)

    def _described(self, name: str, mode: str) -> str:
        """The repr `name(mode, open or closed[, schema=...][, tenant=...])`."""
        state = "closed" if self._closed else "open"
        schema = "" if self._schema == DEFAULT_SCHEMA else f", schema={self._schema!r}"
        tenant = "" if self._tenant == DEFAULT_TENANT else f", tenant={self._tenant!r}"
        return f"{name}({mode}, {state}{schema}{tenant})"
