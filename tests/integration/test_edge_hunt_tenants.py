"""Edge hunt: many clubs in one store, against a model of one store per club.

Two classes of cross-tenant fault are attacked here:

- A tenant id given as a `str` subclass. `check_tenant` checked the
  characters of the value but returned `str(value)`, which calls the
  subclass's `__str__`: a handle for "club-a" could be bound to whatever that
  method answered (another club's id, or text the rules refuse). The id a
  handle, a sibling or a store is bound to must be the checked characters,
  as a plain `str`.
- Random writes, erasures and purges of three tenants on one SQLite file and
  on the in-memory siblings, compared after every step with a model that
  keeps one separate in-memory store per tenant: whatever one tenant does,
  what every tenant reads is what its own separate store would answer.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._checks import check_tenant
from clubrules.customers import Customer
from clubrules.errors import DuplicateError, ValidationError
from clubrules.privacy import AccessEvent, CustomerKeys, FieldCipher, Keyring, Purpose
from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryCustomerRepository,
    InMemoryDataKeyStore,
)
from clubrules.storage.postgres import PostgresCustomerRepository, PostgresDatabase
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteCustomerRepository,
    SQLiteDatabase,
    SQLiteDataKeyStore,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.customers import Sealed
    from clubrules.testing.postgres import PostgresCluster

A, B, C = "club-a", "club-b", "club-c"
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)

# --- tenant ids given as str subclasses --------------------------------------------

_TENANT_IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}", fullmatch=True)
_ANSWERS = st.one_of(
    _TENANT_IDS,
    st.text(max_size=80),
    st.sampled_from(["", "x'; DROP TABLE clubrules_customers; --", "a\x00b", "default"]),
)


def _posing(tenant: str, answer: str) -> str:
    """`tenant` as an instance of a str subclass whose `str()` answers `answer`."""

    class Posing(str):
        __slots__ = ()

        def __str__(self) -> str:
            return answer

    return Posing(tenant)


@settings(max_examples=200)
@given(tenant=_TENANT_IDS, answer=_ANSWERS)
def test_a_checked_tenant_id_is_its_own_characters_as_a_plain_str(tenant: str, answer: str) -> None:
    checked = check_tenant(_posing(tenant, answer))
    assert type(checked) is str
    assert checked == tenant


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path_factory.mktemp("posing") / "club.db") as db:
        db.migrate()
        yield db


@settings(max_examples=60)
@given(tenant=_TENANT_IDS, answer=_ANSWERS)
def test_handles_and_siblings_are_bound_to_the_tenant_id_given(
    sqlite_db: SQLiteDatabase, tenant: str, answer: str
) -> None:
    handle = sqlite_db.for_tenant(_posing(tenant, answer))
    assert handle is sqlite_db.for_tenant(tenant)
    assert type(handle.tenant) is str
    assert handle.tenant == tenant
    sibling = InMemoryCustomerRepository().for_tenant(_posing(tenant, answer))
    assert type(sibling.tenant) is str
    assert sibling.tenant == tenant
    store = InMemoryDataKeyStore().for_tenant(tenant)
    keys = CustomerKeys(Keyring.generate(), store, tenant=_posing(tenant, answer))
    assert keys.cipher_for("c-1", create=True) is not None  # the store's tenant is the keys' tenant
    assert list(store.customer_ids()) == ["c-1"]


def test_a_write_through_a_posing_tenant_id_lands_in_that_tenant(tmp_path: Path) -> None:
    """Before the fix the handle of "club-a" wrote into "club-b", the id its `str()` gave."""
    posing = _posing(A, B)
    customer = Customer(id="c-1", name="Li", registered_at=T0)
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        SQLiteCustomerRepository(db.for_tenant(posing)).add(customer)
        assert SQLiteCustomerRepository(db.for_tenant(A)).get("c-1") == customer
        assert list(SQLiteCustomerRepository(db.for_tenant(B)).customers()) == []
    memory = InMemoryCustomerRepository()
    memory.for_tenant(posing).add(customer)
    assert memory.for_tenant(A).get("c-1") == customer
    assert list(memory.for_tenant(B).customers()) == []


def test_a_posing_tenant_id_that_breaks_the_rules_binds_nothing_else() -> None:
    for answer in ("", "a\x00b", "x'; --"):
        with SQLiteDatabase(":memory:") as db:
            db.migrate()
            repo = SQLiteCustomerRepository(db.for_tenant(_posing(A, answer)))
            assert repr(repo)  # built: the handle's tenant is the checked "club-a"
            assert db.for_tenant(_posing(A, answer)).tenant == A
    with pytest.raises(ValidationError):
        check_tenant(_posing("bad tenant", A))  # the characters are checked, not str()


# --- three tenants against one store per tenant --------------------------------------


def _wrapped(n: int) -> Sealed:
    cipher = FieldCipher(Keyring.generate())
    return cipher.seal(bytes([n]) * 36, record_type="t", record_id="r", field="f")


_WRAPPED = [_wrapped(n) for n in range(3)]
_TENANTS = (A, B, C)
_CUSTOMERS = ("c-1", "c-2")

_OP = st.one_of(
    st.tuples(
        st.just("key"), st.sampled_from(_TENANTS), st.sampled_from(_CUSTOMERS), st.integers(0, 2)
    ),
    st.tuples(
        st.just("rekey"), st.sampled_from(_TENANTS), st.sampled_from(_CUSTOMERS), st.integers(0, 2)
    ),
    st.tuples(st.just("shred"), st.sampled_from(_TENANTS), st.sampled_from(_CUSTOMERS), st.just(0)),
    st.tuples(st.just("erase_all"), st.sampled_from(_TENANTS), st.just(""), st.just(0)),
    st.tuples(
        st.just("log"), st.sampled_from(_TENANTS), st.sampled_from(_CUSTOMERS), st.integers(0, 3)
    ),
    st.tuples(st.just("purge"), st.sampled_from(_TENANTS), st.just(""), st.integers(0, 4)),
    st.tuples(
        st.just("profile"),
        st.sampled_from(_TENANTS),
        st.sampled_from(_CUSTOMERS),
        st.integers(0, 2),
    ),
)


class _Stores:
    """The data keys, access log and customers of one tenant, on some backend."""

    def __init__(self, keys: Any, log: Any, customers: Any) -> None:
        self.keys, self.log, self.customers = keys, log, customers


def _apply(stores: _Stores, op: str, customer_id: str, n: int) -> object:
    """One operation; its result, or the type of the error it raised."""
    try:
        if op == "key":
            return stores.keys.add(customer_id, _WRAPPED[n])
        if op == "rekey":
            current = stores.keys.get(customer_id)
            if current is None:
                return None
            return stores.keys.replace(customer_id, current, _WRAPPED[n])
        if op == "shred":
            return stores.keys.delete(customer_id)
        if op == "erase_all":
            return stores.keys.erase_all()
        if op == "log":
            stores.log.append(
                AccessEvent(
                    at=T0 + n * HOUR,
                    actor=f"staff-{n % 2}",
                    role="front_desk",
                    purpose=Purpose.SERVICE_DELIVERY,
                    customer_id=customer_id,
                    field="phone",
                    allowed=n % 2 == 0,
                    reason="allowed" if n % 2 == 0 else "role_policy",
                )
            )
            return None
        if op == "purge":
            return stores.log.purge_before(T0 + n * HOUR)
        return stores.customers.add(Customer(id=customer_id, name=f"name-{n}", registered_at=T0))
    except DuplicateError as error:
        return type(error)


def _reads(stores: _Stores) -> tuple[object, ...]:
    """Everything a tenant can read of its stores."""
    return (
        sorted(stores.keys.customer_ids()),  # in no particular order (the port)
        [stores.keys.get(c) for c in _CUSTOMERS],
        [stores.log.for_customer(c) for c in _CUSTOMERS],
        [stores.log.by_actor(f"staff-{n}") for n in (0, 1)],
        list(stores.customers.customers()),
    )


_run = itertools.count()


@pytest.fixture(scope="module")
def shared_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteDatabase]:
    with SQLiteDatabase(tmp_path_factory.mktemp("tenants") / "club.db") as db:
        db.migrate()
        yield db


def _sqlite_backend(db: SQLiteDatabase) -> Callable[[str], _Stores]:
    run = next(_run)  # fresh tenants per example: no cleanup between examples

    def stores(tenant: str) -> _Stores:
        handle = db.for_tenant(f"{tenant}-{run}")
        return _Stores(
            SQLiteDataKeyStore(handle), SQLiteAccessLog(handle), SQLiteCustomerRepository(handle)
        )

    return stores


def _memory_backend() -> Callable[[str], _Stores]:
    keys, log, customers = InMemoryDataKeyStore(), InMemoryAccessLog(), InMemoryCustomerRepository()

    def stores(tenant: str) -> _Stores:
        return _Stores(
            keys.for_tenant(tenant), log.for_tenant(tenant), customers.for_tenant(tenant)
        )

    return stores


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(_OP, max_size=25))
def test_three_tenants_on_one_store_read_as_three_separate_stores(
    shared_sqlite: SQLiteDatabase, ops: list[tuple[str, str, str, int]]
) -> None:
    # The model: a separate, single-club store per tenant (each the "default" one).
    model = {
        t: _Stores(InMemoryDataKeyStore(), InMemoryAccessLog(), InMemoryCustomerRepository())
        for t in _TENANTS
    }
    backends = {"sqlite": _sqlite_backend(shared_sqlite), "memory": _memory_backend()}
    built = {name: {t: make(t) for t in _TENANTS} for name, make in backends.items()}
    for op, tenant, customer_id, n in ops:
        expected = _apply(model[tenant], op, customer_id, n)
        for name, tenants in built.items():
            assert _apply(tenants[tenant], op, customer_id, n) == expected, (name, op)
        for t in _TENANTS:
            seen = _reads(model[t])
            for name, tenants in built.items():
                assert _reads(tenants[t]) == seen, (name, t)


@pytest.mark.postgres
def test_a_postgres_handle_of_a_posing_tenant_id_runs_as_that_tenant(
    postgres_cluster: PostgresCluster,
) -> None:
    """On PostgreSQL the handle's tenant goes out as the setting: the checked id, not `str()`."""
    url = postgres_cluster.create_database("edge_hunt_posing")
    customer = Customer(id="c-1", name="Li", registered_at=T0)
    with PostgresDatabase(url) as db:
        db.migrate()
        for answer in (B, "a\x00b"):
            handle = db.for_tenant(_posing(A, answer))
            assert handle is db.for_tenant(A)
            repo = PostgresCustomerRepository(handle)
            if answer == B:
                repo.add(customer)
            assert list(repo.customers()) == [customer]
        assert list(PostgresCustomerRepository(db.for_tenant(B)).customers()) == []
