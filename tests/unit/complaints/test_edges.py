"""Complaint rules at their edges: the safety report after a reopen, who hears a warning,
the remedy guard, a paused target's due time, the reopen window, and revisions."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.complaints import (
    MANAGEMENT,
    SUPERVISOR,
    AlertLevel,
    Assigned,
    AwaitingCustomer,
    Case,
    CaseKind,
    CaseState,
    CustomerContacted,
    Escalation,
    FollowedUp,
    FollowUpScheduled,
    PolicyBook,
    ResolutionProposed,
    Resolved,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatusKind,
    apply,
    check_alerts,
    default_book,
    default_policy,
    percentile,
    register,
    sla_status,
)
from clubrules.errors import IllegalTransitionError, ValidationError
from clubrules.money import Money

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def at(hours: int, minutes: int = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


def new(
    kind: CaseKind = CaseKind.COMPLAINT,
    book: PolicyBook | None = None,
    when: datetime = T0,
    assignee: str | None = None,
) -> Case:
    return register(
        book or default_book(),
        case_id="k-1",
        at=when,
        kind=kind,
        channel="phone",
        customer_id="c-1",
        contact="x",
        content="y",
        assignee=assignee,
    )


# -- the safety incident's management report -----------------------------------------


def _reopened_incident() -> Case:
    case = new(CaseKind.SAFETY_INCIDENT, when=at(3))
    case = apply(case, CustomerContacted(at=at(3, 5), by="s-1", channel="phone"))
    case = apply(case, Resolved(at=at(3, 10), by="s-1", channel="phone"))
    return apply(case, FollowedUp(at=at(3, 20), by="s-1", channel="phone", satisfied=False))


def test_an_unsatisfied_follow_up_keeps_the_management_report_running() -> None:
    case = _reopened_incident()
    assert case.state is CaseState.INVESTIGATING
    [report] = [s for s in sla_status(case, at(3, 30)) if s.kind is TargetKind.MANAGEMENT_REPORT]
    assert report.status is TargetStatusKind.ACTIVE
    assert report.due_at == at(4)
    late = {(a.kind, a.level): a for a in check_alerts([case], at(5))}
    assert late[TargetKind.MANAGEMENT_REPORT, AlertLevel.BREACHED].notify == (MANAGEMENT,)
    assert late[TargetKind.MANAGEMENT_REPORT, AlertLevel.ESCALATION].notify == (MANAGEMENT,)


def test_the_report_still_stops_when_the_case_closes() -> None:
    case = apply(
        _reopened_incident(),
        Resolved(at=at(3, 40), by="s-1", channel="phone"),
    )
    case = apply(case, FollowedUp(at=at(3, 45), by="s-1", channel="phone", satisfied=True))
    [report] = [s for s in sla_status(case, at(5)) if s.kind is TargetKind.MANAGEMENT_REPORT]
    assert report.status is TargetStatusKind.CANCELLED
    assert check_alerts([case], at(5)) == []


def test_the_half_hour_warning_reaches_management_when_nobody_is_assigned() -> None:
    unassigned = new(CaseKind.SAFETY_INCIDENT)
    [warning] = [a for a in check_alerts([unassigned], at(0, 30)) if a.level is AlertLevel.WARNING]
    assert warning.kind is TargetKind.MANAGEMENT_REPORT
    assert warning.notify == (MANAGEMENT,)
    owned = new(CaseKind.SAFETY_INCIDENT, assignee="st-li")
    [warning] = [a for a in check_alerts([owned], at(0, 30)) if a.level is AlertLevel.WARNING]
    assert warning.notify == ("st-li",)
    # Assigned later: the assignee hears it from then on.
    handed = apply(unassigned, Assigned(at=at(0, 10), by="lead", to="st-wu"))
    [warning] = [a for a in check_alerts([handed], at(0, 30)) if a.level is AlertLevel.WARNING]
    assert warning.notify == ("st-wu",)


def test_an_unassigned_target_without_escalation_warns_the_supervisor() -> None:
    target = SlaTarget(TargetKind.FIRST_RESPONSE, timedelta(hours=1))
    book = PolicyBook([SlaPolicy("p", 1, CaseKind.COMPLAINT, [target])])
    [warning] = check_alerts([new(book=book)], at(0, 50))
    assert warning.level is AlertLevel.WARNING
    assert warning.notify == (SUPERVISOR,)


# -- the remedy guard ---------------------------------------------------------------


def _contacted() -> Case:
    return apply(new(), CustomerContacted(at=at(1), by="s-1", channel="phone"))


def _resolve(**fields: object) -> Case:
    event = Resolved(at=at(5), by="s-1", channel="phone", substantiated=True, **fields)  # type: ignore[arg-type]
    return apply(_contacted(), event)


@pytest.mark.parametrize("remedy", ["", "   ", "\t\n"])
def test_a_blank_remedy_is_no_remedy(remedy: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _resolve(remedy=remedy, apology=True)
    assert [v.rule for v in caught.value.violations] == ["remedy_required"]


def test_a_negative_compensation_is_refused() -> None:
    for event in (Resolved, ResolutionProposed):
        with pytest.raises(ValidationError) as caught:
            event(at=at(5), by="s-1", channel="phone", compensation=Money("-5"), apology=True)
        assert caught.value.rule == "negative_compensation"
        assert caught.value.field == "compensation"


def test_zero_compensation_needs_a_real_remedy_beside_it() -> None:
    with pytest.raises(ValidationError) as caught:
        _resolve(compensation=Money("0"), apology=True)
    assert caught.value.rule == "remedy_required"
    done = _resolve(compensation=Money("0"), remedy="free facial", apology=True)
    assert done.state is CaseState.RESOLVED
    assert _resolve(compensation=Money("0.01"), apology=True).state is CaseState.RESOLVED


def test_a_blank_proposal_does_not_supply_the_remedy() -> None:
    case = apply(
        _contacted(),
        ResolutionProposed(at=at(2), by="s-1", channel="phone", remedy=" ", apology=True),
    )
    with pytest.raises(ValidationError) as caught:
        apply(case, Resolved(at=at(4), by="s-1", channel="phone", substantiated=True))
    assert caught.value.rule == "remedy_required"


# -- a paused target: one due time in the alert and in the status --------------------

_PAUSING = SlaPolicy(
    "pausing",
    1,
    CaseKind.COMPLAINT,
    [
        SlaTarget(TargetKind.FIRST_RESPONSE, timedelta(hours=1), warn_at=0.5),
        SlaTarget(TargetKind.RESOLUTION, timedelta(hours=1), warn_at=0.5),
    ],
)


def test_a_paused_targets_alert_and_status_give_the_same_due_time() -> None:
    case = apply(
        new(book=PolicyBook([_PAUSING])),
        AwaitingCustomer(at=at(0, 40), by="s-1", channel="phone"),
    )
    now = at(3)
    [resolution] = [s for s in sla_status(case, now) if s.kind is TargetKind.RESOLUTION]
    [alert] = [a for a in check_alerts([case], now) if a.kind is TargetKind.RESOLUTION]
    assert resolution.status is TargetStatusKind.PAUSED
    assert alert.level is AlertLevel.WARNING
    # 40 minutes counted before the pause: 20 left, read from now.
    assert resolution.due_at == alert.due_at == at(3, 20)


@given(
    pause=st.integers(1, 59),
    later=st.integers(0, 24 * 60),
)
def test_paused_alerts_and_statuses_agree(pause: int, later: int) -> None:
    case = apply(
        new(book=PolicyBook([_PAUSING])),
        AwaitingCustomer(at=at(0, pause), by="s-1", channel="phone"),
    )
    now = at(0, pause) + timedelta(minutes=later)
    due = {(s.kind, s.cycle, s.seq): s.due_at for s in sla_status(case, now)}
    for alert in check_alerts([case], now):
        assert alert.due_at == due[alert.kind, alert.cycle, alert.seq]


# -- the reopen window in a refused move's error --------------------------------------


def test_after_the_reopen_window_no_refused_move_lists_reopen() -> None:
    case = apply(_contacted(), Resolved(at=at(2), by="s-1", channel="phone"))
    case = apply(case, FollowedUp(at=at(3), by="s-1", channel="phone", satisfied=True))
    window = case.policy.reopen_window
    assert "reopen" in case.allowed  # the state's moves, before the time guard
    with pytest.raises(IllegalTransitionError) as caught:
        apply(case, Assigned(at=at(3) + window, by="lead", to="s-2"))
    assert "reopen" in caught.value.allowed
    with pytest.raises(IllegalTransitionError) as caught:
        apply(case, Assigned(at=at(3) + window + timedelta(microseconds=1), by="lead", to="s-2"))
    assert "reopen" not in caught.value.allowed
    assert caught.value.allowed == ("report_to_management",)


# -- run numbers, revisions, percentiles ------------------------------------------------


def test_run_numbers_count_each_kind_across_cycles() -> None:
    case = apply(_contacted(), Resolved(at=at(2), by="s-1", channel="phone"))
    case = apply(case, FollowedUp(at=at(3), by="s-1", channel="phone", satisfied=False))
    resolutions = [
        (s.cycle, s.seq) for s in sla_status(case, at(4)) if s.kind is TargetKind.RESOLUTION
    ]
    assert resolutions == [(0, 0), (1, 1)]


def test_a_policy_revision_may_name_its_version() -> None:
    policy = default_policy(CaseKind.COMPLAINT)
    assert policy.revise().version == 2
    assert policy.revise(version=2).version == 2
    assert policy.revise(version=7, name="v7").version == 7
    with pytest.raises(ValidationError) as caught:
        policy.revise(version=1)
    assert caught.value.rule == "version_not_after"
    with pytest.raises(ValidationError) as caught:
        policy.revise(colour="red")
    assert caught.value.rule == "unknown_field"


@pytest.mark.parametrize(
    "fraction", [2.0, -0.1, math.nan, math.inf, Decimal("NaN"), Decimal("1.5"), "0.5", None]
)
def test_a_percentile_outside_zero_to_one_is_refused(fraction: object) -> None:
    with pytest.raises(ValidationError) as caught:
        percentile([1.0, 2.0], fraction)  # type: ignore[arg-type]
    assert caught.value.rule == "out_of_range"


def test_percentile_ends() -> None:
    assert percentile([1.0, 2.0], 0) == 1.0
    assert percentile([1.0, 2.0], 1) == 2.0
    assert percentile([1.0, 2.0], Decimal("0.5")) == 1.5  # type: ignore[arg-type]


def test_an_escalation_role_list_is_what_an_unassigned_warning_names() -> None:
    target = SlaTarget(
        TargetKind.FIRST_RESPONSE,
        timedelta(hours=1),
        escalation=Escalation(("duty_manager", MANAGEMENT), at=1.5),
    )
    book = PolicyBook([SlaPolicy("p", 1, CaseKind.COMPLAINT, [target])])
    [warning] = check_alerts([new(book=book)], at(0, 50))
    assert warning.notify == ("duty_manager", MANAGEMENT)


def test_text_left_out_as_none_is_its_default_and_a_required_instant_is_required() -> None:
    at = datetime(2026, 3, 1, 10, tzinfo=UTC)
    # A note typed `str` given as None reads as "", as an adapter gives it back.
    assert CustomerContacted(at=at, by="s-1", channel="phone", note=None).note == ""  # type: ignore[arg-type]
    given_none = CustomerContacted(at=at, by="s-1", channel="phone", note=None)  # type: ignore[arg-type]
    assert given_none == CustomerContacted(at=at, by="s-1", channel="phone")
    # A follow-up with no date was accepted, and stored as one.
    with pytest.raises(ValidationError) as caught:
        FollowUpScheduled(at=at, by="s-1", planned_for=None)  # type: ignore[arg-type]
    assert caught.value.field == "planned_for"


def test_a_policy_refuses_a_name_or_calendar_of_another_type() -> None:
    target = SlaTarget(TargetKind.RESOLUTION, timedelta(hours=48))
    with pytest.raises(ValidationError) as caught:
        SlaPolicy(id="p", version=1, kind=CaseKind.COMPLAINT, targets=[target], name=7)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("name", "not_a_string")
    with pytest.raises(ValidationError) as caught:
        SlaTarget(TargetKind.RESOLUTION, timedelta(hours=48), calendar="Asia/Shanghai")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("calendar", "wrong_type")
