"""The thread and task races the contract suites use to check atomic writes."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, TypeVar

from clubrules.errors import DuplicateError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

__all__ = [
    "THREADS",
    "judge_one_wins",
    "one_add_wins",
    "one_task_wins",
    "one_wins",
    "race",
    "stored_once",
    "task_race",
]

THREADS = 8
"""How many threads a race releases together, unless a suite needs more."""

_Value = TypeVar("_Value")


def race(count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in `count` threads released together; each result or raised error."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the contract counts every outcome
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def one_wins(
    candidates: Sequence[_Value],
    write: Callable[[_Value], object],
    *,
    won: Callable[[object], bool],
    lost: type[Exception],
) -> _Value:
    """Race a `write` of each candidate; exactly one result must be `won`, the rest raise `lost`.

    Returns:
        The candidate whose write won.
    """
    results = race(len(candidates), lambda i: write(candidates[i]))
    return judge_one_wins(candidates, results, won=won, lost=lost)


def judge_one_wins(
    candidates: Sequence[_Value],
    results: Sequence[object],
    *,
    won: Callable[[object], bool],
    lost: type[Exception],
) -> _Value:
    """Of the raced writes' `results`, exactly one must be `won`, the rest `lost` errors.

    Returns:
        The candidate whose write won.
    """
    winners = [i for i, r in enumerate(results) if won(r)]
    assert len(winners) == 1, results
    assert all(isinstance(r, lost) for i, r in enumerate(results) if i != winners[0]), results
    return candidates[winners[0]]


def stored_once(count: int, work: Callable[[int], object]) -> None:
    """Race idempotent adds of one value: one must store it (`True`), the rest find it (`False`)."""
    results = race(count, work)
    assert sorted(results, key=repr) == [False] * (count - 1) + [True], results


def one_add_wins(
    candidates: Sequence[_Value], add: Callable[[_Value], object], *, stored: object = True
) -> _Value:
    """Race adds of `candidates`, different values under one key; returns the one stored.

    Exactly one add must store its value (return `stored`); the rest raise
    `DuplicateError`.
    """
    return one_wins(candidates, add, won=lambda r: r is stored, lost=DuplicateError)


async def task_race(count: int, work: Callable[[int], Awaitable[object]]) -> list[object]:
    """Run `work(i)` as `count` tasks on this loop, released together; each result or error."""
    barrier = asyncio.Barrier(count)

    async def run(i: int) -> object:
        await barrier.wait()
        return await work(i)

    return await asyncio.gather(*(run(i) for i in range(count)), return_exceptions=True)


async def one_task_wins(
    candidates: Sequence[_Value],
    write: Callable[[_Value], Awaitable[object]],
    *,
    won: Callable[[object], bool] = lambda result: result is None,
    lost: type[Exception] = DuplicateError,
) -> _Value:
    """Race a `write` of each candidate, a task each; exactly one must be `won`, the rest `lost`.

    By default a write wins by returning None and loses with `DuplicateError`.

    Returns:
        The candidate whose write won.
    """
    results = await task_race(len(candidates), lambda i: write(candidates[i]))
    return judge_one_wins(candidates, results, won=won, lost=lost)
