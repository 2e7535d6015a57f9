"""`LoopThread` runs coroutines for blocking callers: results, errors, cancels, closing, threads."""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

import pytest

from clubrules.errors import DuplicateError, ValidationError
from clubrules.testing import LoopThread


@pytest.fixture
def loop() -> Any:
    with LoopThread() as running:
        yield running


async def _double(n: int) -> int:
    await asyncio.sleep(0)
    return 2 * n


def test_run_returns_the_coroutines_result(loop: LoopThread) -> None:
    assert loop.run(_double(21)) == 42


def test_an_error_reaches_the_caller_as_raised(loop: LoopThread) -> None:
    raised = DuplicateError("customer 'c-1' already exists")

    async def fail() -> None:
        await asyncio.sleep(0)
        raise raised

    with pytest.raises(DuplicateError) as caught:
        loop.run(fail())
    assert caught.value is raised
    assert loop.run(_double(1)) == 2  # the loop goes on


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_in_a_coroutine_reaches_the_caller_and_spares_the_loop(
    loop: LoopThread, error: type[BaseException]
) -> None:
    async def interrupt() -> None:
        raise error

    with pytest.raises(error):
        loop.run(interrupt())
    assert loop.run(_double(2)) == 4


def test_a_cancelled_coroutine_raises_cancelled_error(loop: LoopThread) -> None:
    async def cancel_myself() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(0)

    with pytest.raises(asyncio.CancelledError):
        loop.run(cancel_myself())
    assert loop.run(_double(3)) == 6


def test_the_coroutines_run_on_the_loops_thread(loop: LoopThread) -> None:
    async def where() -> threading.Thread:
        return threading.current_thread()

    thread = loop.run(where())
    assert thread is not threading.current_thread()
    assert thread.name == "clubrules-loop"


def test_many_threads_calling_at_once_run_as_tasks_on_one_loop(loop: LoopThread) -> None:
    callers = 12
    barrier = loop.run(_make_barrier(callers))
    seen: list[object] = []
    counter = {"n": 0}

    async def meet_then_count() -> int:
        # Every caller's task must be waiting here at once for any to pass.
        await barrier.wait()
        for _ in range(100):
            counter["n"] += 1  # one thread runs every task: no update is lost
            await asyncio.sleep(0)
        return threading.get_ident()

    def call() -> None:
        try:
            seen.append(loop.run(meet_then_count()))
        except BaseException as error:  # noqa: BLE001 - counted below
            seen.append(error)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == callers
    assert len(set(seen)) == 1  # one loop thread served them all
    assert counter["n"] == callers * 100


async def _make_barrier(parties: int) -> asyncio.Barrier:
    return asyncio.Barrier(parties)


def test_close_cancels_the_calls_still_waiting() -> None:
    loop = LoopThread()
    started = threading.Event()
    outcome: list[BaseException] = []

    async def wait_for_ever() -> None:
        started.set()
        await asyncio.Event().wait()

    def call() -> None:
        try:
            loop.run(wait_for_ever())
        except BaseException as error:  # noqa: BLE001 - kept to assert on
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    started.wait()
    loop.close()
    caller.join()
    assert [type(e) for e in outcome] == [asyncio.CancelledError]
    assert loop.closed
    assert loop.loop.is_closed()


def test_a_closed_loop_thread_refuses_to_run() -> None:
    loop = LoopThread()
    loop.close()
    loop.close()  # again: nothing happens
    coro = _double(1)
    with pytest.raises(RuntimeError, match="closed"):
        loop.run(coro)
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED  # no "never awaited" warning
    assert "closed" in repr(loop)


def test_run_on_the_loops_own_thread_is_refused(loop: LoopThread) -> None:
    async def reenter() -> None:
        loop.run(_double(1))

    with pytest.raises(RuntimeError, match="own loop"):
        loop.run(reenter())


def test_run_needs_a_coroutine(loop: LoopThread) -> None:
    with pytest.raises(ValidationError) as caught:
        loop.run(_double)  # type: ignore[arg-type]
    assert caught.value.violations[0].field == "coro"


class _AsyncThing:
    size = 3

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    async def add(self, n: int, *, by: int = 1) -> int:
        await asyncio.sleep(0)
        self.threads.append(threading.current_thread())
        return n + by

    async def names(self) -> list[str]:
        return ["a", "b"]

    async def fail(self) -> None:
        raise DuplicateError("taken")

    def plain(self) -> threading.Thread:
        return threading.current_thread()


def test_blocking_presents_coroutine_methods_as_blocking_ones(loop: LoopThread) -> None:
    thing = _AsyncThing()
    view = loop.blocking(thing, iterators=["names"])
    assert view.add(1, by=2) == 3
    assert thing.threads[0] is not threading.current_thread()
    assert view.size == 3
    names = view.names()
    assert not isinstance(names, list)
    assert list(names) == ["a", "b"]
    assert view.plain() is thing.threads[0]  # a plain method runs on the loop too
    with pytest.raises(DuplicateError):
        view.fail()
    assert repr(view).startswith("blocking(<")
    with pytest.raises(AttributeError):
        view.missing  # noqa: B018
