"""Storage against slow, obvious oracles, on every adapter: window reads and activity summaries.

The oracle for a window read is a filter over everything written, comparing
instants (epoch microseconds), never wall times: `[start, end)` half-open,
whatever tzinfo the bounds and the stored values are given in (UTC, a
fixed-offset `datetime.timezone`, a `ZoneInfo`, pendulum). What comes back
must be what was written, at its instant and its wall time. The oracle for
an activity summary counts a customer's visits as the distinct local dates
of `at.astimezone(zone)`, one record at a time.

A stored value's text field that is not a string (None where the field
is not optional, an int, bytes, a list) is refused by the value's
constructor, naming the field: the adapters once disagreed on it (memory
kept it, SQLite and PostgreSQL refused it with their own errors or stored
it as other text). (The last test is of the key lifecycle across processes: a `clubrules keys
new` that loses the race for a keyring file refuses as documented and leaves
the winner's keyring whole.)

The instants sit around DST changes (fall-back and spring-forward hours,
Lord Howe's 30-minute shift, Santiago's and Havana's changes at midnight),
Apia's skipped 30 December 2011, year ends, and the first and last days a
datetime can hold (year 1, year 9999). The memory adapter, SQLite and
PostgreSQL (sync, and async for the access log) must all agree with the
oracle.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.booking import Occupancy
from clubrules.care import ReturnVisitRule
from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.errors import ValidationError
from clubrules.money import Money
from clubrules.privacy import AccessEvent, FileKeyProvider, Keyring, Purpose
from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryActivityRepository,
    InMemoryConsumptionRepository,
)
from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresDatabase,
    PostgresAccessLog,
    PostgresActivityRepository,
    PostgresConsumptionRepository,
    PostgresDatabase,
)
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteActivityRepository,
    SQLiteConsumptionRepository,
    SQLiteDatabase,
)
from clubrules.testing import LoopThread
from tests.integration.test_adapter_value_agreement import (
    _access,
    _booking,
    _care_task,
    _consent,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from clubrules.testing.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Asia/Kathmandu",
    "Pacific/Apia",
    "Asia/Shanghai",
    "UTC",
)
# Instants (UTC) next to which the values and bounds are drawn.
ANCHORS = (
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York falls back
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York springs forward
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # London falls back
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe: 30 minutes back
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # Lord Howe: 30 minutes forward
    datetime(2026, 9, 6, 4, tzinfo=UTC),  # Santiago: no local midnight
    datetime(2026, 3, 8, 5, tzinfo=UTC),  # Havana: no local midnight
    datetime(2011, 12, 30, 10, tzinfo=UTC),  # Apia skips 30 December
    datetime(2026, 12, 31, 18, 15, tzinfo=UTC),  # New Year in Kathmandu
    datetime(2027, 1, 1, tzinfo=UTC),  # New Year in UTC
    datetime(9999, 12, 31, tzinfo=UTC),  # the last day a datetime holds
    datetime(1, 1, 1, 12, tzinfo=UTC),  # the first
)
US = timedelta(microseconds=1)


def _shift(instant: datetime, minutes: int, micros: int = 0) -> datetime:
    try:
        return instant + timedelta(minutes=minutes) + micros * US
    except OverflowError:
        assume(condition=False)
        raise  # pragma: no cover - assume raised


@st.composite
def _near(draw: st.DrawFn, anchor: datetime, scale: int) -> datetime:
    """An instant (UTC) within `scale` minutes of `anchor`, sometimes a microsecond off."""
    return _shift(anchor, draw(st.integers(-scale, scale)), draw(st.sampled_from([0, 0, 0, 1, -1])))


@st.composite
def _given_in(draw: st.DrawFn, instant: datetime) -> datetime:
    """`instant` as UTC, a fixed offset, a `ZoneInfo` or pendulum shows it: the same instant."""
    kind = draw(st.sampled_from(["utc", "offset", "zoneinfo", "pendulum"]))
    name = draw(st.sampled_from(ZONES))
    try:
        local = instant.astimezone(ZoneInfo(name))
        if kind == "offset":
            offset = local.utcoffset()
            assert offset is not None
            return instant.astimezone(timezone(offset))
        if kind == "zoneinfo":
            return local
        if kind == "pendulum":
            return pendulum.instance(instant).in_timezone(name)
    except (OverflowError, ValueError):  # a wall time past year 9999 or before year 1
        pass
    return instant


def _shown(values: Sequence[Any]) -> list[tuple[int, str]]:
    """Each value's instant and wall time: what a user reads back."""
    return [(to_epoch_us(v.at), v.at.isoformat()) for v in values]


