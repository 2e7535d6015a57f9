"""The case lifecycle: registration, guards, reopening, policy versions, bad inputs."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clubrules.complaints import (
    SEED_CHANNELS,
    AwaitingCustomer,
    Case,
    CaseKind,
    CaseState,
    CustomerContacted,
    CustomerReplied,
    FollowedUp,
    InvestigationStarted,
    Merged,
    PolicyBook,
    Registered,
    Reopened,
    ResolutionProposed,
    Resolved,
    Severity,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatusKind,
    TimeBasis,
    allowed_actions,
    apply,
    default_book,
    default_policy,
    register,
    replay,
    sla_status,
)
from clubrules.complaints.ports import load_case, save_case
from clubrules.errors import (
    IllegalTransitionError,
    NaiveDatetimeError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from clubrules.money import Money
from clubrules.storage.memory import InMemoryComplaintRepository

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, tzinfo=TZ)
BOOK = default_book()


def later(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def new_case(book: PolicyBook = BOOK, **changes: object) -> Case:
    fields: dict[str, object] = {
        "case_id": "k-1",
        "at": T0,
        "kind": CaseKind.COMPLAINT,
        "channel": "phone",
        "customer_id": "c-1",
        "contact": "13800138000",
        "content": "allergic reaction after the facial",
    }
    fields.update(changes)
    return register(book, **fields)  # type: ignore[arg-type]


def resolved_case() -> Case:
    case = new_case()
    case = apply(case, CustomerContacted(at=later(1), by="s-1", channel="phone"))
    return apply(case, Resolved(at=later(30), by="s-1", channel="phone"))


# -- registration -----------------------------------------------------------------


def test_registration_needs_the_required_fields_all_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        new_case(contact=" ", content="", customer_id="")
    assert set(caught.value.fields) == {"contact", "content", "customer_id"}
    assert all(v.rule == "required" for v in caught.value.violations)


def test_registration_needs_an_aware_time() -> None:
    with pytest.raises(NaiveDatetimeError):
        new_case(at=datetime(2026, 3, 2, 10))  # noqa: DTZ001 - the point of the test


def test_contact_and_content_never_leak() -> None:
    case = new_case()
    shown = repr(case) + repr(case.events[0])
    assert "13800138000" not in shown
    assert "allergic" not in shown
    with pytest.raises(ValidationError) as caught:
        new_case(channel="not a channel", content="13800138000 allergic")
    assert "13800138000" not in str(caught.value)


def test_channels_are_open_unless_the_book_restricts_them() -> None:
    assert new_case(channel="douyin").channel == "douyin"
    restricted = default_book(channels=SEED_CHANNELS)
    assert new_case(restricted, channel="wechat").channel == "wechat"
    with pytest.raises(ValidationError) as caught:
        new_case(restricted, channel="douyin")
    assert caught.value.rule == "unknown_channel"
    assert caught.value.field == "channel"


@pytest.mark.parametrize("channel", SEED_CHANNELS)
def test_every_channel_counts_as_the_same_contact(channel: str) -> None:
    case = apply(new_case(), CustomerContacted(at=later(2), by="s-1", channel=channel))
    assert case.state is CaseState.ACKNOWLEDGED
    first = next(s for s in sla_status(case, later(3)) if s.kind is TargetKind.FIRST_RESPONSE)
    assert first.status is TargetStatusKind.ACHIEVED
    assert first.achieved_at == later(2)


def test_severity_selects_the_policy() -> None:
    urgent = SlaPolicy(
        "complaint-urgent",
        1,
        CaseKind.COMPLAINT,
        [SlaTarget(TargetKind.FIRST_RESPONSE, timedelta(hours=2))],
        severities={Severity.HIGH, Severity.CRITICAL},
    )
    book = BOOK.publish(urgent)
    assert new_case(book, severity=Severity.HIGH).policy == urgent
    assert new_case(book).policy.id == "complaint-default"
    with pytest.raises(NotFoundError):
        PolicyBook([urgent]).select(CaseKind.COMPLAINT, Severity.LOW)


def test_a_promised_reply_is_due_at_the_promised_time() -> None:
    promised = later(5)
    case = new_case(kind=CaseKind.PROMISED_REPLY, reply_by=promised)
    first = next(s for s in sla_status(case, T0) if s.kind is TargetKind.FIRST_RESPONSE)
    assert first.due_at == promised
    with pytest.raises(ValidationError) as caught:
        new_case(kind=CaseKind.PROMISED_REPLY, reply_by=T0)
    assert caught.value.rule == "not_after_registration"


# -- moves and guards ---------------------------------------------------------------


def test_an_illegal_move_names_the_allowed_moves() -> None:
    with pytest.raises(IllegalTransitionError) as caught:
        apply(new_case(), FollowedUp(at=later(1), by="s-1", channel="phone", satisfied=True))
    error = caught.value
    assert error.state == "registered"
    assert error.action == "follow_up"
    assert set(error.allowed) == allowed_actions(CaseState.REGISTERED)
    assert "contact_customer" in str(error)


def test_an_event_before_registration_or_out_of_order_is_refused() -> None:
    case = apply(new_case(), CustomerContacted(at=later(3), by="s-1", channel="phone"))
    with pytest.raises(ValidationError) as caught:
        apply(case, InvestigationStarted(at=later(-1), by="s-1"))
    assert caught.value.rule == "before_registration"
    with pytest.raises(ValidationError) as caught:
        apply(case, InvestigationStarted(at=later(2), by="s-1"))
    assert caught.value.rule == "out_of_order"


def test_a_substantiated_complaint_needs_a_remedy_and_an_apology() -> None:
    case = apply(new_case(), CustomerContacted(at=later(1), by="s-1", channel="phone"))
    with pytest.raises(ValidationError) as caught:
        apply(case, Resolved(at=later(5), by="s-1", channel="phone", substantiated=True))
    assert {v.rule for v in caught.value.violations} == {"remedy_required", "apology_required"}
    done = apply(
        case,
        Resolved(
            at=later(5),
            by="s-1",
            channel="phone",
            substantiated=True,
            compensation=Money("200.00"),
            apology=True,
        ),
    )
    assert done.state is CaseState.RESOLVED


def test_an_accepted_proposal_supplies_the_remedy() -> None:
    case = apply(new_case(), CustomerContacted(at=later(1), by="s-1", channel="phone"))
    case = apply(
        case,
        ResolutionProposed(
            at=later(2), by="s-1", channel="phone", remedy="free treatment", apology=True
        ),
    )
    done = apply(case, Resolved(at=later(4), by="s-1", channel="phone", substantiated=True))
    assert done.state is CaseState.RESOLVED


def test_an_unsatisfied_follow_up_reopens_within_the_window() -> None:
    case = resolved_case()
    reopened = apply(case, FollowedUp(at=later(48), by="s-2", channel="phone", satisfied=False))
    assert reopened.state is CaseState.INVESTIGATING
    assert reopened.cycle == 1
    states = {(s.kind, s.cycle): s for s in sla_status(reopened, later(49))}
    # The first resolution stays achieved; the reopened case owes a new one.
    assert states[TargetKind.RESOLUTION, 0].status is TargetStatusKind.ACHIEVED
    assert states[TargetKind.RESOLUTION, 1].status is TargetStatusKind.ACTIVE
    assert states[TargetKind.RESOLUTION, 1].started_at == later(48)
    assert states[TargetKind.FOLLOW_UP, 0].status is TargetStatusKind.ACHIEVED


def test_an_unsatisfied_follow_up_after_the_window_closes_unresolved() -> None:
    case = resolved_case()
    too_late = later(30) + BOOK.latest("complaint-default").reopen_window + timedelta(seconds=1)
    closed = apply(case, FollowedUp(at=too_late, by="s-2", channel="phone", satisfied=False))
    assert closed.state is CaseState.CLOSED_UNRESOLVED


def test_time_spent_closed_before_a_reopen_does_not_count() -> None:
    case = apply(
        resolved_case(), FollowedUp(at=later(40), by="s-2", channel="phone", satisfied=True)
    )
    assert case.state is CaseState.CLOSED_SATISFIED
    reopened = apply(case, Reopened(at=later(40 + 24 * 6), by="lead", reason="came back"))
    fresh = next(
        s
        for s in sla_status(reopened, later(40 + 24 * 6))
        if s.kind is TargetKind.RESOLUTION and s.cycle == 1
    )
    assert fresh.elapsed == timedelta(0)
    assert fresh.remaining == timedelta(days=7)
    with pytest.raises(IllegalTransitionError) as caught:
        apply(case, Reopened(at=later(40 + 24 * 31), by="lead"))
    assert "reopen window" in str(caught.value)
    assert "reopen" not in caught.value.allowed


def test_a_wait_for_the_customer_pauses_resolution_not_first_response() -> None:
    case = apply(new_case(), AwaitingCustomer(at=later(1), by="s-1", channel="wechat"))
    paused = {s.kind: s for s in sla_status(case, later(25))}
    assert paused[TargetKind.RESOLUTION].status is TargetStatusKind.PAUSED
    assert paused[TargetKind.RESOLUTION].paused_for == timedelta(hours=24)
    assert paused[TargetKind.FIRST_RESPONSE].status is TargetStatusKind.ACHIEVED
    case = apply(case, CustomerReplied(at=later(25), channel="phone"))
    running = {s.kind: s for s in sla_status(case, later(26))}
    assert running[TargetKind.RESOLUTION].due_at == T0 + timedelta(days=8)


def test_a_breach_can_coexist_with_a_pause() -> None:
    case = apply(new_case(), CustomerContacted(at=later(1), by="s-1", channel="phone"))
    case = apply(case, AwaitingCustomer(at=later(24 * 8), by="s-1", channel="wechat"))
    resolution = next(s for s in sla_status(case, later(24 * 9)) if s.kind is TargetKind.RESOLUTION)
    assert resolution.status is TargetStatusKind.PAUSED
    assert resolution.breached
    assert resolution.due_at == T0 + timedelta(days=7)
    assert resolution.overdue == timedelta(days=1)


def test_a_case_cannot_be_merged_into_itself() -> None:
    with pytest.raises(ValidationError) as caught:
        apply(new_case(), Merged(at=later(1), by="s-1", into="k-1"))
    assert caught.value.rule == "self_merge"
    assert apply(new_case(), Merged(at=later(1), by="s-1", into="k-0")).state is CaseState.MERGED


# -- policy versions and storage ------------------------------------------------------


def test_a_new_policy_version_never_rewrites_older_cases() -> None:
    old_case = apply(new_case(), CustomerContacted(at=later(1), by="s-1", channel="phone"))
    v1 = BOOK.latest("complaint-default")
    v2 = v1.revise(targets=[SlaTarget(TargetKind.RESOLUTION, timedelta(days=3))])
    book = BOOK.publish(v2)
    assert book.latest("complaint-default").version == 2
    replayed = replay(old_case.events, book)
    assert replayed == old_case
    assert replayed.policy.version == 1
    due = {s.kind: s.due_at for s in sla_status(replayed, later(2))}
    assert due[TargetKind.RESOLUTION] == T0 + timedelta(days=7)
    assert new_case(book, case_id="k-2").policy.version == 2
    with pytest.raises(NotFoundError):
        replay(old_case.events, PolicyBook([v2]))


def test_a_policy_book_refuses_repeated_versions_and_ambiguity() -> None:
    policy = default_policy(CaseKind.COMPLAINT)
    with pytest.raises(ValidationError) as caught:
        PolicyBook([policy, policy])
    assert "duplicate_version" in {v.rule for v in caught.value.violations}
    other = SlaPolicy("other", 1, CaseKind.COMPLAINT, [])
    with pytest.raises(ValidationError) as caught:
        PolicyBook([policy, other])
    assert caught.value.rule == "ambiguous"


def test_a_target_is_validated() -> None:
    with pytest.raises(ValidationError) as caught:
        SlaTarget(TargetKind.RESOLUTION, timedelta(0), basis="business", warn_at=1.5)  # type: ignore[arg-type]
    assert set(caught.value.fields) == {"within", "basis", "warn_at"}
    with pytest.raises(ValidationError) as caught:
        SlaTarget(TargetKind.RESOLUTION, timedelta(days=1), basis=TimeBasis.BUSINESS)
    assert caught.value.rule == "calendar_required"


def test_saving_at_a_stale_version_fails() -> None:
    repository = InMemoryComplaintRepository()
    case = new_case()
    save_case(repository, case, expected_version=0)
    mine = apply(case, CustomerContacted(at=later(1), by="s-1", channel="phone"))
    theirs = apply(case, InvestigationStarted(at=later(1), by="s-2"))
    assert save_case(repository, theirs, expected_version=1) == 2
    with pytest.raises(StaleVersionError):
        save_case(repository, mine, expected_version=1)
    assert load_case(repository, "k-1", BOOK) == theirs


def test_a_log_must_start_with_its_registration() -> None:
    policy = BOOK.latest("complaint-default")
    with pytest.raises(IllegalTransitionError):
        Case(policy, (CustomerContacted(at=T0, by="s", channel="phone"),))
    with pytest.raises(ValidationError):
        replay([], BOOK)
    first = new_case().events[0]
    assert isinstance(first, Registered)
    with pytest.raises(IllegalTransitionError):
        Case(policy, (first, first))


def test_one_progress_update_runs_at_a_time() -> None:
    case = apply(
        resolved_case(), FollowedUp(at=later(48), by="s-2", channel="phone", satisfied=False)
    )
    running = [
        s
        for s in sla_status(case, later(49))
        if s.kind is TargetKind.PROGRESS_UPDATE and not s.completed
    ]
    assert len(running) == 1
    assert running[0].started_at == later(48)
