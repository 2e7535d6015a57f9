from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ValidationError
from clubrules.money import Money
from clubrules.tiering import (
    ActivitySummary,
    Band,
    BandScheme,
    ScoreRule,
    ScoringModel,
    TagClass,
    classify,
)

T = datetime(2026, 3, 1, tzinfo=UTC)


def summary(visits: int = 0, spend: str = "0", days_ago: int | None = None) -> ActivitySummary:
    last = None if days_ago is None else T - timedelta(days=days_ago)
    return ActivitySummary(
        customer_id="c-1",
        start=T - timedelta(days=365),
        end=T,
        visits=visits,
        spend=Money(spend),
        first_visit=last,
        last_visit=last,
    )


SPEND = BandScheme([("light", 0), ("regular", Decimal(1000)), ("heavy", 5000)])
FREQ = BandScheme([Band("rare", 0), Band("monthly", 12), Band("weekly", 52)])


def test_bands_are_half_open_at_every_boundary() -> None:
    assert [SPEND.name_of(Decimal(v)) for v in ("999.99", "1000", "4999.99", "5000")] == [
        "light",
        "regular",
        "regular",
        "heavy",
    ]
    assert FREQ.name_of(0) == "rare"
    assert FREQ.name_of(12) == "monthly"


@pytest.mark.parametrize(
    ("bands", "rule"),
    [
        ([("a", 1), ("b", 5)], "lowest_not_zero"),
        ([("a", 0), ("b", 5), ("c", 5)], "overlapping_thresholds"),
        ([("a", 0), ("b", 5), ("c", 3)], "unordered_thresholds"),
        ([("a", 0), ("a", 5)], "duplicate_name"),
        ([("a", 0), ("b", 2.5)], "not_exact"),
        ([], "empty"),
    ],
)
def test_bad_bands_get_typed_errors(bands: list[tuple[str, object]], rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BandScheme(bands)
    assert rule in {v.rule for v in caught.value.violations}


@given(st.lists(st.integers(1, 100), min_size=1, max_size=6), st.integers(0, 1000))
def test_band_lookup_agrees_with_a_linear_scan(steps: list[int], value: int) -> None:
    mins = [0]
    for step in steps:
        mins.append(mins[-1] + step)
    scheme = BandScheme([(f"b{i}", m) for i, m in enumerate(mins)])
    expected = [f"b{i}" for i, m in enumerate(mins) if m <= value][-1]
    assert scheme.name_of(value) == expected


def test_classify_by_spend_frequency_and_tags() -> None:
    classes = [
        TagClass("anti-ageing", any_of={"anti-ageing", "wrinkles"}),
        TagClass("morning-regular", all_of={"prefers-mornings", "regular"}),
    ]
    got = classify(
        summary(visits=14, spend="1200", days_ago=3),
        as_of=T,
        spend_bands=SPEND,
        frequency_bands=FREQ,
        tag_classes=classes,
        tags={"prefers-mornings"},
        needs={"wrinkles"},
    )
    assert (got.spend_band, got.frequency_band, got.tag_classes) == (
        "regular",
        "monthly",
        ("anti-ageing",),
    )
    assert got.score is None


def test_scoring_adds_points_of_every_matching_rule() -> None:
    model = ScoringModel(
        rules=[
            ScoreRule("anti-ageing need", 30, needs_any={"anti-ageing"}),
            ScoreRule("regular", 20, min_visits=4),
            ScoreRule("big spender", 25, min_spend="3000"),
            ScoreRule("recent", 10, max_days_since_visit=30),
            ScoreRule("complainer", -15, tags_any={"complained"}),
        ],
        classes=BandScheme([("cold", 0), ("warm", 30), ("hot", 60)]),
    )
    s = summary(visits=5, spend="3000", days_ago=30)
    got = model.score(s, as_of=T, needs={"anti-ageing"}, tags={"complained"})
    assert got.total == 30 + 20 + 25 + 10 - 15
    assert got.matched == ("anti-ageing need", "regular", "big spender", "recent", "complainer")
    assert got.klass == "hot"
    never = model.score(summary(), as_of=T, tags={"complained"})
    assert (never.total, never.klass) == (-15, "cold")


def test_scoring_rules_are_checked() -> None:
    with pytest.raises(ValidationError):
        ScoreRule("x", Decimal("1.5"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        ScoreRule("x", 1, min_visits=-1)
    with pytest.raises(ValidationError, match="unique"):
        ScoringModel(rules=[ScoreRule("x", 1), ScoreRule("x", 2)], classes=FREQ)
    with pytest.raises(ValidationError):
        TagClass("empty")
