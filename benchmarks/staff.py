"""Staff suite: monthly score sheets for 10,000 staff from raw KPI inputs, and their outcomes.

Anchors, timed in the same run on the same inputs:
- pandas: the seed rubric written as vectorised float64 columns, the way a
  team would compute it in a notebook (no explanations, float rounding);
- a plain Decimal loop: the same exact formulas, no score sheet (the cost of
  the arithmetic alone, so the rest is the cost of an explainable sheet).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Row, best_of
from clubrules.staff import (
    BOOKING_SUCCESS_RATE,
    COMPLAINT_TIMELINESS_RATE,
    SATISFACTION_RATE,
    AssessmentInputs,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ScoreSheet,
    assess,
    decide_outcome,
    seed_rubric,
)
from clubrules.staff._numbers import round_ratio

SUITE = "staff"
MANUAL = (
    "responsibility",
    "teamwork",
    "service_knowledge",
    "answer_accuracy",
    "booking_handling",
    "complaint_handling",
)
MARCH = AssessmentPeriod.monthly(2026, 3)
APRIL = AssessmentPeriod.monthly(2026, 4)


def _raw(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Raw monthly inputs per staff member: supervisor scores, KPI counts, star ratings."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):

        def counts(empty: float, low: float) -> tuple[int, int]:
            if rng.random() < empty:
                return 0, 0
            d = rng.randint(1, 60)
            return rng.randint(int(d * low), d), d

        rows.append(
            {
                "id": f"cs-{i:05d}",
                "manual": [rng.randint(8, 20) / 2 for _ in MANUAL],
                "satisfaction": counts(0.05, 0.5),
                "booking": counts(0.05, 0.6),
                "complaints": counts(0.4, 0.7),
                "stars": [rng.randint(2, 5) for _ in range(rng.randint(0, 6))],
            }
        )
    return rows


def _inputs(row: dict[str, Any]) -> AssessmentInputs:
    return AssessmentInputs(
        manual={
            key: ManualScore(points=Decimal(str(p)), by="sup")
            for key, p in zip(MANUAL, row["manual"], strict=True)
        },
        kpis={
            SATISFACTION_RATE: Kpi(*row["satisfaction"]),
            BOOKING_SUCCESS_RATE: Kpi(*row["booking"]),
            COMPLAINT_TIMELINESS_RATE: Kpi(*row["complaints"]),
        },
        evaluations=row["stars"],
    )


# --- anchor 1: pandas, float64 ------------------------------------------------


def _frame(raw: list[dict[str, Any]]) -> pd.DataFrame:
    data: dict[str, Any] = {f"m{i}": [r["manual"][i] for r in raw] for i in range(len(MANUAL))}
    for name in ("satisfaction", "booking", "complaints"):
        data[f"{name}_n"] = [r[name][0] for r in raw]
        data[f"{name}_d"] = [r[name][1] for r in raw]
    data["stars_sum"] = [sum(r["stars"]) for r in raw]
    data["stars_n"] = [len(r["stars"]) for r in raw]
    return pd.DataFrame(data)


def _pandas_totals(df: pd.DataFrame) -> pd.DataFrame:
    def linear(n: pd.Series, d: pd.Series, floor: float, target: float) -> pd.Series:
        rate = n / d.where(d > 0)
        return ((rate - floor) / (target - floor)).clip(0, 1) * 10

    out = pd.DataFrame(index=df.index)
    has_stars = df["stars_n"] > 0
    awareness = (df["stars_sum"] - df["stars_n"]) / (4 * df["stars_n"].where(has_stars)) * 10
    attitude_scale = np.where(has_stars, 1.0, 1.5)
    out["attitude"] = (
        awareness.fillna(0).round(2)
        + (df["m0"] * attitude_scale).round(2)
        + (df["m1"] * attitude_scale).round(2)
    )
    out["capability"] = df["m2"] + df["m3"] + df["m4"] + df["m5"]
    satisfaction = linear(df["satisfaction_n"], df["satisfaction_d"], 0.60, 0.95).fillna(6.0)
    booking = linear(df["booking_n"], df["booking_d"], 0.70, 0.95)
    rate = df["complaints_n"] / df["complaints_d"].where(df["complaints_d"] > 0)
    timeliness = pd.Series(
        np.select([rate >= 0.95, rate >= 0.90, rate >= 0.80], [10.0, 8.0, 6.0], 0.0),
        index=df.index,
    ).where(df["complaints_d"] > 0, 10.0)
    performance_scale = np.where(df["booking_d"] > 0, 1.0, 1.5)
    out["performance"] = (
        (satisfaction * performance_scale).round(2)
        + booking.fillna(0).round(2)
        + (timeliness * performance_scale).round(2)
    )
    out["total"] = out["attitude"] + out["capability"] + out["performance"]
    out["band"] = pd.cut(
        out["total"],
        [0, 60, 80, 90, 100.001],
        right=False,
        labels=["fail", "pass", "good", "excellent"],
    )
    return out


# --- anchor 2: the exact arithmetic alone -------------------------------------

_TEN = Decimal(10)


def _linear(n: int, d: int, floor: Decimal, target: Decimal, maximum: Decimal) -> Decimal:
    low, high = floor * d, target * d
    if n <= low:
        return Decimal(0)
    if n >= high:
        return maximum
    return round_ratio(Decimal(n) - low, high - low, times=maximum)


def _decimal_total(row: dict[str, Any]) -> Decimal:
    manual = [Decimal(str(p)) for p in row["manual"]]
    stars = row["stars"]
    if stars:
        awareness = round_ratio(Decimal(sum(stars) - len(stars)), Decimal(4 * len(stars)), _TEN)
        attitude = awareness + manual[0] + manual[1]
    else:
        attitude = round_ratio(manual[0], _TEN, Decimal(15)) + round_ratio(
            manual[1], _TEN, Decimal(15)
        )
    capability = sum(manual[2:], Decimal(0))
    bn, bd = row["booking"]
    # No bookings: the booking item is excluded and its 10 points go to the other two.
    weight = _TEN if bd else Decimal(15)
    sn, sd = row["satisfaction"]
    if sd:
        satisfaction = _linear(sn, sd, Decimal("0.60"), Decimal("0.95"), weight)
    else:
        satisfaction = round_ratio(Decimal(6), _TEN, weight)
    cn, cd = row["complaints"]
    timeliness = weight
    if cd:
        steps = ((Decimal("0.95"), 10), (Decimal("0.9"), 8), (Decimal("0.8"), 6))
        points = next((p for r, p in steps if r * cd <= cn), 0)
        timeliness = round_ratio(Decimal(points), _TEN, weight)
    performance = satisfaction + timeliness
    if bd:
        performance += _linear(bn, bd, Decimal("0.70"), Decimal("0.95"), _TEN)
    return attitude + capability + performance


def _score_rows(n: int) -> list[Row]:
    rubric = seed_rubric()
    raw = _raw(n)
    inputs = [_inputs(r) for r in raw]
    as_of = MARCH.end + timedelta(days=1)
    sheets: list[ScoreSheet] = []

    def run_assess() -> None:
        sheets.clear()
        sheets.extend(
            assess(rubric, x, sheet_id=r["id"], staff_id=r["id"], period=MARCH, as_of=as_of)
            for r, x in zip(raw, inputs, strict=True)
        )

    def run_from_raw() -> None:
        for r in raw:
            assess(
                rubric, _inputs(r), sheet_id=r["id"], staff_id=r["id"], period=MARCH, as_of=as_of
            )

    frame = _frame(raw)
    result: list[pd.DataFrame] = []

    def run_pandas() -> None:
        result.clear()
        result.append(_pandas_totals(_frame(raw)))

    def run_decimal() -> None:
        for r in raw:
            _decimal_total(r)

    t_assess = best_of(run_assess)
    t_raw = best_of(run_from_raw)
    t_pandas = best_of(run_pandas)
    t_decimal = best_of(run_decimal)

    # The anchors compute the same thing: exact totals agree with the plain loop,
    # float totals agree to within float rounding of each line.
    exact = [_decimal_total(r) for r in raw]
    assert [s.total for s in sheets] == exact
    floats = result[0]["total"].to_numpy()
    drift = max(abs(float(s.total) - f) for s, f in zip(sheets, floats, strict=True))
    assert drift < 0.05, drift
    bands = sum(1 for s, b in zip(sheets, result[0]["band"], strict=True) if s.band != b)
    del frame
    return [
        Row(
            SUITE,
            "monthly score sheets from raw KPI inputs",
            n,
            t_raw,
            "pandas float64 columns",
            t_pandas,
            f"{t_raw / n * 1e6:.1f} us/sheet incl. inputs; pandas bands differ on {bands}",
        ),
        Row(
            SUITE,
            "score sheets (inputs built) vs exact loop",
            n,
            t_assess,
            "plain Decimal loop",
            t_decimal,
            f"{t_assess / n * 1e6:.1f} us/sheet; max float drift {drift:.3f}",
        ),
    ]


def _outcome_rows(n: int) -> list[Row]:
    rubric = seed_rubric()
    raw = _raw(n, seed=11)
    march = [
        assess(
            rubric,
            _inputs(r),
            sheet_id=f"{r['id']}-03",
            staff_id=r["id"],
            period=MARCH,
            as_of=MARCH.end,
        )
        for r in raw
    ]
    april = [
        assess(
            rubric,
            _inputs(r),
            sheet_id=f"{r['id']}-04",
            staff_id=r["id"],
            period=APRIL,
            as_of=APRIL.end,
        )
        for r in _raw(n, seed=12)
    ]

    def run_outcomes() -> None:
        for before, now in zip(march, april, strict=True):
            decide_outcome(now, rubric, history=[before])

    t = best_of(run_outcomes)
    return [
        Row(
            SUITE,
            "outcomes with last month's history",
            n,
            t,
            "-",
            None,
            f"{t / n * 1e6:.1f} us/staff member",
        )
    ]


def run(quick: bool) -> list[Row]:
    """Time the staff suite; `quick` uses 1,000 staff instead of 10,000."""
    n = 1_000 if quick else 10_000
    return _score_rows(n) + _outcome_rows(n)
