"""The contract suites catch broken repositories, not just bless the in-memory ones."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from clubrules.errors import DuplicateError, NotFoundError
from clubrules.storage.memory import InMemoryConsumptionRepository, InMemoryCustomerRepository
from clubrules.testing.contracts import ConsumptionRepositoryContract, CustomerRepositoryContract
from clubrules.testing.contracts._customers import _CustomerMachine, _LedgerMachine

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime

    from clubrules.customers import ConsumptionRecord, Customer, PhoneNumber


class RacyCustomers:
    """Checks, then writes, without a lock: concurrent adds of one id all 'succeed'."""

    def __init__(self) -> None:
        self._data: dict[str, Customer] = {}

    def add(self, customer: Customer) -> None:
        if customer.id in self._data:
            raise DuplicateError("taken")
        time.sleep(0.02)  # widen the window between the check and the write
        self._data[customer.id] = customer

    def get(self, customer_id: str) -> Customer:
        if customer_id not in self._data:
            raise NotFoundError("customer", customer_id)
        return self._data[customer_id]

    def update(self, customer: Customer) -> None:
        self._data[customer.id] = customer  # bug: no NotFoundError

    def find_by_phone(self, phone: PhoneNumber) -> list[Customer]:
        return sorted((c for c in self._data.values() if c.phone == phone), key=lambda c: c.id)

    def customers(self) -> Iterator[Customer]:
        return iter(sorted(self._data.values(), key=lambda c: c.id))


class StrictConsumption(InMemoryConsumptionRepository):
    """Refuses a retried add of an identical record: not idempotent."""

    def add(self, record: ConsumptionRecord) -> bool:
        try:
            self.get(record.id)
        except NotFoundError:
            return super().add(record)
        raise DuplicateError("taken")


def test_the_suite_catches_a_racy_add() -> None:
    suite = CustomerRepositoryContract()
    with pytest.raises(AssertionError):
        suite.test_concurrent_adds_of_one_id_exactly_one_wins(RacyCustomers())


def test_the_suite_catches_an_update_that_inserts() -> None:
    suite = CustomerRepositoryContract()
    with pytest.raises(pytest.fail.Exception):
        suite.test_update_of_a_missing_id_raises_not_found(RacyCustomers())


def test_the_suite_catches_a_non_idempotent_add() -> None:
    suite = ConsumptionRepositoryContract()
    with pytest.raises(DuplicateError):
        suite.test_adding_the_same_record_again_changes_nothing(StrictConsumption())


def test_the_suite_passes_the_reference_adapters() -> None:
    CustomerRepositoryContract().test_concurrent_adds_of_one_id_exactly_one_wins(
        InMemoryCustomerRepository()
    )
    ConsumptionRepositoryContract().test_adding_the_same_record_again_changes_nothing(
        InMemoryConsumptionRepository()
    )


def test_the_in_memory_adapters_are_safe_under_many_threads() -> None:
    repository = InMemoryConsumptionRepository()
    suite = ConsumptionRepositoryContract()
    done = threading.Event()
    # Readers run while writers race; neither may fail.
    errors: list[BaseException] = []

    def read() -> None:
        while not done.is_set():
            try:
                repository.records()
            except BaseException as error:  # noqa: BLE001 - collected for the assert
                errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        suite.test_concurrent_conflicting_adds_exactly_one_wins(repository)
    finally:
        done.set()
        reader.join()
    assert errors == []


def test_an_unconfigured_suite_says_what_to_override() -> None:
    fixture = CustomerRepositoryContract.repository
    wrapped = getattr(fixture, "__wrapped__", fixture)
    with pytest.raises(NotImplementedError):
        wrapped(CustomerRepositoryContract())


class StalePhoneIndex(InMemoryCustomerRepository):
    """Forgets to move a customer in the phone index when the phone changes."""

    def update(self, customer: Customer) -> None:
        with self._lock:
            if customer.id not in self._customers:
                raise NotFoundError("customer", customer.id)
            self._customers[customer.id] = customer


class WrongOrderLedger(InMemoryConsumptionRepository):
    """Orders records by wall-clock text instead of by instant."""

    def records(
        self,
        customer_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ConsumptionRecord]:
        found = super().records(customer_id, start=start, end=end)
        return sorted(found, key=lambda r: r.id)


# The contract suites run their state machines with a small budget, and under
# CI hypothesis derandomizes, so one fixed search may miss a planted bug. These
# checks give the same machines a fuller random search of their own.
SEARCH = settings(max_examples=300, stateful_step_count=20, derandomize=False, database=None)


def _caught(machine: Callable[[], RuleBasedStateMachine]) -> bool:
    try:
        # Any factory works; the stub only names the class form.
        run_state_machine_as_test(machine, settings=SEARCH)  # type: ignore[arg-type]
    except AssertionError:
        return True
    return False


def test_the_state_machine_catches_a_stale_phone_index() -> None:
    assert _caught(lambda: _CustomerMachine(StalePhoneIndex()))


def test_the_state_machine_catches_a_wrong_order() -> None:
    assert _caught(lambda: _LedgerMachine(WrongOrderLedger()))
