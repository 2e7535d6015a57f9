"""One statement run as a tenant in one write and one round trip, through libpq itself.

The fast path of `PostgresDatabase`'s and `AsyncPostgresDatabase`'s
one-statement calls outside a unit of work. psycopg's `pipeline()` sends
the tenant's setting, the statement and the Sync as three writes, with
three wake-ups of the server and about 60 us of Python around them; a
plain `execute()` costs about 40 us of Python over the round trip. This
path queues Parse (the first time on a connection), the two Bind/Execute
pairs and the Sync in libpq's buffer and writes them once, through
psycopg's documented libpq wrapper (`Connection.pgconn`, `psycopg.pq`) and
its adapters (`psycopg.adapt.Transformer`), so parameters and values are
exactly what psycopg's cursors send and return. The round itself
(`_Round`) does no waiting: `run_direct` waits on the socket with a
blocking poll, `run_direct_async` on the event loop
(`loop.add_reader`/`add_writer`).

The setting and the statement still form one implicit transaction (the
pipeline before its Sync), so `set_config(..., true)` binds the statement
alone, as before. Whenever the path does not apply (a connection in a
transaction, a statement with named parameters) `run_direct` returns None and the
caller sends the statement through psycopg; when the server answers with an
error, the implicit transaction has rolled back whole, and the caller sends
it again through psycopg, which raises the driver's exception with its
diagnostics.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import select
import threading
import weakref
from typing import TYPE_CHECKING, Any

from clubrules.storage.postgres._transactions import IDLE, SET_TENANT

if TYPE_CHECKING:
    from collections.abc import Sequence

    import psycopg
    from psycopg.abc import Transformer
    from psycopg.adapt import PyFormat

__all__ = ["Outcome", "run_direct", "run_direct_async"]

Outcome = tuple[list[tuple[Any, ...]], int]
"""The statement's rows (as many as asked for) and the rows it changed or returned."""

# psycopg.pq.ExecStatus and Format values, the same in every libpq.
_COMMAND_OK = 1
_TUPLES_OK = 2
_PIPELINE_SYNC = 10
_TEXT = 0
# How many statements one connection keeps prepared; past it, the rest are parsed each time.
_MOST_PREPARED = 512
_names = itertools.count()  # statement names, unique in the process
_NAMES_LOCK = threading.Lock()
_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)


def _numbered(query: str) -> tuple[bytes, int] | None:
    """`query` with `%s` as `$1`, `$2`... and `%%` as `%`; None if it has other placeholders."""
    count = 0
    plain = True

    def number(match: re.Match[str]) -> str:
        nonlocal count, plain
        kind = match.group(1)
        if kind == "%":
            return "%"
        if kind == "s":
            count += 1
            return f"${count}"
        plain = False
        return match.group(0)

    text = _PLACEHOLDER.sub(number, query)
    return (text.encode(), count) if plain else None


_NUMBERED: dict[str, tuple[bytes, int] | None] = {}
_NUMBERED_MAX = 4096
_NUMBERED_LOCK = threading.Lock()


def _converted(query: str) -> tuple[bytes, int] | None:
    """`_numbered(query)`, kept for the adapters' statements (a bounded, fixed set)."""
    try:
        return _NUMBERED[query]
    except KeyError:
        pass
    converted = _numbered(query)
    with _NUMBERED_LOCK:
        if len(_NUMBERED) < _NUMBERED_MAX:
            _NUMBERED[query] = converted
    return converted


class _State:
    """What one connection keeps for this path: its adapters and its prepared statements."""

    __slots__ = ("auto", "names", "transformer")

    def __init__(self, transformer: Transformer, auto: PyFormat) -> None:
        self.transformer = transformer
        self.auto = auto  # psycopg's PyFormat.AUTO: the format psycopg's cursors choose
        # (statement, parameter types) -> the name it is prepared under on this connection.
        self.names: dict[tuple[bytes, tuple[int, ...]], bytes] = {}


_STATES: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()
_STATES_LOCK = threading.Lock()


