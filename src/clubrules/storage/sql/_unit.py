"""Units of work: the part both SQL databases share, and the retry helper.

A unit of work is one transaction that every adapter built on a database
joins while it is open in the current thread (or asyncio task): the
database keeps the unit's connection in a context variable, and its
`connection()`, `transaction()` and reads hand out that connection instead
of a pooled one. Inside a unit, an adapter's own atomic block is a
savepoint, so a write that fails halfway undoes only itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable  # noqa: TC003 - resolved at runtime by get_type_hints
from contextlib import AbstractAsyncContextManager, AbstractContextManager  # noqa: TC003 - as above
from typing import Protocol, TypeVar

from clubrules.errors import CommitOutcomeUnknownError, RetryableStorageError, ValidationError

__all__ = [
    "SAVEPOINT",
    "AsyncUnitOfWorkDatabase",
    "UnitOfWorkDatabase",
    "cause_label",
    "logger",
    "run_in_transaction",
    "run_in_transaction_async",
]

logger = logging.getLogger("clubrules.storage")
# The retries' jitter draws from a generator of its own: the application's global
# `random` state (seeded for a simulation, say) is neither read nor moved.
_JITTER = random.Random()  # noqa: S311 - jitter, not a secret
"""The storage area's logger: migrations, units of work, retries, pool waits."""

SAVEPOINT = "clubrules_atomic"
"""The savepoint of an atomic block inside a transaction; nested blocks reuse the name."""

_C_co = TypeVar("_C_co", covariant=True)
_T = TypeVar("_T")


class UnitOfWorkDatabase(Protocol[_C_co]):
    """A database that opens units of work: `SQLiteDatabase` and `PostgresDatabase`.

    What [run_in_transaction][clubrules.storage.run_in_transaction] needs;
    `_C_co` is the driver's connection class.
    """

    def unit_of_work(self) -> AbstractContextManager[_C_co]:
        """One transaction that the database's adapters join; committed on success."""
        ...

    def _owns_transaction(self) -> bool:
        """Whether `unit_of_work()` here would begin and commit a transaction of its own."""
        ...


def cause_label(error: BaseException) -> str:
    """What a log line may say about an error: its class and the driver's error code.

    Never the message, which for the caller's own statements may hold values.
    """
    label = type(error).__name__
    found = getattr(error, "diagnostics", None)
    if found is not None:  # a driver's error, not chained (see `StorageError`)
        return label + f" from {found.error_class}" + (f" {found.code}" if found.code else "")
    cause = error.__cause__
    if cause is not None:
        code = getattr(getattr(cause, "diag", None), "sqlstate", None) or getattr(
            cause, "sqlite_errorname", None
        )
        label += f" from {type(cause).__name__}" + (f" {code}" if code else "")
    return label


def _check_retry_args(attempts: object, backoff: float, max_backoff: float) -> None:
    if isinstance(attempts, bool) or not (isinstance(attempts, int) and attempts >= 1):
        raise ValidationError("must be at least 1", field="attempts", rule="range")
    if not backoff >= 0:
        raise ValidationError("must be 0 or more seconds", field="backoff", rule="range")
    if not max_backoff >= 0:
        raise ValidationError("must be 0 or more seconds", field="max_backoff", rule="range")


def _retry_delay(
    error: RetryableStorageError, attempt: int, attempts: int, backoff: float, max_backoff: float
) -> float:
    """How long to wait after failed attempt `attempt` (full jitter); re-raise after the last."""
    if attempt == attempts:
        logger.warning(
            "transaction failed transiently %d times (%s); giving up",
            attempts,
            cause_label(error),
        )
        raise error
    ceiling = min(max_backoff, backoff * 2 ** (attempt - 1))
    delay = _JITTER.uniform(0.0, ceiling)
    logger.info(
        "transaction attempt %d of %d failed transiently (%s); retrying in %.3f s",
        attempt,
        attempts,
        cause_label(error),
        delay,
    )
    return delay


