"""An event loop in a thread of its own, for driving async code from blocking code."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import threading
from typing import TYPE_CHECKING, Any, NoReturn, Self, TypeVar

from clubrules._checks import refuse_pickle, require_names
from clubrules.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterable

__all__ = ["LoopThread"]

_T = TypeVar("_T")


class _Raised:
    """A `KeyboardInterrupt` or `SystemExit` a coroutine raised, carried out of the loop.

    Raised inside a task, they would stop the loop's thread; carried, they
    reach the thread that waits for the coroutine, as any other error does.
    """

    def __init__(self, error: BaseException) -> None:
        self.error = error


async def _guarded(coro: Coroutine[Any, Any, _T]) -> _T | _Raised:
    try:
        return await coro
    except (KeyboardInterrupt, SystemExit) as error:
        return _Raised(error)


class LoopThread:
    """An asyncio event loop running in a background thread, driven from blocking code.

    `run(coro)` runs a coroutine on the loop and blocks the calling thread
    until it ends, returning its result or raising its error (the same
    object, of its own type). Any number of threads may call `run` at
    once: their coroutines run as concurrent tasks on the one loop, so a
    race of threads becomes a race of tasks. `blocking(obj)` presents an
    async object (a repository of an async port) as a blocking one, whose
    methods run their coroutines through `run`.

    Resources that belong to a loop, such as psycopg's `AsyncConnectionPool`,
    must be made and used on it: make them inside a coroutine passed to
    `run`, and close them the same way.

    ```python
    import asyncio

    from clubrules.testing import LoopThread

    async def double(n):
        await asyncio.sleep(0)
        return 2 * n

    with LoopThread() as loop:
        assert loop.run(double(21)) == 42
    ```

    `close()` (or leaving the `with` block) cancels the tasks still
    running, waits for them to end, closes the loop and joins the thread.
    The contract suites of the async ports run on one (the `loop_thread`
    fixture of [AsyncRepositoryContract][clubrules.testing.contracts.AsyncRepositoryContract]).

    Args:
        name: The thread's name, shown in thread dumps and logs.
    """

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(self, "it is a running event-loop thread; start one in each process")

    def __init__(self, name: str = "clubrules-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._closed = False
        self._close_lock = threading.Lock()
        started = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(started,), name=name, daemon=True)
        self._thread.start()
        started.wait()

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(started.set)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop, for code that needs it by hand (`call_soon_threadsafe`, ...)."""
        return self._loop

    @property
    def closed(self) -> bool:
        """Whether `close()` was called: a closed loop thread runs nothing more."""
        return self._closed

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run `coro` as a task on the loop; block until it ends; its result, or its error.

        The error the coroutine raised is raised here, the same object
        (its type, message and traceback kept). If the task is cancelled
        (by `close()`, or by code on the loop), `asyncio.CancelledError` is
        raised here. If the waiting thread is interrupted (`KeyboardInterrupt`),
        the task is cancelled before the interrupt goes on.

        Raises:
            ValidationError: `coro` is not a coroutine.
            RuntimeError: the loop thread is closed, or `run` was called on
                the loop's own thread (it would wait for itself for ever).
        """
        if not inspect.iscoroutine(coro):
            raise ValidationError(
                f"must be a coroutine, not {type(coro).__name__}", field="coro", rule="coroutine"
            )
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("LoopThread.run was called on its own loop: await the coroutine")
        with self._close_lock:
            # Scheduled before `close()` begins, a task is cancelled by it; after, refused.
            if self._closed:
                coro.close()
                raise RuntimeError("the LoopThread is closed")
            future = asyncio.run_coroutine_threadsafe(_guarded(coro), self._loop)
        try:
            outcome: _T | _Raised = future.result()
        except concurrent.futures.CancelledError:
            raise asyncio.CancelledError from None
        except BaseException:
            # The coroutine's own error; or the wait was interrupted, and the
            # task, still running, is cancelled (a no-op on an ended one).
            future.cancel()
            raise
        if isinstance(outcome, _Raised):
            raise outcome.error
        return outcome

    def blocking(self, obj: object, *, iterators: Iterable[str] = ()) -> Any:  # noqa: ANN401
        """`obj` seen through blocking methods: each call runs on the loop via `run`.

        Calling a method of the view calls the method of `obj` on the loop
        and, if it returns an awaitable (a coroutine method), awaits it
        there; the caller gets the result or the error. Attributes that
        are not callable are read from `obj` as they are. So an
        `AsyncCustomerRepository` seen this way is a `CustomerRepository`,
        and a sync contract suite can drive it unchanged.

        Args:
            obj: The async object, such as a repository of an async port.
            iterators: Methods whose results the view gives as iterators
                (`iter(result)`), for async ports that return a list where
                the sync port returns an iterator (`customers`,
                `customer_ids`).

        Raises:
            ValidationError: `iterators` is not a list of method names.
        """
        return _Blocking(self, obj, require_names(iterators, "iterators"))

    def close(self) -> None:
        """Cancel the tasks still running, wait for them, close the loop and join the thread.

        Calling it again does nothing.

        Raises:
            RuntimeError: called on the loop's own thread.
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError("LoopThread.close was called on its own loop")
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        asyncio.run_coroutine_threadsafe(self._wind_down(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def _wind_down(self) -> None:
        me = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not me]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self._loop.shutdown_asyncgens()
        await self._loop.shutdown_default_executor()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LoopThread({self._thread.name!r}, {'closed' if self._closed else 'running'})"


async def _call(method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:  # noqa: ANN401
    result = method(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


class _Blocking:
    """The view `LoopThread.blocking` returns."""

    def __init__(self, loop: LoopThread, obj: object, iterators: frozenset[str]) -> None:
        self._loop_thread = loop
        self._obj = obj
        self._iterators = iterators

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - whatever the object has
        attribute = getattr(self._obj, name)
        if not callable(attribute):
            return attribute
        loop, as_iterator = self._loop_thread, name in self._iterators

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            result = loop.run(_call(attribute, args, kwargs))
            return iter(result) if as_iterator else result

        return call

    def __repr__(self) -> str:
        return f"blocking({self._obj!r})"
