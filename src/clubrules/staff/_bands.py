"""Score bands: half-open ranges of the 0-100 total, each with the outcome it brings."""

from __future__ import annotations

import bisect
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar, cast

import attrs

from clubrules._checks import (
    check_choice,
    check_distinct,
    check_text,
    check_tuple_of,
    require_real,
    shown,
    to_choice,
)
from clubrules.errors import InvalidRubricError, ValidationError, ViolationCollector
from clubrules.staff._numbers import HUNDRED, ZERO, check_decimal, to_decimal

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DEFAULT_BANDS", "Band", "BandOutcome", "BandScheme"]

_T = TypeVar("_T")


class BandOutcome(enum.Enum):
    """What a score in a band brings.

    `REWARD` recommends a reward (the seed: 表彰和奖励); `WARNING` is a
    failing band: a warning talk with a deadline to improve (誡勉談話, 限期整改),
    and a link in the consecutive-failure chain; `NONE` brings nothing.
    """

    REWARD = "reward"
    NONE = "none"
    WARNING = "warning"


def ordered_by(
    problems: ViolationCollector,
    field: str,
    values: object,
    kind: type[_T],
    key: Callable[[_T], Decimal],
) -> tuple[_T, ...]:
    """`values`, a tuple of `kind`, sorted by `key`; else `InvalidRubricError` now (private)."""
    if not check_tuple_of(problems, field, values, kind):
        problems.raise_if_any(InvalidRubricError)
    return tuple(sorted(cast("tuple[_T, ...]", values), key=key))


def _to_outcome(value: object) -> BandOutcome:
    return to_choice(BandOutcome, value)


@attrs.frozen(kw_only=True)
class Band:
    """One band: the scores from `lower` up to (not including) the next band's lower bound.

    Attributes:
        name: The band's name, such as `"excellent"`.
        lower: The lowest total in the band (a Decimal on the 0.01 grid).
        outcome: A [BandOutcome][clubrules.staff.BandOutcome]; its value as a
            string is accepted.

    Raises:
        InvalidRubricError: a blank name, a lower bound outside 0-100 or not
            a Decimal, or an unknown outcome.
    """

    name: str
    lower: Decimal = attrs.field(converter=to_decimal)
    outcome: BandOutcome = attrs.field(default=BandOutcome.NONE, converter=_to_outcome)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "name", self.name)
        check_decimal(problems, "lower", self.lower, low=ZERO, high=HUNDRED)
        check_choice(problems, "outcome", self.outcome, BandOutcome)
        problems.raise_if_any(InvalidRubricError)


def _to_bands(value: object) -> tuple[Band, ...]:
    if isinstance(value, list | tuple):
        return tuple(value)
    return value  # type: ignore[return-value]  # reported by the check below


@attrs.frozen
class BandScheme:
    """Bands that partition the totals 0-100 into half-open ranges.

    Give the bands in any order; they are kept sorted by `lower`. The lowest
    band must start at 0 and the lower bounds must differ, so every total
    from 0 to 100 falls in exactly one band: `[lower, next lower)`, and the
    top band runs up to 100 inclusive.

    Attributes:
        bands: The bands, sorted by `lower`.

    Raises:
        InvalidRubricError: no bands, no band starting at 0, two bands with
            the same lower bound or the same name.

    Examples:
        >>> from decimal import Decimal
        >>> scheme = BandScheme([Band(name="pass", lower=60), Band(name="fail", lower=0)])
        >>> scheme.band_for(Decimal("59.99")).name, scheme.band_for(Decimal(60)).name
        ('fail', 'pass')
    """

    bands: tuple[Band, ...] = attrs.field(converter=_to_bands)
    _lowers: tuple[Decimal, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        ordered = ordered_by(problems, "bands", self.bands, Band, key=lambda b: b.lower)
        if not ordered:
            problems.add("bands", "empty", "needs at least one band")
        elif ordered[0].lower != 0:
            problems.add("bands", "gap_at_zero", f"the lowest band starts at {ordered[0].lower}")
        lowers = [b.lower for b in ordered]
        check_distinct(problems, "bands", lowers, "overlap", "two bands have the same lower bound")
        names = [b.name for b in ordered]
        check_distinct(problems, "bands", names, "duplicate_name", "two bands have the same name")
        problems.raise_if_any(InvalidRubricError)
        object.__setattr__(self, "bands", ordered)
        object.__setattr__(self, "_lowers", tuple(lowers))

    def band_for(self, total: Decimal) -> Band:
        """The band that holds `total` (0 to 100).

        Raises:
            ValidationError: `total` is outside 0-100, or is not a number.
        """
        require_real(total, "total")
        if not ZERO <= total <= HUNDRED:
            raise ValidationError(
                f"{shown(total)} is outside 0-100", field="total", rule="out_of_range"
            )
        return self.bands[bisect.bisect_right(self._lowers, total) - 1]

    def __getitem__(self, name: str) -> Band:
        """The band called `name`."""
        for band in self.bands:
            if band.name == name:
                return band
        raise KeyError(name)


DEFAULT_BANDS = BandScheme(
    [
        Band(name="excellent", lower=Decimal(90), outcome=BandOutcome.REWARD),
        Band(name="good", lower=Decimal(80)),
        Band(name="pass", lower=Decimal(60)),
        Band(name="fail", lower=Decimal(0), outcome=BandOutcome.WARNING),
    ]
)
"""The default bands: fail [0, 60), pass [60, 80), good [80, 90), excellent [90, 100]."""
