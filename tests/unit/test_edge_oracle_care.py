"""Oracle hunt (tiering, care, customers, words): each computation against a slow, obvious oracle.

- Business time in words: the hours to two decimals, rounded half to even
  from the exact microseconds (a float turned 10.5 minutes, 0.175 hours,
  into 0.17499... and read "0.17").
- The local date of an `as_of` given as a wall time of the club's own zone
  that a DST change skipped: `astimezone` to a datetime's own tzinfo
  returns it unchanged, so Pacific/Apia's 30 December 2011 12:00 (the
  instant 31 December 12:00 there) planned no task for the 31st and missed
  a tier review due that day. The care plan, tier decisions and the fixed
  qualification window now read every `as_of` as the instant it names.
- `day` of a datetime shows the day of the instant it names, as `when`
  does: Apia's skipped 30 December 2011 12:00 read "Fri 30 Dec" in `day`
  and "Sat 31 Dec 12:00" in `when`.
- The care plan against an oracle that enumerates every occasion of every
  year and walks each local day's opening in 15-minute steps; a tier
  decision's review dates against every review of the schedule; churn
  scans against visit days and net spend counted by hand from the records.
"""

from __future__ import annotations

import calendar as _cal
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules import Money
from clubrules._time import to_epoch_us
from clubrules.care import (
    ChurnRule,
    LeapDayPolicy,
    ReturnVisitRule,
    SurveySchedule,
    plan_care,
    scan_churn,
    scan_churn_columns,
)
from clubrules.customers import ConsumptionRecord, ServiceRecord, spend_by_customer
from clubrules.errors import NaiveDatetimeError
from clubrules.tiering import (
    QualificationWindow,
    ReviewSchedule,
    TierMetric,
    TierProgram,
    TierStatus,
    summarize_activity,
)
from clubrules.words import business_time, day, overdue, time_left, when
from tests._zones import EDGE_ZONES

APIA = ZoneInfo("Pacific/Apia")
# Days near which the zones change their clocks, end a year or hold 29 February.
AWKWARD_DAYS = (
    date(2026, 1, 1),
    date(2026, 3, 8),
    date(2026, 4, 5),
    date(2026, 9, 6),
    date(2026, 10, 4),
    date(2026, 11, 1),
    date(2026, 12, 31),
    date(2024, 2, 29),
    date(2027, 2, 28),
    date(2011, 12, 30),
)
US_PER_DAY = 86_400_000_000


@st.composite
def instants(draw: st.DrawFn, spread: int = 20) -> tuple[ZoneInfo, datetime]:
    """A club zone, and an instant near an awkward day given in that zone, UTC or an offset.

    Wall times in the zone are drawn with either fold, skipped ones included.
    """
    zone = draw(st.sampled_from(EDGE_ZONES))
    day = draw(st.sampled_from(AWKWARD_DAYS)) + timedelta(days=draw(st.integers(-spread, spread)))
    minute = draw(st.integers(0, 24 * 60 - 1))
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    wall = wall.replace(fold=draw(st.integers(0, 1)))
    given_in = draw(st.sampled_from(["zone", "utc", "offset"]))
    if given_in == "utc":
        return zone, wall.astimezone(UTC)
    if given_in == "offset":
        return zone, wall.astimezone(timezone(timedelta(hours=draw(st.integers(-12, 14)))))
    return zone, wall


def local_day(value: datetime, zone: tzinfo) -> date:
    """The oracle's local date: through UTC, so a skipped wall time names its real instant."""
    return value.astimezone(UTC).astimezone(zone).date()


# Business time in words.


