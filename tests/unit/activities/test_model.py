"""Activities, audiences and candidates: validated values, tier/segment/tag rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from clubrules.activities import Activity, ActivityKind, Audience, Candidate, audience_candidates
from clubrules.customers import Customer
from clubrules.errors import ValidationError
from clubrules.tiering import RfmScore, TagClass, TierStatus

START = datetime(2026, 4, 11, 6, tzinfo=UTC)


def test_known_kinds_become_the_enum_and_a_clubs_own_kind_stays_a_name() -> None:
    member = Activity(
        id="a", name="tea", kind="member", start=START, end=START + timedelta(hours=1), capacity=5
    )
    assert member.kind is ActivityKind.MEMBER
    assert member.kind_name == "member"
    own = Activity(
        id="b", name="tea", kind="workshop", start=START, end=START + timedelta(hours=1), capacity=5
    )
    assert own.kind == own.kind_name == "workshop"


def test_every_problem_of_an_activity_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        Activity(id=" ", name="", kind="", start=START, end=START, capacity=0, waitlist_limit=-1)
    assert set(caught.value.fields) == {"id", "name", "kind", "end", "capacity", "waitlist_limit"}


def test_an_audience_joins_its_rules_with_and_and_their_values_with_or() -> None:
    audience = Audience(
        tiers={"gold", "silver"}, segments={"Champions"}, tags=TagClass(name="tea", any_of={"tea"})
    )
    ok = Candidate(customer_id="c", tier="silver", segment="Champions", tags={"tea", "vip"})
    assert audience.admits(ok)
    assert not audience.admits(
        Candidate(customer_id="c", tier="member", segment="Champions", tags={"tea"})
    )
    assert not audience.admits(
        Candidate(customer_id="c", tier="gold", segment="Loyal", tags={"tea"})
    )
    assert not audience.admits(Candidate(customer_id="c", tier="gold", segment="Champions"))
    assert not audience.admits(Candidate(customer_id="c"))
    assert Audience().admits(Candidate(customer_id="anyone"))


def test_candidates_come_from_tier_statuses_rfm_scores_and_profiles() -> None:
    statuses = [TierStatus(customer_id="c-2", tier="gold", since=START)]
    scores = [
        RfmScore(
            customer_id="c-1",
            recency_days=3,
            frequency=9,
            monetary=Decimal(900),
            r=5,
            f=5,
            m=5,
            segment="Champions",
        )
    ]
    customers = [
        Customer(id="c-1", name="李娜", registered_at=START, tags={"tea"}, needs={"anti-ageing"})
    ]
    got = audience_candidates(statuses=statuses, scores=scores, customers=customers)
    assert got == [
        Candidate(customer_id="c-1", segment="Champions", tags={"tea", "anti-ageing"}),
        Candidate(customer_id="c-2", tier="gold"),
    ]
