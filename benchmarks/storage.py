"""Storage suite: the SQLite and PostgreSQL adapters against plain SQL doing the same work.

Anchor: the same statements sent through `sqlite3` or psycopg directly, with
values already in tuples, as hand-written code would; the difference is the
library's overhead (building and checking values, translating errors). The
issue's goal is an overhead under 25%. PostgreSQL rows need the server
binaries (a throwaway cluster is started); without them only SQLite runs.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks._harness import Row, best_of
from clubrules.customers import ConsumptionRecord, Customer, Sealed, parse_phone
from clubrules.money import Money
from clubrules.privacy import AccessEvent, Purpose
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)
from clubrules.testing.postgres import PostgresUnavailableError, throwaway_cluster

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SUITE = "storage"
T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
_serial = itertools.count()


def _customers(n: int) -> list[Customer]:
    phone = parse_phone("13800138000")
    return [
        Customer(
            id=f"c-{next(_serial):08d}",
            name="王芳",
            phone=phone,
            registered_at=T0,
            tags=frozenset({"vip"}),
            health=Sealed(bytes(60)),
        )
        for _ in range(n)
    ]


def _records(n: int, customer_id: str) -> list[ConsumptionRecord]:
    return [
        ConsumptionRecord(
            id=f"t-{next(_serial):08d}",
            customer_id=customer_id,
            at=T0 + timedelta(minutes=i),
            service="facial",
            amount=Money("288.00"),
        )
        for i in range(n)
    ]


def _events(n: int) -> list[AccessEvent]:
    return [
        AccessEvent(
            at=T0 + timedelta(seconds=i),
            actor="st-7",
            role="beautician",
            purpose=Purpose.SERVICE_DELIVERY,
            customer_id="c-1",
            field="allergies",
            allowed=True,
            reason="allowed",
        )
        for i in range(n)
    ]


def _batches(make: Callable[[], list[Any]], repeat: int = 3) -> Callable[[], list[Any]]:
    """Each call hands out a fresh batch, so that timed inserts never collide."""
    batches = iter([make() for _ in range(repeat)])
    return lambda: next(batches)


def _row(case: str, n: int, lib: float, anchor: str, plain: float) -> Row:
    return Row(
        SUITE, case, n, lib, anchor, plain, f"{n / lib:,.0f}/s; overhead {lib / plain - 1:+.0%}"
    )


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_rows(n: int, directory: Path) -> list[Row]:
    db = SQLiteDatabase(directory / "lib.db")
    db.migrate()
    plain_db = SQLiteDatabase(directory / "plain.db")
    plain_db.migrate()
    customers = SQLiteCustomerRepository(db)
    ledger = SQLiteConsumptionRepository(db)
    log = SQLiteAccessLog(db)
    rows: list[Row] = []
    with plain_db.connection() as plain:
        # Inserting customers, one transaction each.
        lib_batch = _batches(lambda: _customers(n))
        plain_batch = _batches(
            lambda: [
                (c.id, c.name, 0, c.phone.e164 if c.phone else None, "female", '["vip"]', bytes(60))
                for c in _customers(n)
            ]
        )

        def lib_add() -> None:
            for c in lib_batch():
                customers.add(c)

        def plain_add() -> None:
            for t in plain_batch():
                plain.execute(
                    "INSERT INTO customers (id, name, registered_at_us, phone_e164, gender, tags,"
                    " health) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    t,
                )

        rows.append(
            _row("sqlite: add a customer", n, best_of(lib_add), "plain sqlite3", best_of(plain_add))
        )

        # Reading customers back by id.
        ids = [r[0] for r in plain.execute("SELECT id FROM customers LIMIT ?", (n,))]
        lib_ids = [c.id for c in itertools.islice(customers.customers(), n)]

        def lib_get() -> None:
            for i in lib_ids:
                customers.get(i)

        def plain_get() -> None:
            for i in ids:
                plain.execute("SELECT * FROM customers WHERE id = ?", (i,)).fetchone()

        rows.append(
            _row("sqlite: get a customer", n, best_of(lib_get), "plain sqlite3", best_of(plain_get))
        )

        # A customer's consumption in a window (100 records a query).
        for r in _records(100, "c-window"):
            ledger.add(r)
            plain.execute(
                "INSERT INTO consumption_records (id, customer_id, at_us, service, amount,"
                " currency, kind, refund_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (r.id, r.customer_id, 0, r.service, "288.00", "CNY", "purchase", None),
            )
        queries = max(1, n // 20)
        end = T0 + timedelta(days=1)

        def lib_window() -> None:
            for _ in range(queries):
                ledger.records("c-window", start=T0, end=end)

        def plain_window() -> None:
            for _ in range(queries):
                plain.execute(
                    "SELECT * FROM consumption_records WHERE customer_id = ? AND at_us >= ?"
                    " AND at_us < ? ORDER BY at_us, id",
                    ("c-window", -1, 2**62),
                ).fetchall()

        rows.append(
            _row(
                "sqlite: 100-record window",
                queries,
                best_of(lib_window),
                "plain sqlite3",
                best_of(plain_window),
            )
        )

        # Appending to the access log.
        events = _events(n)
        plain_events = [(0, "st-7", "beautician", "service", "c-1", "allergies", 1, "allowed")] * n

        def lib_append() -> None:
            for e in events:
                log.append(e)

        def plain_append() -> None:
            for t in plain_events:
                plain.execute(
                    "INSERT INTO access_events (at_us, actor, role, purpose, customer_id, field,"
                    " allowed, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    t,
                )

        rows.append(
            _row(
                "sqlite: append an access event",
                n,
                best_of(lib_append),
                "plain sqlite3",
                best_of(plain_append),
            )
        )
    db.close()
    plain_db.close()
    return rows


# --- PostgreSQL -----------------------------------------------------------------------


@contextlib.contextmanager
def _cluster_url() -> Iterator[str | None]:
    try:
        with throwaway_cluster(port=54391) as cluster:
            yield cluster.url
    except PostgresUnavailableError:
        yield None


def _postgres_rows(n: int, url: str) -> list[Row]:
    import psycopg  # noqa: PLC0415 - the postgres extra

    from clubrules.storage.postgres import (  # noqa: PLC0415 - the postgres extra
        PostgresAccessLog,
        PostgresConsumptionRepository,
        PostgresCustomerRepository,
        PostgresDatabase,
    )

    db = PostgresDatabase(url)
    db.migrate()
    customers = PostgresCustomerRepository(db)
    ledger = PostgresConsumptionRepository(db)
    log = PostgresAccessLog(db)
    rows: list[Row] = []
    with psycopg.connect(url, autocommit=True) as plain:
        lib_batch = _batches(lambda: _customers(n))
        plain_batch = _batches(
            lambda: [
                (c.id, c.name, T0, "+8613800138000", "female", ["vip"], bytes(60))
                for c in _customers(n)
            ]
        )

        def lib_add() -> None:
            for c in lib_batch():
                customers.add(c)

        def plain_add() -> None:
            for t in plain_batch():
                plain.execute(
                    "INSERT INTO clubrules.customers (id, name, registered_at, phone_e164,"
                    " gender, tags, health) VALUES (%s, %s, %s, %s, %s, %s::text[], %s)"
                    " ON CONFLICT (id) DO NOTHING",
                    t,
                )

        rows.append(
            _row(
                "postgres: add a customer", n, best_of(lib_add), "plain psycopg", best_of(plain_add)
            )
        )
        ids = [c.id for c in itertools.islice(customers.customers(), n)]

        def lib_get() -> None:
            for i in ids:
                customers.get(i)

        def plain_get() -> None:
            for i in ids:
                plain.execute("SELECT * FROM clubrules.customers WHERE id = %s", (i,)).fetchone()

        rows.append(
            _row(
                "postgres: get a customer", n, best_of(lib_get), "plain psycopg", best_of(plain_get)
            )
        )
        for r in _records(100, "c-window"):
            ledger.add(r)
        queries = max(1, n // 20)
        end = T0 + timedelta(days=1)

        def lib_window() -> None:
            for _ in range(queries):
                ledger.records("c-window", start=T0, end=end)

        def plain_window() -> None:
            for _ in range(queries):
                plain.execute(
                    "SELECT * FROM clubrules.consumption_records WHERE customer_id = %s"
                    " AND at >= %s AND at < %s ORDER BY at, id",
                    ("c-window", T0, end),
                ).fetchall()

        rows.append(
            _row(
                "postgres: 100-record window",
                queries,
                best_of(lib_window),
                "plain psycopg",
                best_of(plain_window),
            )
        )
        events = _events(n)

        def lib_append() -> None:
            for e in events:
                log.append(e)

        def plain_append() -> None:
            for e in events:
                plain.execute(
                    "INSERT INTO clubrules.access_events (at, actor, role, purpose, customer_id,"
                    " field, allowed, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (e.at, "st-7", "beautician", "service", "c-1", "allergies", True, "allowed"),
                )

        rows.append(
            _row(
                "postgres: append an access event",
                n,
                best_of(lib_append),
                "plain psycopg",
                best_of(plain_append),
            )
        )
    db.close()
    return rows


def run(quick: bool) -> list[Row]:
    """Time the SQLite (and, with the server binaries, PostgreSQL) adapters against plain SQL."""
    n = 200 if quick else 2_000
    with tempfile.TemporaryDirectory(prefix="clubrules-bench-") as directory:
        rows = _sqlite_rows(n, Path(directory))
    with _cluster_url() as url:
        if url is not None:
            rows += _postgres_rows(n, url)
    return rows