def hours_oracle(value: timedelta) -> str:
    microseconds = abs(value) // timedelta(microseconds=1)
    with localcontext() as ctx:
        ctx.prec = 60
        hours = Decimal(microseconds) / Decimal(3_600_000_000)
        text = f"{hours.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):f}"
    return text.rstrip("0").rstrip(".")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(minutes=10, seconds=30), "0.18"),  # 0.175: a tie, half to even
        (timedelta(minutes=7, seconds=30), "0.12"),  # 0.125: a tie, half to even
        (timedelta(seconds=54), "0.02"),  # 0.015: a tie the float read as 0.01499...
        (timedelta(hours=40, minutes=10, seconds=30), "40.18"),
        (timedelta(seconds=17), "0"),
        (timedelta(seconds=18), "0"),  # 0.005: a tie, half to even
        (timedelta(hours=1), "1"),
        (-timedelta(hours=2, minutes=30), "2.5"),
    ],
)
def test_business_hours_are_rounded_half_to_even_from_the_exact_duration(
    value: timedelta, text: str
) -> None:
    unit = "business hour" if text == "1" else "business hours"
    assert business_time(value) == f"{text} {unit}"
    assert business_time(value, locale="zh") == f"{text}个营业小时"


@settings(max_examples=200)
@given(
    st.one_of(
        st.timedeltas(min_value=timedelta.min + timedelta(microseconds=1)),
        st.integers(0, 10**6).map(lambda n: timedelta(seconds=9 * n)),  # every 0.0025 h
    )
)
def test_business_time_agrees_with_a_decimal_oracle(value: timedelta) -> None:
    text = hours_oracle(value)
    assert business_time(value, locale="zh") == f"{text}个营业小时"
    assert overdue(value, business=True, locale="zh") == f"超时{text}个营业小时"
    if value >= timedelta(0):
        assert time_left(value, business=True, locale="zh") == f"剩余{text}个营业小时"


@settings(max_examples=200)
@given(instants(), st.booleans(), st.sampled_from(["en", "zh"]))
def test_day_of_a_datetime_is_the_day_when_reads(
    given_at: tuple[ZoneInfo, datetime], year: bool, locale: str
) -> None:
    _, value = given_at
    shown = day(value, year=year, locale=locale)
    assert when(value, year=year, locale=locale).startswith(shown)
    own = value.astimezone(UTC).astimezone(value.tzinfo)
    assert shown == day(own.date(), year=year, locale=locale)


def test_day_of_a_skipped_wall_time_is_the_day_of_its_instant() -> None:
    assert day(datetime(2011, 12, 30, 12, tzinfo=APIA)) == "Sat 31 Dec"
    assert day(datetime(2011, 12, 30, 12, tzinfo=APIA), locale="zh") == "12月31日（周六）"  # noqa: RUF001 - full-width, as zh writes it
    # A wall date is shown as given even when its UTC leaves years 1-9999.
    assert day(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))) == "Mon 1 Jan"


# The care plan.

_OPENINGS: dict[tuple[str, date, time], datetime | None] = {}


def first_at_or_after(zone: ZoneInfo, day: date, wall: time) -> datetime | None:
    """The first instant of local `day` whose wall time is `wall` or later, in 15-minute steps."""
    key = (zone.key, day, wall)
    if key not in _OPENINGS:
        found = None
        at = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=16)
        for _ in range(4 * 48):
            local = at.astimezone(zone)
            if local.date() > day:
                break
            if local.date() == day and local.time() >= wall:
                found = at
                break
            at += timedelta(minutes=15)
        _OPENINGS[key] = found
    return _OPENINGS[key]


@attrs.frozen
class DailyHours:
    """A business calendar of the oracle's own: open from `opens` to 23:45 on open weekdays."""

    zone: ZoneInfo
    closed_weekdays: frozenset[int]
    opens: time

    def is_business_day(self, day: date) -> bool:
        return (
            day.weekday() not in self.closed_weekdays
            and first_at_or_after(self.zone, day, self.opens) is not None
        )

    def opening(self, day: date) -> datetime:
        at = first_at_or_after(self.zone, day, self.opens)
        assert at is not None
        return at

    def next_opening(self, at: datetime) -> datetime:
        day = local_day(at, self.zone) - timedelta(days=1)
        for _ in range(60):
            if self.is_business_day(day):
                closes = first_at_or_after(self.zone, day, time(23, 45))
                if closes is None:  # the day ends before 23:45 (Apia, 2011-12-29)
                    closes = self.opening(day) + timedelta(minutes=15)
                if at < closes:
                    return max(self.opening(day), at).astimezone(self.zone)
            day += timedelta(days=1)
        raise AssertionError("closed for 60 days")  # pragma: no cover


