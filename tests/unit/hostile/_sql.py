"""The hostile-input walk over the SQL adapters: SQLite, PostgreSQL (sync and async).

Each adapter method gets the same valid call as its in-memory twin (the
arguments of `_samples`, found under the in-memory adapter's name), on a
database stocked as that twin's sample is. Every call runs in a transaction
of the test's own connection (the database is built with `from_connection`),
rolled back afterwards, so one migrated database serves the whole module.

An outcome is an escape when the call raises anything but a `ClubRulesError`,
or a `ClubRulesError` caused by a driver error (the input reached the
database instead of the library's own checks: the error names no field, and
PostgreSQL aborts the caller's transaction), or when a refused call left a
row changed.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clubrules.errors import ClubRulesError, StorageError
from clubrules.storage import memory

from . import _samples as s

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

from ._walk import Call, Escape, Hang, Target, derived_values, guarded, hostile_values, valid_call

# The in-memory twin's stock, by the port's short name (the class name without its prefix).
STOCK: dict[str, tuple[tuple[str, Callable[[], tuple[tuple[Any, ...], dict[str, Any]]]], ...]] = {
    "AccessLog": (("append", lambda: ((s.access_event(),), {})),),
    "ActivityRepository": (),
    "AssessmentRepository": (("add_rubric", lambda: ((s.rubric(),), {})),),
    "BookingRepository": (("add", lambda: ((s.booking(),), {"now": s.NOW})),),
    "CareTaskRepository": (),
    "ClubActivityRepository": (
        ("add", lambda: ((s.activity(),), {})),
        ("invite", lambda: ((s.invitation(),), {})),
        ("sign_up", lambda: (("act-1", "c-1"), {"at": s.NOW})),
    ),
    "ComplaintRepository": (("append", lambda: (("k-1", 0, list(s.case().events)), {})),),
    "ConsentStore": (("add", lambda: ((s.consent(),), {})),),
    "ConsumptionRepository": (("add", lambda: ((s.consumption(),), {})),),
    "CustomerRepository": (("add", lambda: ((s.customer(),), {})),),
    "DataKeyStore": (("add", lambda: (("c-1", s._wrapped_data_key()), {})),),
    "SurveyResponseRepository": (("add", lambda: ((s.survey_response(),), {})),),
    "TrainingRepository": (
        ("add_session", lambda: ((s.training_session(),), {})),
        ("add_attendance", lambda: ((s.attendance(),), {})),
        ("add_completion", lambda: ((s.completion(),), {})),
    ),
}

PREFIXES = ("AsyncPostgres", "Postgres", "SQLite")


def port_of(cls: type) -> str:
    """`SQLiteCustomerRepository` -> `CustomerRepository`."""
    for prefix in PREFIXES:
        if cls.__name__.startswith(prefix):
            return cls.__name__[len(prefix) :]
    raise AssertionError(cls)


def twin(cls: type) -> str:
    """The qualified name of the in-memory twin (whose valid arguments the walk reuses)."""
    name = f"InMemory{port_of(cls)}"
    assert name in memory.__all__, name
    return f"clubrules.storage.memory.{name}"


def adapter_classes(module: Any) -> list[type]:
    """The adapter classes of a storage module's `__all__` (its databases left out)."""
    return [getattr(module, n) for n in sorted(module.__all__) if not n.endswith("Database")]


def methods_of(cls: type) -> list[str]:
    """The public methods of an adapter class."""
    return [
        name
        for name, raw in sorted(vars(cls).items())
        if not name.startswith("_")
        and not isinstance(raw, property)
        and (inspect.isfunction(raw) or inspect.iscoroutinefunction(raw))
    ] + [
        name
        for base in cls.__mro__[1:]
        for name, raw in sorted(vars(base).items())
        if base.__module__.startswith("clubrules.storage.")
        and not name.startswith("_")
        and not isinstance(raw, property)
        and inspect.isfunction(raw)
        and name not in vars(cls)
    ]


def sql_call(cls: type, method: str) -> Call:
    """A valid call of `cls.method`, with the arguments of its in-memory twin."""
    target = Target(f"{twin(cls)}.{method}", cls, method)
    call = valid_call(target)
    if not target.hints() and cls.__name__.startswith("AsyncPostgres"):
        # The async adapters' annotations name types imported for type checking only and do
        # not resolve: the sync adapter's, which do, choose the values (an `event` of the
        # access log is an AccessEvent, not a complaint's event).
        from clubrules.storage import postgres  # noqa: PLC0415 - only for the async adapters

        sync = getattr(postgres, f"Postgres{port_of(cls)}")
        if hasattr(sync, method):
            sync_values = valid_call(Target(target.name, sync, method)).values
            call.values.update({k: v for k, v in sync_values.items() if k in call.values})
    return call


