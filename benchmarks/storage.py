"""Storage suite: the SQLite and PostgreSQL adapters against plain SQL doing the same work.

Anchor: the same statements sent through `sqlite3` or psycopg directly, with
values already in tuples, as hand-written code would; the difference is the
library's overhead (building and checking values, translating errors). The
hand-written statements are tenant-aware, as an application on the schema
of many clubs writes them: every insert gives the tenant, every read filters
on it and uses the keys that lead with it. The issue's goal is an overhead
under 25%. PostgreSQL rows need the server
binaries (a throwaway cluster is started); without them only SQLite runs.

Reads are also timed against SQLAlchemy 2 ORM classes on the same tables,
loading the same types with a session per request (`benchmarks._orm`); the
goal there is at least 5x the ORM's speed.

The cost of PostgreSQL's row-level security: the library's calls as the
application's role through a tenant handle, which the tenant policies
apply to, against the same calls on a superuser's connection, which they
do not (rows "postgres RLS: ...").
"""

from __future__ import annotations

import contextlib
import itertools
import json
import tempfile
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from benchmarks._harness import Row, best_of, best_of_pair
from clubrules._time import to_epoch_us
from clubrules.complaints import Assigned, CaseKind, Registered
from clubrules.customers import ConsumptionRecord, Customer, Sealed, parse_phone
from clubrules.money import Money
from clubrules.privacy import AccessEvent, Purpose
from clubrules.storage.sql._complaints import encode_event
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteComplaintRepository,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
)
from clubrules.testing.postgres import PostgresUnavailableError, throwaway_cluster

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from clubrules.complaints import CaseEvent

SUITE = "storage"
# The tenant of a single-club database, which the hand-written statements name.
TENANT = "default"
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


# Rounds of the SQLite write rows, each side a fresh batch a round.
_WRITE_ROUNDS = 9


def _paired(lib: Callable[[], object], plain: Callable[[], object]) -> tuple[float, str, float]:
    """The best times of `lib` and plain `sqlite3`, timed in alternating rounds."""
    t_lib, t_plain = best_of_pair(lib, plain, repeat=_WRITE_ROUNDS)
    return t_lib, "plain sqlite3", t_plain


def _pg_paired(lib: Callable[[], object], plain: Callable[[], object]) -> tuple[float, str, float]:
    """The best times of `lib` and plain psycopg, timed in alternating rounds."""
    t_lib, t_plain = best_of_pair(lib, plain, repeat=_WRITE_ROUNDS)
    return t_lib, "plain psycopg", t_plain


def _row(case: str, n: int, lib: float, anchor: str, plain: float) -> Row:
    return Row(
        SUITE, case, n, lib, anchor, plain, f"{n / lib:,.0f}/s; overhead {lib / plain - 1:+.0%}"
    )