def plan_oracle(
    as_of: datetime,
    horizon: int,
    cal: DailyHours,
    occasions: list[tuple[str, str, date, str, bool]],
) -> dict[tuple[str, str, date], tuple[str, int]]:
    """Every task due in the horizon: (customer, kind, due) -> (rule, `at` in epoch µs)."""
    today = local_day(as_of, cal.zone)
    last = today + timedelta(days=horizon - 1)
    tasks: dict[tuple[str, str, date], tuple[str, int]] = {}
    for customer, kind, occasion, rule, early in occasions:
        due = None
        for step in (-1, 1) if early else (1,):
            days = [occasion + timedelta(days=step * n) for n in range(15)]
            due = next((d for d in days if cal.is_business_day(d)), None)
            if due is not None:
                break
        if due is None or not today <= due <= last or (customer, kind, due) in tasks:
            continue
        at = cal.opening(due)
        if at < as_of:
            later = cal.next_opening(as_of)
            at = later if local_day(later, cal.zone) == due else as_of
        tasks[customer, kind, due] = (rule, to_epoch_us(at))
    return tasks


@settings(max_examples=150)
@given(
    instants(),
    st.integers(1, 40),
    st.frozensets(st.integers(0, 6), max_size=3),
    st.sampled_from([time(0), time(0, 30), time(1), time(2, 15), time(9), time(23)]),
    st.lists(st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 12, 31)), max_size=4),
    st.sampled_from(LeapDayPolicy),
    st.data(),
)
def test_the_care_plan_agrees_with_an_oracle_over_every_occasion(  # noqa: PLR0917 - hypothesis
    when: tuple[ZoneInfo, datetime],
    horizon: int,
    closed: frozenset[int],
    opens: time,
    born: list[date],
    policy: LeapDayPolicy,
    data: st.DataObject,
) -> None:
    zone, as_of = when
    cal = DailyHours(zone, closed, opens)
    today = local_day(as_of, zone)
    years = range(today.year - 1, today.year + 3)
    birthdays = {
        f"b{i}": d
        for i, d in enumerate([*born, date(2000, 2, 29), date(1999, 12, 31), date(1999, 1, 1)])
    }
    occasions: list[tuple[str, str, date, str, bool]] = []
    for cid, d in birthdays.items():
        for year in years:
            if (d.month, d.day) == (2, 29) and not _cal.isleap(year):
                day = date(year, 2, 28) if policy is LeapDayPolicy.FEB_28 else date(year, 3, 1)
            else:
                day = date(year, d.month, d.day)
            occasions.append((cid, "birthday", day, "birthday", True))
    holidays = {
        today + timedelta(days=n): f"h{n}"
        for n in data.draw(st.lists(st.integers(-20, 45), max_size=4, unique=True))
    }
    for day, name in sorted(holidays.items()):
        occasions += [(cid, "holiday", day, name, True) for cid in ("g1", "g2")]
    rules = [
        ReturnVisitRule("facial", data.draw(st.integers(1, 30))),
        ReturnVisitRule("massage", data.draw(st.integers(1, 3))),
    ]
    visits = []
    returns: list[tuple[date, int, str, str]] = []
    for i, minutes in enumerate(data.draw(st.lists(st.integers(0, 40 * 24 * 60), max_size=6))):
        service = data.draw(st.sampled_from(["facial", "massage", "nails"]))
        at = (as_of - timedelta(minutes=minutes)).astimezone(zone)
        visits.append(
            ServiceRecord(
                id=f"s{i}", customer_id=f"v{i % 3}", at=at, service=service, staff_id="st"
            )
        )
        after = {r.service: r.after_days for r in rules}.get(service)
        if after is not None:
            day = local_day(at, zone) + timedelta(days=after)
            returns.append((day, to_epoch_us(at), service, f"v{i % 3}"))
    # On one task key the earlier occasion wins, then the earlier visit, then the service name.
    for day, _, service, cid in sorted(returns):
        occasions.append((cid, "return_visit", day, service, False))
    months = tuple(data.draw(st.lists(st.integers(1, 12), min_size=1, max_size=4)))
    surveys = SurveySchedule("q", months=months, day=data.draw(st.sampled_from([1, 29, 31])))
    for year in years:
        for month in sorted(set(months)):
            day = date(year, month, min(surveys.day, _cal.monthrange(year, month)[1]))
            occasions.append(("s1", "survey", day, "q", False))

    got = plan_care(
        as_of=as_of,
        horizon_days=horizon,
        calendar=cal,
        birthdays=birthdays,
        holidays=holidays,
        greet=["g1", "g2"],
        visits=visits,
        return_rules=rules,
        surveys=surveys,
        survey_customers=["s1"],
        leap_day=policy,
    )
    assert {t.key: (t.rule, to_epoch_us(t.at)) for t in got} == plan_oracle(
        as_of, horizon, cal, occasions
    )