def _state(conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> _State | None:
    """The connection's state, made on first use; None if the path cannot serve it."""
    with _STATES_LOCK:
        state = _STATES.get(conn)
    if state is not None:
        return state
    if conn.info.encoding != "utf-8":
        return None
    from psycopg.adapt import PyFormat, Transformer  # noqa: PLC0415 - optional dependency

    state = _State(Transformer(conn), PyFormat.AUTO)
    with _STATES_LOCK:
        _STATES[conn] = state
    return state


def _wait(fd: int, *, write: bool) -> None:
    """Block until the connection's socket can be read (or, with `write`, read or written)."""
    if hasattr(select, "poll"):  # any descriptor number, unlike select()
        poller = select.poll()
        poller.register(fd, select.POLLIN | (select.POLLOUT if write else 0))
        poller.poll()
    else:  # pragma: no cover - Windows
        select.select([fd], [fd] if write else [], [])


async def _wait_async(fd: int, *, write: bool) -> None:
    """Wait, without blocking the event loop, until the socket can be read (or written)."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    if write:
        loop.add_writer(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)
        if write:
            loop.remove_writer(fd)


class _Round:
    """One round's messages, sent and read without any I/O wait of its own (sans-IO).

    `plan` decides whether the path applies and dumps the parameters;
    `send` queues the messages in libpq's buffer; the caller flushes the
    buffer and calls `received` each time the socket is readable, waiting
    its own way (a blocking poll, or the event loop); `outcome` reads the
    answer. Statement numbering, prepared names and result reading live
    here alone, for the sync and the async connections.
    """

    __slots__ = (
        "formats",
        "key",
        "most",
        "name",
        "names",
        "parsed",
        "pg",
        "prepares",
        "results",
        "set_name",
        "sql",
        "state",
        "tenant",
        "types",
        "values",
    )

    def __init__(
        self,
        pg: Any,  # noqa: ANN401 - a psycopg.pq.PGconn
        state: _State,
        tenant: str,
        sql: bytes,
        params: Sequence[object],
        *,
        most: int,
        prepares: bool,
    ) -> None:
        tx = state.transformer
        self.values = tx.dump_sequence(params, [state.auto] * len(params))
        self.types = tuple(tx.types or ())
        self.formats = list(tx.formats or ())
        self.pg = pg
        self.state = state
        self.tenant = tenant
        self.sql = sql
        self.most = most
        self.names = state.names
        self.key = (sql, self.types)
        self.set_name = self.names.get(_SET_KEY)
        self.name = self.names.get(self.key)
        self.prepares = prepares and len(self.names) < _MOST_PREPARED
        self.parsed: list[tuple[tuple[bytes, tuple[int, ...]], bytes]] = []
        self.results: list[Any] = []

    def send(self) -> None:
        """Queue Parse (first use), the two Bind/Execute pairs and the Sync (no waiting)."""
        pg = self.pg
        pg.enter_pipeline_mode()
        set_name, name = self.set_name, self.name
        if set_name is None and self.prepares:
            set_name = _prepare(pg, _SET_KEY, self.parsed)
        if name is None and self.prepares:
            name = _prepare(pg, self.key, self.parsed)
        tenant = [self.tenant.encode()]
        if set_name is None:
            pg.send_query_params(_SET_SQL, tenant, param_types=[_TEXT_OID], param_formats=[_TEXT])
        else:
            pg.send_query_prepared(set_name, tenant, param_formats=[_TEXT])
        if name is None:
            pg.send_query_params(
                self.sql, self.values, param_types=self.types, param_formats=self.formats
            )
        else:
            pg.send_query_prepared(
                name, self.values, param_formats=self.formats, result_format=_TEXT
            )
        pg.pipeline_sync()

    def received(self) -> bool:
        """Read what the socket holds; True once every result up to the Sync has come."""
        pg = self.pg
        results = self.results
        pg.consume_input()
        while not pg.is_busy():
            result = pg.get_result()
            if result is None:
                continue  # the end of one command's results
            if result.status == _PIPELINE_SYNC:
                expected = len(self.parsed) + 2
                if len(results) != expected:
                    msg = f"expected {expected} results before the Sync, got {len(results)}"
                    raise _operational(msg)
                _leave_pipeline(pg)
                return True
            results.append(result)
        return False

    def outcome(self) -> Outcome | None:
        """The statement's rows and count; None if the server refused the round."""
        results = self.results
        names = self.names
        refused = any(r.status not in {_COMMAND_OK, _TUPLES_OK} for r in results)
        if refused and any(r.error_field(_SQLSTATE) == _MISSING_STATEMENT for r in results):
            names.clear()  # someone deallocated this connection's statements
        for (parse_key, parse_name), result in zip(self.parsed, results, strict=False):
            if result.status == _COMMAND_OK:
                names[parse_key] = parse_name
        if refused:
            return None
        answer = results[-1]
        count = answer.command_tuples or 0
        if answer.status != _TUPLES_OK:
            return [], count
        most = self.most
        tx = self.state.transformer
        tx.set_pgresult(answer)
        stop = answer.ntuples if most < 0 else min(most, answer.ntuples)
        rows = tx.load_rows(0, stop, tuple) if stop else []
        tx.set_pgresult(None)
        return rows, count


def _plan(
    conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any],
    tenant: str,
    query: str,
    params: Sequence[object],
    most: int,
) -> _Round | None:
    """The round for `query` on `conn`, or None when the path does not apply (no I/O)."""
    pg = conn.pgconn
    if pg.transaction_status != IDLE or pg.pipeline_status or isinstance(params, dict):
        return None
    converted = _converted(query)
    if converted is None or converted[1] != len(params):
        return None
    state = _state(conn)
    if state is None:
        return None
    # A connection told not to prepare (`prepare_threshold=None`, as behind a
    # transaction-mode PgBouncer) gets unnamed statements, parsed each time.
    prepares = conn.prepare_threshold is not None
    return _Round(pg, state, tenant, converted[0], params, most=most, prepares=prepares)


