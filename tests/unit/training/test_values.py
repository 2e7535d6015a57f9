"""Training values: each bad input gets a typed error naming the field, all problems at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clubrules.errors import InvalidIntervalError, NaiveDatetimeError, ValidationError
from clubrules.money import Money
from clubrules.training import (
    SERVICE_ROLES,
    Attendance,
    AttendanceStatus,
    Cadence,
    Completion,
    StaffMember,
    TrainingKind,
    TrainingMethod,
    TrainingRequirement,
    TrainingSession,
    seed_requirements,
)

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 3, 12, 14, tzinfo=TZ)


def _session(**changes: object) -> TrainingSession:
    fields: dict[str, object] = {
        "id": "t-1",
        "kind": "safety",
        "topic": "first aid",
        "method": "external",
        "start": AT,
        "end": AT + timedelta(hours=3),
    }
    fields.update(changes)
    return TrainingSession(**fields)  # type: ignore[arg-type]


def test_a_session_converts_names_and_values_of_its_choices() -> None:
    session = _session(kind="SAFETY", method=TrainingMethod.EXTERNAL, cost=Money("1800.00"))
    assert session.kind is TrainingKind.SAFETY
    assert session.method is TrainingMethod.EXTERNAL
    assert session.duration_hours == 3.0


def test_a_session_that_ends_before_it_starts_is_an_interval_error() -> None:
    with pytest.raises(InvalidIntervalError) as caught:
        _session(end=AT - timedelta(minutes=1))
    assert caught.value.field == "end"
    with pytest.raises(InvalidIntervalError) as caught:
        _session(end=AT)
    assert caught.value.rule == "empty_interval"


def test_a_naive_start_is_a_naive_datetime_error() -> None:
    with pytest.raises(NaiveDatetimeError):
        _session(start=datetime(2026, 3, 12, 14))  # noqa: DTZ001 - the point of the test


def test_every_problem_of_a_session_is_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        _session(id=" ", kind="yoga", method="carrier pigeon", cost=Money("-1"), trainer="")
    assert set(caught.value.fields) == {"id", "kind", "method", "cost", "trainer"}
    assert "yoga" in str(caught.value)


def test_attendance_and_completion_check_their_fields() -> None:
    assert Attendance(session_id="t-1", staff_id="s-1").status is AttendanceStatus.ATTENDED
    with pytest.raises(ValidationError) as caught:
        Attendance(session_id="", staff_id="s-1", status="late")
    assert set(caught.value.fields) == {"session_id", "status"}
    with pytest.raises(NaiveDatetimeError):
        Completion(
            id="c-1",
            staff_id="s-1",
            kind="privacy",
            topic="privacy",
            method="online",
            completed_at=datetime(2026, 3, 1),  # noqa: DTZ001 - the point of the test
        )


def test_a_staff_member_cannot_leave_before_joining() -> None:
    with pytest.raises(ValidationError) as caught:
        StaffMember(id="s-1", role="beautician", hired_at=AT, left_at=AT - timedelta(days=1))
    assert caught.value.rule == "left_before_hired"


def test_an_on_hire_rule_needs_its_deadline_and_only_it_has_one() -> None:
    with pytest.raises(ValidationError) as caught:
        TrainingRequirement(id="i", name="Induction", kinds="induction", cadence="on_hire")
    assert caught.value.field == "within_business_days"
    with pytest.raises(ValidationError) as caught:
        TrainingRequirement(
            id="s", name="Safety", kinds="safety", cadence="quarterly", within_business_days=3
        )
    assert caught.value.rule == "not_on_hire"


def test_a_requirement_reports_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        TrainingRequirement(
            id="",
            name="x",
            kinds=[],
            cadence="fortnightly",
            sessions=0,
            roles={" beautician"},
            methods=["telepathy"],
        )
    assert set(caught.value.fields) == {"id", "kinds", "cadence", "sessions", "roles", "methods"}


def test_a_requirement_says_what_counts_and_for_whom() -> None:
    rule = TrainingRequirement(
        id="safety",
        name="Safety",
        kinds={"safety", TrainingKind.SPECIAL},
        cadence=Cadence.QUARTERLY,
        roles="trainer",
        methods={"internal", "external"},
        topics={"first aid"},
    )
    assert rule.applies_to("trainer")
    assert not rule.applies_to("beautician")
    assert rule.counts(TrainingKind.SPECIAL, TrainingMethod.INTERNAL, "first aid")
    assert not rule.counts(TrainingKind.SAFETY, TrainingMethod.ONLINE, "first aid")
    assert not rule.counts(TrainingKind.SAFETY, TrainingMethod.EXTERNAL, "fire safety")


def test_the_seed_rules_follow_the_documents() -> None:
    rules = {r.id: r for r in seed_requirements(induction_days=7, sessions_per_month=2)}
    assert rules["induction"].within_business_days == 7
    assert rules["induction"].roles == frozenset()  # every new staff member
    assert rules["service"].sessions == 2
    assert rules["service"].roles == SERVICE_ROLES
    assert rules["safety"].cadence is Cadence.QUARTERLY
    assert rules["privacy"].cadence is Cadence.YEARLY
    assert rules["special"].cadence is Cadence.AS_NEEDED
    assert all(r.methods == frozenset(TrainingMethod) for r in rules.values())
    with pytest.raises(ValidationError) as caught:
        seed_requirements(induction_days=0, sessions_per_month=0)
    assert set(caught.value.fields) == {"induction_days", "sessions_per_month"}


NY = ZoneInfo("America/New_York")


def test_instants_are_held_canonical_so_stored_values_compare_equal() -> None:
    skipped = datetime(2026, 3, 8, 2, 30, tzinfo=NY)  # does not exist: 03:30 EDT
    existing = datetime(2026, 3, 8, 3, 30, tzinfo=NY)
    assert _session(start=skipped, end=existing + timedelta(hours=1)) == _session(
        start=existing, end=existing + timedelta(hours=1)
    )
    done = Completion(
        id="c",
        staff_id="s",
        kind="privacy",
        topic="t",
        method="online",
        completed_at=skipped,
    )
    assert done.completed_at == existing
    member = StaffMember(id="s", role="r", hired_at=skipped)
    assert member.hired_at == existing


def test_an_instant_no_datetime_can_hold_is_refused() -> None:
    from datetime import timezone  # noqa: PLC0415 - only this test needs it

    too_late = datetime(9999, 12, 31, 21, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(ValidationError) as caught:
        _session(start=AT, end=too_late)
    assert caught.value.rule == "out_of_range"
