"""Warning and escalation thresholds are exact: the fraction as written, times the allowance."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.complaints import (
    AlertLevel,
    CaseKind,
    Escalation,
    PolicyBook,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    check_alerts,
    register,
)

from ._calendars import SHANGHAI

T0 = datetime(2026, 2, 9, 8, 0, tzinfo=SHANGHAI)
US = timedelta(microseconds=1)


def _alerts(
    within: timedelta, warn_at: float, at: float, now: datetime
) -> dict[AlertLevel, datetime]:
    target = SlaTarget(
        TargetKind.FIRST_RESPONSE, within, warn_at=warn_at, escalation=Escalation("boss", at=at)
    )
    policy = SlaPolicy("exact", 1, CaseKind.COMPLAINT, [target], reopen_window=timedelta(days=3))
    case = register(
        PolicyBook([policy]),
        case_id="k-1",
        at=T0,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
    )
    return {alert.level: alert.fire_at for alert in check_alerts([case], now)}


def test_seven_hundredths_of_an_hour_warn_at_four_minutes_twelve_seconds() -> None:
    # As floats, 0.07 * 3,600,000,000 us is 252,000,000.00000003: rounded up, a microsecond late.
    fired = _alerts(timedelta(hours=1), 0.07, 1.15, T0 + timedelta(hours=1))
    assert fired[AlertLevel.WARNING] == T0 + timedelta(minutes=4, seconds=12)
    # 1.15 * 100 as floats is 114.99999999999999: rounded down, a microsecond early.
    fired = _alerts(100 * US, 0.5, 1.15, T0 + timedelta(hours=1))
    assert fired[AlertLevel.ESCALATION] == T0 + 116 * US


@settings(max_examples=300)
@given(
    # Whole hours, minutes, seconds or microseconds: any count of them, up to 10**6 hours.
    within_us=st.builds(
        int.__mul__, st.integers(1, 10**6), st.sampled_from([1, 10**6, 60 * 10**6, 3600 * 10**6])
    ),
    warn_hundredths=st.integers(1, 100),
    at_hundredths=st.integers(100, 1000),
)
def test_thresholds_are_the_written_fraction_of_the_allowance_to_the_microsecond(
    within_us: int, warn_hundredths: int, at_hundredths: int
) -> None:
    warn_at = float(Decimal(warn_hundredths) / 100)
    at = float(Decimal(at_hundredths) / 100)
    within = timedelta(microseconds=within_us)
    # Warned, not yet breached, at the due time; escalated long after.
    warned = _alerts(within, warn_at, at, T0 + within)
    escalated = _alerts(within, warn_at, at, T0 + 11 * within)
    warn_us = -(-Fraction(warn_hundredths, 100) * within_us // 1)  # first at or past
    escalate_us = Fraction(at_hundredths, 100) * within_us // 1 + 1  # first past
    assert warned[AlertLevel.WARNING] == T0 + warn_us * US
    assert escalated[AlertLevel.ESCALATION] == T0 + escalate_us * US


class _OddFloat(float):
    """A float whose repr and hash say something else: the threshold reads its value."""

    def __repr__(self) -> str:
        return "not a number"

    def __hash__(self) -> int:
        return 0


def test_a_float_subclass_is_read_by_its_value() -> None:
    for now in (T0 + timedelta(hours=1), T0 + timedelta(hours=2)):  # warned, then escalated
        odd = _alerts(timedelta(hours=1), _OddFloat(0.07), _OddFloat(1.15), now)
        assert odd == _alerts(timedelta(hours=1), 0.07, 1.15, now)
    assert odd[AlertLevel.ESCALATION] == T0 + timedelta(hours=1, minutes=9, microseconds=1)
