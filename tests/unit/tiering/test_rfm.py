from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import NaiveDatetimeError, ValidationError
from clubrules.money import Money
from clubrules.tiering import (
    ActivitySummary,
    RfmThresholds,
    Segment,
    SegmentScheme,
    _rfm,
    quantile_scores,
    rfm_scores,
)

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def oracle(values: list[int], bins: int = 5, *, higher_is_better: bool = True) -> list[int]:
    """Sort by (value, position), then find each rank's bin from exact fractional edges."""
    n = len(values)
    order = sorted(range(n), key=lambda i: (values[i], i))
    rank = [0] * n
    for r, i in enumerate(order, start=1):
        rank[i] = r
    edges = [1 + Fraction(k * (n - 1), bins) for k in range(bins + 1)]
    out = []
    for i in range(n):
        score = next(k for k in range(1, bins + 1) if rank[i] <= edges[k])
        out.append(score if higher_is_better else bins + 1 - score)
    return out


@given(
    st.lists(st.integers(0, 20), min_size=2, max_size=200),
    st.sampled_from([2, 3, 4, 5, 10]),
    st.booleans(),
)
def test_quantile_scores_agree_with_a_sorted_rank_oracle(
    values: list[int], bins: int, higher: bool
) -> None:
    assert quantile_scores(values, bins, higher_is_better=higher) == oracle(
        values, bins, higher_is_better=higher
    )


@given(
    st.lists(st.integers(0, 10**6), min_size=2, max_size=200)
    | st.lists(st.integers(0, 40), min_size=2, max_size=400),
    st.sampled_from([3, 5, 7]),
)
def test_both_paths_agree_with_the_oracle(values: list[int], bins: int) -> None:
    # Many distinct values take the sorting path; few take the counting path.
    assert quantile_scores(values, bins) == oracle(values, bins)
    decimals = [Decimal(v) / 100 for v in values]
    assert quantile_scores(decimals, bins) == oracle(values, bins)


@given(st.lists(st.integers(0, 3), min_size=5, max_size=300))
def test_every_bin_is_filled_even_with_heavy_ties(values: list[int]) -> None:
    scores = quantile_scores(values)
    assert set(scores) == {1, 2, 3, 4, 5}
    sizes = [scores.count(k) for k in range(1, 6)]
    assert max(sizes) - min(sizes) <= math.ceil(len(values) / 5)


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=100))
def test_scores_never_decrease_as_values_grow(values: list[int]) -> None:
    scores = quantile_scores(values)
    pairs = sorted(zip(values, scores, strict=True))
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(pairs))


def test_decimal_values_and_small_inputs() -> None:
    assert quantile_scores([]) == []
    # A lone value has nothing to rank against: the middle bin, either way.
    assert quantile_scores([Decimal("3.5")]) == [3]
    assert quantile_scores([Decimal("3.5")], higher_is_better=False) == [3]
    assert quantile_scores([7], bins=4) == quantile_scores([7], bins=4, higher_is_better=False)
    assert quantile_scores([7], bins=4) == [2]
    assert quantile_scores([Decimal("0.01"), Decimal("0.02")]) == [1, 5]
    with pytest.raises(ValidationError):
        quantile_scores([1, 2, 3], bins=1)


def test_identical_to_the_pandas_recipe() -> None:
    pd = pytest.importorskip("pandas")
    rng = random.Random(7)
    for n in (6, 11, 101, 999, 1000, 1001):
        values = [rng.randint(0, 30) for _ in range(n)]
        ranks = pd.Series(values).rank(method="first")
        f = pd.qcut(ranks, 5, labels=[1, 2, 3, 4, 5]).astype(int).tolist()
        r = pd.qcut(ranks, 5, labels=[5, 4, 3, 2, 1]).astype(int).tolist()
        assert quantile_scores(values) == f
        assert quantile_scores(values, higher_is_better=False) == r


def summary(cid: str, visits: int, spend: str, days_ago: int | None) -> ActivitySummary:
    last = None if days_ago is None else AS_OF - timedelta(days=days_ago, hours=1)
    return ActivitySummary(
        customer_id=cid,
        start=AS_OF - timedelta(days=365),
        end=AS_OF if last is None else max(AS_OF, last + timedelta(seconds=1)),
        visits=visits,
        spend=Money(spend),
        first_visit=last,
        last_visit=last,
    )