def run_direct(
    conn: psycopg.Connection[Any],
    tenant: str,
    query: str,
    params: Sequence[object],
    *,
    most: int,
) -> Outcome | None:
    """Run `query` as `tenant` on `conn` (idle, in autocommit mode, held by the caller alone).

    Returns up to `most` rows (all for -1) and the statement's row count, or
    None when the caller must send the statement through psycopg instead:
    the path does not apply, or the server refused it (nothing stayed: the
    setting and the statement rolled back together).

    Raises:
        psycopg.OperationalError: the connection failed (it is then closed,
            so that no one reuses it halfway through a pipeline).
    """
    round_ = _plan(conn, tenant, query, params, most)
    if round_ is None:
        return None
    pg = round_.pg
    try:
        round_.send()
        while pg.flush():  # libpq's non-blocking send: wait, read what came, send the rest
            _wait(pg.socket, write=True)
            pg.consume_input()
        while not round_.received():
            _wait(pg.socket, write=False)
    except BaseException:
        # Interrupted or failed halfway: the connection's state is unknown.
        conn.close()
        raise
    return round_.outcome()


async def run_direct_async(
    conn: psycopg.AsyncConnection[Any],
    tenant: str,
    query: str,
    params: Sequence[object],
    *,
    most: int,
) -> Outcome | None:
    """`run_direct` on an async connection: the same round, waiting on the event loop.

    Raises:
        psycopg.OperationalError: the connection failed. It is then closed,
            as it is when the task is cancelled mid-round, so that no pool
            hands it out again halfway through a pipeline.
    """
    round_ = _plan(conn, tenant, query, params, most)
    if round_ is None:
        return None
    pg = round_.pg
    sent = False
    try:
        round_.send()
        while pg.flush():
            await _wait_async(pg.socket, write=True)
            pg.consume_input()
        sent = True
        while not round_.received():
            await _wait_async(pg.socket, write=False)
    except asyncio.CancelledError:
        if sent:  # the Sync is on its way: learn the round's fate before the task ends
            await _settle(conn, round_)
        pg.finish()  # unsent, the Sync never comes: the server rolls the round back
        raise
    except BaseException:
        # Closed at once, with no await: `AsyncConnection.close()` would give
        # the connection back to a pool made with `close_returns=True`.
        pg.finish()
        raise
    return round_.outcome()


async def _settle(conn: psycopg.AsyncConnection[Any], round_: _Round) -> None:
    """After a cancel: stop the statement in the server and read the round to its end.

    So that when the cancelled call returns, its write has landed whole or
    not at all, as psycopg's own cancelled calls; a second cancel or a
    failure stops the wait (the caller closes the connection either way).
    """
    pg = round_.pg
    with contextlib.suppress(Exception, asyncio.CancelledError):
        cancel_safe = getattr(conn, "cancel_safe", None)  # psycopg 3.2 and later
        if cancel_safe is not None:
            await cancel_safe()
        else:  # pragma: no cover - psycopg 3.1
            conn.cancel()
        while not round_.received():
            await _wait_async(pg.socket, write=False)


def _leave_pipeline(pg: Any) -> None:  # noqa: ANN401 - a psycopg.pq.PGconn
    """Leave pipeline mode if the connection is still in it (it is not after a failure)."""
    if pg.pipeline_status:
        pg.exit_pipeline_mode()


def _prepare(
    pg: Any,  # noqa: ANN401 - a psycopg.pq.PGconn
    key: tuple[bytes, tuple[int, ...]],
    parsed: list[tuple[tuple[bytes, tuple[int, ...]], bytes]],
) -> bytes:
    """Queue a Parse of `key`'s statement under a new name; the name is kept once it succeeds."""
    with _NAMES_LOCK:
        number = next(_names)
    name = f"_clubrules_{number}".encode()
    pg.send_prepare(name, key[0], param_types=key[1])
    parsed.append((key, name))
    return name


def _operational(message: str) -> Exception:
    from psycopg import OperationalError  # noqa: PLC0415 - optional dependency

    return OperationalError(message)


_SET_SQL = SET_TENANT.replace("%s", "$1").encode()
_TEXT_OID = 25
_SET_KEY = (_SET_SQL, (_TEXT_OID,))
_MISSING_STATEMENT = b"26000"  # invalid_sql_statement_name: DEALLOCATE or DISCARD ran
_SQLSTATE = ord("C")  # PG_DIAG_SQLSTATE
