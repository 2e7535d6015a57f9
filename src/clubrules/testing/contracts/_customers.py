"""Contract suites for the customers ports: `CustomerRepository` and `ConsumptionRepository`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from clubrules._time import to_epoch_us
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Gender,
    Sealed,
    ServiceRecord,
    parse_phone,
)
from clubrules.errors import (
    DuplicateError,
    InvalidIntervalError,
    NaiveDatetimeError,
    NotFoundError,
)
from clubrules.money import Money
from clubrules.testing.contracts._asserts import add_once, assert_not_found
from clubrules.testing.contracts._base import (
    SUITE_SETTINGS,
    RepositoryContract,
    RepositoryMachine,
    by_instant,
    run_machine,
)
from clubrules.testing.contracts._instants import assert_added_once, assert_kept, dst_property
from clubrules.testing.contracts._race import THREADS, one_add_wins, race, stored_once
from clubrules.testing.contracts._values import SHANGHAI, Ledger, next_serial
from clubrules.testing.strategies._customers import customers

if TYPE_CHECKING:
    from clubrules.customers.ports import ConsumptionRepository, CustomerRepository

__all__ = ["ConsumptionRepositoryContract", "CustomerRepositoryContract"]

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)


def _customer(customer_id: str = "c-001", **changes: object) -> Customer:
    fields: dict[str, object] = {
        "id": customer_id,
        "name": "王芳",
        "phone": parse_phone("138 0013 8000"),
        "gender": Gender.FEMALE,
        "birthday": date(1990, 2, 28),
        "occupation": "teacher",
        "email": "wang.fang@example.com",
        "wechat": "wangfang_88",
        "tags": frozenset({"vip"}),
        "needs": frozenset({"anti-ageing"}),
        "registered_at": T0,
        "allergies": Sealed(b"\x01sealed-allergies-bytes\x00\xff"),
    }
    fields.update(changes)
    return Customer(**fields)  # type: ignore[arg-type]


class CustomerRepositoryContract(RepositoryContract):
    """Every `CustomerRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty customer repository.
    """

    def test_a_customer_comes_back_equal(self, repository: CustomerRepository) -> None:
        customer = _customer()
        repository.add(customer)
        stored = repository.get("c-001")
        assert stored == customer
        assert stored.phone is not None
        assert stored.phone.e164 == "+8613800138000"
        assert stored.allergies == customer.allergies

    def test_every_field_survives_storage(self, repository: CustomerRepository) -> None:
        customer = _customer(
            registered_at=datetime(2026, 3, 1, 18, 30, tzinfo=SHANGHAI),
            health=Sealed(bytes(range(256))),
            beauty_needs=Sealed(b"\x00" * 40),
            gender=Gender.OTHER,
            tags=frozenset({"vip", "prefers-mornings"}),
        )
        repository.add(customer)
        stored = repository.get("c-001")
        for field in attrs.fields(Customer):
            assert getattr(stored, field.name) == getattr(customer, field.name), field.name
        assert stored.registered_at.utcoffset() is not None

    def test_optional_fields_may_be_empty(self, repository: CustomerRepository) -> None:
        bare = Customer(id="c-002", name="Li", registered_at=T0)
        repository.add(bare)
        assert repository.get("c-002") == bare

    def test_get_of_a_missing_id_raises_not_found(self, repository: CustomerRepository) -> None:
        with pytest.raises(NotFoundError) as caught:
            repository.get("nobody")
        assert caught.value.key == "nobody"

    def test_adding_a_taken_id_raises_and_keeps_the_first(
        self, repository: CustomerRepository
    ) -> None:
        repository.add(_customer())
        with pytest.raises(DuplicateError):
            repository.add(_customer(name="李娜"))
        assert repository.get("c-001").name == "王芳"

    def test_update_replaces_the_profile(self, repository: CustomerRepository) -> None:
        repository.add(_customer())
        changed = _customer(occupation="nurse", tags=frozenset(), allergies=None)
        repository.update(changed)
        assert repository.get("c-001") == changed

    def test_update_of_a_missing_id_raises_not_found(self, repository: CustomerRepository) -> None:
        with pytest.raises(NotFoundError):
            repository.update(_customer("ghost"))
        with pytest.raises(NotFoundError):
            repository.get("ghost")

    def test_find_by_phone_compares_e164(self, repository: CustomerRepository) -> None:
        repository.add(_customer("c-1"))
        repository.add(_customer("c-2", phone=parse_phone("139 0000 0000")))
        repository.add(_customer("c-3", phone=None))
        found = repository.find_by_phone(parse_phone("+86 138-0013-8000"))
        assert [c.id for c in found] == ["c-1"]
        assert repository.find_by_phone(parse_phone("137 0000 0000")) == []

    def test_find_by_phone_lists_a_shared_number_by_id(
        self, repository: CustomerRepository
    ) -> None:
        for customer_id in ("c-9", "c-1", "c-5"):
            repository.add(_customer(customer_id))
        found = repository.find_by_phone(parse_phone("13800138000"))
        assert [c.id for c in found] == ["c-1", "c-5", "c-9"]

    def test_find_by_phone_follows_an_update(self, repository: CustomerRepository) -> None:
        repository.add(_customer())
        new_phone = parse_phone("139 1111 2222")
        repository.update(_customer(phone=new_phone))
        assert repository.find_by_phone(parse_phone("13800138000")) == []
        assert [c.id for c in repository.find_by_phone(new_phone)] == ["c-001"]

    def test_customers_lists_everyone_by_id(self, repository: CustomerRepository) -> None:
        assert list(repository.customers()) == []
        for customer_id in ("c-3", "c-1", "c-2"):
            repository.add(_customer(customer_id))
        assert [c.id for c in repository.customers()] == ["c-1", "c-2", "c-3"]

    def test_concurrent_adds_of_one_id_exactly_one_wins(
        self, repository: CustomerRepository
    ) -> None:
        candidates = [_customer(occupation=f"job-{i}") for i in range(THREADS)]
        winner = one_add_wins(candidates, repository.add, stored=None)
        assert repository.get("c-001") == winner

    def test_concurrent_adds_of_distinct_ids_all_land(self, repository: CustomerRepository) -> None:
        results = race(THREADS, lambda i: repository.add(_customer(f"c-{i}")))
        assert results == [None] * THREADS
        assert len(list(repository.customers())) == THREADS

    @settings(SUITE_SETTINGS, max_examples=25)
    @given(customer=customers(ids=st.just("x")))
    def test_any_valid_customer_round_trips(
        self, repository: CustomerRepository, customer: Customer
    ) -> None:
        # One repository serves every example, so each gets a fresh id.
        customer = attrs.evolve(customer, id=f"h-{next_serial()}")
        repository.add(customer)
        assert repository.get(customer.id) == customer

    def test_random_operations_agree_with_a_dict(self, repository: CustomerRepository) -> None:
        run_machine(lambda: _CustomerMachine(repository), max_examples=25, steps=15)

    @dst_property("at")
    def test_a_registration_at_a_dst_change_round_trips(
        self, repository: CustomerRepository, at: datetime
    ) -> None:
        customer = _customer(f"dst-{next_serial()}", registered_at=at)
        repository.add(customer)
        assert_kept(repository.get(customer.id), customer, "registered_at")


_PHONES = ("13800138000", "13900139000", "18612345678")


class _CustomerMachine(RepositoryMachine["CustomerRepository"]):
    """Random adds, updates and lookups, checked against a dict.

    One repository serves every run, so each run works under its own id
    prefix and checks only its own customers.
    """

    def __init__(self, repository: CustomerRepository) -> None:
        super().__init__(repository)
        self.model: dict[str, Customer] = {}

    def _make(self, n: int, phone: int, occupation: str) -> Customer:
        return _customer(
            f"{self.prefix}{n}", phone=parse_phone(_PHONES[phone]), occupation=occupation
        )

    @rule(n=st.integers(0, 4), phone=st.integers(0, 2), occupation=st.sampled_from(["a", "b"]))
    def add(self, n: int, phone: int, occupation: str) -> None:
        customer = self._make(n, phone, occupation)
        if customer.id in self.model:
            with pytest.raises(DuplicateError):
                self.repository.add(customer)
        else:
            self.repository.add(customer)
            self.model[customer.id] = customer

    @rule(n=st.integers(0, 4), phone=st.integers(0, 2), occupation=st.sampled_from(["a", "b"]))
    def update(self, n: int, phone: int, occupation: str) -> None:
        customer = self._make(n, phone, occupation)
        if customer.id in self.model:
            self.repository.update(customer)
            self.model[customer.id] = customer
        else:
            with pytest.raises(NotFoundError):
                self.repository.update(customer)

    @rule(n=st.integers(0, 4))
    def get(self, n: int) -> None:
        customer_id = f"{self.prefix}{n}"
        if customer_id in self.model:
            assert self.repository.get(customer_id) == self.model[customer_id]
        else:
            with pytest.raises(NotFoundError):
                self.repository.get(customer_id)

    @invariant()
    def phone_lookups_agree(self) -> None:
        for text in _PHONES:
            phone = parse_phone(text)
            got = [c for c in self.repository.find_by_phone(phone) if c.id.startswith(self.prefix)]
            expected = sorted((c for c in self.model.values() if c.phone == phone), key=_by_id)
            assert got == expected

    @invariant()
    def listing_agrees(self) -> None:
        mine = [c for c in self.repository.customers() if c.id.startswith(self.prefix)]
        assert mine == sorted(self.model.values(), key=_by_id)


def _by_id(customer: Customer) -> str:
    return customer.id


_record = Ledger(T0, "288.00").record


def _visit(record_id: str = "s-1", *, customer_id: str = "c-1", minutes: int = 0) -> ServiceRecord:
    return ServiceRecord(
        id=record_id,
        customer_id=customer_id,
        at=T0 + timedelta(minutes=minutes),
        service="facial",
        staff_id="st-7",
        notes="hydrating mask",
        effect="skin calmer",
    )


class _LedgerMachine(RepositoryMachine["ConsumptionRepository"]):
    """Random adds and window queries, checked against a dict and an obvious filter."""

    def __init__(self, repository: ConsumptionRepository) -> None:
        super().__init__(repository)
        self.model: dict[str, ConsumptionRecord] = {}

    @rule(
        n=st.integers(0, 5),
        customer=st.integers(0, 1),
        minutes=st.integers(0, 30),
        amount=st.sampled_from(["0", "10.00", "288.50"]),
        kind=st.sampled_from(ConsumptionKind),
    )
    def add(self, n: int, customer: int, minutes: int, amount: str, kind: ConsumptionKind) -> None:
        record = _record(
            f"{self.prefix}t{n}",
            customer_id=f"{self.prefix}c{customer}",
            minutes=minutes,
            amount=amount,
            kind=kind,
        )
        add_once(self.model, record, self.repository.add)

    @rule(customer=st.integers(0, 1), lo=st.integers(-1, 31), span=st.none() | st.integers(0, 31))
    def window(self, customer: int, lo: int, span: int | None) -> None:
        customer_id = f"{self.prefix}c{customer}"
        start = T0 + timedelta(minutes=lo)
        end = None if span is None else start + timedelta(minutes=span)
        mine = (r for r in self.model.values() if r.customer_id == customer_id)
        expected = by_instant(mine, "at", start=start, end=end)
        assert self.repository.records(customer_id, start=start, end=end) == expected

    @invariant()
    def every_record_is_stored_once(self) -> None:
        for record_id, record in self.model.items():
            assert self.repository.get(record_id) == record


class ConsumptionRepositoryContract(RepositoryContract):
    """Every `ConsumptionRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty consumption repository.
    """

    def test_a_record_comes_back_equal(self, repository: ConsumptionRepository) -> None:
        refund = ConsumptionRecord(
            id="t-2",
            customer_id="c-1",
            at=datetime(2026, 3, 2, 9, 15, tzinfo=SHANGHAI),
            service="facial",
            amount=Money("88.50", "HKD"),
            kind=ConsumptionKind.REFUND,
            refund_of="t-1",
        )
        assert repository.add(refund) is True
        stored = repository.get("t-2")
        assert stored == refund
        assert stored.amount.amount == Money("88.50", "HKD").amount
        assert stored.at.utcoffset() is not None

    def test_get_of_a_missing_id_raises_not_found(self, repository: ConsumptionRepository) -> None:
        assert_not_found(repository.get, "t-404")

    def test_adding_the_same_record_again_changes_nothing(
        self, repository: ConsumptionRepository
    ) -> None:
        assert repository.add(_record()) is True
        assert repository.add(_record()) is False
        assert repository.records("c-1") == [_record()]

    def test_another_record_under_a_taken_id_raises(
        self, repository: ConsumptionRepository
    ) -> None:
        repository.add(_record())
        with pytest.raises(DuplicateError):
            repository.add(_record(amount="1.00"))
        assert repository.get("t-1").amount == Money("288.00")

    def test_records_are_ordered_by_time_then_id(self, repository: ConsumptionRepository) -> None:
        for record in (
            _record("t-3", minutes=5),
            _record("t-2", minutes=1),
            _record("t-1", minutes=5),
        ):
            repository.add(record)
        assert [r.id for r in repository.records("c-1")] == ["t-2", "t-1", "t-3"]

    def test_instants_are_compared_across_zones(self, repository: ConsumptionRepository) -> None:
        # 18:00 in Shanghai is 10:00 UTC: earlier than 11:00 UTC despite the larger wall time.
        late = _record("t-late", minutes=60)
        early = attrs.evolve(_record("t-early"), at=datetime(2026, 3, 1, 18, tzinfo=SHANGHAI))
        repository.add(late)
        repository.add(early)
        assert [r.id for r in repository.records("c-1")] == ["t-early", "t-late"]

    def test_the_window_is_half_open(self, repository: ConsumptionRepository) -> None:
        for minutes in (0, 10, 20):
            repository.add(_record(f"t-{minutes}", minutes=minutes))
        got = repository.records(
            "c-1", start=T0 + timedelta(minutes=10), end=T0 + timedelta(minutes=20)
        )
        assert [r.id for r in got] == ["t-10"]
        assert [r.id for r in repository.records("c-1", end=T0)] == []
        assert len(repository.records("c-1", start=T0)) == 3

    def test_records_filter_by_customer_or_take_all(
        self, repository: ConsumptionRepository
    ) -> None:
        repository.add(_record("t-1", customer_id="c-1"))
        repository.add(_record("t-2", customer_id="c-2", minutes=1))
        repository.add(_record("t-3", customer_id="c-1", minutes=2, kind=ConsumptionKind.REFUND))
        assert [r.id for r in repository.records("c-1")] == ["t-1", "t-3"]
        assert [r.id for r in repository.records()] == ["t-1", "t-2", "t-3"]
        assert repository.records("c-9") == []

    def test_naive_window_bounds_are_refused(self, repository: ConsumptionRepository) -> None:
        naive = datetime(2026, 3, 1, 10)  # noqa: DTZ001 - the point of the test
        with pytest.raises(NaiveDatetimeError):
            repository.records("c-1", start=naive)
        with pytest.raises(NaiveDatetimeError):
            repository.service_records("c-1", end=naive)

    def test_windows_that_end_before_they_start_are_refused(
        self, repository: ConsumptionRepository
    ) -> None:
        later = datetime(2026, 3, 2, tzinfo=UTC)
        with pytest.raises(InvalidIntervalError):
            repository.records("c-1", start=later, end=later - timedelta(days=1))
        with pytest.raises(InvalidIntervalError):
            repository.service_records("c-1", start=later, end=later - timedelta(days=1))
        assert repository.records("c-1", start=later, end=later) == []

    def test_service_records_round_trip_in_order(self, repository: ConsumptionRepository) -> None:
        assert repository.add_service(_visit("s-2", minutes=30)) is True
        assert repository.add_service(_visit("s-1")) is True
        assert repository.add_service(_visit("s-3", customer_id="c-2")) is True
        assert repository.add_service(_visit("s-1")) is False
        got = repository.service_records("c-1")
        assert [r.id for r in got] == ["s-1", "s-2"]
        assert got[0] == _visit("s-1")
        assert got[0].notes == "hydrating mask"
        assert [
            r.id for r in repository.service_records("c-1", start=T0 + timedelta(minutes=1))
        ] == ["s-2"]

    def test_another_service_record_under_a_taken_id_raises(
        self, repository: ConsumptionRepository
    ) -> None:
        repository.add_service(_visit())
        with pytest.raises(DuplicateError):
            repository.add_service(attrs.evolve(_visit(), effect="redness"))

    def test_concurrent_adds_of_one_record_store_it_once(
        self, repository: ConsumptionRepository
    ) -> None:
        stored_once(THREADS, lambda _i: repository.add(_record()))
        assert repository.records("c-1") == [_record()]

    def test_concurrent_conflicting_adds_exactly_one_wins(
        self, repository: ConsumptionRepository
    ) -> None:
        candidates = [_record(amount=f"{i + 1}.00") for i in range(THREADS)]
        winner = one_add_wins(candidates, repository.add)
        assert repository.get("t-1") == winner

    def test_random_operations_agree_with_a_model(self, repository: ConsumptionRepository) -> None:
        run_machine(lambda: _LedgerMachine(repository), max_examples=25, steps=15)

    @dst_property("at")
    def test_wall_times_at_a_dst_change_round_trip_and_retry_idempotently(
        self, repository: ConsumptionRepository, at: datetime
    ) -> None:
        # A skipped wall time (02:30 on a spring-forward night) is held as it
        # exists (03:30); a repeated one keeps its fold. Read back, it is equal,
        # so retrying the identical add is idempotent on every adapter.
        serial = next_serial()
        record = attrs.evolve(_record(f"dst-{serial}", customer_id=f"dst-c{serial}"), at=at)
        visit = attrs.evolve(_visit(f"dst-s{serial}", customer_id=f"dst-c{serial}"), at=at)
        assert to_epoch_us(record.at) == to_epoch_us(at)
        assert_added_once(repository.add, record, at=at)
        assert_kept(repository.get(record.id), record, "at")
        assert repository.records(record.customer_id, start=at) == [record]
        assert_added_once(repository.add_service, visit, at=at)
        (stored_visit,) = repository.service_records(visit.customer_id)
        assert_kept(stored_visit, visit, "at")
