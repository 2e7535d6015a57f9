"""The column API checks exactly what the scalar API checks, and a lone customer scores average."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ClubRulesError, ValidationError
from clubrules.money import Money
from clubrules.tiering import (
    ActivitySummary,
    QualificationWindow,
    ReviewSchedule,
    SegmentScheme,
    Tier,
    TierMetric,
    TierProgram,
    TierReason,
    TierStatus,
    rfm_scores,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROGRAM = TierProgram(
    tiers=[
        Tier("member", 0),
        Tier("silver", Decimal(1000), Decimal(800)),
        Tier("gold", 5000, 4000),
        Tier("diamond", 20000, 15000),
    ],
    metric=TierMetric.SPEND,
    window=QualificationWindow(trailing_days=365),
    reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=3),
    zone="Asia/Shanghai",
    one_step_down=True,
)
NAMES = [t.name for t in PROGRAM.tiers]
SINCE = datetime(2025, 6, 1, 12, tzinfo=SHANGHAI)
# A review is due on 1 April for a status last reviewed on 1 January.
AT_REVIEW = datetime(2026, 4, 1, 9, tzinfo=SHANGHAI)
BETWEEN = datetime(2026, 2, 1, 12, tzinfo=SHANGHAI)


def scalar(current: int, value: object, floor: int, *, review: bool) -> tuple[str, TierReason]:
    status = TierStatus(
        customer_id="c-1",
        tier=NAMES[current],
        since=SINCE,
        last_review=date(2026, 1, 1),
        manual_floor=None if floor < 0 else NAMES[floor],
    )
    decision = PROGRAM.decide(status, value, as_of=AT_REVIEW if review else BETWEEN)  # type: ignore[arg-type]
    return decision.tier, decision.reason


def _rules(error: ValidationError) -> list[str]:
    return [v.rule for v in error.violations]


def test_the_issue_examples_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        PROGRAM.decide_many([3], [0], review=True, floors=[7])
    assert caught.value.field == "floors[0]"
    assert caught.value.rule == "range"
    with pytest.raises(ValidationError) as caught:
        PROGRAM.decide_many([1], [-1], review=False)
    assert (caught.value.field, caught.value.rule) == ("values[0]", "negative")
    with pytest.raises(ValidationError) as caught:
        PROGRAM.decide_many([1], [1.5], review=True)  # type: ignore[list-item]
    assert (caught.value.field, caught.value.rule) == ("values[0]", "not_exact")
    with pytest.raises(ValidationError) as caught:
        PROGRAM.decide_many([1, 2], [1], review=False)
    assert (caught.value.field, caught.value.rule) == ("values", "length_mismatch")
    with pytest.raises(ValidationError) as caught:
        PROGRAM.decide_many([1], [1], review=True, floors=[-1, 0])
    assert (caught.value.field, caught.value.rule) == ("floors", "length_mismatch")


def test_a_floor_of_minus_one_is_no_floor_and_bools_are_no_indexes() -> None:
    assert PROGRAM.decide_many([2], [0], review=True, floors=[-1]).names() == ["silver"]
    with pytest.raises(ValidationError) as caught:
        PROGRAM.decide_many([True], [0], review=False)
    assert caught.value.field == "current[0]"
    with pytest.raises(ValidationError):
        PROGRAM.decide_many([1], [0], review=True, floors=[-2])


def test_a_column_of_bad_rows_reports_a_bounded_number() -> None:
    with pytest.raises(ValidationError) as caught:
        PROGRAM.decide_many([0] * 1000, [-1] * 1000, review=False)
    assert len(caught.value.violations) == 20


VALUES = st.one_of(
    st.integers(0, 30_000),
    st.integers(-5, -1),
    st.decimals(min_value=-10, max_value=30_000, places=2),
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), 1.5, True]),
)


@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), VALUES, st.integers(-1, 3)), min_size=1, max_size=20
    ),
    review=st.booleans(),
    with_floors=st.booleans(),
)
def test_decide_many_equals_decide_for_each_customer_errors_included(
    rows: list[tuple[int, object, int]], review: bool, with_floors: bool
) -> None:
    current = [c for c, _, _ in rows]
    values = [v for _, v, _ in rows]
    floors = [f for _, _, f in rows] if with_floors else [-1] * len(rows)
    expected: list[tuple[str, TierReason]] = []
    refused: dict[int, list[str]] = {}
    for i, (c, v, f) in enumerate(zip(current, values, floors, strict=True)):
        try:
            expected.append(scalar(c, v, f, review=review))
        except ValidationError as error:
            refused[i] = _rules(error)
    try:
        batch = PROGRAM.decide_many(
            current,
            values,  # type: ignore[arg-type]
            review=review,
            floors=floors if with_floors else None,
        )
    except ValidationError as error:
        assert refused, "the column API refused what decide accepts"
        got: dict[int, list[str]] = {}
        for v in error.violations:
            index = int(v.field.removeprefix("values[").removesuffix("]"))
            got.setdefault(index, []).append(v.rule)
        assert got == refused
        return
    except ClubRulesError as error:  # pragma: no cover - a failure shows the type
        raise AssertionError(type(error)) from error
    assert not refused, "the column API accepted what decide refuses"
    assert list(zip(batch.names(), batch.reasons, strict=True)) == expected


def test_a_lone_customer_scores_average_whatever_they_spent() -> None:
    as_of = datetime(2026, 6, 1, tzinfo=SHANGHAI)
    segments = SegmentScheme()
    codes = set()
    for spend, visits, days in (("0", 1, 300), ("99999", 40, 1)):
        last = as_of - timedelta(days=days)
        summary = ActivitySummary(
            customer_id="c-1",
            start=as_of - timedelta(days=365),
            end=as_of,
            visits=visits,
            spend=Money(spend),
            first_visit=last,
            last_visit=last,
        )
        [score] = rfm_scores([summary], as_of=as_of, segments=segments)
        codes.add((score.code, score.segment))
    assert codes == {("333", "Need Attention")}