def _inside(at: datetime, lo: datetime | None, hi: datetime | None) -> bool:
    us = to_epoch_us(at)
    return (lo is None or us >= to_epoch_us(lo)) and (hi is None or us < to_epoch_us(hi))


# --- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.create_database("oracle_store")


@pytest.fixture(scope="module")
def pg(pg_url: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(pg_url) as db:
        db.migrate()
        yield db


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    with LoopThread(name="oracle-store-loop") as running:
        yield running


@pytest.fixture(scope="module")
def apg(pg: PostgresDatabase, pg_url: str, loop: LoopThread) -> Iterator[AsyncPostgresDatabase]:
    assert pg is not None  # migrated
    database = loop.run(AsyncPostgresDatabase.open(pg_url, pool_size=2))
    yield database
    loop.run(database.close())


@pytest.fixture(scope="module")
def lite() -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(":memory:") as db:
        db.migrate()
        yield db


_TABLES = {"access_events", "consumption_records"}


def _empty(lite: SQLiteDatabase, pg: PostgresDatabase, table: str) -> None:
    assert table in _TABLES
    with lite.connection() as conn:
        conn.execute(f"DELETE FROM clubrules_{table}")  # noqa: S608 - a name of _TABLES
    with pg.connection() as conn:
        conn.execute(f"TRUNCATE clubrules.{table}")


_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- window reads: the access log --------------------------------------------------


class _AsyncLog:
    """The async PostgreSQL access log, driven from this thread."""

    def __init__(self, database: AsyncPostgresDatabase, loop: LoopThread) -> None:
        self._log = AsyncPostgresAccessLog(database)
        self._loop = loop

    def append(self, event: AccessEvent) -> None:
        self._loop.run(self._log.append(event))

    def for_customer(self, customer_id: str, **window: Any) -> list[AccessEvent]:
        return self._loop.run(self._log.for_customer(customer_id, **window))

    def by_actor(self, actor: str, **window: Any) -> list[AccessEvent]:
        return self._loop.run(self._log.by_actor(actor, **window))

    def purge_before(self, cutoff: datetime) -> int:
        return self._loop.run(self._log.purge_before(cutoff))


@_SETTINGS
@given(data=st.data())
def test_access_log_windows_are_a_filter_over_instants_on_every_adapter(
    data: st.DataObject,
    lite: SQLiteDatabase,
    pg: PostgresDatabase,
    apg: AsyncPostgresDatabase,
    loop: LoopThread,
) -> None:
    """Reads keep `[since, until)` by instant; `purge_before` drops what is before `cutoff`."""
    anchor = data.draw(st.sampled_from(ANCHORS), label="anchor")
    scale = data.draw(st.sampled_from([90, 26 * 60]), label="scale")
    events = []
    for n in range(data.draw(st.integers(0, 7), label="events")):
        at = data.draw(_given_in(data.draw(_near(anchor, scale))), label=f"at{n}")
        events.append(
            AccessEvent(
                at=at,
                actor=data.draw(st.sampled_from(["st-1", "st-2"])),
                role="beautician",
                purpose=Purpose.SERVICE_DELIVERY,
                customer_id=data.draw(st.sampled_from(["c-1", "c-2"])),
                field=data.draw(st.sampled_from(["allergies", "health"])),
                allowed=True,
                reason=f"allowed-{n}",  # tells equal instants apart
            )
        )
    bounds = sorted(data.draw(st.lists(_near(anchor, scale), min_size=2, max_size=2)))
    since = data.draw(st.none() | _given_in(bounds[0]), label="since")
    until = data.draw(st.none() | _given_in(bounds[1]), label="until")
    cutoff = data.draw(_given_in(data.draw(_near(anchor, scale))), label="cutoff")
    field = data.draw(st.none() | st.just("allergies"), label="field")

    _empty(lite, pg, "access_events")
    logs: dict[str, Any] = {
        "memory": InMemoryAccessLog(),
        "sqlite": SQLiteAccessLog(lite),
        "postgres": PostgresAccessLog(pg),
        "async postgres": _AsyncLog(apg, loop),
    }
    # Appended in order, so that the async log (last) sees every row once.
    for name, log in logs.items():
        if name == "async postgres":
            continue
        for event in events:
            log.append(event)

    mine = [
        e
        for e in events
        if e.customer_id == "c-1"
        and (field is None or e.field == field)
        and _inside(e.at, since, until)
    ]
    theirs = [e for e in events if e.actor == "st-1" and _inside(e.at, since, until)]
    kept = [e for e in events if to_epoch_us(e.at) >= to_epoch_us(cutoff)]
    for name, log in logs.items():
        got = log.for_customer("c-1", field=field, since=since, until=until)
        assert sorted(_shown(got)) == sorted(_shown(mine)), name
        assert sorted(e.reason for e in got) == sorted(e.reason for e in mine), name
        got = log.by_actor("st-1", since=since, until=until)
        assert sorted(e.reason for e in got) == sorted(e.reason for e in theirs), name
        if name == "postgres":  # the async log reads the same table: purge it once, there
            continue
        assert log.purge_before(cutoff) == len(events) - len(kept), name
        left = log.for_customer("c-1") + log.for_customer("c-2")
        assert sorted(_shown(left)) == sorted(_shown(kept)), name


# --- window reads: consumption records ---------------------------------------------


_ids = itertools.count()


@_SETTINGS
@given(data=st.data())
def test_record_windows_are_a_filter_over_instants_on_every_adapter(
    data: st.DataObject, lite: SQLiteDatabase, pg: PostgresDatabase
) -> None:
    """`records` keeps `[start, end)` by instant, by instant then id, each at its wall time."""
    anchor = data.draw(st.sampled_from(ANCHORS), label="anchor")
    scale = data.draw(st.sampled_from([90, 26 * 60]), label="scale")
    customer = f"c-{next(_ids)}"  # a customer of this example alone
    records = [
        ConsumptionRecord(
            id=f"{customer}-t-{n}",
            customer_id=customer,
            at=data.draw(_given_in(data.draw(_near(anchor, scale))), label=f"at{n}"),
            service="facial",
            amount=Money("88.00"),
        )
        for n in range(data.draw(st.integers(0, 7), label="records"))
    ]
    bounds = sorted(data.draw(st.lists(_near(anchor, scale), min_size=2, max_size=2)))
    start = data.draw(st.none() | _given_in(bounds[0]), label="start")
    end = data.draw(st.none() | _given_in(bounds[1]), label="end")

    want = sorted(
        (r for r in records if _inside(r.at, start, end)),
        key=lambda r: (to_epoch_us(r.at), r.id),
    )
    for repo in (
        InMemoryConsumptionRepository(),
        SQLiteConsumptionRepository(lite),
        PostgresConsumptionRepository(pg),
    ):
        for record in records:
            repo.add(record)
        got = repo.records(customer, start=start, end=end)
        assert [r.id for r in got] == [r.id for r in want], type(repo).__name__
        assert _shown(got) == _shown(want), type(repo).__name__
        assert got == want, type(repo).__name__


# --- activity summaries --------------------------------------------------------------


def _summaries_oracle(
    records: Sequence[ConsumptionRecord], start: datetime, end: datetime, zone: tzinfo
) -> dict[str, tuple[int, Decimal, int | None, int | None]]:
    """Per customer: visits (distinct local dates), net spend, first and last visit (instants).

    A customer is listed with a purchase or redemption before `end`, or a
    purchase or refund in the window (what `summarize_activity` lists).
    """
    lo, hi = to_epoch_us(start), to_epoch_us(end)
    found: dict[str, dict[str, Any]] = {}
    for record in records:
        us = to_epoch_us(record.at)
        visit = record.kind is not ConsumptionKind.REFUND
        spent = record.kind is not ConsumptionKind.REDEMPTION and us >= lo
        if us >= hi or not (visit or spent):
            continue
        one = found.setdefault(record.customer_id, {"days": set(), "net": Decimal(0), "visits": []})
        if visit:
            one["visits"].append(us)
            if us >= lo:
                one["days"].add(record.at.astimezone(zone).date())
        if spent:
            sign = -1 if record.kind is ConsumptionKind.REFUND else 1
            one["net"] += sign * record.amount.amount
    return {
        cid: (
            len(one["days"]),
            max(one["net"], Decimal(0)),
            min(one["visits"], default=None),
            max(one["visits"], default=None),
        )
        for cid, one in sorted(found.items())
    }


@_SETTINGS
@given(data=st.data())
def test_activity_summaries_count_local_days_as_the_oracle_on_every_adapter(
    data: st.DataObject, lite: SQLiteDatabase, pg: PostgresDatabase
) -> None:
    """Visits are the local dates of the records' instants in the club's zone, on every adapter."""
    zone = ZoneInfo(data.draw(st.sampled_from(ZONES), label="zone"))
    anchor = data.draw(st.sampled_from(ANCHORS), label="anchor")
    scale = data.draw(st.sampled_from([90, 26 * 60, 60 * 24 * 200]), label="scale")
    records = []
    for n in range(data.draw(st.integers(0, 8), label="records")):
        kind = data.draw(st.sampled_from(ConsumptionKind))
        try:
            records.append(
                ConsumptionRecord(
                    id=f"t-{n}",
                    customer_id=data.draw(st.sampled_from(["c-1", "c-2", "c-3"])),
                    at=data.draw(_given_in(data.draw(_near(anchor, scale))), label=f"at{n}"),
                    service="facial",
                    amount=Money(data.draw(st.sampled_from(["0.01", "9.90", "288.00"]))),
                    kind=kind,
                    refund_of="t-0" if kind is ConsumptionKind.REFUND else None,
                )
            )
        except ValidationError:  # an instant no datetime holds in every zone
            continue
    start = data.draw(_given_in(data.draw(_near(anchor, scale))), label="start")
    end = data.draw(_given_in(_shift(start, data.draw(st.integers(0, 2 * scale)))), label="end")

    want = _summaries_oracle(records, start, end, zone)
    _empty(lite, pg, "consumption_records")
    ledger = InMemoryConsumptionRepository()
    for repo in (ledger, SQLiteConsumptionRepository(lite), PostgresConsumptionRepository(pg)):
        for record in records:
            repo.add(record)
    for activity in (
        InMemoryActivityRepository(consumption=ledger, zone=zone),
        SQLiteActivityRepository(lite, zone=zone),
        PostgresActivityRepository(pg, zone=zone),
    ):
        got = {
            s.customer_id: (
                s.visits,
                s.spend.amount,
                None if s.first_visit is None else to_epoch_us(s.first_visit),
                None if s.last_visit is None else to_epoch_us(s.last_visit),
            )
            for s in activity.summaries(start=start, end=end)
        }
        assert got == want, type(activity).__name__


# --- text fields that are not strings ------------------------------------------------

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _occupancy(field: str, value: object) -> Occupancy:
    assert field == "role"
    return Occupancy.between("room-1", T0, T0 + timedelta(hours=1), role=value)  # type: ignore[arg-type]


def _return_visit(field: str, value: object) -> ReturnVisitRule:
    values: dict[str, Any] = {"service": "facial", "after_days": 3, field: value}
    return ReturnVisitRule(**values)


# (how to build the value with one field set, the field, whether None is allowed)
_TEXT_FIELDS: list[tuple[Callable[[str, Any], object], str, bool]] = [
    *((_access, f, False) for f in ("actor", "role", "customer_id", "field", "reason")),
    *((_consent, f, False) for f in ("id", "customer_id", "evidence")),
    (_consent, "recipient", True),
    (_care_task, "note", False),
    (_return_visit, "note", False),
    *((_booking, f, True) for f in ("customer_id", "confirmation_code", "idempotency_key")),
    (_booking, "taken_by", True),
    (_occupancy, "role", False),
]


def _with(build: Callable[[str, Any], object], field: str, value: object) -> object:
    if build in {_access, _consent, _care_task, _booking}:
        changes: dict[str, Any] = {field: value}
        made: Any = build(field, "x")
        return attrs.evolve(made, **changes)
    return build(field, value)


@pytest.mark.parametrize(
    ("build", "field", "optional"),
    _TEXT_FIELDS,
    ids=[f"{b.__name__.lstrip('_')}.{f}" for b, f, _ in _TEXT_FIELDS],
)
@pytest.mark.parametrize("value", [None, 123, b"x", ["x"], 1.5], ids=repr)
def test_a_text_field_that_is_not_a_string_is_refused_before_any_adapter_sees_it(
    build: Callable[[str, Any], object], field: str, optional: bool, value: object
) -> None:
    if value is None and optional:
        return  # an optional field may be left out
    with pytest.raises(ValidationError) as caught:
        _with(build, field, value)
    # (A consent's empty id is also `non_empty`.)
    assert (field, "not_a_string") in [(v.field, v.rule) for v in caught.value.violations]


# --- the key lifecycle: `keys new` racing another writer ----------------------------


def _waits_for_lock(inode: int, pid: int) -> bool:
    """Whether process `pid` is blocked on a `flock` of the file with this inode (Linux)."""
    with open("/proc/locks", encoding="ascii") as locks:  # noqa: PTH123 - a proc file
        for line in locks:
            fields = line.split()
            if "->" in fields:
                fields = fields[fields.index("->") + 1 :]
                if fields[3] == str(pid) and fields[4].rsplit(":", 1)[-1] == str(inode):
                    return True
    return False


def _race(folder: Path, command: list[str], meanwhile: Callable[[], None]) -> tuple[int, str, str]:
    """Run `clubrules keys ...` on `folder/keys.json`, calling `meanwhile` while it waits.

    This process holds the keyring's lock (as a writer would) until the
    command, past its checks of the file, waits for the lock; then it calls
    `meanwhile` and lets go. The command's exit code, output and errors.
    """
    lock_path = folder / "keys.json.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "clubrules", "keys", *command, "--file", str(folder / "keys.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        inode = os.fstat(fd).st_ino
        while not _waits_for_lock(inode, process.pid):
            assert process.poll() is None, process.communicate()
        meanwhile()
    finally:
        lock_path.unlink()  # as a writer lets go of the lock
        os.close(fd)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


_LINUX_ONLY = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/locks")


@_LINUX_ONLY
def test_a_keys_new_that_loses_the_race_refuses_and_keeps_the_winners_keyring(
    tmp_path: Path,
) -> None:
    """The file is written between the command's check and its lock: refused (exit 2), kept whole.

    The command once merged with the winner's keyring and answered that
    "another process rotated first", naming Python calls to make.
    """
    path = tmp_path / "keys.json"
    written: list[bytes] = []

    def write_a_keyring() -> None:
        # The winner's keyring, written as a writer holding the lock writes it.
        elsewhere = tmp_path / "winner" / "keys.json"
        elsewhere.parent.mkdir()
        Keyring.generate().save(FileKeyProvider(elsewhere))
        elsewhere.replace(path)
        written.append(path.read_bytes())

    code, out, err = _race(tmp_path, ["new"], write_a_keyring)
    assert (code, out) == (2, "")
    assert err == f"clubrules: error: {path} already exists; use 'keys rotate' to add a key\n"
    assert [path.read_bytes()] == written
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keyring-")] == []


@_LINUX_ONLY
@pytest.mark.parametrize("command", [["rotate"], ["retire", "--key-id", "1"]], ids=str)
def test_a_keys_change_whose_file_is_removed_meanwhile_refuses_and_writes_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    """The file is removed between the command's check and its lock: refused (exit 2), none made.

    The command once answered that "a keyring needs exactly one primary key".
    """
    path = tmp_path / "keys.json"
    ring = Keyring.generate()
    ring.rotate()
    ring.save(FileKeyProvider(path))
    code, out, err = _race(tmp_path, command, path.unlink)
    assert (code, out) == (2, "")
    assert err == f"clubrules: error: {path} does not exist; create it with 'keys new'\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []
