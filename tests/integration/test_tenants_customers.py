"""Tenants in one database: the customers, privacy, complaints and tiering adapters.

Two handles on one database, bound to the tenants "club-a" and "club-b",
write rows with the same ids; each handle reads only its own tenant's rows,
a write through one never changes the other's, and ids and keys are unique
per tenant only. The database itself (the tenant "default") is a third
tenant and sees neither. Each test runs on SQLite, on PostgreSQL, and, where
an async adapter exists, on async PostgreSQL (driven through
`LoopThread.blocking`). On PostgreSQL the test connections are a
superuser's, which row-level security lets through: only the statements'
own tenant predicates keep the tenants apart here. A last test runs as an
ordinary role, under the policies.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.complaints import Assigned, CaseKind, default_book, register
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Sealed,
    ServiceRecord,
    parse_phone,
)
from clubrules.errors import (
    DuplicateError,
    InvalidMoneyError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from clubrules.money import Money
from clubrules.privacy import (
    AccessEvent,
    ConsentRecord,
    FieldCipher,
    Keyring,
    Purpose,
    access_report,
    sealed_to_bytes,
)
from clubrules.storage.postgres import (
    AsyncPostgresAccessLog,
    AsyncPostgresComplaintRepository,
    AsyncPostgresConsentStore,
    AsyncPostgresCustomerRepository,
    AsyncPostgresDatabase,
    AsyncPostgresDataKeyStore,
    PostgresAccessLog,
    PostgresActivityRepository,
    PostgresComplaintRepository,
    PostgresConsentStore,
    PostgresConsumptionRepository,
    PostgresCustomerRepository,
    PostgresDatabase,
    PostgresDataKeyStore,
)
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteActivityRepository,
    SQLiteComplaintRepository,
    SQLiteConsentStore,
    SQLiteConsumptionRepository,
    SQLiteCustomerRepository,
    SQLiteDatabase,
    SQLiteDataKeyStore,
)
from clubrules.testing import LoopThread
from clubrules.tiering import summarize_activity

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from clubrules.complaints import CaseEvent
    from clubrules.testing.postgres import PostgresCluster

_names = itertools.count()
A, B = "club-a", "club-b"
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
ZONE = ZoneInfo("Asia/Shanghai")
PHONE = parse_phone("138 0013 8000")
TABLES = (
    "customers",
    "consumption_records",
    "service_records",
    "data_keys",
    "consents",
    "access_events",
    "complaint_events",
    "complaint_cases",
)

# The adapters of each kind: SQLite, PostgreSQL, async PostgreSQL (None: no async adapter).
_ADAPTERS: dict[str, tuple[Any, Any, Any]] = {
    "customers": (
        SQLiteCustomerRepository,
        PostgresCustomerRepository,
        AsyncPostgresCustomerRepository,
    ),
    "consumption": (SQLiteConsumptionRepository, PostgresConsumptionRepository, None),
    "activity": (SQLiteActivityRepository, PostgresActivityRepository, None),
    "consents": (SQLiteConsentStore, PostgresConsentStore, AsyncPostgresConsentStore),
    "log": (SQLiteAccessLog, PostgresAccessLog, AsyncPostgresAccessLog),
    "keys": (SQLiteDataKeyStore, PostgresDataKeyStore, AsyncPostgresDataKeyStore),
    "complaints": (
        SQLiteComplaintRepository,
        PostgresComplaintRepository,
        AsyncPostgresComplaintRepository,
    ),
}
_BACKENDS = ("sqlite", "postgres", "async")


@dataclass
class Club:
    """One backend: builds an adapter of a kind on a tenant's handle (None: the database)."""

    backend: str
    database: Any
    loop: LoopThread | None = None

    def handle(self, tenant: str | None) -> Any:
        return self.database if tenant is None else self.database.for_tenant(tenant)

    def make(self, kind: str, tenant: str | None = None, **kwargs: Any) -> Any:
        adapter = _ADAPTERS[kind][_BACKENDS.index(self.backend)]
        assert adapter is not None, f"no async adapter of {kind}"
        made = adapter(self.handle(tenant), **kwargs)
        if self.loop is None:
            return made
        return self.loop.blocking(made, iterators=("customers", "customer_ids"))

    def three(self, kind: str, **kwargs: Any) -> tuple[Any, Any, Any]:
        """The adapters of `kind` for club-a, club-b and the database itself (the default)."""
        return self.make(kind, A, **kwargs), self.make(kind, B, **kwargs), self.make(kind, **kwargs)


# --- the databases ----------------------------------------------------------------


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    with LoopThread(name="tenants-customers") as thread:
        yield thread


@pytest.fixture(scope="module")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A fresh database for the module, migrated."""
    url = postgres_cluster.create_database("tenants_customers")
    with PostgresDatabase(url) as db:
        db.migrate()
    return url


@pytest.fixture(scope="module")
def postgres_db(postgres_url: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(postgres_url, pool_size=4) as db:
        yield db


@pytest.fixture(scope="module")
def async_postgres_db(postgres_url: str, loop: LoopThread) -> Iterator[AsyncPostgresDatabase]:
    db = loop.run(AsyncPostgresDatabase.open(postgres_url, pool_size=4))
    yield db
    loop.run(db.close())


def _truncate(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(f'clubrules.{t}' for t in TABLES)}")


@pytest.fixture
def club(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Club]:
    """The backend the test is parametrized with, its tables empty."""
    backend: str = request.param
    if backend == "sqlite":
        with SQLiteDatabase(tmp_path / "club.db") as db:
            db.migrate()
            yield Club(backend, db)
        return
    url: str = request.getfixturevalue("postgres_url")
    _truncate(url)
    if backend == "postgres":
        yield Club(backend, request.getfixturevalue("postgres_db"))
        return
    loop: LoopThread = request.getfixturevalue("loop")
    yield Club(backend, request.getfixturevalue("async_postgres_db"), loop)


_ALL = pytest.mark.parametrize(
    "club",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("async", marks=pytest.mark.postgres),
    ],
    indirect=True,
)
_SYNC = pytest.mark.parametrize(
    "club",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)


# --- customers ---------------------------------------------------------------------


def _customer(name: str, **changes: Any) -> Customer:
    fields: dict[str, Any] = {
        "id": "c-1",
        "name": name,
        "registered_at": T0,
        "phone": PHONE,
        "tags": frozenset({"vip"}),
        "allergies": Sealed(name.encode() + b"\x00sealed"),
    }
    fields.update(changes)
    return Customer(**fields)


@_ALL
def test_customer_profiles_with_the_same_id_live_apart(club: Club) -> None:
    a, b, home = club.three("customers")
    ann, bea = _customer("Ann"), _customer("Bea", registered_at=T0 + HOUR)
    a.add(ann)
    b.add(bea)  # the same id in another tenant: not a duplicate
    assert (a.get("c-1"), b.get("c-1")) == (ann, bea)
    assert (list(a.customers()), list(b.customers())) == ([ann], [bea])
    assert (a.find_by_phone(PHONE), b.find_by_phone(PHONE)) == ([ann], [bea])
    with pytest.raises(NotFoundError):
        home.get("c-1")
    assert list(home.customers()) == []
    assert home.find_by_phone(PHONE) == []

    with pytest.raises(DuplicateError):  # taken in its own tenant
        a.add(_customer("Ann again"))
    a.update(attrs.evolve(ann, name="Ann Two"))
    with pytest.raises(NotFoundError):  # c-1 is not the default tenant's
        home.update(ann)
    home.add(_customer("Home"))
    a.add(_customer("Cat", id="c-2"))
    assert b.get("c-1") == bea
    assert list(b.customers()) == [bea]
    assert [c.name for c in a.customers()] == ["Ann Two", "Cat"]
    assert [c.name for c in home.customers()] == ["Home"]


# --- consumption and service records --------------------------------------------------


def _record(amount: str, currency: str = "CNY", **changes: Any) -> ConsumptionRecord:
    fields: dict[str, Any] = {
        "id": "r-1",
        "customer_id": "c-1",
        "at": T0,
        "service": "facial",
        "amount": Money(Decimal(amount), currency),
    }
    fields.update(changes)
    return ConsumptionRecord(**fields)


def _service(notes: str, **changes: Any) -> ServiceRecord:
    fields: dict[str, Any] = {
        "id": "s-1",
        "customer_id": "c-1",
        "at": T0,
        "service": "facial",
        "staff_id": "st-1",
        "notes": notes,
    }
    fields.update(changes)
    return ServiceRecord(**fields)


@_SYNC
def test_consumption_and_service_records_with_the_same_ids_live_apart(club: Club) -> None:
    a, b, home = club.three("consumption")
    ra, rb = _record("100.00"), _record("250.00", at=T0 + HOUR)
    assert a.add(ra) is True
    assert b.add(rb) is True  # the same id in another tenant: stored, not a duplicate
    assert (a.add(ra), b.add(rb)) == (False, False)  # idempotent, each in its own tenant
    with pytest.raises(DuplicateError):  # b's content under an id taken in a
        a.add(rb)
    assert (a.get("r-1"), b.get("r-1")) == (ra, rb)
    with pytest.raises(NotFoundError):
        home.get("r-1")
    assert (a.records(), b.records()) == ([ra], [rb])
    assert a.records("c-1", start=T0, end=T0 + DAY) == [ra]
    assert a.records("c-1", start=T0 + HOUR, end=T0 + DAY) == []
    assert b.records("c-1", start=T0 + HOUR, end=T0 + DAY) == [rb]
    assert home.records() == []
    assert home.records("c-1", start=T0, end=T0 + DAY) == []

    sa, sb = _service("rosehip oil"), _service("no oil", at=T0 + HOUR)
    assert (a.add_service(sa), b.add_service(sb)) == (True, True)
    assert (a.add_service(sa), b.add_service(sb)) == (False, False)
    with pytest.raises(DuplicateError):
        b.add_service(sa)
    assert (a.service_records("c-1"), b.service_records("c-1")) == ([sa], [sb])
    assert a.service_records("c-1", start=T0 + HOUR) == []
    assert home.service_records("c-1") == []
    home.add(_record("1.00"))
    assert (a.records(), b.records()) == ([ra], [rb])


# --- tiering -----------------------------------------------------------------------------


@_SYNC
def test_activity_summaries_count_the_handles_tenant_only(club: Club) -> None:
    a_records, b_records = (
        [
            _record("100.00", id="r-1", at=T0),
            _record("80.00", id="r-2", at=T0 + DAY),
            _record("30.00", id="r-3", customer_id="c-2", at=T0 + 2 * DAY),
        ],
        [
            # At a's first visit, in another zone, and first by id: the zone of a's
            # first visit must still come from a's own record.
            _record("1.00", id="r-0", at=T0.astimezone(ZONE)),
            _record("999.00", id="r-1", at=T0 + 3 * HOUR),
            _record("40.00", id="r-2", at=T0 + DAY, kind=ConsumptionKind.REFUND, refund_of="r-1"),
            _record("5.00", id="r-9", customer_id="c-9", at=T0 + 5 * DAY),
        ],
    )
    sa, sb, _ = club.three("consumption")
    for record in a_records:
        sa.add(record)
    for record in b_records:
        sb.add(record)
    a, b, home = club.three("activity", zone=ZONE, currency="CNY")
    start, end = T0 - DAY, T0 + 10 * DAY
    for repository, records in ((a, a_records), (b, b_records)):
        oracle = summarize_activity(records, start=start, end=end, zone=ZONE, currency="CNY")
        assert repository.summaries(start=start, end=end) == list(oracle.values())
        assert repository.summary("c-1", start=start, end=end) == oracle["c-1"]
    first_a = a.summary("c-1", start=start, end=end).first_visit
    first_b = b.summary("c-1", start=start, end=end).first_visit
    assert first_a == first_b == T0
    assert (first_a.utcoffset(), first_b.utcoffset()) == (timedelta(0), 8 * HOUR)
    assert a.summary("c-1", start=start, end=end).visits == 2
    assert b.summary("c-1", start=start, end=end).visits == 1
    assert a.summary("c-9", start=start, end=end).visits == 0  # b's customer
    assert home.summaries(start=start, end=end) == []

    # A record in another currency stops its own tenant's aggregate only.
    sb.add(_record("7.00", "USD", id="r-usd", at=T0 + 2 * HOUR))
    with pytest.raises(InvalidMoneyError):
        b.summaries(start=start, end=end)
    assert len(a.summaries(start=start, end=end)) == 2


# --- consents ----------------------------------------------------------------------------


def _consent(evidence: str, **changes: Any) -> ConsentRecord:
    fields: dict[str, Any] = {
        "id": "k-1",
        "customer_id": "c-1",
        "purpose": Purpose.SERVICE_DELIVERY,
        "scope": {"allergies"},
        "given_at": T0,
        "separate": True,
        "evidence": evidence,
    }
    fields.update(changes)
    return ConsentRecord(**fields)


@_ALL
def test_consents_with_the_same_id_live_apart(club: Club) -> None:
    a, b, home = club.three("consents")
    ka, kb = _consent("form-a"), _consent("form-b", given_at=T0 + HOUR)
    a.add(ka)
    b.add(kb)
    with pytest.raises(DuplicateError):
        a.add(_consent("again"))
    assert (a.get("k-1"), b.get("k-1")) == (ka, kb)
    assert (a.for_customer("c-1"), b.for_customer("c-1")) == ([ka], [kb])
    with pytest.raises(NotFoundError):
        home.get("k-1")
    with pytest.raises(NotFoundError):
        home.withdraw("k-1", T0 + DAY)
    assert home.for_customer("c-1") == []
    assert a.tenant == A
    assert home.tenant == "default"

    withdrawn = a.withdraw("k-1", T0 + 2 * HOUR)
    assert withdrawn.withdrawn_at == T0 + 2 * HOUR
    assert a.get("k-1") == withdrawn
    assert b.get("k-1") == kb  # not withdrawn
    assert b.withdraw("k-1", T0 + 3 * HOUR).withdrawn_at == T0 + 3 * HOUR
    assert a.get("k-1") == withdrawn  # the first withdrawal stays
    home.add(_consent("home"))
    assert [k.evidence for k in a.for_customer("c-1")] == ["form-a"]


# --- the access log ----------------------------------------------------------------------


def _event(minutes: int, role: str, **changes: Any) -> AccessEvent:
    fields: dict[str, Any] = {
        "at": T0 + timedelta(minutes=minutes),
        "actor": "st-1",
        "role": role,
        "purpose": Purpose.SERVICE_DELIVERY,
        "customer_id": "c-1",
        "field": "allergies",
        "allowed": True,
        "reason": "allowed",
    }
    fields.update(changes)
    return AccessEvent(**fields)


@_ALL
def test_access_logs_and_reports_keep_to_their_tenant(club: Club) -> None:
    a, b, home = club.three("log")
    a_events = [_event(0, "therapist"), _event(1, "therapist", field="health"), _event(5, "lead")]
    b_events = [_event(2, "front_desk", allowed=False, reason="role_policy")]
    for event in a_events:
        a.append(event)
    for event in b_events:
        b.append(event)
    assert a.for_customer("c-1") == a_events
    assert b.for_customer("c-1") == b_events
    assert a.for_customer("c-1", field="allergies", since=T0, until=T0 + HOUR) == [
        a_events[0],
        a_events[2],
    ]
    assert (a.by_actor("st-1"), b.by_actor("st-1")) == (a_events, b_events)
    assert home.for_customer("c-1") == []
    assert home.by_actor("st-1") == []

    report = access_report(a, "c-1", field="allergies")
    assert report.events == (a_events[0], a_events[2])
    assert report.readers == ("st-1",)
    assert access_report(b, "c-1").events == tuple(b_events)
    assert access_report(b, "c-1").readers == ()
    assert access_report(home, "c-1").events == ()

    assert home.purge_before(T0 + DAY) == 0
    assert a.purge_before(T0 + timedelta(minutes=3)) == 2
    assert a.for_customer("c-1") == [a_events[2]]
    assert b.for_customer("c-1") == b_events  # older than the cutoff, but another tenant's


# --- data keys ---------------------------------------------------------------------------


def _wrapped(n: int) -> Sealed:
    cipher = FieldCipher(Keyring.generate())
    return cipher.seal(bytes([n]) * 36, record_type="t", record_id="r", field="f")


@_ALL
def test_data_keys_with_the_same_customer_live_apart(club: Club) -> None:
    a, b, home = club.three("keys")
    wa, wb, wh = _wrapped(1), _wrapped(2), _wrapped(3)
    a.add("c-1", wa)
    b.add("c-1", wb)  # one key per customer and tenant
    with pytest.raises(DuplicateError):
        a.add("c-1", wb)
    assert (a.get("c-1"), b.get("c-1"), home.get("c-1")) == (wa, wb, None)
    assert a.tenant == A
    assert b.tenant == B

    assert a.replace("c-1", wb, _wrapped(4)) is False  # b's key is not a's expected one
    wa2 = _wrapped(5)
    assert a.replace("c-1", wa, wa2) is True
    assert home.replace("c-1", wa2, _wrapped(6)) is False
    assert (a.get("c-1"), b.get("c-1")) == (wa2, wb)

    home.add("c-1", wh)
    a.add("c-2", _wrapped(7))
    assert (list(a.customer_ids()), list(b.customer_ids())) == (["c-1", "c-2"], ["c-1"])
    assert home.delete("c-2") is False
    assert a.delete("c-1") is True
    assert a.delete("c-1") is False
    assert (a.get("c-1"), b.get("c-1"), home.get("c-1")) == (None, wb, wh)


@_ALL
def test_erase_all_destroys_every_key_of_one_tenant_only(club: Club) -> None:
    a, b, home = club.three("keys")
    wb, wh = _wrapped(2), _wrapped(3)
    for n, customer_id in enumerate(("c-1", "c-2", "c-3"), start=10):
        a.add(customer_id, _wrapped(n))
    b.add("c-1", wb)
    home.add("c-2", wh)
    assert a.erase_all() == 3
    assert [a.get(c) for c in ("c-1", "c-2", "c-3")] == [None, None, None]
    assert list(a.customer_ids()) == []
    assert (b.get("c-1"), home.get("c-2")) == (wb, wh)
    assert a.erase_all() == 0  # nothing left: nothing more to erase
    fresh = _wrapped(20)
    a.add("c-1", fresh)  # a tenant erased can key its customers anew
    assert list(b.customer_ids()) == ["c-1"]
    assert b.erase_all() == 1
    assert (a.get("c-1"), b.get("c-1"), home.get("c-2")) == (fresh, None, wh)


def _files_holding(directory: Path, secret: bytes) -> list[str]:
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.name.startswith("club.db") and secret in p.read_bytes()
    )


def test_a_sqlite_tenant_erased_leaves_its_keys_in_none_of_the_files(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        a, b = SQLiteDataKeyStore(db.for_tenant(A)), SQLiteDataKeyStore(db.for_tenant(B))
        erased = [_wrapped(n) for n in (1, 2, 3)]
        for n, wrapped in enumerate(erased):
            a.add(f"c-{n}", wrapped)
        kept = _wrapped(9)
        b.add("c-0", kept)
        assert a.erase_all() == 3
        for wrapped in erased:  # while the database is still open
            assert _files_holding(tmp_path, sealed_to_bytes(wrapped)) == []
        assert _files_holding(tmp_path, sealed_to_bytes(kept)) != []


def test_a_sqlite_tenant_erased_in_a_unit_of_work_is_purged_after_its_commit(
    tmp_path: Path,
) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        handle = db.for_tenant(A)
        store = SQLiteDataKeyStore(handle)
        wrapped = _wrapped(1)
        store.add("c-1", wrapped)
        with handle.unit_of_work():
            assert store.erase_all() == 1
        assert store.get("c-1") is None
        assert _files_holding(tmp_path, sealed_to_bytes(wrapped)) == []


# --- complaint streams -------------------------------------------------------------------


def _registered(customer_id: str, minutes: int = 0) -> list[CaseEvent]:
    case = register(
        default_book(),
        case_id="k-1",
        at=T0 + timedelta(minutes=minutes),
        kind=CaseKind.COMPLAINT,
        channel="wechat",
        customer_id=customer_id,
        contact="wx-id",
        content="the towel was not clean",
        category="hygiene",
    )
    return list(case.events)


@_ALL
def test_complaint_streams_with_the_same_case_id_live_apart(club: Club) -> None:
    a, b, home = club.three("complaints")
    a_events, b_events = _registered("c-1"), _registered("c-2", minutes=5)
    assert a.append("k-1", 0, a_events) == 1
    assert b.append("k-1", 0, b_events) == 1  # a new stream in b, though a has k-1
    assigned = Assigned(at=T0 + HOUR, by="lead", to="st-2")
    assert a.append("k-1", 1, [assigned]) == 2
    assert (a.version("k-1"), b.version("k-1"), home.version("k-1")) == (2, 1, 0)
    assert a.events("k-1") == [*a_events, assigned]
    assert a.events("k-1", after=1) == [assigned]
    assert b.events("k-1") == b_events
    assert b.events("k-1", after=1) == []
    with pytest.raises(NotFoundError):
        home.events("k-1")
    with pytest.raises(StaleVersionError) as stale:
        b.append("k-1", 2, [assigned])  # a's version, not b's
    assert (stale.value.expected, stale.value.actual) == (2, 1)
    assert (a.case_ids(), b.case_ids(), home.case_ids()) == (["k-1"], ["k-1"], [])
    assert home.append("k-1", 0, _registered("c-3")) == 1
    assert (a.version("k-1"), b.version("k-1")) == (2, 1)


# --- units of work and the caller's connection on PostgreSQL ---------------------------


@pytest.mark.postgres
def test_postgres_writes_in_a_tenants_unit_of_work_and_on_the_callers_connection(
    postgres_db: PostgresDatabase, postgres_url: str
) -> None:
    _truncate(postgres_url)
    handle = postgres_db.for_tenant(A)
    with handle.unit_of_work():
        PostgresCustomerRepository(handle).add(_customer("Ann"))
        PostgresDataKeyStore(handle).add("c-1", _wrapped(1))
        PostgresComplaintRepository(handle).append("k-1", 0, _registered("c-1"))
    with psycopg.connect(postgres_url) as conn:
        caller = PostgresDatabase.from_connection(conn).for_tenant(B)
        PostgresCustomerRepository(caller).add(_customer("Bea"))
        assert PostgresDataKeyStore(caller).get("c-1") is None
        PostgresConsentStore(caller).add(_consent("form-b"))
        conn.commit()
    assert PostgresCustomerRepository(handle).get("c-1").name == "Ann"
    assert PostgresCustomerRepository(postgres_db.for_tenant(B)).get("c-1").name == "Bea"
    assert PostgresConsentStore(handle).for_customer("c-1") == []
    assert PostgresComplaintRepository(postgres_db.for_tenant(B)).case_ids() == []
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT tenant, count(*) FROM clubrules.customers GROUP BY tenant ORDER BY tenant"
        ).fetchall()
    assert rows == [(A, 1), (B, 1)]


@pytest.mark.postgres
def test_postgres_adapters_work_for_an_ordinary_role_under_row_level_security(
    postgres_db: PostgresDatabase, postgres_url: str, postgres_cluster: PostgresCluster
) -> None:
    """As the application's role (no superuser, no BYPASSRLS) the policies admit every call."""
    _truncate(postgres_url)
    role = f"club_app_{next(_names)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT USAGE ON SCHEMA clubrules TO {role}")
        admin.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA clubrules TO {role}"
        )
        admin.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA clubrules TO {role}")
    url = postgres_url.replace(f"{postgres_cluster.user}@", f"{role}@", 1)
    with PostgresDatabase(url) as db:
        for tenant, name in ((A, "Ann"), (B, "Bea")):
            handle = db.for_tenant(tenant)
            customers = PostgresCustomerRepository(handle)
            customers.add(_customer(name))
            customers.update(_customer(name + "!"))
            PostgresConsumptionRepository(handle).add(_record("10.00"))
            keys = PostgresDataKeyStore(handle)
            keys.add("c-1", _wrapped(1))
            consents = PostgresConsentStore(handle)
            consents.add(_consent(name))
            consents.withdraw("k-1", T0 + HOUR)
            PostgresAccessLog(handle).append(_event(0, "therapist"))
            PostgresComplaintRepository(handle).append("k-1", 0, _registered("c-1"))
        a = db.for_tenant(A)
        assert [c.name for c in PostgresCustomerRepository(a).customers()] == ["Ann!"]
        assert len(PostgresAccessLog(a).for_customer("c-1")) == 1
        assert PostgresComplaintRepository(a).version("k-1") == 1
        summaries = PostgresActivityRepository(a, zone=ZONE).summaries(start=T0, end=T0 + DAY)
        assert [s.spend for s in summaries] == [Money(Decimal(10), "CNY")]
        assert PostgresDataKeyStore(a).erase_all() == 1
        assert PostgresDataKeyStore(db.for_tenant(B)).get("c-1") is not None
        # Outside the library's transactions the role's connection has no tenant: no rows.
        with db._autocommit() as conn:
            assert conn.execute("SELECT count(*) FROM clubrules.customers").fetchone() == (0,)


# --- a property: interleaved writes to two tenants, each read as its own oracle -----------

_OPS = st.lists(
    st.tuples(
        st.sampled_from([A, B]),
        st.sampled_from(["add", "update", "key", "unkey"]),
        st.sampled_from(["c-1", "c-2", "c-3"]),
        st.integers(min_value=0, max_value=3),
    ),
    max_size=25,
)


@pytest.fixture(scope="module")
def shared_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path_factory.mktemp("tenants") / "club.db") as db:
        db.migrate()
        yield db


_serial = itertools.count()


@settings(max_examples=40)
@given(ops=_OPS)
def test_interleaved_writes_to_two_tenants_read_back_as_each_tenants_own(
    shared_sqlite: SQLiteDatabase, ops: list[tuple[str, str, str, int]]
) -> None:
    run = next(_serial)
    tenants = {t: f"{t}-{run}" for t in (A, B)}  # fresh tenants: no cleanup between examples
    handles = {t: shared_sqlite.for_tenant(name) for t, name in tenants.items()}
    customers = {t: SQLiteCustomerRepository(handle) for t, handle in handles.items()}
    keys = {t: SQLiteDataKeyStore(handle) for t, handle in handles.items()}
    wrapped = [_wrapped(n) for n in range(4)]
    profiles: dict[str, dict[str, Customer]] = {A: {}, B: {}}
    held: dict[str, dict[str, Sealed]] = {A: {}, B: {}}
    for tenant, op, customer_id, n in ops:
        customer = _customer(f"name-{n}", id=customer_id)
        if op == "add":
            if customer_id in profiles[tenant]:
                with pytest.raises(DuplicateError):
                    customers[tenant].add(customer)
            else:
                customers[tenant].add(customer)
                profiles[tenant][customer_id] = customer
        elif op == "update":
            if customer_id in profiles[tenant]:
                customers[tenant].update(customer)
                profiles[tenant][customer_id] = customer
            else:
                with pytest.raises(NotFoundError):
                    customers[tenant].update(customer)
        elif op == "key":
            if customer_id in held[tenant]:
                with pytest.raises(DuplicateError):
                    keys[tenant].add(customer_id, wrapped[n])
            else:
                keys[tenant].add(customer_id, wrapped[n])
                held[tenant][customer_id] = wrapped[n]
        else:
            had = held[tenant].pop(customer_id, None) is not None
            assert keys[tenant].delete(customer_id) is had
        for t in (A, B):
            assert list(customers[t].customers()) == [profiles[t][c] for c in sorted(profiles[t])]
            assert list(keys[t].customer_ids()) == sorted(held[t])
            assert {c: keys[t].get(c) for c in held[t]} == held[t]


def test_a_tenant_id_that_could_break_out_of_its_literal_is_refused() -> None:
    with SQLiteDatabase(":memory:") as db, pytest.raises(ValidationError) as refused:
        SQLiteCustomerRepository(db.for_tenant("club'; DROP TABLE x; --"))
    assert refused.value.field == "tenant"