def test_a_plan_made_at_a_skipped_wall_time_plans_the_day_of_its_instant() -> None:
    cal = DailyHours(APIA, frozenset(), time(9))
    # Apia skipped 30 December 2011: that wall time is the instant 31 December 12:00 there.
    skipped = datetime(2011, 12, 30, 12, tzinfo=APIA)
    for as_of in (skipped, skipped.astimezone(UTC)):
        tasks = plan_care(
            as_of=as_of, horizon_days=1, calendar=cal, birthdays={"c-1": date(1990, 12, 31)}
        )
        assert [(t.customer_id, t.due) for t in tasks] == [("c-1", date(2011, 12, 31))]


@attrs.frozen
class PlainVisit:
    """An integrator's own service event (the `ServiceEvent` protocol), not a checked record."""

    customer_id: str
    at: datetime
    service: str


def test_a_naive_visit_is_refused_not_read_in_the_machines_zone() -> None:
    cal = DailyHours(ZoneInfo("Asia/Shanghai"), frozenset(), time(9))
    with pytest.raises(NaiveDatetimeError, match="visits"):
        plan_care(
            as_of=datetime(2026, 1, 5, tzinfo=UTC),
            horizon_days=3,
            calendar=cal,
            visits=[PlainVisit("c-1", datetime(2026, 1, 3, 12), "facial")],  # noqa: DTZ001
            return_rules=[ReturnVisitRule("facial", 3)],
        )


# Tier reviews and qualification windows.


def every_review(anchor: date, every: int) -> list[date]:
    out = []
    for k in range(-300, 301):
        index = anchor.year * 12 + anchor.month - 1 + k * every
        year, month = divmod(index, 12)
        if not 1 <= year <= 9999:
            continue
        last = _cal.monthrange(year, month + 1)[1]
        out.append(date(year, month + 1, min(anchor.day, last)))
    return out


@settings(max_examples=200)
@given(
    instants(spread=3),
    st.dates(min_value=date(2010, 1, 1), max_value=date(2028, 12, 31)),
    st.sampled_from([1, 3, 12]),
    st.integers(-40 * 24, 400 * 24),
    st.one_of(st.none(), st.dates(min_value=date(2010, 1, 1), max_value=date(2028, 12, 31))),
    st.integers(0, 3000),
    st.sampled_from(["member", "silver", "gold"]),
)
def test_tier_reviews_agree_with_every_review_of_the_schedule(  # noqa: PLR0917 - hypothesis
    when: tuple[ZoneInfo, datetime],
    anchor: date,
    every: int,
    hours_in_tier: int,
    last_review: date | None,
    value: int,
    tier: str,
) -> None:
    zone, as_of = when
    program = TierProgram(
        tiers=[("member", 0), ("silver", 1000, 800), ("gold", 2000, 1500)],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=anchor, every_months=every),
        zone=zone,
    )
    since = as_of - timedelta(hours=hours_in_tier)
    status = TierStatus(customer_id="c", tier=tier, since=since, last_review=last_review)
    decision = program.decide(status, value, as_of=as_of)
    today, entered = local_day(as_of, zone), local_day(since, zone)
    reviews = every_review(anchor, every)
    latest = max(r for r in reviews if r <= today)
    applied = latest > entered and (last_review is None or latest > last_review)
    assert decision.review == (latest if applied else None)
    assert decision.next_review == min(r for r in reviews if r > today)


