"""Tiering suite: RFM scores, segments and tier decisions for a whole customer base.

Anchor: the common pandas recipe, `pd.qcut` over `rank(method="first")`
for R, F and M, string segment codes mapped by regular expressions, and
`pd.cut` for tiers. The R, F and M scores are checked to be identical. The
churn scan and the care calendar over the same base are timed too, each
against a vectorised pandas equivalent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from benchmarks._harness import Row, best_of, best_of_pair
from clubrules._time import to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.care import ChurnRule, plan_care, scan_churn_columns
from clubrules.tiering import (
    QualificationWindow,
    ReviewSchedule,
    SegmentScheme,
    Tier,
    TierMetric,
    TierProgram,
    quantile_scores,
)

SUITE = "tiering"
AS_OF = datetime(2026, 6, 1, 9, tzinfo=UTC)

# The segment map of the widely copied pandas RFM tutorial (R then F).
SEG_MAP = {
    r"[1-2][1-2]": "Hibernating",
    r"[1-2][3-4]": "At Risk",
    r"[1-2]5": "Can't Lose Them",
    r"3[1-2]": "About to Sleep",
    r"33": "Need Attention",
    r"[3-4][4-5]": "Loyal",
    r"41": "Promising",
    r"51": "New Customers",
    r"[4-5][2-3]": "Potential Loyalists",
    r"5[4-5]": "Champions",
}

PROGRAM = TierProgram(
    tiers=[
        Tier("member", 0),
        Tier("silver", 1000, 800),
        Tier("gold", 5000, 4000),
        Tier("diamond", 20000, 15000),
    ],
    metric=TierMetric.SPEND,
    window=QualificationWindow(trailing_days=365),
    reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=3),
    zone="Asia/Shanghai",
)


def _data(n: int) -> dict[str, list[int]]:
    rng = np.random.default_rng(2026)
    recency = rng.integers(0, 730, n)
    frequency = rng.geometric(0.15, n) - 1  # many ties at small counts
    monetary = (rng.lognormal(10, 1.4, n)).astype(np.int64)  # fen
    current = rng.integers(0, 4, n)
    return {
        "recency": recency.tolist(),
        "frequency": frequency.tolist(),
        "monetary": monetary.tolist(),
        "value": (monetary // 100).tolist(),  # yuan
        "current": current.tolist(),
    }


def _rfm_rows(n: int) -> list[Row]:
    data = _data(n)
    scheme = SegmentScheme()
    df = pd.DataFrame({k: data[k] for k in ("recency", "frequency", "monetary", "value")})
    scores: dict[str, list[int]] = {}
    frames: dict[str, pd.DataFrame] = {}

    def run_clubrules() -> None:
        r = quantile_scores(data["recency"], higher_is_better=False)
        f = quantile_scores(data["frequency"])
        m = quantile_scores(data["monetary"])
        scheme.assign_many(r, f, m)
        PROGRAM.decide_many(data["current"], data["value"], review=False)
        scores.update(r=r, f=f, m=m)

    def run_pandas() -> None:
        d = df.copy()
        d["R"] = pd.qcut(d["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1])
        d["F"] = pd.qcut(d["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
        d["M"] = pd.qcut(d["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
        d["RFM"] = d["R"].astype(str) + d["F"].astype(str) + d["M"].astype(str)
        d["segment"] = (d["R"].astype(str) + d["F"].astype(str)).replace(SEG_MAP, regex=True)
        d["tier"] = pd.cut(
            d["value"],
            bins=[0, 1000, 5000, 20000, np.inf],
            right=False,
            labels=["member", "silver", "gold", "diamond"],
        )
        frames["pandas"] = d

    # Checked before timing: both recipes give the same R, F and M.
    run_clubrules()
    run_pandas()
    d = frames["pandas"]
    same = all(scores[k.lower()] == d[k].astype(int).tolist() for k in ("R", "F", "M"))
    assert same, "R, F and M scores differ from pandas"
    t_club = best_of(run_clubrules)
    t_pd = best_of(run_pandas)

    def run_scores_only() -> list[list[int]]:
        return [
            quantile_scores(data["recency"], higher_is_better=False),
            quantile_scores(data["frequency"]),
            quantile_scores(data["monetary"]),
        ]

    def run_pandas_scores_only() -> list[pd.Series]:
        return [
            pd.qcut(df["recency"].rank(method="first"), 5, labels=[5, 4, 3, 2, 1]),
            pd.qcut(df["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]),
            pd.qcut(df["monetary"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]),
        ]

    # The scorings alone, checked equal to pandas' before either is timed.
    ours, theirs = run_scores_only(), run_pandas_scores_only()
    same = all(a == b.astype(int).tolist() for a, b in zip(ours, theirs, strict=True))
    assert same, "quantile scores differ from pandas qcut(rank first)"
    # A third of a second a side on a shared machine: the best of more calls, the same for
    # both, in alternating rounds so that both meet the same quiet moments.
    t_scores, t_pd_scores = best_of_pair(run_scores_only, run_pandas_scores_only, repeat=9)

    def run_review() -> None:
        PROGRAM.decide_many(data["current"], data["value"], review=True)

    t_review = best_of(run_review)
    return [
        Row(
            SUITE,
            "RFM quintiles + segments + tier decisions",
            n,
            t_club,
            "pandas qcut(rank first) + regex segments + cut",
            t_pd,
            "R, F, M identical to pandas",
        ),
        Row(
            SUITE,
            "RFM scores only (3 x quantile_scores)",
            n,
            t_scores,
            "pandas 3 x qcut(rank first)",
            t_pd_scores,
            "R, F, M identical to pandas; no strings",
        ),
        Row(SUITE, "tier decisions at a review (decide_many)", n, t_review, "-", None),
    ]


def _churn_rows(n: int) -> list[Row]:
    rule = ChurnRule()
    rng = np.random.default_rng(7)
    ids = [f"c-{i:07}" for i in range(n)]
    bv = rng.poisson(36, n)  # a gym member: about three visits a week
    # Most members keep their pace (a third of 90 days' visits in 30 days); 8% slow down.
    pace = np.where(rng.random(n) < 0.08, 0.1, 0.34)
    rv = rng.binomial(bv, pace)
    price = rng.integers(5_000, 30_000, n)  # fen per visit
    bs, rs = bv * price, rv * price
    b_start_us = to_epoch_us(rule.windows(AS_OF)[0])
    first = b_start_us - rng.integers(-30, 400, n).astype(np.int64) * 86_400_000_000
    cols = {
        "bv": bv.tolist(),
        "rv": rv.tolist(),
        "bs": bs.tolist(),
        "rs": rs.tolist(),
        "first": first.tolist(),
    }
    df = pd.DataFrame(cols)
    found: dict[str, int] = {}

    def run_clubrules() -> None:
        warnings = scan_churn_columns(
            rule,
            as_of=AS_OF,
            customer_ids=ids,
            first_visit_us=cols["first"],
            baseline_visits=cols["bv"],
            recent_visits=cols["rv"],
            baseline_spend=cols["bs"],
            recent_spend=cols["rs"],
        )
        found["clubrules"] = len(warnings)

    def run_pandas() -> None:
        bd, rd = rule.baseline_days, rule.recent_days
        drop_v = 1 - (df["rv"] / rd) / (df["bv"] / bd)
        drop_s = 1 - (df["rs"] / rd) / (df["bs"] / bd)
        eligible = (df["bv"] >= rule.min_baseline_visits) & (df["first"] <= b_start_us)
        fire = eligible & ((drop_v > 0.3) | ((df["bs"] > 0) & (drop_s > 0.3)))
        worst = np.maximum(drop_v, drop_s.fillna(0))[fire]
        sev = pd.cut(worst, [0.3, 0.5, 0.7, 1.0], labels=["low", "medium", "high"])
        found["pandas"] = int(fire.sum())
        del sev

    t_club = best_of(run_clubrules)
    t_pd = best_of(run_pandas)
    return [
        Row(
            SUITE,
            "churn scan (scan_churn_columns)",
            n,
            t_club,
            "pandas vectorised drop + cut",
            t_pd,
            f"{found['clubrules']:,} warnings (pandas floats: {found['pandas']:,})",
        )
    ]


def _care_rows(n: int) -> list[Row]:
    calendar = BusinessCalendar(
        "Asia/Shanghai",
        weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
        holidays={date(2026, 10, 1): "National Day"},
    )
    rng = np.random.default_rng(11)
    days = rng.integers(0, 365 * 30, n).tolist()
    base = date(1970, 1, 1)
    birthdays = {f"c-{i:07}": base + timedelta(days=d) for i, d in enumerate(days)}
    as_of = datetime(2026, 9, 28, 8, tzinfo=calendar.zone)
    found: dict[str, int] = {}
    df = pd.DataFrame({"id": list(birthdays), "birthday": pd.to_datetime(list(birthdays.values()))})

    def run_clubrules() -> None:
        tasks = plan_care(as_of=as_of, horizon_days=7, calendar=calendar, birthdays=birthdays)
        found["clubrules"] = len(tasks)

    def run_pandas() -> None:
        wanted = pd.date_range("2026-09-28", periods=7)
        md = df["birthday"].dt.strftime("%m-%d")
        hit = df[md.isin(set(wanted.strftime("%m-%d")))]
        found["pandas"] = len(hit)

    t_club = best_of(run_clubrules)
    t_pd = best_of(run_pandas)
    return [
        Row(
            SUITE,
            "care calendar: birthdays, 7 days (plan_care)",
            n,
            t_club,
            "pandas month-day isin (no business days)",
            t_pd,
            f"{found['clubrules']:,} tasks on business days (pandas matches {found['pandas']:,})",
        )
    ]


def run(quick: bool) -> list[Row]:
    """Time the tiering suite; `quick` uses small sizes."""
    n = 20_000 if quick else 1_000_000
    return _rfm_rows(n) + _churn_rows(n) + _care_rows(n)
