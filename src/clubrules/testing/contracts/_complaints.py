"""Contract suite for the complaints port: `ComplaintRepository`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from clubrules.complaints import (
    Assigned,
    CaseKind,
    CustomerContacted,
    CustomerReplied,
    Resolved,
    apply,
    default_book,
    register,
)
from clubrules.complaints.ports import load_case, save_case
from clubrules.errors import NotFoundError, StaleVersionError, ValidationError
from clubrules.money import Money
from clubrules.testing.contracts._base import RepositoryContract, RepositoryMachine, run_machine
from clubrules.testing.contracts._instants import assert_same_instant, dst_property, in_order
from clubrules.testing.contracts._race import THREADS, one_wins, race
from clubrules.testing.contracts._values import next_serial

if TYPE_CHECKING:
    from clubrules.complaints import Case, CaseEvent
    from clubrules.complaints.ports import ComplaintRepository

__all__ = ["ComplaintRepositoryContract"]

T0 = datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
BOOK = default_book()


def _new_case(case_id: str = "k-1", *, minutes: int = 0, at: datetime | None = None) -> Case:
    """A registered complaint, at `at` or else `minutes` after `T0`."""
    return register(
        BOOK,
        case_id=case_id,
        at=T0 + timedelta(minutes=minutes) if at is None else at,
        kind=CaseKind.COMPLAINT,
        channel="wechat",
        customer_id="c-1",
        contact="wx-id-secret",
        content="the towel was not clean",
        category="hygiene",
    )


def _contact(minutes: int, by: str = "s-1") -> CustomerContacted:
    return CustomerContacted(at=T0 + timedelta(minutes=minutes), by=by, channel="phone")


class ComplaintRepositoryContract(RepositoryContract):
    """Every `ComplaintRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty complaint repository.
    """

    def test_a_new_case_is_stored_at_version_one(self, repository: ComplaintRepository) -> None:
        case = _new_case()
        assert repository.version("k-1") == 0
        assert repository.append("k-1", 0, case.events) == 1
        assert repository.version("k-1") == 1
        assert repository.events("k-1") == list(case.events)
        assert repository.case_ids() == ["k-1"]

    def test_events_come_back_equal_and_in_order(self, repository: ComplaintRepository) -> None:
        case = _new_case()
        case = apply(case, _contact(30))
        case = apply(case, CustomerReplied(at=T0 + timedelta(minutes=40), channel="wechat"))
        case = apply(
            case,
            Resolved(
                at=T0 + timedelta(hours=5),
                by="s-1",
                channel="on_site",
                substantiated=True,
                remedy="free re-treatment",
                compensation=Money("100.00"),
                apology=True,
            ),
        )
        assert save_case(repository, case, expected_version=0) == 4
        stored = repository.events("k-1")
        assert stored == list(case.events)
        assert [type(e) for e in stored] == [type(e) for e in case.events]
        assert stored[0].at.utcoffset() == timedelta(hours=8)
        assert load_case(repository, "k-1", BOOK) == case

    def test_events_after_a_version(self, repository: ComplaintRepository) -> None:
        case = apply(apply(_new_case(), _contact(10)), _contact(20))
        repository.append("k-1", 0, case.events)
        assert repository.events("k-1", after=1) == list(case.events[1:])
        assert repository.events("k-1", after=3) == []

    def test_appending_at_a_stale_version_fails_and_writes_nothing(
        self, repository: ComplaintRepository
    ) -> None:
        case = _new_case()
        repository.append("k-1", 0, case.events)
        repository.append("k-1", 1, [_contact(10)])
        with pytest.raises(StaleVersionError) as caught:
            repository.append("k-1", 1, [_contact(20, by="s-2")])
        assert (caught.value.stream, caught.value.expected, caught.value.actual) == ("k-1", 1, 2)
        assert repository.version("k-1") == 2
        with pytest.raises(StaleVersionError):
            repository.append("k-1", 5, [_contact(20)])
        assert len(repository.events("k-1")) == 2

    def test_registering_a_taken_id_is_a_stale_append(
        self, repository: ComplaintRepository
    ) -> None:
        repository.append("k-1", 0, _new_case().events)
        with pytest.raises(StaleVersionError):
            repository.append("k-1", 0, _new_case(minutes=5).events)
        assert repository.events("k-1") == list(_new_case().events)

    def test_a_new_stream_starts_with_its_registration(
        self, repository: ComplaintRepository
    ) -> None:
        with pytest.raises(ValidationError):
            repository.append("k-1", 0, [_contact(10)])
        with pytest.raises(ValidationError):
            repository.append("k-2", 0, _new_case("k-1").events)
        with pytest.raises(ValidationError):
            repository.append("k-1", 0, [])
        assert repository.case_ids() == []
        assert repository.version("k-1") == 0

    def test_unknown_case(self, repository: ComplaintRepository) -> None:
        with pytest.raises(NotFoundError) as caught:
            repository.events("nobody")
        assert caught.value.key == "nobody"
        assert repository.version("nobody") == 0

    def test_case_ids_are_sorted(self, repository: ComplaintRepository) -> None:
        for case_id in ("k-3", "k-1", "k-2"):
            repository.append(case_id, 0, _new_case(case_id).events)
        assert repository.case_ids() == ["k-1", "k-2", "k-3"]

    def test_concurrent_appends_at_one_version_exactly_one_wins(
        self, repository: ComplaintRepository
    ) -> None:
        repository.append("k-1", 0, _new_case().events)
        contacts = [_contact(i + 1) for i in range(THREADS)]
        one_wins(
            contacts,
            lambda c: repository.append("k-1", 1, [c]),
            won=lambda o: o == 2,
            lost=StaleVersionError,
        )
        assert repository.version("k-1") == 2

    def test_concurrent_registrations_of_one_id_exactly_one_wins(
        self, repository: ComplaintRepository
    ) -> None:
        outcomes = race(
            THREADS, lambda i: repository.append("k-9", 0, _new_case("k-9", minutes=i).events)
        )
        assert sum(1 for o in outcomes if o == 1) == 1
        assert repository.version("k-9") == 1

    def test_random_appends_agree_with_a_dict(self, repository: ComplaintRepository) -> None:
        run_machine(lambda: _LogMachine(repository), max_examples=25, steps=20, timed=False)

    @dst_property("one", "other")
    def test_events_at_a_dst_change_come_back_equal(
        self, repository: ComplaintRepository, one: datetime, other: datetime
    ) -> None:
        first, then = in_order(one, other)
        case_id = f"dst-k{next_serial()}"
        case = apply(
            _new_case(case_id, at=first), CustomerContacted(at=then, by="s-1", channel="phone")
        )
        assert repository.append(case_id, 0, case.events) == len(case.events)
        stored = repository.events(case_id)
        assert stored == list(case.events)
        for got, sent in zip(stored, case.events, strict=True):
            assert_same_instant(got.at, sent.at)
        assert load_case(repository, case_id, BOOK) == case


class _LogMachine(RepositoryMachine["ComplaintRepository"]):
    """Random registrations and appends, fresh or stale, checked against a dict of lists.

    One repository serves every run, so each run works under its own id
    prefix and checks only its own cases.
    """

    def __init__(self, repository: ComplaintRepository) -> None:
        super().__init__(repository)
        self.model: dict[str, list[CaseEvent]] = {}
        self.minutes = 0

    def _tick(self) -> int:
        self.minutes += 1
        return self.minutes

    @rule(n=st.integers(0, 3))
    def register(self, n: int) -> None:
        case_id = f"{self.prefix}{n}"
        [registered] = _new_case(case_id, minutes=self._tick()).events
        if case_id in self.model:
            with pytest.raises(StaleVersionError):
                self.repository.append(case_id, 0, [registered])
        else:
            assert self.repository.append(case_id, 0, [registered]) == 1
            self.model[case_id] = [registered]

    @rule(n=st.integers(0, 3), lag=st.integers(0, 2), count=st.integers(1, 3))
    def append(self, n: int, lag: int, count: int) -> None:
        case_id = f"{self.prefix}{n}"
        current = len(self.model.get(case_id, []))
        expected = max(current - lag, 0)
        events: list[CaseEvent] = [
            Assigned(at=T0 + timedelta(minutes=self._tick()), by="lead", to=f"s-{i}")
            for i in range(count)
        ]
        if case_id in self.model and expected == current:
            assert self.repository.append(case_id, expected, events) == current + count
            self.model[case_id].extend(events)
        elif case_id in self.model:
            with pytest.raises(StaleVersionError):
                self.repository.append(case_id, expected, events)
        else:
            with pytest.raises(ValidationError):
                self.repository.append(case_id, 0, events)

    @invariant()
    def logs_agree(self) -> None:
        mine = [c for c in self.repository.case_ids() if c.startswith(self.prefix)]
        assert mine == sorted(self.model)
        for case_id, events in self.model.items():
            assert self.repository.version(case_id) == len(events)
            assert self.repository.events(case_id) == events
