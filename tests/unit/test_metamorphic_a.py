"""Metamorphic properties: results that must not depend on the order of the inputs.

No oracle is needed: the same items given in another order (with many ties
on purpose) must give the same answer, unless the docstring says otherwise.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.activities import (
    Activity,
    ActivityKind,
    Audience,
    Candidate,
    Roster,
    SignUp,
    SignUpStatus,
    audience_candidates,
    marketing_consent,
    plan_invitations,
)
from clubrules.calendar import BusinessCalendar, HolidayData, holiday_data
from clubrules.errors import ValidationError
from clubrules.privacy import ConsentRecord, Purpose
from clubrules.tiering import RfmScore, TierStatus
from clubrules.training import (
    Attendance,
    Completion,
    StaffMember,
    TrainingSession,
    compliance_report,
    seed_requirements,
)

TZ = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(
    TZ,
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
    on_missing_holiday_data="ignore",
)
START = datetime(2026, 4, 11, 14, tzinfo=TZ)
AS_OF = datetime(2026, 4, 1, 8, tzinfo=TZ)
TEA = Activity(
    id="tea",
    name="tea",
    kind=ActivityKind.MEMBER,
    start=START,
    end=START + timedelta(hours=2),
    capacity=1,
    audience=Audience(tiers={"gold"}),
)


@st.composite
def consents(draw: st.DrawFn) -> list[ConsentRecord]:
    """Marketing consents of two customers, many given at the same instant."""
    return [
        ConsentRecord(
            id=f"k-{draw(st.integers(0, 3))}-{i}",
            customer_id=draw(st.sampled_from(["c-1", "c-2"])),
            purpose=Purpose.MARKETING,
            scope={"phone"},
            given_at=AS_OF - timedelta(days=draw(st.integers(1, 2))),
        )
        for i in range(draw(st.integers(1, 6)))
    ]


@settings(max_examples=150)
@given(data=st.data(), records=consents())
def test_the_consent_an_invitation_cites_does_not_depend_on_the_order_of_the_records(
    data: st.DataObject, records: list[ConsentRecord]
) -> None:
    shuffled = data.draw(st.permutations(records))
    candidates = [Candidate(customer_id=c, tier="gold") for c in ("c-1", "c-2")]
    plan = plan_invitations(TEA, candidates, records, as_of=AS_OF, calendar=CAL)
    assert plan == plan_invitations(TEA, candidates, shuffled, as_of=AS_OF, calendar=CAL)
    for invitation in plan.invitations:
        # The consent given last, the smallest id among those given then.
        mine = [r for r in records if r.customer_id == invitation.customer_id]
        latest = max(r.given_at for r in mine)
        assert invitation.consent_id == min(r.id for r in mine if r.given_at == latest)
    for cid in ("c-1", "c-2"):
        found = marketing_consent(records, customer_id=cid, channel="phone", at=AS_OF)
        again = marketing_consent(shuffled, customer_id=cid, channel="phone", at=AS_OF)
        assert found == again


@settings(max_examples=150)
@given(data=st.data(), n=st.integers(2, 5))
def test_the_waitlist_does_not_depend_on_the_order_of_the_entries(
    data: st.DataObject, n: int
) -> None:
    # A roster put together by hand may hold equal positions: the waitlist,
    # and so who a cancellation promotes, must not follow the entries' order.
    entries = [
        SignUp(
            activity_id="tea",
            customer_id=f"c-{i}",
            status=SignUpStatus.CONFIRMED if i == 0 else SignUpStatus.WAITLISTED,
            position=data.draw(st.integers(1, 2)),
            signed_up_at=AS_OF + timedelta(hours=data.draw(st.integers(0, 1))),
            updated_at=AS_OF + timedelta(hours=1),
        )
        for i in range(n)
    ]
    shuffled = data.draw(st.permutations(entries))
    one, two = Roster(TEA, tuple(entries)), Roster(TEA, tuple(shuffled))
    assert one.waitlist == two.waitlist
    at = AS_OF + timedelta(days=1)
    assert one.cancel("c-0", at=at) == two.cancel("c-0", at=at)
    key = [(e.position, e.signed_up_at, e.customer_id) for e in one.waitlist]
    assert key == sorted(key)


def _status(cid: str, tier: str) -> TierStatus:
    return TierStatus(customer_id=cid, tier=tier, since=AS_OF)


def _score(cid: str, segment: str) -> RfmScore:
    return RfmScore(cid, 5, 3, Decimal(300), 4, 3, 2, segment=segment)


@settings(max_examples=100)
@given(data=st.data())
def test_audience_candidates_do_not_depend_on_the_order_of_their_sources(
    data: st.DataObject,
) -> None:
    statuses = [_status(f"c-{i}", data.draw(st.sampled_from(["gold", "silver"]))) for i in range(4)]
    scores = [_score(f"c-{i}", data.draw(st.sampled_from(["vip", "new"]))) for i in range(2, 6)]
    # A record given twice is read once.
    statuses += data.draw(st.lists(st.sampled_from(statuses), max_size=3))
    scores += data.draw(st.lists(st.sampled_from(scores), max_size=3))
    found = audience_candidates(statuses=statuses, scores=scores)
    again = audience_candidates(
        statuses=data.draw(st.permutations(statuses)), scores=data.draw(st.permutations(scores))
    )
    assert found == again
    assert [c.customer_id for c in found] == [f"c-{i}" for i in range(6)]


@pytest.mark.parametrize(
    ("given_", "field"),
    [
        ({"statuses": [_status("c-1", "gold"), _status("c-1", "silver")]}, "statuses"),
        ({"scores": [_score("c-1", "vip"), _score("c-1", "new")]}, "scores"),
    ],
)
def test_two_different_records_of_one_customer_are_refused(
    given_: dict[str, list[object]], field: str
) -> None:
    # Which one to read would depend on their order: gold one way, silver the other.
    with pytest.raises(ValidationError) as caught:
        audience_candidates(**given_)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == (field, "duplicate_customer")
    with pytest.raises(ValidationError):
        audience_candidates(**{k: v[::-1] for k, v in given_.items()})  # type: ignore[arg-type]


_WEEKDAY_KEYS = st.sampled_from([0, 1, 6, "mon", "Mon", " tue", "sun"])
_HOURS = st.sampled_from(["10:00-12:00", "14:00-16:00", "09:00-21:00"])


@settings(max_examples=150)
@given(data=st.data(), pairs=st.lists(st.tuples(_WEEKDAY_KEYS, _HOURS), max_size=5))
def test_weekly_hours_do_not_depend_on_the_order_of_the_mapping(
    data: st.DataObject, pairs: list[tuple[int | str, str]]
) -> None:
    # `"mon"`, `"Mon"` and `0` name one weekday: which hours would win followed the
    # mapping's order, so naming a weekday twice is refused.
    weekly = dict(pairs)
    shuffled = dict(data.draw(st.permutations(list(weekly.items()))))

    def outcome(hours: dict[int | str, str]) -> object:
        try:
            return BusinessCalendar("Asia/Shanghai", weekly=hours)  # type: ignore[arg-type]
        except ValidationError as error:
            return [(v.field, v.rule) for v in error.violations]

    assert outcome(weekly) == outcome(shuffled)
    names = {"mon": 0, "tue": 1, "sun": 6}
    days = [k if isinstance(k, int) else names[k.strip().lower()] for k in weekly]
    if len(set(days)) < len(days):
        assert ("weekly", "duplicate_weekday") in outcome(weekly)  # type: ignore[operator]


_KINDS = st.sampled_from(["periodic", "special", "safety", "privacy"])
_MARCH_10 = datetime(2026, 3, 10, 12, tzinfo=TZ)


@st.composite
def training_records(draw: st.DrawFn) -> tuple[list[Attendance], list[Completion]]:
    """Attendance and completions of two people, many of one training at one instant."""
    attendance = [
        Attendance(session_id=draw(st.sampled_from(["s-1", "s-2"])), staff_id=who)
        for who in draw(st.lists(st.sampled_from(["cs-1", "cs-2"]), max_size=3))
    ]
    completions = [
        Completion(
            id=f"x-{i}",
            staff_id=draw(st.sampled_from(["cs-1", "cs-2"])),
            kind=draw(_KINDS),
            topic=draw(_KINDS),
            method=draw(st.sampled_from(["external", "online"])),
            completed_at=_MARCH_10 + timedelta(hours=draw(st.integers(0, 1))),
            session_id=draw(st.sampled_from([None, "s-1", "ext-1", "ext-2"])),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    return attendance, completions


@settings(max_examples=150)
@given(data=st.data(), records=training_records())
def test_training_compliance_does_not_depend_on_the_order_of_the_records(
    data: st.DataObject, records: tuple[list[Attendance], list[Completion]]
) -> None:
    # Two completions of one unknown session at one instant with other topics
    # counted for a rule or not as their order fell.
    attendance, completions = records
    sessions = [
        TrainingSession(
            id=f"s-{n}",
            kind=kind,
            topic=kind,
            method="internal",
            start=_MARCH_10,
            end=_MARCH_10 + timedelta(hours=1),
        )
        for n, kind in ((1, "periodic"), (2, "safety"))
    ]
    staff = [
        StaffMember(
            id=f"cs-{n}", role="service_specialist", hired_at=datetime(2025, 1, 1, tzinfo=TZ)
        )
        for n in (1, 2)
    ]

    def run(attended: list[Attendance], done: list[Completion]) -> object:
        return compliance_report(
            seed_requirements(induction_days=5, sessions_per_month=1),
            staff,
            sessions=sessions,
            attendance=attended,
            completions=done,
            start=datetime(2026, 3, 1, tzinfo=TZ),
            end=datetime(2026, 4, 1, tzinfo=TZ),
            as_of=datetime(2026, 4, 10, tzinfo=TZ),
            calendar=CAL,
        )

    shuffled = run(data.draw(st.permutations(attendance)), data.draw(st.permutations(completions)))
    assert run(attendance, completions) == shuffled


def _year_of(data: HolidayData, year: int) -> tuple[object, ...]:
    return (
        {d: n for d, n in data.holidays.items() if d.year == year},
        {d: n for d, n in data.breaks.items() if d.year == year},
        {d for d in data.extra_working_days if d.year == year},
    )


@settings(max_examples=25)
@given(
    country=st.sampled_from(["CN", "DE", "US"]),
    year=st.integers(2019, 2030),
    others=st.sets(st.sampled_from([-3, -2, 2, 3]), max_size=2),
)
def test_a_years_holiday_data_does_not_depend_on_the_other_years_asked(
    country: str, year: int, others: set[int]
) -> None:
    # New Year's Day 2024 is a Monday: its break starts on Saturday 30 December
    # 2023, which asking for 2021, 2023 and 2025 together did not see.
    alone = holiday_data(country, [year])
    together = holiday_data(country, [year, *(year + d for d in others)])
    assert _year_of(alone, year) == _year_of(together, year)


def test_a_break_across_the_new_year_is_named_in_the_language_asked() -> None:
    data = holiday_data("CN", [2021, 2023], language="zh_CN")
    assert data.breaks[date(2023, 12, 30)] == data.breaks[date(2023, 12, 31)] == "元旦"