def test_rfm_scores_measure_recency_from_an_explicit_as_of() -> None:
    summaries = [
        summary("c-1", 20, "9000", 2),
        summary("c-2", 1, "100", 300),
        summary("c-3", 8, "3000", 30),
        summary("c-4", 4, "800", 90),
        summary("c-5", 0, "0", None),
    ]
    got = rfm_scores(summaries, as_of=AS_OF, segments=SegmentScheme())
    assert [g.code for g in got] == ["555", "222", "444", "333", "111"]
    assert got[0].recency_days == 2
    assert got[0].segment == "Champions"
    assert got[4].recency_days is None
    with pytest.raises(NaiveDatetimeError):
        rfm_scores(summaries, as_of=datetime(2026, 6, 1))  # noqa: DTZ001
    with pytest.raises(ValidationError, match="last visit"):
        rfm_scores(summaries, as_of=AS_OF - timedelta(days=3))


def test_fixed_thresholds_are_half_open() -> None:
    t = RfmThresholds(
        recency_days=(7, 30, 90, 180), frequency=(2, 4, 8, 12), monetary=("500", 1000, 3000, 8000)
    )
    assert t.scores(recency_days=6, frequency=1, monetary=499) == (5, 1, 1)
    assert t.scores(recency_days=7, frequency=2, monetary=500) == (4, 2, 2)
    assert t.scores(recency_days=180, frequency=12, monetary=8000) == (1, 5, 5)
    assert t.scores(recency_days=None, frequency=0, monetary=0) == (1, 1, 1)
    got = rfm_scores([summary("c-1", 3, "1000", 10)], as_of=AS_OF, thresholds=t)
    assert got[0].code == "423"


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"recency_days": (7, 30, 90)}, "cut_count"),
        ({"frequency": (2, 4, 4, 12)}, "unordered_thresholds"),
        ({"monetary": (500.0, 1000, 3000, 8000)}, "not_exact"),
    ],
)
def test_bad_thresholds_get_typed_errors(kwargs: dict[str, object], rule: str) -> None:
    base: dict[str, object] = {
        "recency_days": (7, 30, 90, 180),
        "frequency": (2, 4, 8, 12),
        "monetary": (500, 1000, 3000, 8000),
    }
    with pytest.raises(ValidationError) as caught:
        RfmThresholds(**{**base, **kwargs})  # type: ignore[arg-type]
    assert rule in {v.rule for v in caught.value.violations}


def test_segments_follow_priority_and_the_catch_all_takes_the_rest() -> None:
    scheme = SegmentScheme(
        [Segment("Big", m=(5, 5)), Segment("Recent", r=(5, 5))], catch_all="Everyone else"
    )
    assert scheme.name_of(5, 1, 5) == "Big"  # both match: the first listed wins
    assert scheme.name_of(5, 1, 1) == "Recent"
    assert scheme.name_of(1, 1, 1) == "Everyone else"
    assert sum(scheme.coverage().values()) == 125
    assert scheme.assign_many([5, 5, 1], [1, 1, 1], [5, 1, 1]) == ["Big", "Recent", "Everyone else"]


def test_the_default_segments_cover_every_code() -> None:
    coverage = SegmentScheme().coverage()
    assert coverage["Others"] == 0
    assert all(count > 0 for name, count in coverage.items() if name != "Others")


def test_bad_segments_get_typed_errors() -> None:
    with pytest.raises(ValidationError):
        SegmentScheme([Segment("X", r=(0, 5))])
    with pytest.raises(ValidationError):
        SegmentScheme([Segment("X", r=(4, 2))])
    with pytest.raises(ValidationError):
        SegmentScheme([Segment("Others")])
    with pytest.raises(ValidationError):
        SegmentScheme().name_of(6, 1, 1)


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_segment_table_agrees_with_a_first_match_scan(r: int, f: int, m: int) -> None:
    scheme = SegmentScheme()
    expected = next((s.name for s in scheme.segments if s.matches(r, f, m)), scheme.catch_all)
    assert scheme.name_of(r, f, m) == expected == scheme.assign_many([r], [f], [m])[0]


# The sampled paths take a sample of 4,096 (or, from 131,072 values, 65,536), so the
# tests below call them directly on short lists, with samples of every density.

