"""Fork safety: a forked child never uses the connections or pools its parent opened.

Pre-forking servers (gunicorn `--preload`, uWSGI, Celery prefork,
`multiprocessing` with the `fork` start method) build a database in the
parent, then fork workers. A connection cannot cross a fork: a psycopg
connection is a socket to one server session, which two processes would
then talk on, and SQLite forbids carrying a connection into a child (its
locks and file state belong to the parent). A psycopg pool's worker
threads do not exist in the child at all.

Every database registers here when it is made. One hook, run by
`os.register_at_fork` in the child right after the fork, while the child
has a single thread, hands each database its `_after_fork`: the database
sets aside what the parent opened (connections, pool) WITHOUT closing it,
replaces its locks (a parent's thread may have held one at the fork), and
opens fresh connections on its next use. Closing would harm the parent:
closing a psycopg connection sends a Terminate message on the shared socket
and ends the parent's session; closing a `sqlite3` connection may checkpoint
the parent's write-ahead log or release locks. So what is set aside stays
referenced, in `_INHERITED`, and the garbage collector never closes it.

A hook rather than a check of `os.getpid()` where a connection is borrowed:
the hook costs nothing per borrow (`os.getpid()` is a system call, a
noticeable share of a short read), runs before any code of the child, so
no thread of the child can race the reset, and replaces locks that a check
taken under the lock could never get. It runs for every fork made through
Python (`os.fork`, `multiprocessing`) and for servers that fork from C and
then call `PyOS_AfterFork_Child` (uWSGI, mod_wsgi).

The databases record the pid that opened their connections (`_pid`); the
hook updates it, so a block that was open across a fork notices, by
comparing its own copy with the database's, that it continues in a child.

Set aside is not enough for a PostgreSQL connection the database opened
itself: when the child exits normally, the interpreter frees what it holds,
and libpq's `PQfinish` sends a Terminate message on the socket it shares
with the parent, ending the parent's session; a block open across the fork
would send its COMMIT or ROLLBACK there too. So the child first points each
such socket's descriptor at a dead socket of its own (`cut_off`): whatever
the child's copy sends goes nowhere, and the parent's session is untouched.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import weakref
from typing import Any, Protocol, Self

__all__ = [
    "ForkSafe",
    "OwnedConnections",
    "cut_off",
    "forked_in_block",
    "forked_refusal",
    "set_aside",
]

logger = logging.getLogger("clubrules.storage")

_DATABASES: weakref.WeakSet[ForkSafe] = weakref.WeakSet()
"""Every database made in this process (or inherited from the parent)."""

_INHERITED: list[object] = []
"""What children set aside after a fork: kept referenced so that it is never closed here."""


class ForkSafe:
    """A database that, in a forked child, sets aside its parent's connections and opens fresh ones.

    A subclass implements `_after_fork`; `__new__` records the pid and
    registers the database for the hook.
    """

    _pid: int
    """The process that opens this database's connections."""
    _closed: bool
    _closed_why: str
    _caller: object
    """The caller's connection (`from_connection`), or None."""

    def __new__(cls, *_args: Any, **_kwargs: Any) -> Self:  # noqa: ANN401 - any constructor
        """Record the process and register the database for the after-fork hook."""
        instance = super().__new__(cls)
        instance._pid = os.getpid()
        _DATABASES.add(instance)
        return instance

    def _after_fork(self, parent: int) -> None:
        """In the child, set aside (through `set_aside`) what process `parent` opened.

        Runs before any other code of the child, in its only thread.
        """

    def _refuse_after_fork(self, what: str, parent: int) -> None:
        """In the child, close the database for good: it runs on `what`, which cannot follow.

        Every later call raises `StorageError` naming the fork (`forked_refusal`);
        the caller's connection, if any, is forgotten (it was set aside).
        """
        self._caller = None
        self._closed = True
        self._closed_why = forked_refusal(what, parent)


def set_aside(thing: object) -> None:
    """Keep `thing`, opened by the parent, referenced for the child's lifetime: never closed."""
    if thing is not None:
        _INHERITED.append(thing)


class _Socketed(Protocol):
    """A psycopg connection, sync or async, as far as `cut_off` needs it."""

    @property
    def closed(self) -> bool: ...

    def fileno(self) -> int: ...


def cut_off(conn: _Socketed | None) -> None:
    """In a forked child: point `conn`'s socket descriptor at a dead socket of the child's own.

    The descriptor number stays taken (so no file the child opens reuses it
    while libpq still holds it); a write on it fails with a broken pipe and a
    read sees the end of the stream, here only: the parent's socket, and its
    server session, are untouched.
    """
    if conn is None:
        return
    try:
        if conn.closed:
            return
        descriptor = conn.fileno()
    except Exception:  # noqa: BLE001 - a connection that has no socket has nothing to cut off
        return
    dead, peer = socket.socketpair()
    peer.close()
    try:
        os.dup2(dead.fileno(), descriptor, inheritable=False)
    finally:
        dead.close()


class OwnedConnections:
    """The connections a database's own pool opened: the ones to `cut_off` in a forked child.

    The pool reports each new connection through its `configure` callback
    (`remember`, or `remember_async` for an async pool), from its own
    threads; the set holds them weakly, so a connection the pool closed
    drops out by itself.
    """

    __slots__ = ("_connections", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()

    def remember(self, conn: Any) -> None:  # noqa: ANN401 - a sync or async connection
        """The pool's `configure` callback: note a connection it opened."""
        with self._lock:
            self._connections.add(conn)

    async def remember_async(self, conn: Any) -> None:  # noqa: ANN401 - an async connection
        """`remember`, as the `configure` callback of an async pool."""
        self.remember(conn)

    def finish_all(self) -> None:
        """Close every connection noted at once, through libpq, with no wait on any event loop.

        For an async pool whose event loop has stopped: its own `close()`
        can no longer run, but its connections' sockets are still open.
        """
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.pgconn.finish()

    def cut_off_all(self) -> None:
        """In a forked child: cut off every connection noted, then start an empty set.

        Takes no lock: the hook runs in the child's only thread, and a
        parent's thread may have held the lock at the fork.
        """
        for conn in list(self._connections):
            cut_off(conn)
        self._lock = threading.Lock()
        self._connections = weakref.WeakSet()


def forked_in_block(database: str) -> str:
    """Why a block a child inherited open, on a `database` database, ends in `StorageError`."""
    return (
        f"this process forked from its parent inside a transaction of the {database} database;"
        " the transaction and its connection are the parent's, so this process neither commits"
        " nor rolls it back: fork outside any block of the database"
    )


def forked_refusal(what: str, parent: int) -> str:
    """The message that refuses a database on a connection or pool that came through a fork."""
    return (
        f"this database runs on {what}, opened in process {parent} before this process forked"
        " from it; a connection cannot cross a fork: make a new database in this process"
    )


def _after_fork_in_child() -> None:
    """The `os.register_at_fork` hook: every database of the parent sets aside its connections."""
    pid = os.getpid()
    for database in list(_DATABASES):
        parent = database.__dict__.get("_pid", pid)
        if parent == pid:
            continue
        try:
            database._after_fork(parent)  # noqa: SLF001 - the hook is the method's caller
        except Exception:  # a hook must not fail the fork; the database was half-made
            logger.warning(
                "a %s could not reset itself after a fork", type(database).__name__, exc_info=True
            )
        database._pid = pid  # noqa: SLF001


os.register_at_fork(after_in_child=_after_fork_in_child)
