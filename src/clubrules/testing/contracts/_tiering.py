"""Contract suite for the tiering port: `ActivityRepository`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.errors import InvalidIntervalError, NaiveDatetimeError
from clubrules.money import Money
from clubrules.tiering import ActivitySummary, summarize_activity
from clubrules.tiering.ports import SummarySource

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from clubrules.tiering.ports import ActivityRepository

__all__ = ["ActivityRepositoryContract"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, tzinfo=SHANGHAI)


def _record(
    record_id: str,
    customer_id: str = "c-1",
    *,
    hours: float = 0,
    amount: str = "100.00",
    kind: ConsumptionKind = ConsumptionKind.PURCHASE,
) -> ConsumptionRecord:
    return ConsumptionRecord(
        id=record_id,
        customer_id=customer_id,
        at=T0 + timedelta(hours=hours),
        service="facial",
        amount=Money(amount),
        kind=kind,
    )


class ActivityRepositoryContract:
    """Every `ActivityRepository` must pass these tests.

    The `repository` fixture returns a *factory*: given consumption records,
    it returns a repository whose summaries cover exactly those records,
    with visits counted as local days in Asia/Shanghai. An aggregate-backed
    implementation loads the records into its tables first.

    ```python
    class TestMyActivity(ActivityRepositoryContract):
        @pytest.fixture
        def repository(self):
            def make(records):
                load_into_my_sales_table(records)
                return MyActivityRepository(zone="Asia/Shanghai")
            return make
    ```
    """

    @pytest.fixture
    def repository(self) -> Callable[[Sequence[ConsumptionRecord]], ActivityRepository]:
        """A factory: records in, a repository summarising them out."""
        raise NotImplementedError

    def test_source_is_declared(
        self, repository: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        assert isinstance(repository([]).source, SummarySource)

    def test_visits_are_local_days_and_refunds_are_excluded(
        self, repository: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        records = [
            _record("t-1", hours=0),
            _record("t-2", hours=2, amount="50.00"),  # same local day: one visit
            _record("t-3", hours=24, amount="40.00", kind=ConsumptionKind.REFUND),
            _record("t-4", hours=48, amount="300.00", kind=ConsumptionKind.REDEMPTION),
        ]
        repo = repository(records)
        got = repo.summary("c-1", start=T0 - timedelta(days=1), end=T0 + timedelta(days=7))
        assert got.visits == 2
        assert got.spend == Money("110.00")
        assert got.first_visit == T0
        assert got.last_visit == T0 + timedelta(hours=48)

    def test_the_window_is_half_open_but_first_visit_looks_back(
        self, repository: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        records = [_record("t-1", hours=0), _record("t-2", hours=24), _record("t-3", hours=48)]
        repo = repository(records)
        got = repo.summary("c-1", start=T0 + timedelta(hours=24), end=T0 + timedelta(hours=48))
        assert got.visits == 1
        assert got.spend == Money("100.00")
        assert got.first_visit == T0
        assert got.last_visit == T0 + timedelta(hours=24)

    def test_a_customer_without_records_gets_an_empty_summary(
        self, repository: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        got = repository([]).summary("nobody", start=T0, end=T0 + timedelta(days=1))
        assert got == ActivitySummary(customer_id="nobody", start=T0, end=T0 + timedelta(days=1))

    def test_summaries_list_customers_by_id(
        self, repository: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        records = [_record("t-1", "c-9"), _record("t-2", "c-1"), _record("t-3", "c-5", hours=500)]
        got = repository(records).summaries(start=T0, end=T0 + timedelta(days=7))
        assert [s.customer_id for s in got] == ["c-1", "c-9"]

    def test_bad_windows_are_refused(
        self, repository: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        repo = repository([_record("t-1")])
        naive = datetime(2026, 3, 1)  # noqa: DTZ001 - the point of the test
        with pytest.raises(NaiveDatetimeError):
            repo.summaries(start=naive, end=T0)
        with pytest.raises(InvalidIntervalError):
            repo.summary("c-1", start=T0, end=T0 - timedelta(days=1))

    def test_random_ledgers_agree_with_summarize_activity(
        self, repository: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        run_state_machine_as_test(
            lambda: _ActivityMachine(repository),  # type: ignore[arg-type]
            settings=settings(
                max_examples=20,
                stateful_step_count=12,
                suppress_health_check=[HealthCheck.function_scoped_fixture],
            ),
        )


class _ActivityMachine(RuleBasedStateMachine):
    """Random records, then random windows: the repository agrees with the pure function."""

    def __init__(
        self, factory: Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    ) -> None:
        super().__init__()
        self.factory = factory
        self.records: list[ConsumptionRecord] = []

    @rule(
        customer=st.sampled_from(["c-1", "c-2"]),
        hours=st.integers(0, 24 * 20),
        amount=st.sampled_from(["0", "9.90", "288.00"]),
        kind=st.sampled_from(ConsumptionKind),
    )
    def add(self, customer: str, hours: int, amount: str, kind: ConsumptionKind) -> None:
        self.records.append(
            _record(f"t-{len(self.records)}", customer, hours=hours, amount=amount, kind=kind)
        )

    @rule(lo=st.integers(-2, 20), span=st.integers(0, 20))
    def query(self, lo: int, span: int) -> None:
        start = (T0 + timedelta(days=lo)).astimezone(UTC)
        end = start + timedelta(days=span)
        repo = self.factory(self.records)
        expected = summarize_activity(self.records, start=start, end=end, zone=SHANGHAI)
        assert repo.summaries(start=start, end=end) == list(expected.values())
        for cid in ("c-1", "c-2"):
            one = repo.summary(cid, start=start, end=end)
            assert one == expected.get(cid, ActivitySummary(customer_id=cid, start=start, end=end))