numbers = st.integers(-(10**6), 10**6)


def scored_by(path: str, values: list[Any], bins: int, higher: bool) -> list[int]:
    cuts, labels = _rfm._layout(len(values), bins, higher_is_better=higher)
    if path.startswith("ints"):  # "ints-<sample stride>-<code mapping>"
        _, step, via = path.split("-")
        return _rfm._by_int_codes(values, cuts, labels, int(step), via)
    if path == "counts":
        return _rfm._by_counts(values, cuts, labels)
    if path == "sort":
        return _rfm._by_sort(values, cuts, labels)
    return _rfm._by_pivots(values, cuts, labels, int(path))


@given(
    st.lists(numbers, min_size=2, max_size=300)
    | st.lists(st.integers(-5, 5), min_size=2, max_size=300)
    | st.lists(st.sampled_from([-7, 0, 0, 3, 10**12]), min_size=2, max_size=300),
    st.sampled_from([2, 3, 5, 10, 100]),
    st.booleans(),
    st.sampled_from(["counts", "sort", "1", "2", "7", "50", "1000"]),
)
def test_every_path_agrees_with_the_oracle_on_ints(
    values: list[int], bins: int, higher: bool, path: str
) -> None:
    # Ties, negatives, heavy repeats; samples from every value to a single one.
    expected = oracle(values, bins, higher_is_better=higher)
    assert scored_by(path, values, bins, higher) == expected


@given(
    st.lists(st.integers(-300, 300), min_size=2, max_size=200),
    st.sampled_from([3, 5, 7]),
    st.booleans(),
    st.sampled_from(["counts", "sort", "1", "3", "40"]),
    st.data(),
)
def test_every_path_agrees_with_the_oracle_on_decimals(
    cents: list[int], bins: int, higher: bool, path: str, data: st.DataObject
) -> None:
    # Decimals, some written as ints or with trailing zeros: equal values tie whatever their form.
    forms = data.draw(
        st.lists(st.sampled_from(["dec", "zeros", "int"]), min_size=len(cents), max_size=len(cents))
    )
    values: list[int | Decimal] = []
    for c, form in zip(cents, forms, strict=True):
        if form == "int" and c % 100 == 0:
            values.append(c // 100)
        elif form == "zeros":
            values.append(Decimal(c).scaleb(-2).quantize(Decimal("0.0001")))
        else:
            values.append(Decimal(c) / 100)
    expected = oracle(cents, bins, higher_is_better=higher)
    assert scored_by(path, values, bins, higher) == expected
    assert quantile_scores(values, bins, higher_is_better=higher) == expected  # type: ignore[type-var]


def test_a_long_input_of_many_values_agrees_with_the_oracle() -> None:
    rng = random.Random(2026)
    n = _rfm._PIVOTS_FROM + 17
    wide = [int(rng.lognormvariate(10, 1.4)) for _ in range(n)]
    # Periodic values defeat a strided sample: wide buckets to sort, the same scores.
    periodic = [(i % 97) * 1000 + i // 97 for i in range(n)]
    for values in (wide, periodic, sorted(wide), sorted(wide, reverse=True)):
        assert quantile_scores(values) == oracle(values)
    assert quantile_scores(wide, 7, higher_is_better=False) == oracle(
        wide, 7, higher_is_better=False
    )


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3.0],
        [1.5, 2.5],
        [1, 2, True],
        [Decimal(1), Decimal("NaN")],
        [Decimal(1), Decimal("Infinity")],
        [1, "2"],
        [1, None],
    ],
)
def test_floats_bools_and_non_finite_values_are_refused(values: list[object]) -> None:
    # A float equal to an int (3.0) is refused too, not folded into the int's bin.
    with pytest.raises(ValidationError) as caught:
        quantile_scores(values)  # type: ignore[type-var]
    assert caught.value.violations[0].field.startswith("values[")