def test_a_review_on_the_day_of_a_skipped_wall_time_is_due() -> None:
    program = TierProgram(
        tiers=[("member", 0), ("silver", 10)],
        metric=TierMetric.VISITS,
        window=QualificationWindow(trailing_days=30),
        reviews=ReviewSchedule(anchor=date(2000, 12, 31), every_months=12),
        zone=APIA,
    )
    status = TierStatus(customer_id="c", tier="silver", since=datetime(2011, 1, 1, tzinfo=UTC))
    skipped = datetime(2011, 12, 30, 12, tzinfo=APIA)
    for as_of in (skipped, skipped.astimezone(UTC)):
        decision = program.decide(status, 3, as_of=as_of)
        assert decision.review == date(2011, 12, 31)
        assert decision.tier == "member"


@settings(max_examples=200)
@given(instants(spread=3), st.sampled_from([1, 2, 3, 4, 6, 12]))
def test_a_fixed_window_starts_at_the_first_instant_of_its_local_block(
    when: tuple[ZoneInfo, datetime], months: int
) -> None:
    zone, as_of = when
    start, end = QualificationWindow(fixed_months=months).window(as_of, zone)
    today = local_day(as_of, zone)
    first_month = (today.month - 1) // months * months + 1
    first = first_at_or_after(zone, date(today.year, first_month, 1), time(0))
    assert first is not None
    assert to_epoch_us(start) == to_epoch_us(first)
    assert to_epoch_us(end) == to_epoch_us(as_of)


# Churn: visit days and net spend counted by hand from the records.


@st.composite
def churn_worlds(
    draw: st.DrawFn,
) -> tuple[ZoneInfo, datetime, ChurnRule, list[ConsumptionRecord], dict[str, datetime]]:
    zone, as_of = draw(instants(spread=3))
    baseline = draw(st.integers(1, 40))
    rule = ChurnRule(
        baseline_days=baseline,
        recent_days=draw(st.integers(1, baseline)),
        threshold=Decimal(draw(st.sampled_from(["0.01", "0.3", "0.5", "0.99"]))),
        min_baseline_visits=draw(st.integers(1, 3)),
        cooldown_days=draw(st.integers(0, 5)),
        use_spend=draw(st.booleans()),
    )
    span = (rule.baseline_days + rule.recent_days + 5) * 24 * 60
    records = []
    for i in range(draw(st.integers(0, 40))):
        at = as_of - timedelta(minutes=draw(st.integers(-60, span)))
        records.append(
            ConsumptionRecord(
                id=f"r{i}",
                customer_id=f"c{draw(st.integers(0, 4))}",
                at=draw(st.sampled_from([at.astimezone(zone), at.astimezone(UTC), at])),
                service="facial",
                amount=Money(Decimal(draw(st.integers(0, 50_000))) / 100),
                kind=draw(st.sampled_from(["purchase", "purchase", "refund", "redemption"])),
            )
        )
    warned = {
        f"c{i}": as_of - timedelta(hours=draw(st.integers(0, 24 * 8)))
        for i in draw(st.lists(st.integers(0, 4), unique=True))
    }
    return zone, as_of, rule, records, warned


