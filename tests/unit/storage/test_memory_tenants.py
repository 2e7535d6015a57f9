"""Every in-memory adapter has tenant handles: `for_tenant` siblings that share nothing.

The instance built is the tenant "default"'s; `for_tenant(t)` returns t's
sibling, made on first use with the same settings and the same object on
every later call, from any sibling. The same ids live side by side in two
tenants and no listing, availability check or replay sees the other's.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from clubrules.complaints import apply
from clubrules.customers import Customer, Sealed
from clubrules.errors import DuplicateError, SlotConflictError, StorageError, ValidationError
from clubrules.money import Money
from clubrules.storage import memory
from clubrules.storage.memory import (
    InMemoryActivityRepository,
    InMemoryBookingRepository,
    InMemoryComplaintRepository,
    InMemoryConsumptionRepository,
    InMemoryCustomerRepository,
    InMemoryDataKeyStore,
)
from clubrules.testing.contracts._booking import NOW, _booking
from clubrules.testing.contracts._complaints import _contact, _new_case
from clubrules.testing.contracts._values import Ledger

if TYPE_CHECKING:
    from collections.abc import Callable

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _factories() -> dict[str, Callable[[], Any]]:
    """A builder of every public in-memory adapter, by class name."""
    out: dict[str, Callable[[], Any]] = {name: getattr(memory, name) for name in memory.__all__}
    out["InMemoryActivityRepository"] = lambda: InMemoryActivityRepository(zone=SHANGHAI)
    return out


FACTORIES = _factories()


def test_every_public_memory_adapter_is_covered() -> None:
    assert len(FACTORIES) == 13


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_tenant_handles_are_shared_siblings(name: str) -> None:
    repo = FACTORIES[name]()
    assert repo.tenant == "default"
    assert repo.for_tenant("default") is repo
    a = repo.for_tenant("club-a")
    assert type(a) is type(repo)
    assert a is not repo
    assert a.tenant == "club-a"
    assert repo.for_tenant("club-a") is a
    assert a.for_tenant("club-a") is a
    assert a.for_tenant("default") is repo
    assert a.for_tenant("club-b") is repo.for_tenant("club-b")
    assert repo.for_tenant("club-b").tenant == "club-b"
    # Another instance of the class is another family: its tenants are its own.
    other = FACTORIES[name]()
    assert other.for_tenant("club-a") is not a


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("tenant", ["", "a b", "x'; drop", "-a", "a" * 64, None, 3])
def test_a_bad_tenant_is_refused(name: str, tenant: object) -> None:
    repo = FACTORIES[name]()
    with pytest.raises(ValidationError) as caught:
        repo.for_tenant(tenant)
    [violation] = caught.value.violations
    assert (violation.field, violation.rule) == ("tenant", "tenant_id")


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_threads_asking_for_a_new_tenant_get_one_sibling(name: str) -> None:
    repo = FACTORIES[name]()
    start = threading.Barrier(8)
    got: list[object] = []

    def ask() -> None:
        start.wait()
        got.append(repo.for_tenant("club-z"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8
    assert all(handle is got[0] for handle in got)


def _customer(customer_id: str, name: str) -> Customer:
    return Customer(id=customer_id, name=name, registered_at=T0, allergies=Sealed(b"x" * 40))


def test_customers_with_the_same_id_live_in_two_tenants() -> None:
    repo = InMemoryCustomerRepository()
    a, b = repo.for_tenant("club-a"), repo.for_tenant("club-b")
    a.add(_customer("c-001", "Ann"))
    b.add(_customer("c-001", "Bea"))
    with pytest.raises(DuplicateError):
        a.add(_customer("c-001", "Ann again"))
    assert a.get("c-001").name == "Ann"
    assert b.get("c-001").name == "Bea"
    assert [c.name for c in a.customers()] == ["Ann"]
    assert list(repo.customers()) == []
    assert (len(a), len(b), len(repo)) == (1, 1, 0)


def test_a_booking_in_one_tenant_does_not_block_another() -> None:
    repo = InMemoryBookingRepository()
    a, b = repo.for_tenant("club-a"), repo.for_tenant("club-b")
    a.add(_booking("b1", 0, 60), now=NOW)
    # The same id and the same slot of the same resource name: free in tenant B.
    b.add(_booking("b1", 0, 60), now=NOW)
    with pytest.raises(SlotConflictError):
        a.add(_booking("b2", 30, 90), now=NOW)
    b.add(_booking("b3", 60, 90), now=NOW)
    assert [x.id for x in a.find(resource="room-1")] == ["b1"]
    assert [x.id for x in b.find(resource="room-1")] == ["b1", "b3"]
    assert repo.find(resource="room-1") == []
    # An idempotency key is per tenant too.
    a.add(_booking("b4", 200, 260, key="k-1"), now=NOW)
    assert b.add(_booking("b5", 200, 260, key="k-1"), now=NOW).id == "b5"


def test_a_complaint_replays_only_its_tenants_events() -> None:
    repo = InMemoryComplaintRepository()
    a, b = repo.for_tenant("club-a"), repo.for_tenant("club-b")
    case = _new_case("k-1")
    a.append("k-1", 0, case.events)
    a.append("k-1", 1, [_contact(10)])
    b.append("k-1", 0, apply(case, _contact(20)).events)
    assert a.version("k-1") == 2
    assert b.version("k-1") == 2
    assert a.events("k-1")[1] == _contact(10)
    assert b.events("k-1")[1] == _contact(20)
    assert repo.version("k-1") == 0
    assert repo.case_ids() == []


def test_consumption_and_activity_summaries_stay_in_their_tenant() -> None:
    ledger = Ledger(start=T0, amount="100.00")
    consumption = InMemoryConsumptionRepository()
    activity = InMemoryActivityRepository(zone=SHANGHAI, consumption=consumption, currency="CNY")
    activity_b = activity.for_tenant("club-b")
    # The sibling is built with the same settings, over the consumption repository's sibling.
    activity_b.add(ledger.record("t-1", "c-1"))
    assert consumption.for_tenant("club-b").records() == [ledger.record("t-1", "c-1")]
    assert consumption.records() == []
    activity.add(ledger.record("t-1", "c-1", amount="5.00"))
    window = {"start": T0 - timedelta(days=1), "end": T0 + timedelta(days=1)}
    assert activity.summary("c-1", **window).spend == Money("5.00")
    assert activity_b.summary("c-1", **window).spend == Money("100.00")
    assert activity.for_tenant("club-c").summaries(**window) == []


def test_an_activity_repository_takes_its_consumption_repositorys_tenant() -> None:
    consumption = InMemoryConsumptionRepository()
    activity = InMemoryActivityRepository(zone=SHANGHAI, consumption=consumption.for_tenant("a"))
    assert activity.tenant == "a"
    assert activity.for_tenant("a") is activity
    default = activity.for_tenant("default")
    default.add(Ledger(start=T0, amount="1.00").record("t-9"))
    assert [r.id for r in consumption.records()] == ["t-9"]


def test_an_activity_repository_over_a_foreign_repository_cannot_make_siblings() -> None:
    class Foreign:
        def records(self, *args: object, **kwargs: object) -> list[object]:
            return []

        def add(self, record: object) -> bool:
            return True

    activity = InMemoryActivityRepository(zone=SHANGHAI, consumption=Foreign())  # type: ignore[arg-type]
    assert activity.tenant == "default"
    with pytest.raises(StorageError) as caught:
        activity.for_tenant("club-a")
    assert "has no for_tenant()" in str(caught.value)


def test_erase_all_empties_one_tenants_data_keys_only() -> None:
    store = InMemoryDataKeyStore()
    a = store.for_tenant("club-a")
    for handle in (store, a, store.for_tenant("club-b")):
        handle.add("c-1", Sealed(b"k" * 40))
        handle.add("c-2", Sealed(b"k" * 40))
    assert a.erase_all() == 2
    assert list(a.customer_ids()) == []
    assert a.get("c-1") is None
    assert sorted(store.customer_ids()) == ["c-1", "c-2"]
    assert sorted(store.for_tenant("club-b").customer_ids()) == ["c-1", "c-2"]
    assert a.erase_all() == 0