# --- SQLite ---------------------------------------------------------------------------


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _zone_of(name: str | None) -> tzinfo:
    return UTC if name is None else ZoneInfo(name)


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
        # Inserting customers, one transaction each, timed in alternating rounds (a write's
        # time follows the disk's load, which two back-to-back blocks would meet unequally).
        lib_batch = _batches(lambda: _customers(n), _WRITE_ROUNDS)
        plain_batch = _batches(
            lambda: [
                (
                    TENANT,
                    c.id,
                    c.name,
                    0,
                    c.phone.e164 if c.phone else None,
                    "female",
                    '["vip"]',
                    bytes(60),
                )
                for c in _customers(n)
            ],
            _WRITE_ROUNDS,
        )

        def lib_add() -> None:
            for c in lib_batch():
                customers.add(c)

        def plain_add() -> None:
            for t in plain_batch():
                plain.execute(
                    "INSERT INTO clubrules_customers (tenant, id, name, registered_at_us,"
                    " phone_e164, gender, tags, health) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (tenant, id) DO NOTHING",
                    t,
                )

        rows.append(
            _row(
                "sqlite: add a customer",
                n,
                *_paired(lib_add, plain_add),
            )
        )

        # Reading customers back by id.
        ids = [
            r[0]
            for r in plain.execute(
                "SELECT id FROM clubrules_customers WHERE tenant = ? LIMIT ?", (TENANT, n)
            )
        ]
        lib_ids = [c.id for c in itertools.islice(customers.customers(), n)]

        def lib_get() -> None:
            for i in lib_ids:
                customers.get(i)

        def plain_get() -> None:
            for i in ids:
                plain.execute(
                    "SELECT * FROM clubrules_customers WHERE tenant = ? AND id = ?", (TENANT, i)
                ).fetchone()

        def plain_get_decoded() -> None:
            # What a hand-written reader does with the row: an aware datetime, a list of tags.
            for i in ids:
                r = plain.execute(
                    "SELECT id, name, registered_at_us, registered_at_tz, phone_e164, gender,"
                    " tags FROM clubrules_customers WHERE tenant = ? AND id = ?",
                    (TENANT, i),
                ).fetchone()
                at = (_EPOCH + timedelta(microseconds=r[2])).astimezone(_zone_of(r[3]))
                (r[0], r[1], at, r[4], r[5], json.loads(r[6]))

        t_lib_get = best_of(lib_get)
        rows.append(
            _row("sqlite: get a customer", n, t_lib_get, "plain sqlite3", best_of(plain_get))
        )
        rows.append(
            _row(
                "sqlite: get a customer, anchor decodes by hand",
                n,
                t_lib_get,
                "plain sqlite3 + datetime, json",
                best_of(plain_get_decoded),
            )
        )

        # A customer's consumption in a window (100 records a query).
        for r in _records(100, "c-window"):
            ledger.add(r)
            plain.execute(
                "INSERT INTO clubrules_consumption_records (tenant, id, customer_id, at_us,"
                " service, amount, currency, kind, refund_of)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (TENANT, r.id, r.customer_id, 0, r.service, "288.00", "CNY", "purchase", None),
            )
        queries = max(1, n // 20)
        end = T0 + timedelta(days=1)

        def lib_window() -> None:
            for _ in range(queries):
                ledger.records("c-window", start=T0, end=end)

        def plain_window() -> None:
            for _ in range(queries):
                plain.execute(
                    "SELECT * FROM clubrules_consumption_records WHERE tenant = ?"
                    " AND customer_id = ? AND at_us >= ? AND at_us < ? ORDER BY at_us, id",
                    (TENANT, "c-window", -1, 2**62),
                ).fetchall()

        def plain_window_decoded() -> None:
            # Each row as a hand-written reader would use it: aware datetime, Decimal amount.
            for _ in range(queries):
                [
                    (
                        r[0],
                        r[1],
                        (_EPOCH + timedelta(microseconds=r[2])).astimezone(_zone_of(r[3])),
                        r[4],
                        Decimal(r[5]),
                        r[6],
                        r[7],
                        r[8],
                    )
                    for r in plain.execute(
                        "SELECT id, customer_id, at_us, at_tz, service, amount, currency, kind,"
                        " refund_of FROM clubrules_consumption_records WHERE tenant = ?"
                        " AND customer_id = ? AND at_us >= ? AND at_us < ? ORDER BY at_us, id",
                        (TENANT, "c-window", -1, 2**62),
                    ).fetchall()
                ]

        t_lib_window = best_of(lib_window)
        rows.append(
            _row(
                "sqlite: 100-record window",
                queries,
                t_lib_window,
                "plain sqlite3",
                best_of(plain_window),
            )
        )
        rows.append(
            _row(
                "sqlite: 100-record window, anchor decodes by hand",
                queries,
                t_lib_window,
                "plain sqlite3 + datetime, Decimal",
                best_of(plain_window_decoded),
            )
        )

        # Appending to the access log.
        events = _events(n)
        plain_events = [
            (TENANT, 0, "st-7", "beautician", "service", "c-1", "allergies", 1, "allowed")
        ] * n

        def lib_append() -> None:
            for e in events:
                log.append(e)

        def plain_append() -> None:
            for t in plain_events:
                plain.execute(
                    "INSERT INTO clubrules_access_events (tenant, at_us, actor, role, purpose,"
                    " customer_id, field, allowed, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                (TENANT, c.id, c.name, T0, "+8613800138000", "female", ["vip"], bytes(60))
                for c in _customers(n)
            ]
        )

        def lib_add() -> None:
            for c in lib_batch():
                customers.add(c)

        def plain_add() -> None:
            for t in plain_batch():
                plain.execute(
                    "INSERT INTO clubrules.customers (tenant, id, name, registered_at,"
                    " phone_e164, gender, tags, health)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s::text[], %s)"
                    " ON CONFLICT (tenant, id) DO NOTHING",
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
                plain.execute(
                    "SELECT * FROM clubrules.customers WHERE tenant = %s AND id = %s", (TENANT, i)
                ).fetchone()

        def plain_get_as_tenant() -> None:
            # What the library sends for a read: the tenant set for the statement
            # (`SET LOCAL`), then the statement, in one round trip (a pipeline), which
            # an application role under row-level security needs.
            for i in ids:
                with plain.pipeline():
                    plain.execute("SELECT set_config('clubrules.tenant', %s, true)", (TENANT,))
                    cursor = plain.execute(
                        "SELECT * FROM clubrules.customers"
                        " WHERE tenant = current_setting('clubrules.tenant') AND id = %s",
                        (i,),
                    )
                cursor.fetchone()

        t_lib_get = best_of(lib_get)
        rows.append(
            _row("postgres: get a customer", n, t_lib_get, "plain psycopg", best_of(plain_get))
        )
        rows.append(
            _row(
                "postgres: get a customer, anchor sets the tenant",
                n,
                t_lib_get,
                "plain psycopg, set_config + SELECT pipelined",
                best_of(plain_get_as_tenant),
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
                    "SELECT * FROM clubrules.consumption_records WHERE tenant = %s"
                    " AND customer_id = %s AND at >= %s AND at < %s ORDER BY at, id",
                    (TENANT, "c-window", T0, end),
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
        # Each append is one round trip to the server, whose time the machine's
        # load moves from second to second: short alternating rounds (see
        # `best_of_pair`), so that both sides meet the same quiet moments.
        events = _events(max(1, n // 10))

        def lib_append() -> None:
            for e in events:
                log.append(e)

        def plain_append() -> None:
            for e in events:
                plain.execute(
                    "INSERT INTO clubrules.access_events (tenant, at, actor, role, purpose,"
                    " customer_id, field, allowed, reason)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        TENANT,
                        e.at,
                        "st-7",
                        "beautician",
                        "service",
                        "c-1",
                        "allergies",
                        True,
                        "allowed",
                    ),
                )

        t_lib, t_plain = best_of_pair(lib_append, plain_append)
        rows.append(
            _row(
                "postgres: append an access event",
                len(events),
                t_lib,
                "plain psycopg, alternating rounds",
                t_plain,
            )
        )
    db.close()
    return rows


# --- row-level security ---------------------------------------------------------------

# The application's role, which `migrate(..., app_role=)` creates and grants
# (not the tables' owner, no BYPASSRLS, so the tenant policies apply to it),
# and the login role the application connects as, a member of it.
_APP_ROLE = "clubrules_bench_app"
_APP_LOGIN = "clubrules_bench_web"
# Rounds of the RLS rows: each side runs once a round, in alternating order.
_RLS_ROUNDS = 9


def _copy_tenant(conn: Any, table: str, source: str, target: str) -> None:  # noqa: ANN401
    """Copy `source`'s rows of `table` into the tenant `target`, the same ids (as superuser)."""
    from psycopg import sql  # noqa: PLC0415 - the postgres extra

    columns = [
        r[0]
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attname <> 'tenant' ORDER BY attnum",
            (f"clubrules.{table}",),
        )
    ]
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    conn.execute(
        sql.SQL("INSERT INTO {t} (tenant, {c}) SELECT %s, {c} FROM {t} WHERE tenant = %s").format(
            t=sql.Identifier("clubrules", table), c=names
        ),
        (target, source),
    )


def _count_rows(conn: Any, table: str) -> int:  # noqa: ANN401 - a psycopg connection
    """The rows of `table` that the connection sees."""
    row = conn.execute(f"SELECT count(*) FROM clubrules.{table}").fetchone()  # noqa: S608
    return int(row[0])


def _rls_rows(quick: bool, n: int, url: str) -> list[Row]:
    """What PostgreSQL's row-level security costs the library's calls.

    The application's role (made by `migrate(..., app_role=)`: not the
    owner, no BYPASSRLS), through a login role that is a member of it, works
    through `PostgresDatabase(...).for_tenant("club-a")`, so that every statement
    meets the tenant policy; the anchor is the same library call on a
    superuser's database of the tenant "default", which the policy does not
    apply to. Three tenants hold the same rows (the same ids), so that the
    policy has rows of other tenants to keep out. Both sides are timed in
    alternating rounds, and read the same values before they are timed.
    """
    import psycopg  # noqa: PLC0415 - the postgres extra
    from psycopg.conninfo import make_conninfo  # noqa: PLC0415

    from clubrules.booking import Schedule  # noqa: PLC0415
    from clubrules.storage.migrations import migrate  # noqa: PLC0415
    from clubrules.storage.postgres import (  # noqa: PLC0415 - the postgres extra
        PostgresAccessLog,
        PostgresBookingRepository,
        PostgresConsumptionRepository,
        PostgresCustomerRepository,
        PostgresDatabase,
    )

    name = f"bench_rls_{next(_serial)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        if (
            admin.execute("SELECT FROM pg_roles WHERE rolname = %s", (_APP_LOGIN,)).fetchone()
            is None
        ):
            admin.execute(f"CREATE ROLE {_APP_LOGIN} LOGIN")
    db_url = url.replace("/postgres?", f"/{name}?")
    superuser = PostgresDatabase(db_url)
    migrate(superuser, app_role=_APP_ROLE)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f"GRANT {_APP_ROLE} TO {_APP_LOGIN}")
    app_url = make_conninfo(db_url, user=_APP_LOGIN)
    app_db = PostgresDatabase(app_url)
    app = app_db.for_tenant("club-a")

    # The rows: written by the application role as club-a, copied to the other two tenants.
    days = 3 if quick else 7
    now = T0 - timedelta(days=1)
    customers = _customers(n)
    sides: dict[str, dict[str, Any]] = {
        "app": {
            "customers": PostgresCustomerRepository(app),
            "ledger": PostgresConsumptionRepository(app),
            "log": PostgresAccessLog(app),
            "bookings": PostgresBookingRepository(app),
        },
        "superuser": {
            "customers": PostgresCustomerRepository(superuser),
            "ledger": PostgresConsumptionRepository(superuser),
            "log": PostgresAccessLog(superuser),
            "bookings": PostgresBookingRepository(superuser),
        },
    }
    own = sides["app"]
    for c in customers:
        own["customers"].add(c)
    for r in _records(100, "c-window"):
        own["ledger"].add(r)
    for b in _day_bookings(days):
        own["bookings"].add(b, now=now)
    tables = ("customers", "consumption_records", "bookings", "booking_occupancy")
    with psycopg.connect(db_url, autocommit=True) as conn:
        for target in (TENANT, "club-b"):
            with conn.transaction():
                for table in (*tables, "booking_resources"):
                    _copy_tenant(conn, table, "club-a", target)
        conn.execute("ANALYZE")
        # The policy is what keeps the application role to club-a's rows.
        counts = {t: _count_rows(conn, t) for t in tables}
    with (
        psycopg.connect(app_url, autocommit=True) as conn,
        conn.transaction(),
    ):
        conn.execute("SELECT set_config('clubrules.tenant', 'club-a', true)")
        seen = {t: _count_rows(conn, t) for t in tables}
    assert counts == {t: 3 * seen[t] for t in tables}, (counts, seen)

    ids = [c.id for c in customers]
    gets = ids[: max(1, n // 4)]
    windows = max(1, n // 40)
    end = T0 + timedelta(days=1)
    day = [(T0 + timedelta(days=d), T0 + timedelta(days=d + 1)) for d in range(days)]
    # Checked equal before timing: both sides read the same values.
    for key, read in (
        ("customers", lambda repo: [repo.get(i) for i in ids[:50]]),
        ("ledger", lambda repo: repo.records("c-window", start=T0, end=end)),
        ("bookings", lambda repo: [repo.find(start=lo, end=hi) for lo, hi in day]),
    ):
        assert read(sides["app"][key]) == read(sides["superuser"][key]), key
    assert sides["app"]["customers"].get(ids[0]) == customers[0]

    rows: list[Row] = []

    def pair(case: str, count: int, make: Callable[[dict[str, Any]], Callable[[], object]]) -> None:
        t_app, t_super = best_of_pair(
            make(sides["app"]), make(sides["superuser"]), repeat=_RLS_ROUNDS
        )
        rows.append(
            Row(
                SUITE,
                f"postgres RLS: {case}",
                count,
                t_app,
                "library, RLS bypassed (superuser)",
                t_super,
                f"{count / t_app:,.0f}/s; RLS cost {t_app / t_super - 1:+.0%}"
                " (application role, 3 tenants' rows)",
            )
        )

    def get(side: dict[str, Any]) -> Callable[[], object]:
        repo = side["customers"]
        return lambda: [repo.get(i) for i in gets]

    pair("get a customer", len(gets), get)

    def window(side: dict[str, Any]) -> Callable[[], object]:
        ledger = side["ledger"]
        return lambda: [ledger.records("c-window", start=T0, end=end) for _ in range(windows)]

    pair("100-record window", windows, window)

    def add(side: dict[str, Any]) -> Callable[[], object]:
        repo = side["customers"]
        batch = _batches(lambda: _customers(max(1, n // 10)), _RLS_ROUNDS)
        return lambda: [repo.add(c) for c in batch()]

    pair("add a customer", max(1, n // 10), add)

    events = _events(max(1, n // 10))

    def append(side: dict[str, Any]) -> Callable[[], object]:
        log = side["log"]
        return lambda: [log.append(e) for e in events]

    pair("append an access event", len(events), append)

    def availability(side: dict[str, Any]) -> Callable[[], object]:
        repo = side["bookings"]
        return lambda: [Schedule(repo.find(start=lo, end=hi)) for lo, hi in day]

    pair(f"availability for a day ({_DAY_BOOKINGS} bookings)", len(day), availability)
    app_db.close()
    superuser.close()
    return rows


# --- bookings ---------------------------------------------------------------------------

# One racing worker process (library or plain SQL): builds its bookings, waits
# for the start line on stdin, tries every slot once, prints a JSON report.
_RACE_WORKER = """
import json, sys, time
from datetime import UTC, datetime, timedelta
kind, url, worker, slots = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
order = [(i * 7 + worker * 13) % slots for i in range(slots)]
def span(k):
    start = t0 + timedelta(hours=k // 8)
    return start, start + timedelta(minutes=50)
won = conflicts = 0
other = []
if kind == "library":
    from clubrules.booking import Booking, Occupancy
    from clubrules.errors import SlotConflictError
    from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase
    db = PostgresDatabase(url)
    repo = PostgresBookingRepository(db)
    todo = []
    for k in order:
        s, e = span(k)
        occ = [Occupancy.between(f"room-{k % 8}", s, e + timedelta(minutes=10))]
        todo.append(Booking(id=f"w{worker}-s{k}", service="facial", start=s, end=e,
                            occupancy=occ, customer_id="c-1"))
    now = t0 - timedelta(days=1)
    sys.stdin.readline()
    began, cpu = time.monotonic(), time.process_time()
    for b in todo:
        try:
            repo.add(b, now=now)
            won += 1
        except SlotConflictError as error:
            conflicts += 1 if error.conflicts else 10**6
        except Exception as error:
            other.append(type(error).__name__)
    ended, cpu = time.monotonic(), time.process_time() - cpu
    db.close()
else:
    import psycopg
    conn = psycopg.connect(url, autocommit=True)
    sys.stdin.readline()
    began, cpu = time.monotonic(), time.process_time()
    for k in order:
        s, e = span(k)
        bid, room = f"p{worker}-s{k}", f"room-{k % 8}"
        try:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO clubrules.booking_resources (tenant, resource) VALUES (%s, %s)"
                    " ON CONFLICT DO NOTHING",
                    ("default", room),
                )
                conn.execute(
                    "SELECT resource FROM clubrules.booking_resources"
                    " WHERE tenant = %s AND resource = %s FOR UPDATE",
                    ("default", room),
                )
                conn.execute(
                    "INSERT INTO clubrules.bookings (tenant, id, service, start_at, end_at,"
                    " status, headcount, customer_id, late_cancel, version, blocking_until_us)"
                    " VALUES (%s, %s, 'facial', %s, %s, 'confirmed', 1, 'c-1', false, 1, %s)",
                    ("default", bid, s, e, 1 << 62),
                )
                conn.execute(
                    "INSERT INTO clubrules.booking_occupancy (tenant, booking_id, position,"
                    " resource, during, units, capacity, role, blocking_until_us, active)"
                    " VALUES (%s, %s, 0, %s, tstzrange(%s, %s, '[)'), 1, 1, '', %s, true)",
                    ("default", bid, room, s, e + timedelta(minutes=10), 1 << 62),
                )
            won += 1
        except psycopg.errors.ExclusionViolation:
            conflicts += 1
        except Exception as error:
            other.append(type(error).__name__)
    ended, cpu = time.monotonic(), time.process_time() - cpu
    conn.close()
print(json.dumps({"won": won, "conflicts": conflicts, "other": other,
                  "began": began, "ended": ended, "cpu": cpu}))
"""


def _race(kind: str, url: str, workers: int, slots: int) -> tuple[float, str]:
    """Race `workers` processes for `slots` slots; the wall time and the tallies."""
    import json  # noqa: PLC0415 - only this case needs it
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _RACE_WORKER, kind, url, str(w), str(slots)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = [json.loads(p.communicate(timeout=1800)[0]) for p in procs]
    won = sum(r["won"] for r in reports)
    conflicts = sum(r["conflicts"] for r in reports)
    failed = sum(len(r["other"]) for r in reports)
    wall = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    # The workers' own CPU time per attempt: the client's share, whatever the load.
    cpu_us = sum(r["cpu"] for r in reports) / (workers * slots) * 1e6
    tally = (
        f"{workers * slots:,} attempts, {won:,} won, {conflicts:,} conflicts, {failed} other, "
        f"client CPU {cpu_us:.0f} us/attempt"
    )
    return wall, tally


def _booking_race_row(url: str, quick: bool) -> Row:
    import psycopg  # noqa: PLC0415 - the postgres extra

    from clubrules.booking import find_conflicts  # noqa: PLC0415
    from clubrules.storage.postgres import (  # noqa: PLC0415 - the postgres extra
        PostgresBookingRepository,
        PostgresDatabase,
    )

    workers, slots = 16, 200 if quick else 2_000
    walls: dict[str, float] = {}
    tallies: dict[str, str] = {}
    doubles = 0
    for kind in ("library", "plain"):
        name = f"bench_race_{kind}_{next(_serial)}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        db_url = url.replace("/postgres?", f"/{name}?")
        with PostgresDatabase(db_url) as db:
            db.migrate()
            walls[kind], tallies[kind] = _race(kind, db_url, workers, slots)
            if kind == "library":
                stored = PostgresBookingRepository(db).find()
                doubles = len(find_conflicts(stored)) + abs(len(stored) - slots)
    attempts = workers * slots
    plain_cpu = tallies["plain"].rsplit("client CPU ", 1)[1]
    note = (
        f"{tallies['library']} (plain {plain_cpu}), double bookings {doubles}; "
        f"{attempts / walls['library']:,.0f} attempts/s vs plain {attempts / walls['plain']:,.0f}"
    )
    return Row(
        SUITE,
        f"postgres: {workers} processes race for {slots:,} slots",
        attempts,
        walls["library"],
        "plain psycopg, same race",
        walls["plain"],
        note,
    )


def _thread_race(attempt: Callable[[int, int], bool], workers: int, slots: int) -> float:
    """`workers` threads, released together, each try every slot; the wall time."""
    import threading  # noqa: PLC0415 - only this case needs it
    import time  # noqa: PLC0415

    barrier = threading.Barrier(workers + 1)
    won = [0] * workers
    failures: list[BaseException] = []

    def run(w: int) -> None:
        barrier.wait()
        try:
            for i in range(slots):
                won[w] += attempt(w, (i * 7 + w * 13) % slots)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
            raise

    threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    if failures:
        raise failures[0]
    assert sum(won) == slots, (sum(won), slots)  # every slot won exactly once
    return wall


def _thread_race_rows(quick: bool, directory: Path) -> list[Row]:
    """16 threads race for contended slots: SQLite against plain sqlite3, and in memory."""
    from clubrules.booking import Booking, Occupancy, find_conflicts  # noqa: PLC0415
    from clubrules.errors import SlotConflictError  # noqa: PLC0415
    from clubrules.storage.memory import InMemoryBookingRepository  # noqa: PLC0415
    from clubrules.storage.sqlite import SQLiteBookingRepository  # noqa: PLC0415

    workers, slots = 16, 200 if quick else 2_000
    now = T0 - timedelta(days=1)

    def span(k: int) -> tuple[datetime, datetime]:
        start = T0 + timedelta(hours=k // 8)
        return start, start + timedelta(minutes=50)

    def booking(w: int, k: int) -> Booking:
        s, e = span(k)
        occ = [Occupancy.between(f"room-{k % 8}", s, e + timedelta(minutes=10))]
        return Booking(
            id=f"w{w}-s{k}", service="facial", start=s, end=e, occupancy=occ, customer_id="c-1"
        )

    todo = {(w, k): booking(w, k) for w in range(workers) for k in range(slots)}

    def library(repo: SQLiteBookingRepository | InMemoryBookingRepository) -> float:
        def attempt(w: int, k: int) -> bool:
            try:
                repo.add(todo[w, k], now=now)
            except SlotConflictError:
                return False
            return True

        wall = _thread_race(attempt, workers, slots)
        assert not find_conflicts(repo.find())
        return wall

    # Both sides wait up to a minute for the write lock: on a loaded machine 16
    # threads can queue past the default 5 s, which is a timeout, not a result.
    db = SQLiteDatabase(directory / "race-lib.db", max_connections=workers, timeout=60.0)
    db.migrate()
    lib = library(SQLiteBookingRepository(db))
    db.close()
    plain_db = SQLiteDatabase(directory / "race-plain.db", max_connections=workers, timeout=60.0)
    plain_db.migrate()

    def plain_attempt(w: int, k: int) -> bool:
        b = todo[w, k]
        o = b.occupancy[0]
        with plain_db.transaction() as conn:
            clash = conn.execute(
                "SELECT 1 FROM clubrules_booking_occupancy WHERE tenant = ? AND resource = ?"
                " AND start_us < ? AND end_us > ? AND blocking_until_us > ?",
                (TENANT, o.resource, o.end_us, o.start_us, 0),
            ).fetchone()
            if clash is not None:
                return False
            conn.execute(
                "INSERT INTO clubrules_bookings (tenant, id, service, start_us, end_us, status,"
                " headcount, customer_id, late_cancel, version, blocking_until_us)"
                " VALUES (?, ?, 'facial', ?, ?, 'confirmed', 1, 'c-1', 0, 1, ?)",
                (TENANT, b.id, o.start_us, o.end_us, 1 << 62),
            )
            conn.execute(
                "INSERT INTO clubrules_booking_occupancy (tenant, booking_id, position, resource,"
                " start_us, end_us, units, capacity, role, blocking_until_us)"
                " VALUES (?, ?, 0, ?, ?, ?, 1, 1, '', ?)",
                (TENANT, b.id, o.resource, o.start_us, o.end_us, 1 << 62),
            )
        return True

    plain = _thread_race(plain_attempt, workers, slots)
    plain_db.close()
    memory = library(InMemoryBookingRepository())
    attempts = workers * slots
    tally = f"{attempts:,} attempts, {slots:,} won, {attempts - slots:,} conflicts"
    return [
        Row(
            SUITE,
            f"sqlite: {workers} threads race for {slots:,} slots",
            attempts,
            lib,
            "plain sqlite3, same race",
            plain,
            f"{tally}; {attempts / lib:,.0f} attempts/s vs plain {attempts / plain:,.0f}",
        ),
        Row(
            SUITE,
            f"memory: {workers} threads race for {slots:,} slots",
            attempts,
            memory,
            "SQLite adapter, same race",
            lib,
            f"{tally}; {attempts / memory:,.0f} attempts/s",
        ),
    ]


def _booking_rows(n: int, url: str | None, directory: Path) -> list[Row]:
    """Uncontended reservations (SQLite, PostgreSQL) against the same SQL sent by hand."""
    from clubrules.booking import Booking, Occupancy  # noqa: PLC0415
    from clubrules.storage.sqlite import SQLiteBookingRepository  # noqa: PLC0415

    now = T0 - timedelta(days=1)

    def bookings() -> list[Booking]:
        out = []
        for i in range(n):
            start = T0 + timedelta(hours=next(_serial))
            end = start + timedelta(minutes=50)
            out.append(
                Booking(
                    id=f"b-{next(_serial):08d}",
                    service="facial",
                    start=start,
                    end=end,
                    occupancy=[Occupancy.between(f"room-{i % 8}", start, end)],
                    customer_id="c-1",
                )
            )
        return out

    rows: list[Row] = []
    db = SQLiteDatabase(directory / "booking-lib.db")
    db.migrate()
    plain_db = SQLiteDatabase(directory / "booking-plain.db")
    plain_db.migrate()
    repo = SQLiteBookingRepository(db)
    lib_batch = _batches(bookings, _WRITE_ROUNDS)
    plain_batch = _batches(bookings, _WRITE_ROUNDS)

    def lib_add() -> None:
        for b in lib_batch():
            repo.add(b, now=now)

    with plain_db.connection() as plain:

        def plain_add() -> None:
            for b in plain_batch():
                o = b.occupancy[0]
                plain.execute("BEGIN IMMEDIATE")
                clash = plain.execute(
                    "SELECT 1 FROM clubrules_booking_occupancy WHERE tenant = ? AND resource = ?"
                    " AND start_us < ? AND end_us > ? AND blocking_until_us > ?",
                    (TENANT, o.resource, o.end_us, o.start_us, 0),
                ).fetchone()
                if clash is None:
                    plain.execute(
                        "INSERT INTO clubrules_bookings (tenant, id, service, start_us, end_us,"
                        " status, headcount, customer_id, late_cancel, version,"
                        " blocking_until_us)"
                        " VALUES (?, ?, 'facial', ?, ?, 'confirmed', 1, 'c-1', 0, 1, ?)",
                        (TENANT, b.id, o.start_us, o.end_us, 1 << 62),
                    )
                    plain.execute(
                        "INSERT INTO clubrules_booking_occupancy (tenant, booking_id, position,"
                        " resource, start_us, end_us, units, capacity, role, blocking_until_us)"
                        " VALUES (?, ?, 0, ?, ?, ?, 1, 1, '', ?)",
                        (TENANT, b.id, o.resource, o.start_us, o.end_us, 1 << 62),
                    )
                plain.execute("COMMIT")

        rows.append(
            _row(
                "sqlite: book a free slot",
                n,
                *_paired(lib_add, plain_add),
            )
        )
    db.close()
    plain_db.close()
    if url is None:
        return rows

    import psycopg  # noqa: PLC0415 - the postgres extra

    from clubrules.storage.postgres import (  # noqa: PLC0415 - the postgres extra
        PostgresBookingRepository,
        PostgresDatabase,
    )

    pg = PostgresDatabase(url)
    pg.migrate()
    pg_repo = PostgresBookingRepository(pg)
    lib_batch = _batches(bookings, _WRITE_ROUNDS)
    plain_batch = _batches(bookings, _WRITE_ROUNDS)

    def pg_lib_add() -> None:
        for b in lib_batch():
            pg_repo.add(b, now=now)

    with psycopg.connect(url, autocommit=True) as conn:

        def pg_plain_add() -> None:
            for b in plain_batch():
                o = b.occupancy[0]
                with conn.transaction():
                    conn.execute(
                        "SELECT resource FROM clubrules.booking_resources"
                        " WHERE tenant = %s AND resource = %s FOR UPDATE",
                        (TENANT, o.resource),
                    )
                    conn.execute(
                        "INSERT INTO clubrules.bookings (tenant, id, service, start_at, end_at,"
                        " status, headcount, customer_id, late_cancel, version,"
                        " blocking_until_us)"
                        " VALUES (%s, %s, 'facial', %s, %s, 'confirmed', 1, 'c-1', false, 1, %s)",
                        (TENANT, b.id, b.start, b.end, 1 << 62),
                    )
                    conn.execute(
                        "INSERT INTO clubrules.booking_occupancy (tenant, booking_id, position,"
                        " resource, during, units, capacity, role, blocking_until_us, active)"
                        " VALUES (%s, %s, 0, %s, tstzrange(%s, %s, '[)'), 1, 1, '', %s, true)",
                        (TENANT, b.id, o.resource, b.start, b.end, 1 << 62),
                    )

        rows.append(
            _row(
                "postgres: book a free slot",
                n,
                *_pg_paired(pg_lib_add, pg_plain_add),
            )
        )
    pg.close()
    return rows


# --- availability ------------------------------------------------------------------------

_DAY_ROOMS = 10
_DAY_BOOKINGS = 200  # a busy day: 10 rooms and 10 beauticians, 20 half-hour slots each


def _day_bookings(days: int) -> list[Any]:
    """`days` full days: every booking takes a room (with a clean-up buffer) and a beautician."""
    from clubrules.booking import Booking, Occupancy  # noqa: PLC0415

    out = []
    for d in range(days):
        for k in range(_DAY_BOOKINGS):
            slot, room = divmod(k, _DAY_ROOMS)
            start = T0 + timedelta(days=d, minutes=30 * slot)
            end = start + timedelta(minutes=25)
            staff = f"staff-{(room + slot) % _DAY_ROOMS}"
            out.append(
                Booking(
                    id=f"d{d:03d}-{k:03d}",
                    service="facial",
                    start=start,
                    end=end,
                    occupancy=[
                        Occupancy.between(f"room-{room}", start, end + timedelta(minutes=5)),
                        Occupancy.between(staff, start, end, role="beautician"),
                    ],
                    customer_id=f"c-{k}",
                    confirmation_code="7K3MQ9TZ",
                    # Taken over the week before, each at its own moment.
                    created_at=T0 - timedelta(days=7, seconds=-(d * _DAY_BOOKINGS + k) * 97),
                )
            )
    return out


def _busy_by_resource(
    occupancy: list[tuple[Any, ...]],
) -> dict[str, list[tuple[int, int, int, str]]]:
    """What an availability search needs: each resource's busy times, by start."""
    busy: dict[str, list[tuple[int, int, int, str]]] = {}
    for booking_id, resource, start_us, end_us, units in occupancy:
        busy.setdefault(resource, []).append((start_us, end_us, units, booking_id))
    for lane in busy.values():
        lane.sort()
    return busy


# A booking's columns as plain SQL reads them (every one but the tenant, which it filters on).
_SQLITE_BOOKING = (
    "b.id, b.service, b.start_us, b.start_tz, b.end_us, b.end_tz, b.status, b.headcount,"
    " b.customer_id, b.expires_at_us, b.expires_at_tz, b.late_cancel, b.confirmation_code,"
    " b.idempotency_key, b.taken_by, b.created_at_us, b.created_at_tz, b.version,"
    " b.blocking_until_us"
)
_POSTGRES_BOOKING = (
    "b.id, b.service, b.start_at, b.start_tz, b.end_at, b.end_tz, b.status, b.headcount,"
    " b.customer_id, b.expires_at, b.expires_at_tz, b.late_cancel, b.confirmation_code,"
    " b.idempotency_key, b.taken_by, b.created_at, b.created_at_tz, b.version,"
    " b.blocking_until_us"
)


def _plain_day(rows: list[tuple[Any, ...]], now_us: int) -> None:
    """Plain SQL's bookings (a tuple each) and busy times by resource, from joined rows."""
    bookings: dict[str, tuple[Any, ...]] = {}
    occupancy: list[tuple[Any, ...]] = []
    for r in rows:
        bookings.setdefault(r[0], r[:-4])
        if r[18] > now_us:  # blocking_until_us
            occupancy.append((r[0], *r[-4:]))
    assert len(bookings) == _DAY_BOOKINGS
    _busy_by_resource(occupancy)


def _availability_rows(quick: bool, url: str | None, directory: Path) -> list[Row]:
    """The day's bookings and busy times, ready for an availability search.

    The library: `find(start=, end=)` for the day, then a `Schedule` of the
    result (the index that `BookingRules.check` and `alternatives` search).
    Plain SQL, the same data: one query joining the day's booking rows to
    their busy times, as tuples, grouped by booking and by resource. Plain
    SQL, busy times only: the one query a hand-written availability screen
    would send, which reads no booking.
    """
    from clubrules.booking import Schedule  # noqa: PLC0415
    from clubrules.storage.sqlite import SQLiteBookingRepository  # noqa: PLC0415

    days, queries = (7, 10) if quick else (30, 50)
    bookings = _day_bookings(days)
    now = T0 - timedelta(days=1)
    day = [(T0 + timedelta(days=d), T0 + timedelta(days=d + 1)) for d in range(queries)]
    day = [day[i % days] for i in range(queries)]
    rows: list[Row] = []
    label = f"availability for a day ({_DAY_BOOKINGS} bookings on {2 * _DAY_ROOMS} resources)"

    db = SQLiteDatabase(directory / "availability.db")
    db.migrate()
    repo = SQLiteBookingRepository(db)
    for b in bookings:
        repo.add(b, now=now)

    def lib_day() -> None:
        for start, end in day:
            Schedule(repo.find(start=start, end=end))

    with db.connection() as plain:

        def plain_day() -> None:
            for start, end in day:
                rows = plain.execute(
                    f"SELECT {_SQLITE_BOOKING}, o.resource, o.start_us, o.end_us, o.units"  # noqa: S608 - constants
                    " FROM clubrules_bookings AS b JOIN clubrules_booking_occupancy AS o"
                    " ON o.tenant = b.tenant AND o.booking_id = b.id"
                    " WHERE b.tenant = ? AND b.id IN (SELECT booking_id"
                    " FROM clubrules_booking_occupancy WHERE tenant = ? AND start_us < ?"
                    " AND end_us > ?) ORDER BY b.start_us, b.id, o.position",
                    (TENANT, TENANT, to_epoch_us(end), to_epoch_us(start)),
                ).fetchall()
                _plain_day(rows, to_epoch_us(now))

        def plain_busy() -> None:
            for start, end in day:
                occupancy = plain.execute(
                    "SELECT booking_id, resource, start_us, end_us, units"
                    " FROM clubrules_booking_occupancy WHERE tenant = ?"
                    " AND start_us < ? AND end_us > ? AND blocking_until_us > ?",
                    (TENANT, to_epoch_us(end), to_epoch_us(start), to_epoch_us(now)),
                ).fetchall()
                _busy_by_resource(occupancy)

        lib = best_of(lib_day)
        rows.append(_row(f"sqlite: {label}", queries, lib, "plain sqlite3", best_of(plain_day)))
        rows.append(
            _row(
                "sqlite: availability for a day, busy times only",
                queries,
                lib,
                "plain sqlite3, one query",
                best_of(plain_busy),
            )
        )
    db.close()
    if url is None:
        return rows

    import psycopg  # noqa: PLC0415 - the postgres extra

    from clubrules.storage.postgres import (  # noqa: PLC0415 - the postgres extra
        PostgresBookingRepository,
        PostgresDatabase,
    )

    name = f"bench_day_{next(_serial)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    db_url = url.replace("/postgres?", f"/{name}?")
    pg = PostgresDatabase(db_url)
    pg.migrate()
    pg_repo = PostgresBookingRepository(pg)
    for b in bookings:
        pg_repo.add(b, now=now)
    with pg.connection() as conn:
        conn.execute("ANALYZE")

    def pg_lib_day() -> None:
        for start, end in day:
            Schedule(pg_repo.find(start=start, end=end))

    with psycopg.connect(db_url, autocommit=True) as conn:

        def pg_plain_day() -> None:
            for start, end in day:
                rows = conn.execute(
                    f"SELECT {_POSTGRES_BOOKING}, o.resource, lower(o.during), upper(o.during),"  # noqa: S608 - constants
                    " o.units FROM clubrules.bookings AS b JOIN clubrules.booking_occupancy AS o"
                    " ON o.tenant = b.tenant AND o.booking_id = b.id"
                    " WHERE b.tenant = %s AND b.id IN (SELECT booking_id"
                    " FROM clubrules.booking_occupancy WHERE tenant = %s"
                    " AND during && tstzrange(%s, %s, '[)'))"
                    " ORDER BY b.start_at, b.id, o.position",
                    (TENANT, TENANT, start, end),
                ).fetchall()
                _plain_day(rows, to_epoch_us(now))

        def pg_plain_busy() -> None:
            for start, end in day:
                occupancy = conn.execute(
                    "SELECT booking_id, resource, lower(during), upper(during), units"
                    " FROM clubrules.booking_occupancy WHERE tenant = %s"
                    " AND during && tstzrange(%s, %s, '[)') AND blocking_until_us > %s",
                    (TENANT, start, end, to_epoch_us(now)),
                ).fetchall()
                _busy_by_resource(occupancy)

        lib = best_of(pg_lib_day)
        rows.append(
            _row(f"postgres: {label}", queries, lib, "plain psycopg", best_of(pg_plain_day))
        )
        rows.append(
            _row(
                "postgres: availability for a day, busy times only",
                queries,
                lib,
                "plain psycopg, one query",
                best_of(pg_plain_busy),
            )
        )
    pg.close()
    return rows


# --- complaints -------------------------------------------------------------------------


def _complaint_logs(n: int, count: int = 6) -> Callable[[], tuple[str, list[CaseEvent]]]:
    """Fresh case logs: a registration and `n - 1` assignments, appended one at a time."""

    def make() -> tuple[str, list[CaseEvent]]:
        case_id = f"k-{next(_serial):08d}"
        registered = Registered(
            case_id=case_id,
            at=T0,
            kind=CaseKind.COMPLAINT,
            channel="wechat",
            customer_id="c-1",
            contact="wx-id",
            content="the towel was not clean",
            policy_id="complaint-default",
            policy_version=1,
        )
        log: list[CaseEvent] = [registered]
        log += [Assigned(at=T0 + timedelta(minutes=i), by="lead", to="s-1") for i in range(1, n)]
        return case_id, log

    batches = iter([make() for _ in range(count)])
    return lambda: next(batches)


def _complaint_rows(n: int, url: str | None, directory: Path) -> list[Row]:
    """Appending complaint events one at a time (version check and insert per append)."""
    # Two pairs of rounds, each taking a fresh log per call.
    logs = _complaint_logs(n, 4 * _WRITE_ROUNDS)
    db = SQLiteDatabase(directory / "complaints.db")
    db.migrate()
    repo = SQLiteComplaintRepository(db)

    def lib_append() -> None:
        case_id, log = logs()
        for version, event in enumerate(log):
            repo.append(case_id, version, [event])

    def plain_row(case_id: str, v: int, e: CaseEvent) -> tuple[Any, ...]:
        return (TENANT, case_id, v, type(e).__name__, to_epoch_us(e.at), None, encode_event(e))

    with db.connection() as plain:

        def plain_one(row: tuple[Any, ...]) -> None:
            case_id = row[1]
            plain.execute("BEGIN IMMEDIATE")
            (actual,) = plain.execute(
                "SELECT COALESCE(MAX(version), 0) FROM clubrules_complaint_events"
                " WHERE tenant = ? AND case_id = ?",
                (TENANT, case_id),
            ).fetchone()
            if actual != row[2] - 1:
                plain.execute("ROLLBACK")
                raise RuntimeError("stale")
            if actual == 0:
                plain.execute(
                    "INSERT INTO clubrules_complaint_cases (tenant, id, kind, customer_id,"
                    " registered_us, registered_tz) VALUES (?, ?, 'complaint', 'c-1', ?, NULL)",
                    (TENANT, case_id, row[4]),
                )
            plain.execute(
                "INSERT INTO clubrules_complaint_events (tenant, case_id, version, type,"
                " at_us, at_tz, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            plain.execute("COMMIT")

        def plain_append() -> None:
            # The whole log encoded first, then its appends back to back.
            case_id, log = logs()
            rows = [plain_row(case_id, v, e) for v, e in enumerate(log, start=1)]
            for row in rows:
                plain_one(row)

        def plain_append_each() -> None:
            # Each event encoded as it is appended, as a caller appending one at a time does.
            case_id, log = logs()
            for v, e in enumerate(log, start=1):
                plain_one(plain_row(case_id, v, e))

        out = [
            _row("sqlite: append a complaint event", n, *_paired(lib_append, plain_append)),
            _row(
                "sqlite: append a complaint event, anchor encodes per append",
                n,
                *_paired(lib_append, plain_append_each),
            ),
        ]
    db.close()
    if url is None:
        return out

    import psycopg  # noqa: PLC0415 - the postgres extra

    from clubrules.storage.postgres import (  # noqa: PLC0415 - the postgres extra
        PostgresComplaintRepository,
        PostgresDatabase,
    )

    pg = PostgresDatabase(url)
    pg.migrate()
    pg_repo = PostgresComplaintRepository(pg)
    logs = _complaint_logs(n)

    def pg_lib_append() -> None:
        case_id, log = logs()
        for version, event in enumerate(log):
            pg_repo.append(case_id, version, [event])

    with psycopg.connect(url, autocommit=True) as conn:

        def pg_plain_append() -> None:
            case_id, log = logs()
            rows = [
                (TENANT, case_id, v, type(e).__name__, e.at, None, encode_event(e))
                for v, e in enumerate(log, start=1)
            ]
            for row in rows:
                with conn.transaction():
                    (actual,) = conn.execute(
                        "SELECT COALESCE(MAX(version), 0) FROM clubrules.complaint_events"
                        " WHERE tenant = %s AND case_id = %s",
                        (TENANT, case_id),
                    ).fetchone() or (0,)
                    if actual != row[2] - 1:
                        raise RuntimeError("stale")
                    if actual == 0:
                        conn.execute(
                            "INSERT INTO clubrules.complaint_cases (tenant, id, kind,"
                            " customer_id, registered_at, registered_tz)"
                            " VALUES (%s, %s, 'complaint', 'c-1', %s, NULL)",
                            (TENANT, case_id, row[4]),
                        )
                    conn.execute(
                        "INSERT INTO clubrules.complaint_events (tenant, case_id, version, type,"
                        " at, at_tz, document) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)",
                        row,
                    )

        out.append(
            _row(
                "postgres: append a complaint event",
                n,
                best_of(pg_lib_append),
                "plain psycopg",
                best_of(pg_plain_append),
            )
        )
    pg.close()
    return out


def run(quick: bool) -> list[Row]:
    """Time the SQLite (and, with the server binaries, PostgreSQL) adapters against plain SQL."""
    n = 200 if quick else 2_000
    with tempfile.TemporaryDirectory(prefix="clubrules-bench-") as directory:
        rows = _sqlite_rows(n, Path(directory))
        with _cluster_url() as url:
            if url is not None:
                rows += _postgres_rows(n, url)
                rows += _rls_rows(quick, n, url)
            rows += _booking_rows(n, url, Path(directory))
            rows += _availability_rows(quick, url, Path(directory))
            rows += _thread_race_rows(quick, Path(directory))
            rows += _complaint_rows(n, url, Path(directory))
            rows += _orm_rows(quick, url, Path(directory))
            if url is not None:
                rows.append(_booking_race_row(url, quick))
    return rows


# --- against an ORM -----------------------------------------------------------------------

_ZONE = ZoneInfo("Asia/Shanghai")


def _orm_customers(n: int) -> list[Customer]:
    """Customers with every kind of field set: a zone, a phone, a birthday, tags, sealed data."""
    from datetime import date  # noqa: PLC0415

    phone = parse_phone("13800138000")
    return [
        Customer(
            id=f"o-{i:08d}",
            name="王芳",
            registered_at=(T0 + timedelta(minutes=i)).astimezone(_ZONE),
            phone=phone,
            gender="female",
            birthday=date(1990, 5, 1 + i % 28),
            occupation="teacher",
            email="wang@example.com",
            tags=frozenset({"vip", "prefers-mornings"}),
            needs=frozenset({"anti-ageing"}),
            health=Sealed(bytes(60)),
            allergies=Sealed(bytes(40)),
        )
        for i in range(n)
    ]


def _orm_records(customer_id: str) -> list[ConsumptionRecord]:
    """100 records of one customer over a day, half of them given in Shanghai time."""
    return [
        ConsumptionRecord(
            id=f"w-{i:04d}",
            customer_id=customer_id,
            at=T0 + timedelta(minutes=i)
            if i % 2
            else (T0 + timedelta(minutes=i)).astimezone(_ZONE),
            service="facial",
            amount=Money("288.00") if i % 3 else Money("1288.50"),
        )
        for i in range(100)
    ]


def _orm_logs(cases: int) -> tuple[Any, list[tuple[str, tuple[CaseEvent, ...]]]]:
    """The complaints suite's open cases (about 10.5 events each) and their policy book."""
    from benchmarks.complaints import business_policy, club_calendar, open_cases  # noqa: PLC0415
    from clubrules.complaints import PolicyBook  # noqa: PLC0415

    policy = business_policy(club_calendar())
    logs = [(cast("Registered", c.events[0]).case_id, c.events) for c in open_cases(cases, policy)]
    return PolicyBook([policy]), logs


def _orm_rows(quick: bool, url: str | None, directory: Path) -> list[Row]:
    """Reads through the adapters against SQLAlchemy 2 ORM classes on the same tables.

    The ORM side opens a `Session` per request, as a web application does,
    and reads mapped objects whose attributes hold the same types as the
    library's values (each two-column value is read once, so that its
    composite is built). Before timing, the loaded objects are turned into
    the library's values and checked equal to what the adapters return.
    """
    try:
        from sqlalchemy import create_engine, select  # noqa: PLC0415 - the test group
        from sqlalchemy.orm import Session  # noqa: PLC0415
    except ImportError:  # without SQLAlchemy 2 these rows are left out
        return []

    from benchmarks import _orm  # noqa: PLC0415
    from clubrules.booking import Schedule  # noqa: PLC0415
    from clubrules.complaints import replay  # noqa: PLC0415
    from clubrules.storage.sqlite import SQLiteBookingRepository  # noqa: PLC0415

    n = 200 if quick else 2_000
    windows = max(1, n // 20)
    days, day_queries = (7, 10) if quick else (30, 50)
    cases = 50 if quick else 500
    customers = _orm_customers(n)
    records = _orm_records("c-orm")
    bookings = _day_bookings(days)
    book, logs = _orm_logs(cases)
    now = T0 - timedelta(days=1)
    now_us = to_epoch_us(now)
    start, end = T0, T0 + timedelta(days=1)
    day = [
        (T0 + timedelta(days=i % days), T0 + timedelta(days=i % days + 1))
        for i in range(day_queries)
    ]
    rows: list[Row] = []

    def time_pair(
        label: str,
        count: int,
        lib: Callable[[], object],
        orm: Callable[[], object],
        unit: str,
    ) -> None:
        t_lib, t_orm = best_of_pair(lib, orm, repeat=7)
        rows.append(
            Row(
                SUITE,
                label,
                count,
                t_lib,
                "SQLAlchemy 2 ORM, session per request",
                t_orm,
                f"{t_lib / count * 1e6:,.1f} us vs ORM {t_orm / count * 1e6:,.1f} us a {unit}",
            )
        )

    def suite(prefix: str, repos: dict[str, Any], engine: Any) -> None:  # noqa: ANN401
        m = _orm.models(engine.dialect.name)
        customers_repo = repos["customers"]
        ledger = repos["ledger"]
        booking_repo = repos["bookings"]
        complaints = repos["complaints"]
        for c in customers:
            customers_repo.add(c)
        for r in records:
            ledger.add(r)
        for b in bookings:
            booking_repo.add(b, now=now)
        for case_id, log in logs:
            complaints.append(case_id, 0, log)
        if m.dialect == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        ids = [c.id for c in customers]
        Rec, Bk, Occ, Ev = m.record, m.booking, m.occupancy, m.event  # noqa: N806
        window_query = (
            select(Rec)
            .where(
                Rec.tenant == TENANT,
                Rec.customer_id == "c-orm",
                Rec.at_us >= to_epoch_us(start),
                Rec.at_us < to_epoch_us(end),
            )
            .order_by(Rec.at_us, Rec.id)
            if m.dialect == "sqlite"
            else select(Rec)
            .where(
                Rec.tenant == TENANT,
                Rec.customer_id == "c-orm",
                Rec.at_utc >= start,
                Rec.at_utc < end,
            )
            .order_by(Rec.at_utc, Rec.id)
        )

        def day_query(lo: datetime, hi: datetime) -> Any:  # noqa: ANN401
            if m.dialect == "sqlite":
                inside = select(Occ.booking_id).where(
                    Occ.tenant == TENANT,
                    Occ.start_us < to_epoch_us(hi),
                    Occ.end_us > to_epoch_us(lo),
                )
                order = (Bk.start_us, Bk.id)
            else:
                from sqlalchemy import func  # noqa: PLC0415

                inside = select(Occ.booking_id).where(
                    Occ.tenant == TENANT, Occ.during.op("&&")(func.tstzrange(lo, hi, "[)"))
                )
                order = (Bk.start_utc, Bk.id)
            return select(Bk).where(Bk.tenant == TENANT, Bk.id.in_(inside)).order_by(*order)

        events_query = select(Ev).where(Ev.tenant == TENANT).order_by(Ev.version)

        # Checked equal before timing: the ORM's objects as the library's values.
        with Session(engine) as s:
            assert (
                [_orm.to_customer(s.get(m.customer, (TENANT, i))) for i in ids[:50]]
                == [customers_repo.get(i) for i in ids[:50]]
                == customers[:50]
            )
        with Session(engine) as s:
            loaded = [_orm.to_record(r) for r in s.scalars(window_query)]
            assert loaded == ledger.records("c-orm", start=start, end=end) == records
        with Session(engine) as s:
            lo, hi = day[1]
            loaded_b = [_orm.to_booking(b) for b in s.scalars(day_query(lo, hi))]
            assert loaded_b == booking_repo.find(start=lo, end=hi)
            assert len(loaded_b) == _DAY_BOOKINGS
        with Session(engine) as s:
            for case_id, log in logs[:20]:
                got = [
                    _orm.to_event(e.type, e.document)
                    for e in s.scalars(events_query.where(Ev.case_id == case_id))
                ]
                assert tuple(got) == tuple(complaints.events(case_id)) == log
                assert replay(got, book) == replay(complaints.events(case_id), book)

        def lib_get() -> None:
            for i in ids:
                customers_repo.get(i)

        def orm_get() -> None:
            for i in ids:
                with Session(engine) as s:
                    s.get(m.customer, (TENANT, i)).registered_at  # type: ignore[union-attr]  # noqa: B018

        time_pair(f"{prefix}: get a customer, vs ORM", n, lib_get, orm_get, "customer")

        def lib_window() -> None:
            for _ in range(windows):
                ledger.records("c-orm", start=start, end=end)

        def orm_window() -> None:
            for _ in range(windows):
                with Session(engine) as s:
                    [(r.at, r.amount) for r in s.scalars(window_query)]

        time_pair(f"{prefix}: 100-record window, vs ORM", windows, lib_window, orm_window, "window")

        def lib_day() -> None:
            for lo, hi in day:
                Schedule(booking_repo.find(start=lo, end=hi))

        def orm_day() -> None:
            # The loaded bookings, and their busy times by resource, as plain SQL builds them.
            for lo, hi in day:
                with Session(engine) as s:
                    found = s.scalars(day_query(lo, hi)).all()
                    busy = []
                    for b in found:
                        _ = (b.start, b.end, b.expires_at, b.created_at)
                        busy += [
                            (b.id, o.resource, *_orm.occupancy_us(o), o.units)
                            for o in b.occupancy
                            if o.blocking_until_us > now_us
                        ]
                    _busy_by_resource(busy)

        time_pair(
            f"{prefix}: availability for a day ({_DAY_BOOKINGS} bookings), vs ORM",
            day_queries,
            lib_day,
            orm_day,
            "day",
        )

        def lib_read_log() -> None:
            for case_id, _ in logs:
                complaints.events(case_id)

        def orm_read_log() -> None:
            for case_id, _ in logs:
                with Session(engine) as s:
                    [
                        _orm.to_event(e.type, e.document)
                        for e in s.scalars(events_query.where(Ev.case_id == case_id))
                    ]

        time_pair(
            f"{prefix}: read a complaint log (10.5 events), vs ORM",
            cases,
            lib_read_log,
            orm_read_log,
            "log",
        )

        def lib_replay() -> None:
            for case_id, _ in logs:
                replay(complaints.events(case_id), book)

        def orm_replay() -> None:
            for case_id, _ in logs:
                with Session(engine) as s:
                    events = [
                        _orm.to_event(e.type, e.document)
                        for e in s.scalars(events_query.where(Ev.case_id == case_id))
                    ]
                replay(events, book)

        time_pair(
            f"{prefix}: replay a complaint log into its case, vs ORM",
            cases,
            lib_replay,
            orm_replay,
            "case",
        )

    from clubrules.storage.sqlite import SQLiteComplaintRepository as _Complaints  # noqa: PLC0415

    path = directory / "orm.db"
    db = SQLiteDatabase(path)
    db.migrate()
    engine = create_engine(f"sqlite:///{path}")
    repos = {
        "customers": SQLiteCustomerRepository(db),
        "ledger": SQLiteConsumptionRepository(db),
        "bookings": SQLiteBookingRepository(db),
        "complaints": _Complaints(db),
    }
    suite("sqlite", repos, engine)
    engine.dispose()
    db.close()
    if url is None:
        return rows

    import psycopg  # noqa: PLC0415 - the postgres extra

    from clubrules.storage.postgres import (  # noqa: PLC0415 - the postgres extra
        PostgresBookingRepository,
        PostgresComplaintRepository,
        PostgresConsumptionRepository,
        PostgresCustomerRepository,
        PostgresDatabase,
    )

    name = f"bench_orm_{next(_serial)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    db_url = url.replace("/postgres?", f"/{name}?")
    pg = PostgresDatabase(db_url)
    pg.migrate()
    pg_engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    pg_repos = {
        "customers": PostgresCustomerRepository(pg),
        "ledger": PostgresConsumptionRepository(pg),
        "bookings": PostgresBookingRepository(pg),
        "complaints": PostgresComplaintRepository(pg),
    }
    suite("postgres", pg_repos, pg_engine)
    pg_engine.dispose()
    pg.close()
    return rows