@given(
    st.integers(2, 100), st.booleans(), numbers | st.decimals(allow_nan=False, allow_infinity=False)
)
def test_a_single_value_scores_the_middle_bin(bins: int, higher: bool, value: object) -> None:
    assert quantile_scores([value], bins, higher_is_better=higher) == [(bins + 1) // 2]  # type: ignore[type-var]


@given(st.lists(st.sampled_from(b"ab\x65\x66"), max_size=200), st.data())
def test_relabel_gives_each_markers_occurrences_its_runs_in_order(
    data: list[int], draw: st.DataObject
) -> None:
    runs = []
    for marker in (0x65, 0x66):
        # Split the marker's occurrences into runs of labels 1..5, in order.
        left = data.count(marker)
        groups = []
        while left:
            length = draw.draw(st.integers(1, left))
            groups.append([draw.draw(st.integers(1, 5)), length])
            left -= length
        if groups:
            runs.append((marker, groups))
    expected = list(data)
    for marker, groups in runs:
        labels = iter([label for label, length in groups for _ in range(length)])
        expected = [next(labels) if b == marker else b for b in expected]
    assert list(_rfm._relabel(bytes(data), runs)) == expected


ints_paths = st.sampled_from(
    [
        f"ints-{step}-{via}"
        for step in (0, 1, 2, 7, 50, 1000)
        for via in ("", "bytes", "dict", "bisect")
    ]
)


@given(
    st.lists(st.integers(0, 20), min_size=2, max_size=300)
    | st.lists(st.integers(-40, 300), min_size=2, max_size=300)
    | st.lists(numbers, min_size=2, max_size=300)
    | st.lists(st.sampled_from([-7, 0, 0, 3, 255, 256, 10**12]), min_size=2, max_size=300)
    # Neighbouring values in clusters far apart: buckets of one, two or three values.
    | st.lists(
        st.sampled_from([0, 1, 2, 3, 400, 401, 403, 405, 9000, 9001]), min_size=2, max_size=300
    ),
    st.sampled_from([2, 3, 5, 10, 100]),
    st.booleans(),
    ints_paths,
)
def test_the_int_codes_path_agrees_with_the_oracle(
    values: list[int], bins: int, higher: bool, path: str
) -> None:
    # Every sample stride and code mapping: bytes, dict (values outside its range
    # are bisected) and bisect; a mapping that cannot hold the values falls back.
    assert scored_by(path, values, bins, higher) == oracle(values, bins, higher_is_better=higher)


@pytest.mark.parametrize("via", ["", "bytes", "dict", "bisect"])
def test_values_the_sample_missed_still_get_their_codes(via: str) -> None:
    # A stride of 10 samples only the small values; 1000 and -5 sit between them.
    values = [i % 7 for i in range(200)]
    values[13], values[57] = 1000, -5
    cuts, labels = _rfm._layout(len(values), 5, higher_is_better=True)
    assert _rfm._by_int_codes(values, cuts, labels, 10, via) == oracle(values)


def test_a_bucket_of_two_values_on_an_edge_is_sorted_not_taken_in_input_order() -> None:
    # Sparse samples of clustered values leave buckets [v, v + 2) holding two values;
    # where one straddles an edge, its values must be ranked by value first.
    rng = random.Random(5)
    pool = [0, 1, 2, 3, 400, 401, 403, 405, 9000, 9001]
    for _ in range(300):
        values = [rng.choice(pool) for _ in range(rng.randint(60, 300))]
        for step in (7, 50):
            assert scored_by(f"ints-{step}-", values, 100, higher=True) == oracle(values, 100)


def test_a_long_int_input_with_heavy_ties_agrees_with_the_oracle() -> None:
    rng = random.Random(24)
    n = _rfm._PIVOTS_FROM + 5
    recency = [rng.randrange(730) for _ in range(n)]
    visits = [int(rng.expovariate(0.15)) for _ in range(n)]
    assert quantile_scores(recency, higher_is_better=False) == oracle(
        recency, higher_is_better=False
    )
    assert quantile_scores(visits) == oracle(visits)
    assert quantile_scores(tuple(visits), 10) == oracle(visits, 10)


def test_bytes_and_other_non_lists_are_refused_as_before() -> None:
    # bytes iterate as ints: they must still be refused as not a list of numbers.
    with pytest.raises(ValidationError) as caught:
        quantile_scores(b"\x01\x02\x03")
    assert caught.value.violations[0].rule == "not_a_list"
    with pytest.raises(ValidationError) as caught:
        quantile_scores(3)  # type: ignore[arg-type]
    assert caught.value.violations[0].field == "values"
