"""Training compliance: worked examples on a business calendar, and an oracle for the counting."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.errors import (
    InvalidIntervalError,
    NaiveDatetimeError,
    NotFoundError,
    ValidationError,
)
from clubrules.staff import Kpi
from clubrules.training import (
    Attendance,
    AttendanceStatus,
    Cadence,
    Completion,
    ComplianceReport,
    ObligationStatus,
    StaffMember,
    TrainingKind,
    TrainingMethod,
    TrainingRequirement,
    TrainingSession,
    compliance_report,
    seed_requirements,
)

TZ = ZoneInfo("Asia/Shanghai")
# Open Monday to Saturday, 10:00-21:00 (11 hours); closed on 6 April (Qingming).
CALENDAR = BusinessCalendar(
    TZ,
    weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "10:00-21:00"),
    holidays={date(2026, 4, 6): "清明"},
    holiday_years=frozenset(),
)
RULES = seed_requirements(induction_days=5, sessions_per_month=2)
MARCH = (datetime(2026, 3, 1, tzinfo=TZ), datetime(2026, 4, 1, tzinfo=TZ))


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def session(
    session_id: str,
    kind: str,
    start: datetime,
    hours: int = 2,
    method: str = "internal",
) -> TrainingSession:
    return TrainingSession(
        id=session_id,
        kind=kind,
        topic=kind,
        method=method,
        start=start,
        end=start + timedelta(hours=hours),
    )


def went(session_id: str, *staff: str) -> list[Attendance]:
    return [Attendance(session_id=session_id, staff_id=s) for s in staff]


VETERAN = StaffMember(
    id="cs-07", role="service_specialist", hired_at=at(1, 1) - timedelta(days=400)
)


def report(
    staff: list[StaffMember],
    sessions: list[TrainingSession],
    attendance: list[Attendance],
    *,
    as_of: datetime,
    completions: list[Completion] | None = None,
    period: tuple[datetime, datetime] = MARCH,
    rules: tuple[TrainingRequirement, ...] = RULES,
) -> ComplianceReport:
    return compliance_report(
        rules,
        staff,
        sessions=sessions,
        attendance=attendance,
        completions=completions or [],
        start=period[0],
        end=period[1],
        as_of=as_of,
        calendar=CALENDAR,
    )


def _done_induction(member: StaffMember) -> Completion:
    return Completion(
        id=f"ind-{member.id}",
        staff_id=member.id,
        kind="induction",
        topic="induction",
        method="internal",
        completed_at=member.hired_at + timedelta(days=1),
    )


def test_a_month_short_of_sessions_is_overdue_by_business_days_after_it_ends() -> None:
    sessions = [session("t-1", "periodic", at(3, 5, 14)), session("t-2", "periodic", at(3, 19, 14))]
    attendance = [
        *went("t-1", "cs-07"),
        Attendance(session_id="t-2", staff_id="cs-07", status=AttendanceStatus.ABSENT),
    ]
    # Friday 3 April, 12:00: Wed 1 and Thu 2 April have passed, 2 hours of the 3rd.
    result = report(
        [VETERAN],
        sessions,
        attendance,
        completions=[_done_induction(VETERAN)],
        as_of=at(4, 3, 12),
    )
    line = result.member("cs-07")
    service = next(o for o in line.obligations if o.requirement_id == "service")
    assert service.label == "2026-03"
    assert service.completed == ("t-1",)
    assert service.missing == 1
    assert service.status is ObligationStatus.OVERDUE
    assert service.business_days_late == 2
    assert service.business_time_late == timedelta(hours=11 + 11 + 2)
    assert service.describe() == (
        "cs-07 service 2026-03: 1 of 2 session(s); overdue by 2 business day(s) (24 business hours)"
    )
    # Q1's safety training, also due on 1 April, is as late; ties go by requirement id.
    assert [(o.requirement_id, o.label) for o in result.overdue] == [
        ("safety", "2026-Q1"),
        ("service", "2026-03"),
    ]
    assert not line.compliant


def test_lateness_skips_closed_days_and_holidays() -> None:
    # Due 1 April; as of Tuesday 7 April: Wed 1, Thu 2, Fri 3, Sat 4 count; Sunday 5 is
    # closed and Monday 6 is Qingming.
    result = report([VETERAN], [], [], as_of=at(4, 7, 9))
    service = next(o for o in result.member("cs-07").obligations if o.requirement_id == "service")
    assert service.business_days_late == 4
    assert service.business_time_late == timedelta(hours=44)


def test_an_induction_is_due_business_days_after_the_hire_and_can_be_made_up_late() -> None:
    # Hired on Thursday 26 March at 10:00: 5 business days later is Wednesday 1 April,
    # 10:00 (Sunday 29 is closed). The induction on Friday 3 April is two days late.
    new = StaffMember(id="cs-09", role="service_specialist", hired_at=at(3, 26, 10))
    sessions = [session("ind", "induction", at(4, 3, 10), hours=4)]
    result = report([new], sessions, went("ind", "cs-09"), as_of=at(4, 10, 12))
    (induction,) = result.member("cs-09").obligations  # not owed March, Q1 or 2026 cycles
    assert induction.label == "on hire"
    assert induction.due == at(4, 1, 10)
    assert induction.status is ObligationStatus.MET_LATE
    assert induction.done_at == at(4, 3, 14)
    assert induction.business_days_late == 2
    assert induction.business_time_late == timedelta(hours=11 + 11 + 4)
    assert result.member("cs-09").compliant
    # Before the session, the induction was overdue.
    before = report([new], sessions, went("ind", "cs-09"), as_of=at(4, 2, 21))
    assert before.member("cs-09").obligations[0].status is ObligationStatus.OVERDUE
    # And before its due time, open.
    early = report([new], sessions, went("ind", "cs-09"), as_of=at(3, 30, 12))
    assert early.member("cs-09").obligations[0].status is ObligationStatus.OPEN


def test_an_unfinished_induction_stays_on_later_reports() -> None:
    new = StaffMember(id="cs-09", role="beautician", hired_at=at(1, 5, 10))
    result = report([new], [], [], as_of=at(4, 2))
    induction = result.member("cs-09").obligations[0]
    assert induction.requirement_id == "induction"
    assert induction.status is ObligationStatus.OVERDUE
    # Done in January: it leaves March's report (Q1 began before the hire: not owed).
    done = report(
        [new], [session("i", "induction", at(1, 6, 10))], went("i", "cs-09"), as_of=at(4, 2)
    )
    assert done.member("cs-09").obligations == ()


def test_a_session_counts_in_the_cycle_in_which_it_ends() -> None:
    # 22:00 on 31 March to 00:00 on 1 April: it ends in April.
    late = session("t-late", "periodic", at(3, 31, 22))
    result = report([VETERAN], [late], went("t-late", "cs-07"), as_of=at(4, 2))
    service = next(o for o in result.member("cs-07").obligations if o.requirement_id == "service")
    assert service.completed == ()
    april = report(
        [VETERAN],
        [late],
        went("t-late", "cs-07"),
        as_of=at(5, 2),
        period=(at(4, 1), at(5, 1)),
    )
    service = next(o for o in april.member("cs-07").obligations if o.requirement_id == "service")
    assert service.completed == ("t-late",)


def test_sessions_after_as_of_do_not_count_yet() -> None:
    sessions = [session("t-1", "safety", at(3, 20, 14))]
    result = report([VETERAN], sessions, went("t-1", "cs-07"), as_of=at(3, 20, 15))
    safety = next(o for o in result.member("cs-07").obligations if o.requirement_id == "safety")
    assert safety.completed == ()
    assert safety.status is ObligationStatus.OPEN
    done = report([VETERAN], sessions, went("t-1", "cs-07"), as_of=at(3, 20, 16))
    safety = next(o for o in done.member("cs-07").obligations if o.requirement_id == "safety")
    assert (safety.completed, safety.status) == (("t-1",), ObligationStatus.MET)


def test_roles_hires_and_leavers_decide_what_is_owed() -> None:
    beautician = StaffMember(id="bt-01", role="beautician", hired_at=VETERAN.hired_at)
    leaver = StaffMember(
        id="cs-03", role="service_specialist", hired_at=VETERAN.hired_at, left_at=at(3, 20)
    )
    result = report([beautician, leaver], [], [], as_of=at(4, 2))
    owed = {
        line.staff_id: [(o.requirement_id, o.label) for o in line.obligations]
        for line in result.staff
    }
    # The beautician owes no service training; the leaver owes nothing ending after 20 March.
    assert owed == {
        "bt-01": [("induction", "on hire"), ("safety", "2026-Q1"), ("privacy", "2026")],
        "cs-03": [("induction", "on hire")],
    }


def test_an_attended_session_and_its_certificate_count_once() -> None:
    sessions = [session("t-1", "periodic", at(3, 5, 14))]
    certificate = Completion(
        id="cert-1",
        staff_id="cs-07",
        kind="periodic",
        topic="periodic",
        method="internal",
        completed_at=at(3, 6, 9),
        session_id="t-1",
    )
    twice = [*went("t-1", "cs-07"), *went("t-1", "cs-07")]
    result = report(
        [VETERAN], sessions, twice, completions=[certificate, certificate], as_of=at(4, 2)
    )
    service = next(o for o in result.member("cs-07").obligations if o.requirement_id == "service")
    assert service.completed == ("t-1",)


def test_a_lone_completion_counts_with_its_own_kind_and_method() -> None:
    online = Completion(
        id="mooc-1",
        staff_id="cs-07",
        kind="privacy",
        topic="PIPL basics",
        method="online",
        completed_at=at(2, 10, 20),
    )
    result = report([VETERAN], [], [], completions=[online], as_of=at(4, 2))
    privacy = next(o for o in result.member("cs-07").obligations if o.requirement_id == "privacy")
    assert (privacy.completed, privacy.status) == (("mooc-1",), ObligationStatus.MET)
    # A rule that takes only face-to-face training does not count it.
    strict = TrainingRequirement(
        id="privacy",
        name="Privacy, in person",
        kinds="privacy",
        cadence="yearly",
        methods={TrainingMethod.INTERNAL, TrainingMethod.EXTERNAL},
    )
    result = report([VETERAN], [], [], completions=[online], as_of=at(4, 2), rules=(strict,))
    assert result.member("cs-07").obligations[0].completed == ()


def test_the_kpi_counts_obligations_met_on_time_of_those_decided() -> None:
    sessions = [
        session("t-1", "periodic", at(3, 5, 14)),
        session("t-2", "periodic", at(3, 6, 14)),
        session("t-3", "safety", at(2, 6, 14)),
    ]
    attendance = [a for s in ("t-1", "t-2", "t-3") for a in went(s, "cs-07")]
    result = report(
        [VETERAN], sessions, attendance, completions=[_done_induction(VETERAN)], as_of=at(4, 2)
    )
    # Service (March) and safety (Q1) met; privacy (2026) still open; the induction was
    # done long before March, so it is not in the report.
    assert result.kpis() == {"cs-07": Kpi(2, 2)}
    assert (
        report([VETERAN], [], [], completions=[_done_induction(VETERAN)], as_of=at(3, 2))
        .member("cs-07")
        .kpi()
        == Kpi.no_events()
    )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        report([VETERAN], [], [], as_of=datetime(2026, 4, 2))  # noqa: DTZ001 - the point
    with pytest.raises(InvalidIntervalError):
        report([VETERAN], [], [], as_of=at(4, 2), period=(MARCH[1], MARCH[0]))
    with pytest.raises(ValidationError) as caught:
        report([VETERAN, VETERAN], [], [], as_of=at(4, 2))
    assert caught.value.rule == "duplicate_id"
    with pytest.raises(ValidationError) as caught:
        report([VETERAN], [], went("ghost", "cs-07"), as_of=at(4, 2))
    assert caught.value.rule == "unknown_session"
    clash = [session("t-1", "periodic", at(3, 5)), session("t-1", "safety", at(3, 5))]
    with pytest.raises(ValidationError) as caught:
        report([VETERAN], clash, [], as_of=at(4, 2))
    assert caught.value.rule == "duplicate_id"
    with pytest.raises(NotFoundError):
        report([VETERAN], [], [], as_of=at(4, 2)).member("nobody")


# --- the counting against a slow, obvious oracle ----------------------------------------------

_STAFF_IDS = ("s-0", "s-1", "s-2")


@st.composite
def _scenarios(draw: st.DrawFn) -> dict[str, object]:
    staff = []
    for staff_id in _STAFF_IDS:
        hired = at(1, 1) + timedelta(
            days=draw(st.integers(-200, 80)), hours=draw(st.integers(0, 23))
        )
        left = None
        if draw(st.booleans()) and draw(st.booleans()):
            left = hired + timedelta(days=draw(st.integers(0, 200)))
        role = draw(st.sampled_from(["service_specialist", "service_supervisor", "beautician"]))
        staff.append(StaffMember(id=staff_id, role=role, hired_at=hired, left_at=left))
    sessions = []
    for n in range(draw(st.integers(0, 10))):
        # Many are on the last day of a month; those from 22:00 for 2 hours end at
        # midnight, on a cycle's edge.
        day = draw(st.integers(-40, 130) | st.sampled_from([-1, 30, 58, 89]))
        start = at(1, 1) + timedelta(days=day, hours=draw(st.sampled_from([10, 22])))
        sessions.append(
            TrainingSession(
                id=f"t{n}",
                kind=draw(st.sampled_from(TrainingKind)),
                topic="topic",
                method=draw(st.sampled_from(TrainingMethod)),
                start=start,
                end=start + timedelta(hours=2),
            )
        )
    attendance = []
    completions = []
    if sessions:
        pairs = st.tuples(st.sampled_from(sessions), st.sampled_from(_STAFF_IDS))
        for chosen, staff_id in draw(st.lists(pairs, max_size=20)):
            status = draw(st.sampled_from(AttendanceStatus))
            attendance.append(Attendance(session_id=chosen.id, staff_id=staff_id, status=status))
        for n, (chosen, staff_id) in enumerate(draw(st.lists(pairs, max_size=5))):
            completions.append(
                Completion(
                    id=f"cert{n}",
                    staff_id=staff_id,
                    kind=chosen.kind,
                    topic=chosen.topic,
                    method=chosen.method,
                    completed_at=chosen.end + timedelta(days=1),
                    session_id=chosen.id,
                )
            )
    for n in range(draw(st.integers(0, 4))):
        completions.append(  # noqa: PERF401 - each draws, in order
            Completion(
                id=f"mooc{n}",
                staff_id=draw(st.sampled_from(_STAFF_IDS)),
                kind=draw(st.sampled_from(TrainingKind)),
                topic="topic",
                method=TrainingMethod.ONLINE,
                completed_at=at(1, 1) + timedelta(days=draw(st.integers(-40, 130)), hours=20),
            )
        )
    rules = seed_requirements(
        induction_days=draw(st.integers(1, 10)), sessions_per_month=draw(st.integers(1, 3))
    )
    return {
        "rules": rules,
        "staff": staff,
        "sessions": sessions,
        "attendance": attendance,
        "completions": completions,
        "as_of": at(1, 1)
        + timedelta(days=draw(st.integers(0, 130)), hours=draw(st.integers(0, 23))),
    }


def _oracle_count(  # noqa: PLR0917 - one per part of an obligation
    scenario: dict[str, object],
    staff_id: str,
    rule: TrainingRequirement,
    opens: datetime,
    due: datetime,
    as_of: datetime,
) -> set[str]:
    """The trainings that count, found the slow way: every record, one by one."""
    sessions = {s.id: s for s in scenario["sessions"]}  # type: ignore[attr-defined]
    found: set[str] = set()
    records: list[tuple[str, datetime, TrainingKind, TrainingMethod, str]] = []
    for a in scenario["attendance"]:  # type: ignore[attr-defined]
        if a.staff_id == staff_id and a.status is AttendanceStatus.ATTENDED:
            s = sessions[a.session_id]
            records.append((s.id, s.end, s.kind, s.method, s.topic))
    for c in scenario["completions"]:  # type: ignore[attr-defined]
        if c.staff_id != staff_id:
            continue
        if c.session_id is not None:
            s = sessions[c.session_id]
            records.append((s.id, s.end, s.kind, s.method, s.topic))
        else:
            records.append((c.id, c.completed_at, c.kind, c.method, c.topic))
    on_hire = rule.cadence is Cadence.ON_HIRE
    for key, done, kind, method, topic in records:
        if not rule.counts(kind, method, topic):
            continue
        t = to_epoch_us(done)
        if t > to_epoch_us(as_of) or t < to_epoch_us(opens):
            continue
        if not on_hire and t >= to_epoch_us(due):
            continue
        found.add(key)
    return found


@settings(max_examples=150, deadline=None)
@given(scenario=_scenarios())
def test_compliance_never_counts_a_session_twice(scenario: dict[str, object]) -> None:
    def run(attendance: list[Attendance], completions: list[Completion]) -> ComplianceReport:
        return compliance_report(
            scenario["rules"],  # type: ignore[arg-type]
            scenario["staff"],  # type: ignore[arg-type]
            sessions=scenario["sessions"],  # type: ignore[arg-type]
            attendance=attendance,
            completions=completions,
            start=at(1, 1),
            end=at(4, 1),
            as_of=scenario["as_of"],  # type: ignore[arg-type]
            calendar=CALENDAR,
        )

    attendance: list[Attendance] = scenario["attendance"]  # type: ignore[assignment]
    completions: list[Completion] = scenario["completions"]  # type: ignore[assignment]
    result = run(attendance, completions)
    rules = {r.id: r for r in scenario["rules"]}  # type: ignore[attr-defined]
    as_of: datetime = scenario["as_of"]  # type: ignore[assignment]
    for line in result.staff:
        per_rule: dict[str, list[str]] = {}
        for o in line.obligations:
            rule = rules[o.requirement_id]
            # Each training at most once in an obligation, and in one obligation per rule.
            assert len(set(o.completed)) == len(o.completed)
            per_rule.setdefault(o.requirement_id, []).extend(o.completed)
            expected = _oracle_count(scenario, line.staff_id, rule, o.opens, o.due, as_of)
            assert set(o.completed) == expected
            met = len(expected) >= rule.sessions
            assert (o.status in {ObligationStatus.MET, ObligationStatus.MET_LATE}) == met
            if o.status is ObligationStatus.OVERDUE:
                assert o.business_days_late is not None
                assert o.business_time_late is not None
                assert o.business_time_late >= timedelta(0)
        for keys in per_rule.values():
            assert len(keys) == len(set(keys))
    # Every record given twice, in another order: the same report.
    again = run([*attendance, *reversed(attendance)], [*completions, *completions])
    assert again == result