def run_in_transaction(
    database: UnitOfWorkDatabase[_C_co],
    work: Callable[[_C_co], _T],
    *,
    attempts: int = 5,
    backoff: float = 0.05,
    max_backoff: float = 2.0,
    sleep: Callable[[float], object] = time.sleep,
) -> _T:
    """Run `work(connection)` in a unit of work, again after a `RetryableStorageError`.

    Each attempt is a fresh unit of work on `database`: `work` gets the
    unit's connection, and every adapter built on `database` joins it. When
    an attempt fails with `RetryableStorageError` (a lock held elsewhere, a
    deadlock, a serialization failure, a lost connection), everything it
    wrote was rolled back; the helper waits a random time between 0 and
    `min(max_backoff, backoff * 2 ** (attempt - 1))` seconds ("full
    jitter") and runs `work` again, up to `attempts` times in all. `work`
    must therefore do nothing outside the database that it cannot repeat.

    It never runs `work` again after a commit that may have happened: when
    the connection fails during COMMIT, `CommitOutcomeUnknownError` is
    raised at once. Inside a transaction it does not own (a unit of work
    already open, or the caller's transaction on a `from_connection`
    database), `work` runs once, in a savepoint: the owner of the outer
    transaction decides about retrying.

    Args:
        database: A `SQLiteDatabase` or `PostgresDatabase`.
        work: The unit's body; its result is returned.
        attempts: How many times to run `work` at most (at least 1).
        backoff: The first retry's longest wait, in seconds.
        max_backoff: The longest wait before any retry, in seconds.
        sleep: How to wait (`time.sleep`); a test passes its own.

    Returns:
        What `work` returned, from the attempt that committed.

    Raises:
        RetryableStorageError: the last attempt failed transiently too.
        CommitOutcomeUnknownError: the connection failed during COMMIT.
        ValidationError: `attempts`, `backoff` or `max_backoff` is out of range.
    """
    _check_retry_args(attempts, backoff, max_backoff)
    if not database._owns_transaction():  # noqa: SLF001 - the databases' own question
        with database.unit_of_work() as conn:
            return work(conn)
    for attempt in range(1, attempts + 1):
        try:
            with database.unit_of_work() as conn:
                return work(conn)
        except CommitOutcomeUnknownError:
            raise
        except RetryableStorageError as error:
            sleep(_retry_delay(error, attempt, attempts, backoff, max_backoff))
    raise AssertionError("unreachable")  # pragma: no cover


class AsyncUnitOfWorkDatabase(Protocol[_C_co]):
    """A database that opens async units of work: `AsyncPostgresDatabase`.

    What [run_in_transaction_async][clubrules.storage.run_in_transaction_async]
    needs; `_C_co` is the driver's async connection class.
    """

    def unit_of_work(self) -> AbstractAsyncContextManager[_C_co]:
        """One transaction that the database's adapters join; committed on success."""
        ...

    def _owns_transaction(self) -> bool:
        """Whether `unit_of_work()` here would begin and commit a transaction of its own."""
        ...


async def run_in_transaction_async(
    database: AsyncUnitOfWorkDatabase[_C_co],
    work: Callable[[_C_co], Awaitable[_T]],
    *,
    attempts: int = 5,
    backoff: float = 0.05,
    max_backoff: float = 2.0,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> _T:
    """`run_in_transaction` for an event loop: `await work(connection)` in an async unit of work.

    The same contract as
    [run_in_transaction][clubrules.storage.run_in_transaction]: each
    attempt is a fresh unit of work on `database` that every async adapter
    built on it joins (in the current task); a `RetryableStorageError`
    rolls the attempt back and, after a jittered wait (`await sleep(...)`,
    which lets the loop run other tasks), runs `work` again, up to
    `attempts` times; `CommitOutcomeUnknownError` is never retried; inside
    a transaction it does not own, `work` runs once, in a savepoint. If the
    task is cancelled, the open attempt rolls back and the cancellation
    propagates.

    Args:
        database: An `AsyncPostgresDatabase`.
        work: The unit's body, a coroutine function; what its coroutine
            returns is returned.
        attempts: As for `run_in_transaction`.
        backoff: As for `run_in_transaction`.
        max_backoff: As for `run_in_transaction`.
        sleep: How to wait, awaited (`asyncio.sleep`); a test passes its own.

    Returns:
        What the attempt that committed returned.

    Raises:
        RetryableStorageError: As for `run_in_transaction`.
        CommitOutcomeUnknownError: As for `run_in_transaction`.
        ValidationError: As for `run_in_transaction`.
    """
    _check_retry_args(attempts, backoff, max_backoff)
    if not database._owns_transaction():  # noqa: SLF001 - the databases' own question
        async with database.unit_of_work() as conn:
            return await work(conn)
    for attempt in range(1, attempts + 1):
        try:
            async with database.unit_of_work() as conn:
                return await work(conn)
        except CommitOutcomeUnknownError:
            raise
        except RetryableStorageError as error:
            await sleep(_retry_delay(error, attempt, attempts, backoff, max_backoff))
    raise AssertionError("unreachable")  # pragma: no cover