def arguments(call: Call, override: tuple[str, Any] | None) -> tuple[list[Any], dict[str, Any]]:
    """The positional and keyword arguments of `call`, with `override` substituted."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in call.params:
        if override is not None and override[0] == p.name:
            value = override[1]
        elif p.name in call.values:
            value = call.values[p.name]
        else:
            continue
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY):
            args.append(value)
        else:
            kwargs[p.name] = value
    return args, kwargs


def driver_errors() -> tuple[type[BaseException], ...]:
    """The exception classes of the database drivers."""
    kinds: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg  # noqa: PLC0415 - optional

        kinds.append(psycopg.Error)
    except ImportError:  # pragma: no cover - the test environment has the extra
        pass
    return tuple(kinds)


def _from_driver(error: BaseException) -> BaseException | None:
    """The driver error in the chain of `error`, if any."""
    drivers = driver_errors()
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if link is not error and isinstance(link, drivers):
            return link
        link = link.__cause__ or link.__context__
    return None


def classify_sql(error: BaseException | None) -> str | None:
    """None for a clean outcome; else the escape's name (see the module docstring)."""
    if error is None:
        return None
    if isinstance(error, ClubRulesError):
        # A conflict (a taken id) or a retryable failure is the driver's answer by design;
        # a bare StorageError from the driver is input the library's checks let through.
        cause = _from_driver(error) if type(error) is StorageError else None
        if cause is None:
            return None
        return f"{type(error).__name__} from {type(cause).__name__}"
    if isinstance(error, Hang):
        return "hang"
    return type(error).__name__


@dataclass
class Backend:
    """How to run one call of an adapter on one database, in a transaction rolled back after."""

    name: str
    # begin() -> None; build(cls) -> adapter; snapshot() -> comparable; end() -> None (rolls back)
    begin: Callable[[], None]
    build: Callable[[type], Any]
    snapshot: Callable[[], Any]
    end: Callable[[], None]
    run: Callable[[Any], Any]  # a method's result (a coroutine is run to its end)

    def stock(self, cls: type) -> None:
        adapter = self.build(cls)
        for method, make in STOCK[port_of(cls)]:
            args, kwargs = make()
            self.run(getattr(adapter, method)(*args, **kwargs))

    def once(
        self, cls: type, method: str, call: Call, override: tuple[str, Any] | None
    ) -> str | None:
        """Run one call on a freshly stocked database; its escape's name, or None."""
        self.begin()
        try:
            self.stock(cls)
            before = self.snapshot()
            args, kwargs = arguments(call, override)
            adapter = self.build(cls)
            raised = guarded(lambda: self.run(getattr(adapter, method)(*args, **kwargs)))
            name = classify_sql(raised)
            if name is None and raised is not None:
                try:
                    after = self.snapshot()
                except ClubRulesError as error:  # the transaction is aborted: the driver was hit
                    return (
                        f"{type(raised).__name__} aborted the transaction ({type(error).__name__})"
                    )
                except driver_errors() as error:
                    return (
                        f"{type(raised).__name__} aborted the transaction ({type(error).__name__})"
                    )
                if after != before:
                    return f"{type(raised).__name__} but wrote"
            return name
        finally:
            self.end()

    def walk(
        self, cls: type, method: str, values: list[tuple[str, Any]] | None = None
    ) -> list[Escape]:
        """Every escape of `cls.method`, one hostile argument at a time.

        `values` replaces `hostile_values()` (a sample of them, for a slower backend).
        """
        call = sql_call(cls, method)
        # The valid call itself must work (or be refused by design, by a ClubRulesError).
        first = self.once(cls, method, call, None)
        assert first is None, f"{cls.__name__}.{method}: the valid call gave {first}"
        escapes: list[Escape] = []
        for p in call.params:
            shaped = derived_values(call.values[p.name]) if p.name in call.values else []
            hostile = hostile_values() if values is None else values
            for label, value in [*hostile, *shaped]:
                name = self.once(cls, method, call, (p.name, value))
                if name is not None:
                    escapes.append(Escape(f"{cls.__name__}.{method}", p.name, label, name))
        return escapes


def run_sync(result: Any) -> Any:
    """A sync method's result as it is (an iterator drained, as a caller would)."""
    if inspect.isgenerator(result) or type(result).__name__.endswith("iterator"):
        return list(result)
    return result


@contextlib.contextmanager
def sqlite_backend(path: Path, *, snapshots: bool = True) -> Iterator[Backend]:
    """A migrated SQLite file under `path`, on one connection the walk's calls roll back.

    `snapshots=False` leaves the tables' snapshot out, for walks that only
    look at what an error shows.
    """
    from clubrules.storage.migrations import migrate  # noqa: PLC0415
    from clubrules.storage.sqlite import SQLiteActivityRepository, SQLiteDatabase  # noqa: PLC0415

    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn)
    database = SQLiteDatabase.from_connection(conn)

    def build(cls: type) -> Any:
        if cls is SQLiteActivityRepository:
            return cls(database, zone=s.SHANGHAI)
        return cls(database)

    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'clubrules%'"
        )
    ]

    def snapshot() -> list[list[Any]]:
        return [sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables]  # noqa: S608

    def begin() -> None:
        conn.execute("BEGIN IMMEDIATE")

    def end() -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    try:
        yield Backend(
            "sqlite",
            begin=begin,
            build=build,
            snapshot=snapshot if snapshots else lambda: None,
            end=end,
            run=run_sync,
        )
    finally:
        database.close()
        conn.close()


def constructor_escapes(cls: type, valid: dict[str, Any]) -> list[Escape]:
    """Escapes of an adapter constructor given each hostile value for each of its parameters."""
    escapes: list[Escape] = []
    for param in valid:
        for label, value in hostile_values():
            kwargs = {**valid, param: value}
            name = classify_sql(guarded(functools.partial(cls, **kwargs)))
            if name is not None:
                escapes.append(Escape(cls.__name__, param, label, name))
    return escapes
