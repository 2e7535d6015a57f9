"""Contract suite for the staff port: `AssessmentRepository`."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from clubrules._time import to_epoch_us
from clubrules.errors import (
    DuplicateError,
    InvalidIntervalError,
    NaiveDatetimeError,
    NotFoundError,
    ValidationError,
)
from clubrules.staff import (
    COMPLAINT_TIMELINESS_RATE,
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ManualScoring,
    NoEventsRule,
    Rubric,
    ScoreSheet,
    WarningRecord,
    assess,
    seed_rubric,
)
from clubrules.testing.contracts._asserts import add_once, assert_idempotent_add
from clubrules.testing.contracts._base import (
    SUITE_SETTINGS,
    RepositoryContract,
    RepositoryMachine,
    by_instant,
    run_machine,
)
from clubrules.testing.contracts._instants import (
    assert_added_once,
    assert_half_open,
    assert_kept,
    dst_property,
    in_order,
)
from clubrules.testing.contracts._race import THREADS, one_add_wins, stored_once
from clubrules.testing.contracts._values import SHANGHAI, next_serial
from clubrules.testing.strategies._staff import assessment_inputs, rubrics

if TYPE_CHECKING:
    from clubrules.staff.ports import AssessmentRepository

__all__ = ["AssessmentRepositoryContract"]

# The seed rubric's supervisor-scored items, each of which a sheet needs a score for.
_MANUAL = tuple(
    item.key
    for criterion in seed_rubric().criteria
    for item in criterion.sub_items
    if isinstance(item.method, ManualScoring)
)


def _inputs(points: str = "8") -> AssessmentInputs:
    return AssessmentInputs(
        manual={key: ManualScore(points=Decimal(points), by="sup-1") for key in _MANUAL},
        kpis={
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            COMPLAINT_TIMELINESS_RATE: Kpi.no_events(),
        },
        evaluations=(5, 4, 4),
    )


def _sheet(
    sheet_id: str = "a-1",
    *,
    staff_id: str = "s-1",
    month: int = 3,
    points: str = "8",
    kind: AssessmentKind = AssessmentKind.PERIODIC,
    rubric: Rubric | None = None,
) -> ScoreSheet:
    if kind is AssessmentKind.PERIODIC:
        period = AssessmentPeriod.monthly(2026, month, "Asia/Shanghai")
    else:
        start = datetime(2026, month, 10, tzinfo=SHANGHAI)
        period = AssessmentPeriod(start=start, end=start + timedelta(days=5), label="spot check")
    return assess(
        rubric or seed_rubric(),
        _inputs(points),
        sheet_id=sheet_id,
        staff_id=staff_id,
        period=period,
        as_of=period.end + timedelta(days=1),
        kind=kind,
    )


def _warning(warning_id: str = "w-1", *, staff_id: str = "s-1", day: int = 2) -> WarningRecord:
    issued = datetime(2026, 4, day, 9, tzinfo=SHANGHAI)
    return WarningRecord(
        id=warning_id,
        staff_id=staff_id,
        sheet_id="a-1",
        issued_at=issued,
        improve_by=issued + timedelta(days=30),
        total=Decimal("55.50"),
        band="fail",
    )


class AssessmentRepositoryContract(RepositoryContract):
    """Every `AssessmentRepository` must pass these tests.

    The `repository` fixture returns a fresh, empty assessment repository.
    """

    # --- rubrics -------------------------------------------------------------

    def test_a_rubric_comes_back_equal(self, repository: AssessmentRepository) -> None:
        rubric = seed_rubric()
        assert repository.add_rubric(rubric) is True
        assert repository.rubric("customer-service", 1) == rubric
        assert repository.rubric("customer-service") == rubric

    def test_the_latest_version_is_the_default(self, repository: AssessmentRepository) -> None:
        first = seed_rubric()
        second = first.revise(improvement_days=14)
        third = second.revise(missing_cycle="breaks_chain")
        for rubric in (first, third, second):
            repository.add_rubric(rubric)
        assert repository.rubric("customer-service") == third
        assert repository.rubric("customer-service", 2) == second
        assert repository.rubric("customer-service", 1).improvement_days == 30

    def test_a_missing_rubric_raises_not_found(self, repository: AssessmentRepository) -> None:
        with pytest.raises(NotFoundError):
            repository.rubric("nope")
        repository.add_rubric(seed_rubric())
        with pytest.raises(NotFoundError):
            repository.rubric("customer-service", 2)

    def test_rubric_adds_are_idempotent_and_versions_immutable(
        self, repository: AssessmentRepository
    ) -> None:
        rubric = seed_rubric()
        repository.add_rubric(rubric)
        assert repository.add_rubric(seed_rubric()) is False
        with pytest.raises(DuplicateError):
            repository.add_rubric(attrs.evolve(rubric, improvement_days=7))
        assert repository.rubric("customer-service").improvement_days == 30

    # --- sheets --------------------------------------------------------------

    def test_a_sheet_comes_back_equal(self, repository: AssessmentRepository) -> None:
        sheet = _sheet()
        assert repository.add_sheet(sheet) is True
        [stored] = repository.sheets("s-1")
        assert stored == sheet
        for field in attrs.fields(ScoreSheet):
            assert getattr(stored, field.name) == getattr(sheet, field.name), field.name
        assert stored.lines == sheet.lines
        assert stored.line("booking_success").source == sheet.line("booking_success").source
        assert stored.line("complaint_timeliness").no_events is NoEventsRule.FULL_MARKS
        assert stored.period.end.utcoffset() is not None
        assert str(stored.total) == str(sheet.total)

    def test_sheet_adds_are_idempotent(self, repository: AssessmentRepository) -> None:
        assert repository.add_sheet(_sheet()) is True
        assert repository.add_sheet(_sheet()) is False
        assert len(repository.sheets()) == 1

    def test_another_sheet_under_a_taken_id_raises(self, repository: AssessmentRepository) -> None:
        repository.add_sheet(_sheet())
        with pytest.raises(DuplicateError):
            repository.add_sheet(_sheet(points="5"))
        assert repository.sheets()[0].total == _sheet().total

    def test_one_periodic_sheet_per_staff_and_cycle(self, repository: AssessmentRepository) -> None:
        repository.add_sheet(_sheet("a-1"))
        with pytest.raises(DuplicateError):
            repository.add_sheet(_sheet("a-2", points="5"))
        # Another person, another month, or an ad hoc sheet in the same month is fine.
        assert repository.add_sheet(_sheet("a-3", staff_id="s-2")) is True
        assert repository.add_sheet(_sheet("a-4", month=4)) is True
        assert repository.add_sheet(_sheet("a-5", kind=AssessmentKind.AD_HOC)) is True
        assert [s.id for s in repository.sheets("s-1")] == ["a-5", "a-1", "a-4"]

    def test_sheets_are_ordered_by_period_end_then_id(
        self, repository: AssessmentRepository
    ) -> None:
        for sheet in (
            _sheet("b", month=5),
            _sheet("c", month=3),
            _sheet("a", staff_id="s-2", month=3),
            _sheet("x", kind=AssessmentKind.AD_HOC, month=4),
        ):
            repository.add_sheet(sheet)
        assert [s.id for s in repository.sheets()] == ["a", "c", "x", "b"]
        assert [s.id for s in repository.sheets("s-2")] == ["a"]
        assert repository.sheets("nobody") == []

    def test_the_window_is_half_open_on_the_period_end(
        self, repository: AssessmentRepository
    ) -> None:
        for month in (3, 4, 5):
            repository.add_sheet(_sheet(f"a-{month}", month=month))
        april_end = datetime(2026, 5, 1, tzinfo=SHANGHAI)
        sheets = partial(repository.sheets, "s-1")
        assert_half_open(sheets, april_end, timedelta(days=31), ("a-3", "a-4", "a-5"))

    def test_naive_window_bounds_are_refused(self, repository: AssessmentRepository) -> None:
        with pytest.raises(NaiveDatetimeError):
            repository.sheets(start=datetime(2026, 3, 1))  # noqa: DTZ001 - the point of the test
        later = datetime(2026, 3, 2, tzinfo=SHANGHAI)
        with pytest.raises(InvalidIntervalError):
            repository.sheets(start=later, end=later - timedelta(days=1))

    # --- warnings ------------------------------------------------------------

    def test_warnings_round_trip_in_order(self, repository: AssessmentRepository) -> None:
        late, early = _warning("w-2", day=20), _warning("w-1", day=2)
        other = _warning("w-3", staff_id="s-2", day=5)
        for warning in (late, other, early):
            assert repository.add_warning(warning) is True
        assert repository.warnings("s-1") == [early, late]
        assert [w.id for w in repository.warnings()] == ["w-1", "w-3", "w-2"]
        assert repository.warnings("s-1")[0].improve_by == early.improve_by
        assert repository.warnings("nobody") == []

    def test_warning_adds_are_idempotent(self, repository: AssessmentRepository) -> None:
        clash = attrs.evolve(_warning(), total=Decimal("10.00"))
        assert_idempotent_add(repository.add_warning, _warning(), clash)
        assert repository.warnings()[0].total == Decimal("55.50")

    # --- concurrency ---------------------------------------------------------

    def test_concurrent_adds_of_one_cycle_exactly_one_wins(
        self, repository: AssessmentRepository
    ) -> None:
        candidates = [_sheet(f"a-{i}", points=str(i + 1)) for i in range(THREADS)]
        winner = one_add_wins(candidates, repository.add_sheet)
        assert repository.sheets() == [winner]

    def test_concurrent_adds_of_one_warning_store_it_once(
        self, repository: AssessmentRepository
    ) -> None:
        stored_once(THREADS, lambda _i: repository.add_warning(_warning()))
        assert repository.warnings() == [_warning()]

    # --- generated -----------------------------------------------------------

    @settings(SUITE_SETTINGS, max_examples=20, deadline=None)
    @given(data=st.data())
    def test_any_rubric_and_sheet_round_trip(
        self, repository: AssessmentRepository, data: st.DataObject
    ) -> None:
        serial = next_serial()
        rubric = attrs.evolve(data.draw(rubrics()), id=f"r-{serial}")
        inputs = data.draw(assessment_inputs(rubric))
        period = AssessmentPeriod.monthly(2026, 3)
        try:
            sheet = assess(
                rubric,
                inputs,
                sheet_id=f"h-{serial}",
                staff_id=f"s-{serial}",
                period=period,
                as_of=period.end,
            )
        except ValidationError as error:
            # Every item excluded for lack of events: nothing to score, nothing to store.
            assert error.rule == "nothing_to_score"
            return
        repository.add_rubric(rubric)
        repository.add_sheet(sheet)
        assert repository.rubric(rubric.id) == rubric
        assert repository.sheets(sheet.staff_id) == [sheet]

    def test_random_operations_agree_with_a_model(self, repository: AssessmentRepository) -> None:
        run_machine(lambda: _AssessmentMachine(repository), max_examples=15, steps=15, timed=False)

    @dst_property("one", "other")
    def test_times_at_a_dst_change_come_back_equal(
        self, repository: AssessmentRepository, one: datetime, other: datetime
    ) -> None:
        start, end = in_order(one, other, distinct=True)
        serial = next_serial()
        period = AssessmentPeriod(start=start, end=end, label="spot check")
        sheet = assess(
            seed_rubric(),
            _inputs(),
            sheet_id=f"dst-a{serial}",
            staff_id=f"dst-s{serial}",
            period=period,
            as_of=end,
            kind=AssessmentKind.AD_HOC,
        )
        warning = WarningRecord(
            id=f"dst-w{serial}",
            staff_id=sheet.staff_id,
            sheet_id=sheet.id,
            issued_at=start,
            improve_by=end,
            total=Decimal("55.50"),
            band="fail",
        )
        repository.add_rubric(seed_rubric())
        assert repository.add_sheet(sheet) is True
        assert_added_once(repository.add_warning, warning, issued_at=start, improve_by=end)
        (stored,) = repository.sheets(sheet.staff_id)
        assert_kept(stored, sheet, "period.start", "period.end", "assessed_at")
        (stored_warning,) = repository.warnings(sheet.staff_id)
        assert_kept(stored_warning, warning, "issued_at", "improve_by")


class _AssessmentMachine(RepositoryMachine["AssessmentRepository"]):
    """Random sheet and warning adds, checked against dicts and obvious filters.

    One repository serves every run, so each run uses its own staff ids.
    """

    def __init__(self, repository: AssessmentRepository) -> None:
        super().__init__(repository)
        self.sheets: dict[str, ScoreSheet] = {}
        self.warnings: dict[str, WarningRecord] = {}

    @rule(
        n=st.integers(0, 5),
        staff=st.integers(0, 1),
        month=st.integers(1, 4),
        points=st.sampled_from(["3", "8"]),
        ad_hoc=st.booleans(),
    )
    def add_sheet(self, n: int, staff: int, month: int, points: str, ad_hoc: bool) -> None:
        kind = AssessmentKind.AD_HOC if ad_hoc else AssessmentKind.PERIODIC
        sheet = _sheet(
            f"{self.prefix}a{n}",
            staff_id=f"{self.prefix}s{staff}",
            month=month,
            points=points,
            kind=kind,
        )
        stored = self.sheets.get(sheet.id)
        clash = kind is AssessmentKind.PERIODIC and any(
            s.kind is kind and s.staff_id == sheet.staff_id and s.period.cycle == sheet.period.cycle
            for s in self.sheets.values()
        )
        if stored == sheet:
            assert self.repository.add_sheet(sheet) is False
        elif stored is not None or clash:
            with pytest.raises(DuplicateError):
                self.repository.add_sheet(sheet)
        else:
            assert self.repository.add_sheet(sheet) is True
            self.sheets[sheet.id] = sheet

    @rule(n=st.integers(0, 3), staff=st.integers(0, 1), day=st.integers(1, 3))
    def add_warning(self, n: int, staff: int, day: int) -> None:
        warning = _warning(f"{self.prefix}w{n}", staff_id=f"{self.prefix}s{staff}", day=day)
        add_once(self.warnings, warning, self.repository.add_warning)

    @invariant()
    def sheets_and_warnings_agree(self) -> None:
        for staff in range(2):
            staff_id = f"{self.prefix}s{staff}"
            sheets = sorted(
                (s for s in self.sheets.values() if s.staff_id == staff_id),
                key=lambda s: (to_epoch_us(s.period.end), to_epoch_us(s.period.start), s.id),
            )
            assert self.repository.sheets(staff_id) == sheets
            warnings = (w for w in self.warnings.values() if w.staff_id == staff_id)
            assert self.repository.warnings(staff_id) == by_instant(warnings, "issued_at")
