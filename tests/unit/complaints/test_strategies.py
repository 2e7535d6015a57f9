"""The complaints strategies build valid values that the rules accept."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings

from clubrules.complaints import (
    CaseFacts,
    CaseKind,
    PolicyBook,
    SlaPolicy,
    analyse,
    register,
    sla_status,
)
from clubrules.testing.strategies import complaint_facts, sla_policies

from ._calendars import SHANGHAI, club_calendar

CAL = club_calendar()


@settings(max_examples=30, deadline=None)
@given(sla_policies(calendar=CAL))
def test_any_generated_policy_runs_a_case(policy: SlaPolicy) -> None:
    at = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    case = register(
        PolicyBook([policy]),
        case_id="k",
        at=at,
        kind=CaseKind.COMPLAINT,
        channel="phone",
        customer_id="c",
        contact="x",
        content="y",
    )
    statuses = sla_status(case, at)
    assert {s.kind for s in statuses} <= {t.kind for t in policy.targets}


@settings(max_examples=30)
@given(complaint_facts())
def test_generated_facts_are_analysed(facts: CaseFacts) -> None:
    report = analyse(
        [facts], start=datetime(2025, 12, 1, tzinfo=UTC), end=datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert report.overall.cases == 1
