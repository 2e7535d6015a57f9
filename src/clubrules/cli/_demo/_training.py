"""Demo chapter: March's training record, who is behind, and what March's complaints suggest.

The sessions and attendance are stored through the SQLite training adapter
and read back; the suggestion reads the complaint cases the complaints
chapter stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from clubrules.cli._demo._complaints import policy_book
from clubrules.cli._demo._salon import DESK, SHANGHAI, at, show
from clubrules.complaints.ports import load_case
from clubrules.money import Money
from clubrules.storage.sqlite import SQLiteTrainingRepository
from clubrules.training import (
    Attendance,
    AttendanceStatus,
    Completion,
    FeedbackRules,
    QuarterBudget,
    StaffMember,
    TrainingSession,
    compliance_report,
    seed_requirements,
    spend_against_budget,
    suggest_training,
)
from clubrules.words import message

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]

# The desk clerk of the staff chapter, a clerk who joined in March, and a beautician.
_STAFF = (
    StaffMember(id=DESK, role="service_specialist", hired_at=datetime(2025, 9, 1, tzinfo=SHANGHAI)),
    StaffMember(id="cs-02", role="service_specialist", hired_at=at(3, 16, 10)),
    StaffMember(id="st-li", role="beautician", hired_at=datetime(2024, 5, 6, tzinfo=SHANGHAI)),
)


def _session(
    session_id: str, kind: str, topic: str, start: datetime, hours: int, **more: object
) -> TrainingSession:
    return TrainingSession(
        id=session_id,
        kind=kind,
        topic=topic,
        method=more.pop("method", "internal"),
        start=start,
        end=start + timedelta(hours=hours),
        **more,  # type: ignore[arg-type]
    )


def _store_march(training: SQLiteTrainingRepository) -> None:
    sessions = [
        _session("tr-0305", "periodic", "service etiquette", at(3, 5, 14), 2, trainer="sup-zhao"),
        _session(
            "tr-0312",
            "safety",
            "first aid",
            at(3, 12, 14),
            3,
            method="external",
            trainer="red cross",
            cost=Money("1800.00"),
        ),
        _session("tr-0319", "induction", "the salon and its services", at(3, 19, 10), 7),
        _session("tr-0326", "periodic", "complaint case analysis", at(3, 26, 14), 2),
    ]
    for session in sessions:
        training.add_session(session)
    for session_id, staff_id, status in (
        ("tr-0305", DESK, AttendanceStatus.ATTENDED),
        ("tr-0312", DESK, AttendanceStatus.ATTENDED),
        ("tr-0312", "st-li", AttendanceStatus.ATTENDED),
        ("tr-0319", "cs-02", AttendanceStatus.ATTENDED),
        ("tr-0326", DESK, AttendanceStatus.EXCUSED),
        ("tr-0326", "cs-02", AttendanceStatus.ATTENDED),
    ):
        training.add_attendance(Attendance(session_id=session_id, staff_id=staff_id, status=status))
    # The inductions of the staff who joined before the salon kept its records here.
    for member in (_STAFF[0], _STAFF[2]):
        training.add_completion(
            Completion(
                id=f"ind-{member.id}",
                staff_id=member.id,
                kind="induction",
                topic="induction",
                method="internal",
                completed_at=member.hired_at + timedelta(days=3),
            )
        )


def run(story: Story, salon: Salon) -> None:
    """Store March's sessions, report who is behind, and suggest training from complaints."""
    story.chapter("demo.chapter.training")
    training = SQLiteTrainingRepository(salon.db)
    _store_march(training)
    march = (at(3, 1, 0), at(4, 1, 0))
    sessions = training.sessions(start=march[0], end=march[1])
    story.say("demo.training.read", sessions=len(sessions), records=len(training.attendance()))
    rules = seed_requirements(induction_days=5, sessions_per_month=2)
    as_of = at(4, 2, 18)
    report = compliance_report(
        rules,
        _STAFF,
        sessions=training.sessions(),
        attendance=training.attendance(),
        completions=training.completions(),
        start=march[0],
        end=march[1],
        as_of=as_of,
        calendar=salon.calendar,
    )
    story.say("demo.training.rules", days=5)
    story.say("demo.training.rules_more", at=show(as_of))
    for line in report.staff:
        for obligation in line.obligations:
            story.line(f"  {obligation.describe()}")
    desk = report.member(DESK).kpi()
    story.say("demo.training.kpi", desk=DESK, met=desk.numerator, total=desk.denominator)
    budgets = [
        QuarterBudget(year=2026, quarter=1, kind="safety", amount=Money(3000)),
        QuarterBudget(year=2026, quarter=1, amount=Money(3000)),
    ]
    for budget_line in spend_against_budget(budgets, sessions, zone=SHANGHAI):
        story.line(budget_line.describe())

    book = policy_book(salon)
    cases = [load_case(salon.complaints, case_id, book) for case_id in salon.complaints.case_ids()]
    feedback = FeedbackRules(
        category_topics={
            "hygiene": message("demo.training.topic.hygiene"),
            "waiting time": message("demo.training.topic.waiting"),
        },
        sla_topic=message("demo.training.topic.sla"),
    )
    suggestions = suggest_training(
        feedback, cases=cases, start=march[0], end=march[1], as_of=as_of, zone=SHANGHAI
    )
    story.say("demo.training.suggests", cases=len(cases))
    for suggestion in suggestions:
        for text in suggestion.explain().splitlines():
            story.line(f"  {text}")
