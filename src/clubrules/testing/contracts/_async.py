"""What the async contract suites are built on: the loop, the fixtures, cancels."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pytest

from clubrules.errors import DuplicateError, NotFoundError
from clubrules.testing._loop import LoopThread
from clubrules.testing.contracts._race import one_task_wins

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence

__all__ = [
    "CANCEL_POINTS",
    "TASKS",
    "AsyncRepositoryContract",
    "cancel_and_settle",
    "cancel_at",
    "check_at_cancel_points",
    "check_lists",
    "one_task_stores",
    "settle_cancelled_add",
]

_Value = TypeVar("_Value")
_Repository = TypeVar("_Repository")

TASKS = 16
"""How many tasks a race on the loop starts together."""

CANCEL_POINTS = tuple(range(24))
"""Where `cancel_at` cancels a write: after 0 to 11 turns of the loop, then after 0.5 to 20 ms.

The first points stop a write before or between its first awaits; the
later ones, with a real database, while its statements are on the wire.
What the suites check holds whichever point a write is stopped at.
"""


class AsyncRepositoryContract:
    """The base of the async twins of the contract suites.

    A twin subclasses its sync suite as well: every test of the sync suite
    runs unchanged against the async repository, seen through
    [LoopThread.blocking][clubrules.testing.LoopThread.blocking] (the
    `repository` fixture), so the sync suite's thread races become races of
    tasks on one loop. The twin adds the checks only async code needs:
    many tasks racing on the loop (`asyncio.gather`), and writes cancelled
    midway.

    A subclass provides the `async_repository` fixture, which returns a
    fresh, empty repository of the async port. Make it, and anything it
    holds that belongs to a loop (a psycopg `AsyncConnectionPool`), on the
    suite's loop: the fixture gets the `loop_thread` and returns
    `loop_thread.run(make())`.

    The `loop_thread` fixture is a new `LoopThread` for each test. Override
    it to share one loop more widely, for resources of a wider scope (a
    pool opened once per module): define `loop_thread` in your subclass,
    returning a loop of that scope.
    """

    iterators: ClassVar[tuple[str, ...]] = ()
    """Methods of the async port that return a list where the sync port returns an iterator."""

    @pytest.fixture
    def loop_thread(self) -> Iterator[LoopThread]:
        """The loop the suite's coroutines run on; closed after the test."""
        with LoopThread(name="clubrules-contract-loop") as loop:
            yield loop

    @pytest.fixture
    def async_repository(self, loop_thread: LoopThread) -> object:
        """A fresh, empty repository of the async port, made on `loop_thread`."""
        raise NotImplementedError

    @pytest.fixture
    def repository(self, loop_thread: LoopThread, async_repository: object) -> Any:  # noqa: ANN401
        """`async_repository` seen as the sync port, for the tests of the sync suite."""
        return self.blocking(loop_thread, async_repository)

    @classmethod
    def blocking(cls, loop_thread: LoopThread, async_repository: object) -> Any:  # noqa: ANN401
        """The async repository seen as the sync port: `loop_thread.blocking` with `iterators`."""
        return loop_thread.blocking(async_repository, iterators=cls.iterators)


async def cancel_at(point: int, write: Callable[[], Awaitable[object]]) -> None:
    """Start `write()` as a task and cancel it at `point` (one of `CANCEL_POINTS`).

    The write may end before the cancel arrives: then its result is
    dropped, and an error it raised is raised here.
    """

    async def run() -> object:
        return await write()

    task = asyncio.ensure_future(run())
    if point < 12:
        for _ in range(point):
            await asyncio.sleep(0)
    else:
        await asyncio.sleep(0.0005 * 1.4 ** (point - 12))
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]


async def settle_cancelled_add(
    value: _Value,
    get: Callable[[], Awaitable[_Value]],
    add: Callable[[], Awaitable[object]],
    *,
    absent: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """After an add of `value` was cancelled: it landed whole or not at all; settle it.

    Landed, `get()` gives `value` back and another `add()` raises
    `DuplicateError`. Not landed, `get()` raises `NotFoundError`, `absent()`
    (another read, if given) finds nothing (`[]`), and the retried `add()`
    stores it.
    """
    try:
        stored = await get()
    except NotFoundError:
        if absent is not None:
            assert await absent() == []
        await add()
        return
    assert stored == value
    with pytest.raises(DuplicateError):
        await add()


async def cancel_and_settle(
    point: int,
    write: Callable[[], Awaitable[object]],
    read: Callable[[], Awaitable[object]],
    before: object,
    after: object,
    *,
    idempotent: bool = False,
) -> None:
    """Cancel `write()` at `point`: it lands whole or not at all, then a retry settles it.

    After the cancel, `read()` gives `before` (the write did not land) or
    `after` (it landed whole), nothing between. The write is then run
    again: always if it is `idempotent` (run twice, it changes nothing
    more), else only if it did not land. Then `read()` gives `after`.
    """
    await cancel_at(point, write)
    landed = await read()
    assert landed in (before, after), landed
    if idempotent or landed == before:
        await write()
    assert await read() == after


def check_at_cancel_points(
    loop_thread: LoopThread,
    repository: _Repository,
    check: Callable[[_Repository, int], Coroutine[Any, Any, None]],
) -> None:
    """Run `check(repository, point)` on `loop_thread` for each of `CANCEL_POINTS` in turn.

    `check` cancels its writes with `cancel_at(point, ...)` and keeps to ids
    of its own `point`, so the runs share the one repository.
    """
    for point in CANCEL_POINTS:
        loop_thread.run(check(repository, point))


def check_lists(
    loop_thread: LoopThread,
    listed: Callable[[], Awaitable[object]],
    adds: Sequence[Callable[[], Awaitable[object]]],
    expected: list[object],
) -> None:
    """`listed()`, a method in `iterators`, gives a list: `[]` at first, `expected` after `adds`.

    The adds run one after the other, in order.
    """

    async def check() -> None:
        assert await listed() == []
        for add in adds:
            await add()
        found = await listed()
        assert isinstance(found, list)
        assert found == expected

    loop_thread.run(check())


def one_task_stores(
    loop_thread: LoopThread,
    candidates: Sequence[_Value],
    add: Callable[[_Value], Awaitable[object]],
    stored: Callable[[], Awaitable[object]],
) -> None:
    """Race a task adding each of `candidates`, different values under one key.

    Exactly one add must return None, the rest raise `DuplicateError`; then
    `stored()` must give back the one that won.
    """

    async def check() -> None:
        winner = await one_task_wins(candidates, add)
        assert await stored() == winner

    loop_thread.run(check())
