"""KPI values and their normalisation to points, against exact Fraction oracles."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ValidationError
from clubrules.staff import Kpi, LinearScale, Step, SteppedScale
from clubrules.staff._numbers import apportion, round_ratio
from clubrules.testing.strategies import points_up_to, staff_kpis, staff_rates


def half_up(value: Fraction) -> Decimal:
    """The oracle's rounding: to 0.01, half up, on an exact fraction."""
    hundredths = (value * 100 + Fraction(1, 2)).__floor__()
    return Decimal(hundredths) / 100


def test_a_kpi_keeps_its_counts() -> None:
    kpi = Kpi(47, 50)
    assert kpi.rate == Decimal("0.94")
    assert kpi.has_events
    assert Kpi.no_events() == Kpi(0, 0)
    assert Kpi.no_events().rate is None
    assert not Kpi.no_events().has_events


@pytest.mark.parametrize(("numerator", "denominator"), [(51, 50), (-1, 50), (1, 0), (0, -3)])
def test_a_kpi_outside_0_to_1_is_refused(numerator: int, denominator: int) -> None:
    with pytest.raises(ValidationError) as caught:
        Kpi(numerator, denominator)
    assert caught.value.rule == "kpi_out_of_range"


@pytest.mark.parametrize("rate", ["1.01", "-0.01", "1.0000001"])
def test_a_rate_outside_0_to_1_is_refused(rate: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Kpi.from_rate(rate)
    assert caught.value.rule == "kpi_out_of_range"


def test_a_float_rate_or_count_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Kpi.from_rate(0.5)  # type: ignore[arg-type]
    assert caught.value.rule == "not_exact"
    with pytest.raises(ValidationError) as caught:
        Kpi(1.0, 2)  # type: ignore[arg-type]
    assert caught.value.rule == "not_an_int"


@given(staff_rates(places=6))
def test_from_rate_is_exact(rate: Decimal) -> None:
    kpi = Kpi.from_rate(rate)
    assert Fraction(kpi.numerator, kpi.denominator) == Fraction(rate)


def linear_oracle(scale: LinearScale, kpi: Kpi, maximum: Decimal) -> Decimal:
    rate = Fraction(kpi.numerator, kpi.denominator)
    floor, target = Fraction(scale.floor), Fraction(scale.target)
    share = min(max((rate - floor) / (target - floor), Fraction(0)), Fraction(1))
    return half_up(share * Fraction(maximum))


def stepped_oracle(scale: SteppedScale, kpi: Kpi) -> Decimal:
    rate = Fraction(kpi.numerator, kpi.denominator)
    return max(
        (s for s in scale.steps if Fraction(s.min_rate) <= rate), key=lambda s: s.min_rate
    ).points


def _points(share: tuple[Decimal, Decimal], maximum: Decimal) -> Decimal:
    return round_ratio(share[0], share[1], times=maximum)


@given(
    st.lists(staff_rates(), min_size=2, max_size=2, unique=True),
    staff_kpis(no_events=False, max_events=10_000),
    points_up_to(Decimal(40)).filter(bool),
)
def test_linear_scale_agrees_with_the_fraction_oracle(
    bounds: list[Decimal], kpi: Kpi, maximum: Decimal
) -> None:
    floor, target = sorted(bounds)
    scale = LinearScale(floor=floor, target=target)
    got = _points(scale.share(kpi.numerator, kpi.denominator, maximum), maximum)
    assert got == linear_oracle(scale, kpi, maximum)
    assert Decimal(0) <= got <= maximum


def test_linear_scale_edges() -> None:
    scale = LinearScale(floor=Decimal("0.70"), target=Decimal("0.95"))
    ten = Decimal(10)
    assert _points(scale.share(70, 100, ten), ten) == 0
    assert _points(scale.share(95, 100, ten), ten) == 10
    assert _points(scale.share(100, 100, ten), ten) == 10
    assert _points(scale.share(47, 50, ten), ten) == Decimal("9.60")
    # 0.8 -> (0.8 - 0.7) / 0.25 = 0.4 -> 4 points exactly; 2/3 of the way is 6.666... -> 6.67
    assert _points(scale.share(80, 100, ten), ten) == 4
    assert _points(scale.share(2, 3, Decimal(1)), Decimal(1)) == 0


@st.composite
def _stepped(draw: st.DrawFn) -> SteppedScale:
    rates = sorted({Decimal(0), *draw(st.lists(staff_rates(places=2), max_size=4))})
    return SteppedScale([Step(min_rate=r, points=draw(points_up_to(Decimal(10)))) for r in rates])


@given(_stepped(), staff_kpis(no_events=False, max_events=500))
def test_stepped_scale_agrees_with_a_scan(scale: SteppedScale, kpi: Kpi) -> None:
    ten = Decimal(10)
    got = _points(scale.share(kpi.numerator, kpi.denominator, ten), ten)
    assert got == stepped_oracle(scale, kpi)


def test_stepped_steps_are_half_open() -> None:
    scale = SteppedScale(
        [
            Step(min_rate="0.9", points=8),
            Step(min_rate=0, points=0),
            Step(min_rate="0.95", points=10),
        ]
    )
    ten = Decimal(10)
    assert [s.min_rate for s in scale.steps] == [0, Decimal("0.9"), Decimal("0.95")]
    assert _points(scale.share(89, 100, ten), ten) == 0
    assert _points(scale.share(90, 100, ten), ten) == 8
    assert _points(scale.share(949, 1000, ten), ten) == 8
    assert _points(scale.share(19, 20, ten), ten) == 10


@given(st.integers(0, 10**12), st.integers(1, 10**12), points_up_to(Decimal(100)))
def test_round_ratio_is_exact_half_up(numerator: int, denominator: int, times: Decimal) -> None:
    expected = half_up(Fraction(numerator, denominator) * Fraction(times))
    assert round_ratio(Decimal(numerator), Decimal(denominator), times=times) == expected


@given(points_up_to(Decimal(100)), st.lists(points_up_to(Decimal(50)).filter(bool), min_size=1))
def test_apportion_sums_exactly_and_stays_within_a_cent(
    total: Decimal, weights: list[Decimal]
) -> None:
    shares = apportion(total, weights)
    assert sum(shares) == total
    whole = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Fraction(total) * Fraction(weight) / Fraction(whole)
        assert abs(Fraction(share) - exact) < Fraction(1, 100)
        assert share % Decimal("0.01") == 0
