"""Contract suite for the tiering port: `ActivityRepository`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from clubrules._time import canonical_instant
from clubrules.customers import ConsumptionKind, ConsumptionRecord
from clubrules.errors import InvalidIntervalError, NaiveDatetimeError
from clubrules.money import Money
from clubrules.testing.contracts._base import run_machine
from clubrules.testing.contracts._instants import (
    DST_SETTINGS,
    assert_same_instant,
    dst_wall_times,
    in_order,
)
from clubrules.testing.contracts._values import SHANGHAI, Ledger
from clubrules.tiering import ActivitySummary, summarize_activity
from clubrules.tiering.ports import SummarySource

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import tzinfo

    from clubrules.tiering.ports import ActivityRepository

    _Factory = Callable[[Sequence[ConsumptionRecord]], ActivityRepository]
    _ZonedFactory = Callable[[Sequence[ConsumptionRecord], tzinfo], ActivityRepository]

__all__ = ["ActivityRepositoryContract"]

T0 = datetime(2026, 3, 1, 10, tzinfo=SHANGHAI)
_record = Ledger(T0, "100.00").record

# Zones with and without DST, one with a 30-minute shift, over a stretch of
# about 200 days from _BASE that crosses two DST changes.
_ZONES: list[tzinfo] = [
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Lord_Howe"),
    SHANGHAI,
    UTC,
]
_BASE = datetime(2025, 10, 20, tzinfo=UTC)
_DAYS = 200


@st.composite
def _ledgers(draw: st.DrawFn) -> list[ConsumptionRecord]:
    """Records over the stretch from _BASE, each given in some zone."""
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, 4),
                st.integers(0, 60 * 24 * _DAYS),
                st.sampled_from(_ZONES),
                st.sampled_from(["0", "9.90", "288.00", "1000.01"]),
                st.sampled_from(ConsumptionKind),
            ),
            max_size=30,
        )
    )
    ledger = Ledger(_BASE, "0")
    records = []
    for i, (customer, minutes, zone, amount, kind) in enumerate(rows):
        record = ledger.record(f"t-{i}", f"c-{customer}", minutes=minutes, amount=amount, kind=kind)
        records.append(attrs.evolve(record, at=record.at.astimezone(zone)))
    return records


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

    A repository that can count in other zones may also provide the
    optional `zoned_repository` fixture, a factory that takes the zone as
    well, to be checked across DST changes in several zones.
    """

    @pytest.fixture
    def repository(self) -> _Factory:
        """A factory: records in, a repository summarising them out."""
        raise NotImplementedError

    @pytest.fixture
    def zoned_repository(self) -> _ZonedFactory | None:
        """Optional: a factory like `repository` that also takes the zone visits are counted in.

        Each call replaces the records of the calls before it. The default,
        `None`, skips `test_dst_zones_agree_with_summarize_activity`.
        """
        return None

    def test_source_is_declared(self, repository: _Factory) -> None:
        assert isinstance(repository([]).source, SummarySource)

    def test_visits_are_local_days_and_refunds_are_excluded(self, repository: _Factory) -> None:
        records = [
            _record("t-1", hours=0),
            _record("t-2", hours=2, amount="50.00"),  # same local day: one visit
            _record("t-3", hours=24, amount="40.00", kind=ConsumptionKind.REFUND),
            _record("t-4", hours=48, amount="300.00", kind=ConsumptionKind.REDEMPTION),
        ]
        got = repository(records).summary(
            "c-1", start=T0 - timedelta(days=1), end=T0 + timedelta(days=7)
        )
        assert (got.visits, got.spend) == (2, Money("110.00"))
        assert (got.first_visit, got.last_visit) == (T0, T0 + timedelta(hours=48))

    def test_the_window_is_half_open_but_first_visit_looks_back(self, repository: _Factory) -> None:
        records = [_record("t-1", hours=0), _record("t-2", hours=24), _record("t-3", hours=48)]
        got = repository(records).summary(
            "c-1", start=T0 + timedelta(hours=24), end=T0 + timedelta(hours=48)
        )
        assert (got.visits, got.spend) == (1, Money("100.00"))
        assert (got.first_visit, got.last_visit) == (T0, T0 + timedelta(hours=24))

    def test_a_customer_without_records_gets_an_empty_summary(self, repository: _Factory) -> None:
        got = repository([]).summary("nobody", start=T0, end=T0 + timedelta(days=1))
        assert got == ActivitySummary(customer_id="nobody", start=T0, end=T0 + timedelta(days=1))

    def test_summaries_list_customers_by_id(self, repository: _Factory) -> None:
        records = [_record("t-1", "c-9"), _record("t-2", "c-1"), _record("t-3", "c-5", hours=500)]
        got = repository(records).summaries(start=T0, end=T0 + timedelta(days=7))
        assert [s.customer_id for s in got] == ["c-1", "c-9"]

    def test_bad_windows_are_refused(self, repository: _Factory) -> None:
        repo = repository([_record("t-1")])
        naive = datetime(2026, 3, 1)  # noqa: DTZ001 - the point of the test
        with pytest.raises(NaiveDatetimeError):
            repo.summaries(start=naive, end=T0)
        with pytest.raises(InvalidIntervalError):
            repo.summary("c-1", start=T0, end=T0 - timedelta(days=1))

    def test_random_ledgers_agree_with_summarize_activity(self, repository: _Factory) -> None:
        run_machine(lambda: _ActivityMachine(repository), max_examples=20, steps=12)

    def test_wall_times_at_a_dst_change_agree_with_summarize_activity(
        self, repository: _Factory
    ) -> None:
        """Records and window bounds at skipped or repeated wall times, held canonical."""

        @DST_SETTINGS
        @given(
            ats=st.lists(dst_wall_times(), min_size=1, max_size=6),
            one=dst_wall_times(),
            other=dst_wall_times(),
        )
        def check(ats: list[datetime], one: datetime, other: datetime) -> None:
            start, end = in_order(one, other)
            records = [
                attrs.evolve(_record(f"t-{n}", f"c-{n % 2}"), at=at) for n, at in enumerate(ats)
            ]
            repo = repository(records)
            expected = summarize_activity(records, start=start, end=end, zone=SHANGHAI)
            got = repo.summaries(start=start, end=end)
            assert got == list(expected.values())
            # Held canonical: a skipped wall time as it exists.
            for summary in got:
                assert_same_instant(summary.start, canonical_instant(start, "start"))
                assert_same_instant(summary.end, canonical_instant(end, "end"))

        check()

    def test_dst_zones_agree_with_summarize_activity(
        self, zoned_repository: _ZonedFactory | None
    ) -> None:
        """Visits are local days also across DST changes, for records given in any zone."""
        if zoned_repository is None:
            pytest.skip("the zoned_repository fixture is not provided")
        make = zoned_repository

        @settings(max_examples=40)
        @given(
            records=_ledgers(),
            zone=st.sampled_from(_ZONES),
            lo=st.integers(-1000, 60 * 24 * _DAYS),
            span=st.integers(0, 60 * 24 * 150),
        )
        def check(records: list[ConsumptionRecord], zone: tzinfo, lo: int, span: int) -> None:
            start = _BASE + timedelta(minutes=lo)
            end = start + timedelta(minutes=span)
            repo = make(records, zone)
            expected = summarize_activity(records, start=start, end=end, zone=zone)
            assert repo.summaries(start=start, end=end) == list(expected.values())
            empty = ActivitySummary(customer_id="c-0", start=start, end=end)
            assert repo.summary("c-0", start=start, end=end) == expected.get("c-0", empty)

        check()


class _ActivityMachine(RuleBasedStateMachine):
    """Random records, then random windows: the repository agrees with the pure function."""

    def __init__(self, factory: _Factory) -> None:
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
