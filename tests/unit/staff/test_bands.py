"""Bands: half-open ranges that partition 0-100, with their outcomes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import InvalidRubricError, ValidationError
from clubrules.staff import DEFAULT_BANDS, Band, BandOutcome, BandScheme
from clubrules.testing.strategies import points_up_to

CENT = Decimal("0.01")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("0", "fail"),
        ("59.99", "fail"),
        ("60", "pass"),
        ("79.99", "pass"),
        ("80.00", "good"),
        ("89.99", "good"),
        ("90", "excellent"),
        ("100", "excellent"),
    ],
)
def test_default_bands_are_half_open(total: str, band: str) -> None:
    assert DEFAULT_BANDS.band_for(Decimal(total)).name == band


def test_default_outcomes() -> None:
    assert DEFAULT_BANDS["excellent"].outcome is BandOutcome.REWARD
    assert DEFAULT_BANDS["fail"].outcome is BandOutcome.WARNING
    assert DEFAULT_BANDS["good"].outcome is DEFAULT_BANDS["pass"].outcome is BandOutcome.NONE


def test_totals_outside_0_to_100_are_refused() -> None:
    for total in ("-0.01", "100.01"):
        with pytest.raises(ValidationError) as caught:
            DEFAULT_BANDS.band_for(Decimal(total))
        assert caught.value.rule == "out_of_range"


def test_bad_schemes_are_refused() -> None:
    with pytest.raises(InvalidRubricError) as caught:
        BandScheme([Band(name="pass", lower=60)])
    assert caught.value.rule == "gap_at_zero"
    with pytest.raises(InvalidRubricError) as caught:
        BandScheme([Band(name="a", lower=0), Band(name="b", lower=0)])
    assert caught.value.rule == "overlap"
    with pytest.raises(InvalidRubricError) as caught:
        BandScheme([Band(name="a", lower=0), Band(name="a", lower=50)])
    assert caught.value.rule == "duplicate_name"
    with pytest.raises(InvalidRubricError):
        Band(name="x", lower=Decimal("100.5"))
    with pytest.raises(InvalidRubricError):
        Band(name="x", lower=0, outcome="promotion")


@st.composite
def _schemes(draw: st.DrawFn) -> BandScheme:
    lowers = draw(st.lists(points_up_to(Decimal(100)), max_size=6, unique=True))
    lowers = sorted({Decimal(0), *lowers})
    return BandScheme(
        [
            Band(name=f"b{i}", lower=lower, outcome=draw(st.sampled_from(BandOutcome)))
            for i, lower in enumerate(lowers)
        ]
    )


@given(_schemes(), points_up_to(Decimal(100)))
def test_bands_partition_the_range(scheme: BandScheme, total: Decimal) -> None:
    # Oracle: the obvious scan over half-open ranges, the top one closed at 100.
    containing = [
        band
        for i, band in enumerate(scheme.bands)
        if band.lower <= total and (i + 1 == len(scheme.bands) or total < scheme.bands[i + 1].lower)
    ]
    assert len(containing) == 1
    assert scheme.band_for(total) == containing[0]


@given(_schemes())
def test_every_band_is_reachable_at_its_lower_bound(scheme: BandScheme) -> None:
    for band in scheme.bands:
        assert scheme.band_for(band.lower) == band
        if band.lower > 0:
            assert scheme.band_for(band.lower - CENT) != band
