"""One statement run as a tenant in one write and one round trip, through libpq itself.

The fast path of `PostgresDatabase`'s one-statement calls outside a unit of
work. psycopg's `pipeline()` sends the tenant's setting, the statement and
the Sync as three writes, with three wake-ups of the server and about
60 us of Python around them; a plain `execute()` costs about 40 us of Python
over the round trip. This path queues Parse (the first time on a
connection), the two Bind/Execute pairs and the Sync in libpq's buffer and
writes them once, through psycopg's documented libpq wrapper
(`Connection.pgconn`, `psycopg.pq`) and its adapters
(`psycopg.adapt.Transformer`), so parameters and values are exactly what
psycopg's cursors send and return.

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

__all__ = ["Outcome", "run_direct"]

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


def _state(conn: psycopg.Connection[Any]) -> _State | None:
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
    pg = conn.pgconn
    if pg.transaction_status != IDLE or pg.pipeline_status or isinstance(params, dict):
        return None
    converted = _converted(query)
    if converted is None or converted[1] != len(params):
        return None
    state = _state(conn)
    if state is None:
        return None
    sql = converted[0]
    tx = state.transformer
    values = tx.dump_sequence(params, [state.auto] * len(params))
    types = tuple(tx.types or ())
    formats = list(tx.formats or ())
    names = state.names
    set_key = (_SET_SQL, (_TEXT_OID,))
    set_name = names.get(set_key)
    key = (sql, types)
    name = names.get(key)
    # A connection told not to prepare (`prepare_threshold=None`, as behind a
    # transaction-mode PgBouncer) gets unnamed statements, parsed each time.
    prepares = conn.prepare_threshold is not None and len(names) < _MOST_PREPARED
    parsed: list[tuple[tuple[bytes, tuple[int, ...]], bytes]] = []
    try:
        pg.enter_pipeline_mode()
        try:
            if set_name is None and prepares:
                set_name = _prepare(pg, set_key, parsed)
            if name is None and prepares:
                name = _prepare(pg, key, parsed)
            if set_name is None:
                pg.send_query_params(
                    _SET_SQL, [tenant.encode()], param_types=[_TEXT_OID], param_formats=[_TEXT]
                )
            else:
                pg.send_query_prepared(set_name, [tenant.encode()], param_formats=[_TEXT])
            if name is None:
                pg.send_query_params(sql, values, param_types=types, param_formats=formats)
            else:
                pg.send_query_prepared(name, values, param_formats=formats, result_format=_TEXT)
            pg.pipeline_sync()
            while pg.flush():  # libpq's non-blocking send: wait, read what came, send the rest
                _wait(pg.socket, write=True)
                pg.consume_input()
            results = _results(pg, expected=len(parsed) + 2)
        finally:
            _leave_pipeline(pg)
    except BaseException:
        # Interrupted or failed halfway: the connection's state is unknown.
        conn.close()
        raise
    refused = any(r.status not in {_COMMAND_OK, _TUPLES_OK} for r in results)
    if refused and any(r.error_field(_SQLSTATE) == _MISSING_STATEMENT for r in results):
        names.clear()  # someone deallocated this connection's statements
    for (parse_key, parse_name), result in zip(parsed, results, strict=False):
        if result.status == _COMMAND_OK:
            names[parse_key] = parse_name
    if refused:
        return None
    answer = results[-1]
    count = answer.command_tuples or 0
    if answer.status != _TUPLES_OK:
        return [], count
    tx.set_pgresult(answer)
    stop = answer.ntuples if most < 0 else min(most, answer.ntuples)
    rows = tx.load_rows(0, stop, tuple) if stop else []
    tx.set_pgresult(None)
    return rows, count


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


def _results(pg: Any, *, expected: int) -> list[Any]:  # noqa: ANN401 - a psycopg.pq.PGconn
    """The first result of each of `expected` queued commands, read up to the Sync."""
    results: list[Any] = []
    fd = pg.socket
    while True:
        pg.consume_input()
        while not pg.is_busy():
            result = pg.get_result()
            if result is None:
                continue  # the end of one command's results
            if result.status == _PIPELINE_SYNC:
                if len(results) != expected:
                    msg = f"expected {expected} results before the Sync, got {len(results)}"
                    raise _operational(msg)
                return results
            results.append(result)
        _wait(fd, write=False)


def _operational(message: str) -> Exception:
    from psycopg import OperationalError  # noqa: PLC0415 - optional dependency

    return OperationalError(message)


_SET_SQL = SET_TENANT.replace("%s", "$1").encode()
_TEXT_OID = 25
_MISSING_STATEMENT = b"26000"  # invalid_sql_statement_name: DEALLOCATE or DISCARD ran
_SQLSTATE = ord("C")  # PG_DIAG_SQLSTATE
