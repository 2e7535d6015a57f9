"""Invitations: care tasks for the audience, never without marketing consent (PIPL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.activities import (
    INVITATION_PURPOSE,
    Activity,
    ActivityKind,
    Audience,
    Candidate,
    marketing_consent,
    plan_invitations,
)
from clubrules.calendar import BusinessCalendar
from clubrules.care import CareKind
from clubrules.errors import NaiveDatetimeError, ValidationError
from clubrules.privacy import ConsentRecord, Purpose

TZ = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(
    TZ,
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
    holidays={date(2026, 4, 5): "清明节"},
    on_missing_holiday_data="ignore",
)
# Saturday 11 April 2026, 14:00.
START = datetime(2026, 4, 11, 14, tzinfo=TZ)
AS_OF = datetime(2026, 4, 1, 8, tzinfo=TZ)
GOLD = Activity(
    id="spring-tea",
    name="春季会员茶话会",
    kind=ActivityKind.MEMBER,
    start=START,
    end=START + timedelta(hours=2),
    capacity=2,
    audience=Audience(tiers={"gold"}),
)


def consent(
    cid: str,
    *,
    field: str = "phone",
    purpose: Purpose = Purpose.MARKETING,
    given: datetime = AS_OF - timedelta(days=30),
    withdrawn: datetime | None = None,
    expires: datetime | None = None,
) -> ConsentRecord:
    return ConsentRecord(
        id=f"k-{cid}-{field}-{purpose.value}",
        customer_id=cid,
        purpose=purpose,
        scope={field},
        given_at=given,
        withdrawn_at=withdrawn,
        expires_at=expires,
    )


def test_invitations_go_only_to_the_audience_with_marketing_consent() -> None:
    candidates = [
        Candidate(customer_id="c-3", tier="gold"),
        Candidate(customer_id="c-1", tier="gold"),
        Candidate(customer_id="c-2", tier="gold"),
        Candidate(customer_id="c-4", tier="silver"),
    ]
    consents = [
        consent("c-1"),
        consent("c-2", purpose=Purpose.SERVICE_DELIVERY),  # not marketing
        consent("c-4"),  # not in the audience
        consent("c-3", field="email"),  # another channel
    ]
    plan = plan_invitations(GOLD, candidates, consents, as_of=AS_OF, calendar=CAL)
    assert [i.customer_id for i in plan.invitations] == ["c-1"]
    assert plan.invitations[0].consent_id == "k-c-1-phone-marketing"
    assert [(s.customer_id, s.reason) for s in plan.skipped] == [
        ("c-2", "no_marketing_consent"),
        ("c-3", "no_marketing_consent"),
    ]
    (task,) = plan.tasks
    assert task.kind is CareKind.INVITATION
    assert task.rule == "activity:spring-tea"
    # A week before is Saturday 4 April; it goes out then, at opening.
    assert task.due == date(2026, 4, 4)
    assert task.at == datetime(2026, 4, 4, 10, tzinfo=TZ)
    by_email = plan_invitations(
        GOLD, candidates, consents, as_of=AS_OF, calendar=CAL, channel="email"
    )
    assert [i.customer_id for i in by_email.invitations] == ["c-3"]


def test_a_consent_withdrawn_before_the_send_day_stops_the_invitation() -> None:
    candidates = [Candidate(customer_id="c-1", tier="gold")]
    withdrawn = consent("c-1", withdrawn=datetime(2026, 4, 2, 9, tzinfo=TZ))
    plan = plan_invitations(GOLD, candidates, [withdrawn], as_of=AS_OF, calendar=CAL)
    assert plan.invitations == ()
    assert plan.skipped[0].reason == "no_marketing_consent"


def test_already_invited_customers_are_skipped() -> None:
    candidates = [Candidate(customer_id="c-1", tier="gold")]
    plan = plan_invitations(
        GOLD, candidates, [consent("c-1")], as_of=AS_OF, calendar=CAL, invited={"c-1"}
    )
    assert plan.tasks == ()
    assert plan.skipped[0].reason == "already_invited"


def test_the_send_day_moves_to_a_business_day_and_never_before_now() -> None:
    candidates = [Candidate(customer_id="c-1", tier="gold")]
    # Six days before is Sunday 5 April (closed, and 清明节): Monday 6 April.
    plan = plan_invitations(
        GOLD, candidates, [consent("c-1")], as_of=AS_OF, calendar=CAL, lead_days=6
    )
    assert plan.tasks[0].due == date(2026, 4, 6)
    # Planned on Friday 10 April at 15:00: today, at once.
    late = datetime(2026, 4, 10, 15, tzinfo=TZ)
    plan = plan_invitations(GOLD, candidates, [consent("c-1")], as_of=late, calendar=CAL)
    assert plan.tasks[0].at == late


def test_too_late_to_invite_is_a_clear_error() -> None:
    with pytest.raises(ValidationError) as caught:
        plan_invitations(GOLD, [], [], as_of=START, calendar=CAL)
    assert caught.value.violations[0].rule == "too_late"
    with pytest.raises(NaiveDatetimeError):
        plan_invitations(GOLD, [], [], as_of=datetime(2026, 4, 1), calendar=CAL)  # noqa: DTZ001
    with pytest.raises(ValidationError):
        plan_invitations(GOLD, [], [], as_of=AS_OF, calendar=CAL, lead_days=-1)


def test_the_purpose_is_marketing() -> None:
    assert INVITATION_PURPOSE is Purpose.MARKETING
    assert INVITATION_PURPOSE.value == "marketing"


_days = st.integers(-40, 20).map(lambda d: AS_OF + timedelta(days=d))


@st.composite
def consent_records(draw: st.DrawFn, cid: str) -> ConsentRecord:
    given = draw(_days)
    end = st.none() | st.integers(0, 30).map(lambda d: given + timedelta(days=d))
    return ConsentRecord(
        id=f"k-{cid}-{draw(st.integers(0, 10**6))}",
        customer_id=cid,
        purpose=draw(st.sampled_from(Purpose)),
        scope={draw(st.sampled_from(["phone", "email"]))},
        given_at=given,
        withdrawn_at=draw(end),
        expires_at=draw(end),
        recipient="partner",
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Candidate], list[ConsentRecord]]:
    ids = [f"c-{i}" for i in range(draw(st.integers(0, 6)))]
    candidates = [
        Candidate(customer_id=cid, tier=draw(st.sampled_from(["gold", "silver", None])))
        for cid in ids
    ]
    records = [
        r
        for cid in ids
        for r in draw(st.lists(consent_records(cid), max_size=3, unique_by=lambda r: r.id))
    ]
    return candidates, records


@settings(max_examples=300)
@given(world=worlds(), channel=st.sampled_from(["phone", "email"]))
def test_an_invitation_never_goes_without_marketing_consent(
    world: tuple[list[Candidate], list[ConsentRecord]], channel: str
) -> None:
    candidates, records = world
    plan = plan_invitations(GOLD, candidates, records, as_of=AS_OF, calendar=CAL, channel=channel)
    send = datetime(2026, 4, 4, 10, tzinfo=TZ)

    def allowed(cid: str) -> bool:
        # The slow, obvious reading: some marketing record of this customer, over
        # this channel, given by now and still holding both now and on the send day.
        for r in records:
            if r.customer_id != cid or r.purpose is not Purpose.MARKETING or channel not in r.scope:
                continue
            ends = [t for t in (r.withdrawn_at, r.expires_at) if t is not None]
            if r.given_at <= AS_OF and all(t > AS_OF and send < t for t in ends):
                return True
        return False

    audience = [c.customer_id for c in candidates if c.tier == "gold"]
    invited = [i.customer_id for i in plan.invitations]
    assert invited == [cid for cid in sorted(audience) if allowed(cid)]
    assert [t.customer_id for t in plan.tasks] == invited
    assert {s.customer_id for s in plan.skipped} == set(audience) - set(invited)
    for invitation in plan.invitations:
        record = next(r for r in records if r.id == invitation.consent_id)
        assert record.customer_id == invitation.customer_id
        assert (
            marketing_consent(
                [record], customer_id=invitation.customer_id, channel=channel, at=invitation.at
            )
            is record
        )