def counted(
    records: list[ConsumptionRecord], zone: ZoneInfo, lo: int, hi: int
) -> tuple[dict[str, int], dict[str, Fraction]]:
    """Visit days (local dates of purchases and redemptions) and net spend in `[lo, hi)`."""
    days: dict[str, set[date]] = {}
    net: dict[str, Fraction] = {}
    for r in records:
        if not lo <= to_epoch_us(r.at) < hi:
            continue
        if r.kind.value != "redemption":
            sign = 1 if r.kind.value == "purchase" else -1
            net[r.customer_id] = net.get(r.customer_id, Fraction(0)) + sign * Fraction(
                r.amount.amount
            )
        if r.kind.value != "refund":
            days.setdefault(r.customer_id, set()).add(local_day(r.at, zone))
    return {c: len(d) for c, d in days.items()}, {c: max(v, Fraction(0)) for c, v in net.items()}


@settings(max_examples=150)
@given(churn_worlds())
def test_churn_scans_agree_with_visits_and_spend_counted_by_hand(
    world: tuple[ZoneInfo, datetime, ChurnRule, list[ConsumptionRecord], dict[str, datetime]],
) -> None:
    zone, as_of, rule, records, warned = world
    end = to_epoch_us(as_of)
    recent_start = end - rule.recent_days * US_PER_DAY
    baseline_start = recent_start - rule.baseline_days * US_PER_DAY
    b_visits, b_spend = counted(records, zone, baseline_start, recent_start)
    r_visits, r_spend = counted(records, zone, recent_start, end)
    threshold = Fraction(rule.threshold)
    expected = []
    for cid in sorted({r.customer_id for r in records if to_epoch_us(r.at) < recent_start}):
        bought = [
            to_epoch_us(r.at)
            for r in records
            if r.customer_id == cid and r.kind.value != "refund" and to_epoch_us(r.at) < end
        ]
        bv, rv = b_visits.get(cid, 0), r_visits.get(cid, 0)
        if bv < rule.min_baseline_visits or not bought or min(bought) > baseline_start:
            continue
        fire = 1 - Fraction(rv, rule.recent_days) / Fraction(bv, rule.baseline_days) > threshold
        bs = b_spend.get(cid, Fraction(0))
        if rule.use_spend and bs > 0:
            rs = r_spend.get(cid, Fraction(0))
            fire = fire or 1 - (rs / rule.recent_days) / (bs / rule.baseline_days) > threshold
        cooling = cid in warned and end - to_epoch_us(warned[cid]) < rule.cooldown_days * US_PER_DAY
        if fire and not cooling:
            expected.append((cid, bv, rv))

    b_start, r_start, _ = rule.windows(as_of)
    before = [r for r in records if to_epoch_us(r.at) < to_epoch_us(r_start)]
    baseline = summarize_activity(before, start=b_start, end=r_start, zone=zone)
    recent = summarize_activity(records, start=r_start, end=as_of, zone=zone)
    got = scan_churn(rule, baseline=baseline, recent=recent, as_of=as_of, last_warned=warned)
    assert [(w.customer_id, w.baseline_visits, w.recent_visits) for w in got] == expected
    spend = spend_by_customer(records, start=b_start, end=r_start)
    assert {c: Fraction(m.amount) for c, m in spend.items()} == b_spend

    ids = sorted(baseline)
    first = [baseline[c].first_visit for c in ids]
    columns = scan_churn_columns(
        rule,
        as_of=as_of,
        customer_ids=ids,
        first_visit_us=[None if f is None else to_epoch_us(f) for f in first],
        baseline_visits=[baseline[c].visits for c in ids],
        recent_visits=[recent[c].visits if c in recent else 0 for c in ids],
        baseline_spend=[int(baseline[c].spend.amount * 100) for c in ids],
        recent_spend=[int(recent[c].spend.amount * 100) if c in recent else 0 for c in ids],
        last_warned=warned,
    )
    assert [(w.customer_id, w.visit_drop, w.spend_drop, w.severity) for w in columns] == [
        (w.customer_id, w.visit_drop, w.spend_drop, w.severity) for w in got
    ]
