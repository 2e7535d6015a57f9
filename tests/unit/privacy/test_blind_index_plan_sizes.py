"""`plan_blind_index` over numbers of any size: the float formula's plan, or a typed refusal."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ValidationError
from clubrules.privacy import plan_blind_index


def _oracle(rows: int, space: int, rate: float, per_index: int) -> tuple[int, int] | None:
    """The bits and the most bits allowed, by the obvious formula (None: refused)."""
    if space < 2**16 or rows < 1 or not 0 < rate < 1:
        return None
    try:
        bits = max(8, math.ceil(math.log2(rows / rate)))
    except (OverflowError, ValueError):  # past any float: far more than 64 bits either way
        return None
    most = len(bin(space // per_index)) - 3  # floor(log2(space / per_index)), counted exactly
    return None if bits > most or bits > 64 else (bits, most)


@given(
    rows=st.integers(1, 2**70),
    space=st.integers(2**16, 2**80),
    rate=st.floats(1e-9, 0.5),
    per_index=st.integers(1, 64),
)
def test_plans_agree_with_the_float_formula(
    rows: int, space: int, rate: float, per_index: int
) -> None:
    expected = _oracle(rows, space, rate, per_index)
    try:
        plan = plan_blind_index(
            expected_rows=rows,
            value_space=space,
            false_positive_rate=rate,
            min_values_per_index=per_index,
        )
    except ValidationError as error:
        assert expected is None, error  # noqa: PT017 - the oracle decides
        return
    assert expected is not None
    assert plan.bits == expected[0]


@given(
    rows=st.integers(1, 10**500),
    space=st.integers(2**16, 10**500),
    rate=st.one_of(st.floats(0, 1, exclude_min=True, exclude_max=True), st.just(5e-324)),
)
def test_numbers_past_any_float_get_a_plan_or_a_typed_refusal(
    rows: int, space: int, rate: float
) -> None:
    try:
        plan = plan_blind_index(expected_rows=rows, value_space=space, false_positive_rate=rate)
    except ValidationError as error:
        assert error.rule == "unplannable"  # noqa: PT017 - which refusal, for any input
        return
    assert 8 <= plan.bits <= 64
    assert plan.values_per_index >= 16
