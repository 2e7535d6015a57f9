"""Tenants of one database: staff, training, care and activity rows stay with their tenant.

Two handles of one database (`club-a`, `club-b`) write rows with the same
ids and keys; each reads back only its own, the writes of one never change
what the other sees, and every uniqueness rule (a rubric version, a sheet
id, one periodic sheet per person and cycle, one care task per key, a
sign-up position) holds per tenant. The database itself (`default`) is a
third tenant and sees neither. Each test runs on SQLite, on PostgreSQL as a
superuser (row-level security bypassed: the statements' own tenant
predicates alone keep the tenants apart), and on PostgreSQL as an
application role that row-level security applies to.
"""

from __future__ import annotations

import itertools
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules.activities import Activity, ActivityKind, Audience, Invitation, SignUpStatus
from clubrules.care import CareKind, CareTask, SurveyResponse
from clubrules.errors import DuplicateError, NotFoundError, StorageError
from clubrules.staff import (
    COMPLAINT_TIMELINESS_RATE,
    AssessmentInputs,
    AssessmentKind,
    AssessmentPeriod,
    Kpi,
    ManualScore,
    ManualScoring,
    ScoreSheet,
    WarningRecord,
    assess,
    seed_rubric,
)
from clubrules.storage.postgres import (
    PostgresAssessmentRepository,
    PostgresCareTaskRepository,
    PostgresClubActivityRepository,
    PostgresDatabase,
    PostgresSurveyResponseRepository,
    PostgresTrainingRepository,
)
from clubrules.storage.sqlite import (
    SQLiteAssessmentRepository,
    SQLiteCareTaskRepository,
    SQLiteClubActivityRepository,
    SQLiteDatabase,
    SQLiteSurveyResponseRepository,
    SQLiteTrainingRepository,
)
from clubrules.training import (
    Attendance,
    AttendanceStatus,
    Completion,
    TrainingKind,
    TrainingMethod,
    TrainingSession,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from clubrules.activities.ports import ClubActivityRepository
    from clubrules.care.ports import CareTaskRepository, SurveyResponseRepository
    from clubrules.staff.ports import AssessmentRepository
    from clubrules.testing.postgres import PostgresCluster
    from clubrules.training.ports import TrainingRepository

SHANGHAI = ZoneInfo("Asia/Shanghai")
A, B = "club-a", "club-b"

_TABLES = (
    "staff_rubrics",
    "staff_sheets",
    "staff_sheet_criteria",
    "staff_sheet_lines",
    "staff_warnings",
    "training_sessions",
    "training_attendance",
    "training_completions",
    "care_tasks",
    "survey_responses",
    "activities",
    "activity_invitations",
    "activity_sign_ups",
)
_APP_ROLE = "tenants_staff_care_app"


# --- the backends ------------------------------------------------------------------------


@dataclass(frozen=True)
class Repos:
    """One handle's repositories of the four areas."""

    assessments: AssessmentRepository
    training: TrainingRepository
    care_tasks: CareTaskRepository
    surveys: SurveyResponseRepository
    activities: ClubActivityRepository


@dataclass(frozen=True)
class Kit:
    """A database and the adapter classes of its backend."""

    name: str
    db: SQLiteDatabase | PostgresDatabase
    classes: tuple[Callable[[Any], Any], ...]
    connect: Callable[[], Any]
    """A new connection of the application's own (not in autocommit mode)."""

    def repos(self, tenant: str | None) -> Repos:
        """The repositories of `tenant`'s handle (of the database itself when None)."""
        db = self.db if tenant is None else self.db.for_tenant(tenant)
        return self.on(db)

    def on(self, db: SQLiteDatabase | PostgresDatabase) -> Repos:
        """The repositories built on `db`."""
        return Repos(*(cls(db) for cls in self.classes))


_SQLITE_CLASSES = (
    SQLiteAssessmentRepository,
    SQLiteTrainingRepository,
    SQLiteCareTaskRepository,
    SQLiteSurveyResponseRepository,
    SQLiteClubActivityRepository,
)
_POSTGRES_CLASSES = (
    PostgresAssessmentRepository,
    PostgresTrainingRepository,
    PostgresCareTaskRepository,
    PostgresSurveyResponseRepository,
    PostgresClubActivityRepository,
)


@pytest.fixture(scope="module")
def postgres_urls(postgres_cluster: PostgresCluster) -> tuple[str, str]:
    """A migrated database of the module's: the superuser's URL and the application role's."""
    url = postgres_cluster.create_database("tenants_staff_care")
    with psycopg.connect(postgres_cluster.url, autocommit=True) as admin:
        # A role the policies apply to (roles belong to the cluster, made once per session).
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (_APP_ROLE,)).fetchone():
            admin.execute(f"CREATE ROLE {_APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
    with PostgresDatabase(url) as db:
        db.migrate()
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute(f"GRANT USAGE ON SCHEMA clubrules TO {_APP_ROLE}")
        owner.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA clubrules TO {_APP_ROLE}"
        )
        owner.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA clubrules TO {_APP_ROLE}")
    return url, url.replace(f"{postgres_cluster.user}@", f"{_APP_ROLE}@", 1)


@pytest.fixture(scope="module")
def postgres_superuser(postgres_urls: tuple[str, str]) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(postgres_urls[0], pool_size=4) as db:
        yield db


@pytest.fixture(scope="module")
def postgres_app(postgres_urls: tuple[str, str]) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(postgres_urls[1], pool_size=4) as db:
        yield db


def _empty(db: PostgresDatabase) -> None:
    with db.connection() as conn:
        conn.execute(f"TRUNCATE {', '.join(f'{db.schema}.{t}' for t in _TABLES)}")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres-rls", marks=pytest.mark.postgres),
    ]
)
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kit]:
    """The backend of the test, with no rows in any tenant."""
    if request.param == "sqlite":
        path = tmp_path / "club.db"
        with SQLiteDatabase(path) as db:
            db.migrate()
            yield Kit(
                "sqlite",
                db,
                _SQLITE_CLASSES,
                lambda: sqlite3.connect(path, timeout=30, check_same_thread=False),
            )
        return
    superuser: PostgresDatabase = request.getfixturevalue("postgres_superuser")
    urls: tuple[str, str] = request.getfixturevalue("postgres_urls")
    _empty(superuser)
    if request.param == "postgres":
        yield Kit("postgres", superuser, _POSTGRES_CLASSES, lambda: psycopg.connect(urls[0]))
    else:
        app: PostgresDatabase = request.getfixturevalue("postgres_app")
        yield Kit("postgres-rls", app, _POSTGRES_CLASSES, lambda: psycopg.connect(urls[1]))


# --- values ------------------------------------------------------------------------------

_MANUAL = tuple(
    item.key
    for criterion in seed_rubric().criteria
    for item in criterion.sub_items
    if isinstance(item.method, ManualScoring)
)


def _sheet(
    sheet_id: str = "a-1", *, staff_id: str = "s-1", month: int = 3, points: str = "8"
) -> ScoreSheet:
    period = AssessmentPeriod.monthly(2026, month, "Asia/Shanghai")
    inputs = AssessmentInputs(
        manual={key: ManualScore(points=Decimal(points), by="sup-1") for key in _MANUAL},
        kpis={
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            COMPLAINT_TIMELINESS_RATE: Kpi.no_events(),
        },
        evaluations=(5, 4, 4),
    )
    return assess(
        seed_rubric(),
        inputs,
        sheet_id=sheet_id,
        staff_id=staff_id,
        period=period,
        as_of=period.end + timedelta(days=1),
        kind=AssessmentKind.PERIODIC,
    )


def _warning(warning_id: str = "w-1", *, band: str = "fail", day: int = 2) -> WarningRecord:
    issued = datetime(2026, 4, day, 9, tzinfo=SHANGHAI)
    return WarningRecord(
        id=warning_id,
        staff_id="s-1",
        sheet_id="a-1",
        issued_at=issued,
        improve_by=issued + timedelta(days=30),
        total=Decimal("55.50"),
        band=band,
    )


def _session(
    session_id: str = "t-1", *, topic: str = "first aid", day: int = 12
) -> TrainingSession:
    start = datetime(2026, 3, day, 14, tzinfo=SHANGHAI)
    return TrainingSession(
        id=session_id,
        kind=TrainingKind.SAFETY,
        topic=topic,
        method=TrainingMethod.EXTERNAL,
        start=start,
        end=start + timedelta(hours=3),
    )


def _completion(completion_id: str = "k-1", *, topic: str = "privacy", day: int = 5) -> Completion:
    return Completion(
        id=completion_id,
        staff_id="s-1",
        kind=TrainingKind.PRIVACY,
        topic=topic,
        method=TrainingMethod.ONLINE,
        completed_at=datetime(2026, 3, day, 20, 30, tzinfo=SHANGHAI),
    )


D0 = date(2026, 3, 2)


def _task(
    customer_id: str = "c-1",
    *,
    day: int = 0,
    note: str = "",
    rule: str = "birthday",
    minute: int = 0,
    assignee: str | None = None,
) -> CareTask:
    due = D0 + timedelta(days=day)
    return CareTask(
        customer_id=customer_id,
        kind=CareKind.BIRTHDAY,
        due=due,
        at=datetime(due.year, due.month, due.day, 10, minute, tzinfo=SHANGHAI),
        rule=rule,
        note=note,
        assignee=assignee,
    )


def _response(response_id: str = "r-1", *, service: int = 5, minutes: int = 0) -> SurveyResponse:
    return SurveyResponse(
        id=response_id,
        questionnaire_id="q-2026",
        customer_id="c-1",
        at=datetime(2026, 3, 2, 12, tzinfo=SHANGHAI) + timedelta(minutes=minutes),
        answers={"service": service, "environment": 4},
        nps=9,
        staff_id="st-7",
    )


START = datetime(2026, 4, 11, 14, tzinfo=SHANGHAI)
BEFORE = START - timedelta(days=3)


def _activity(activity_id: str = "act-1", *, capacity: int = 1, name: str = "tea") -> Activity:
    return Activity(
        id=activity_id,
        name=name,
        kind=ActivityKind.MEMBER,
        start=START,
        end=START + timedelta(hours=2),
        capacity=capacity,
        audience=Audience(tiers={"gold"}),
        waitlist_limit=5,
    )


def _minutes(n: int) -> datetime:
    return BEFORE + timedelta(minutes=n)


# --- what a tenant sees -------------------------------------------------------------------


def _or_missing(read: Callable[[], object]) -> object:
    try:
        return read()
    except NotFoundError:
        return "missing"


def _staff_seen(r: Repos) -> tuple[object, ...]:
    a = r.assessments
    return (
        _or_missing(lambda: a.rubric("customer-service")),
        _or_missing(lambda: a.rubric("customer-service", 1)),
        a.sheets(),
        a.sheets("s-1"),
        a.sheets(start=datetime(2026, 1, 1, tzinfo=SHANGHAI)),
        a.warnings(),
        a.warnings("s-1"),
    )


def _training_seen(r: Repos) -> tuple[object, ...]:
    t = r.training
    return (
        t.sessions(),
        t.sessions(start=datetime(2026, 3, 1, tzinfo=SHANGHAI)),
        t.attendance(),
        t.attendance(session_id="t-1"),
        t.attendance(staff_id="s-1"),
        t.completions(),
        t.completions("s-1"),
    )


def _tasks(r: Repos, assignee: str | None = None) -> list[CareTask]:
    """The tasks of the week from D0 (of one assignee, or all)."""
    return r.care_tasks.tasks(start=D0, end=D0 + timedelta(days=7), assignee=assignee)


def _care_seen(r: Repos) -> tuple[object, ...]:
    return (
        _tasks(r),
        _tasks(r, "st-1"),
        r.care_tasks.last_issued("birthday"),
        _or_missing(lambda: r.surveys.get("r-1")),
        r.surveys.responses(),
        r.surveys.responses(questionnaire_id="q-2026"),
    )


def _activities_seen(r: Repos) -> tuple[object, ...]:
    act = r.activities
    return (
        _or_missing(lambda: act.get("act-1")),
        act.invitations("act-1"),
        act.roster("act-1"),
        act.participation("c-1"),
        act.participation("c-2"),
    )


def _seen(r: Repos) -> tuple[object, ...]:
    return (_staff_seen(r), _training_seen(r), _care_seen(r), _activities_seen(r))


class Watch:
    """The other tenants' views, checked unchanged after each write to one tenant."""

    def __init__(self, kit: Kit, *tenants: str | None) -> None:
        self._repos = {tenant: kit.repos(tenant) for tenant in tenants}
        self._seen = {tenant: _seen(r) for tenant, r in self._repos.items()}

    def unchanged(self) -> None:
        for tenant, r in self._repos.items():
            assert _seen(r) == self._seen[tenant], f"tenant {tenant!r} changed"


# --- staff --------------------------------------------------------------------------------


def test_a_rubric_version_is_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    rubric = seed_rubric()
    other = attrs.evolve(rubric, improvement_days=14)  # the same id and version, other content
    watch = Watch(kit, B, None)
    assert a.assessments.add_rubric(rubric) is True
    watch.unchanged()
    with pytest.raises(NotFoundError):
        b.assessments.rubric("customer-service")
    assert b.assessments.add_rubric(other) is True  # not a duplicate of club-a's
    assert a.assessments.add_rubric(rubric) is False
    with pytest.raises(DuplicateError):
        a.assessments.add_rubric(other)
    with pytest.raises(DuplicateError):
        b.assessments.add_rubric(rubric)
    watch = Watch(kit, B, None)
    assert a.assessments.add_rubric(rubric.revise(missing_cycle="breaks_chain")) is True
    watch.unchanged()
    assert a.assessments.rubric("customer-service").version == 2
    assert a.assessments.rubric("customer-service", 1) == rubric
    assert b.assessments.rubric("customer-service") == other
    with pytest.raises(NotFoundError):
        b.assessments.rubric("customer-service", 2)
    with pytest.raises(NotFoundError):
        default.assessments.rubric("customer-service")


def test_score_sheets_with_their_parts_are_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    sheet_a, sheet_b = _sheet(points="8"), _sheet(points="6")
    assert sheet_a != sheet_b
    watch = Watch(kit, B, None)
    assert a.assessments.add_sheet(sheet_a) is True
    watch.unchanged()
    # The same id, staff member and cycle in another tenant is no duplicate.
    watch = Watch(kit, A, None)
    assert b.assessments.add_sheet(sheet_b) is True
    watch.unchanged()
    # Each reads its own sheet with its own criteria and lines, once.
    assert a.assessments.sheets() == [sheet_a]
    assert b.assessments.sheets("s-1") == [sheet_b]
    assert b.assessments.sheets(end=datetime(2026, 5, 1, tzinfo=SHANGHAI)) == [sheet_b]
    assert default.assessments.sheets() == []
    # Idempotency and the id's uniqueness are per tenant.
    watch = Watch(kit, B, None)
    assert a.assessments.add_sheet(sheet_a) is False
    with pytest.raises(DuplicateError):
        a.assessments.add_sheet(sheet_b)
    # One periodic sheet per person and cycle, per tenant.
    with pytest.raises(DuplicateError, match="already has periodic sheet"):
        a.assessments.add_sheet(_sheet("a-2"))
    assert a.assessments.add_sheet(_sheet("a-2", month=4)) is True
    watch.unchanged()
    assert [s.id for s in a.assessments.sheets()] == ["a-1", "a-2"]
    assert default.assessments.add_sheet(_sheet("a-3")) is True  # the cycle is free in default
    assert [s.id for s in b.assessments.sheets()] == ["a-1"]


def test_warnings_are_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    warning_a, warning_b = _warning(band="fail"), _warning(band="poor", day=3)
    watch = Watch(kit, B, None)
    assert a.assessments.add_warning(warning_a) is True
    watch.unchanged()
    assert b.assessments.add_warning(warning_b) is True
    assert a.assessments.add_warning(warning_a) is False
    with pytest.raises(DuplicateError):
        b.assessments.add_warning(warning_a)
    assert a.assessments.warnings() == [warning_a]
    assert b.assessments.warnings("s-1") == [warning_b]
    assert default.assessments.warnings() == []


# --- training -------------------------------------------------------------------------------


def test_training_sessions_attendance_and_completions_are_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    watch = Watch(kit, B, None)
    assert a.training.add_session(_session()) is True
    assert a.training.add_attendance(Attendance(session_id="t-1", staff_id="s-1")) is True
    watch.unchanged()
    # Attendance needs a session of its own tenant.
    with pytest.raises(NotFoundError):
        b.training.add_attendance(Attendance(session_id="t-1", staff_id="s-1"))
    watch.unchanged()
    watch = Watch(kit, A, None)
    assert b.training.add_session(_session(topic="fire drill")) is True
    excused = Attendance(session_id="t-1", staff_id="s-1", status=AttendanceStatus.EXCUSED)
    assert b.training.add_attendance(excused) is True
    assert b.training.add_completion(_completion(topic="fire")) is True
    watch.unchanged()
    assert a.training.add_completion(_completion()) is True
    # Idempotency and conflicts per tenant.
    assert a.training.add_attendance(Attendance(session_id="t-1", staff_id="s-1")) is False
    with pytest.raises(DuplicateError):
        a.training.add_attendance(excused)
    with pytest.raises(DuplicateError):
        b.training.add_session(_session())
    assert [s.topic for s in a.training.sessions()] == ["first aid"]
    assert [s.topic for s in b.training.sessions()] == ["fire drill"]
    assert [x.status for x in a.training.attendance(staff_id="s-1")] == [AttendanceStatus.ATTENDED]
    assert b.training.attendance(session_id="t-1") == [excused]
    assert [c.topic for c in a.training.completions("s-1")] == ["privacy"]
    assert [c.topic for c in b.training.completions()] == ["fire"]
    assert _training_seen(default) == ([], [], [], [], [], [], [])


# --- care ---------------------------------------------------------------------------------


def test_one_care_task_per_key_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    watch = Watch(kit, B, None)
    assert a.care_tasks.add(_task(note="a", assignee="st-1")) is True
    watch.unchanged()
    watch = Watch(kit, A, None)
    assert b.care_tasks.add(_task(note="b", minute=30)) is True  # the same key, another tenant
    watch.unchanged()
    watch = Watch(kit, B, None)
    assert a.care_tasks.add(_task(note="again")) is False
    assert a.care_tasks.add(_task(day=1, minute=5)) is True
    watch.unchanged()
    assert [t.note for t in _tasks(a)] == ["a", ""]
    assert [t.note for t in _tasks(a, "st-1")] == ["a"]
    assert [t.note for t in _tasks(b)] == ["b"]
    assert _tasks(b, "st-1") == []
    assert a.care_tasks.last_issued("birthday") == {"c-1": _task(day=1, minute=5).at}
    assert b.care_tasks.last_issued("birthday") == {"c-1": _task(minute=30).at}
    assert _tasks(default) == []
    assert default.care_tasks.last_issued("birthday") == {}


def test_survey_responses_are_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    response_a, response_b = _response(service=5), _response(service=2, minutes=3)
    watch = Watch(kit, B, None)
    assert a.surveys.add(response_a) is True
    watch.unchanged()
    assert b.surveys.add(response_b) is True
    assert a.surveys.add(response_a) is False
    with pytest.raises(DuplicateError):
        b.surveys.add(response_a)
    assert a.surveys.get("r-1") == response_a
    assert b.surveys.get("r-1") == response_b
    assert b.surveys.responses(questionnaire_id="q-2026") == [response_b]
    with pytest.raises(NotFoundError):
        default.surveys.get("r-1")
    assert default.surveys.responses() == []


# --- activities ----------------------------------------------------------------------------


def test_activities_and_invitations_are_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    invitation = Invitation(
        activity_id="act-1", customer_id="c-1", at=BEFORE, channel="phone", consent_id="k-1"
    )
    watch = Watch(kit, B, None)
    assert a.activities.add(_activity(name="tea")) is True
    assert a.activities.invite(invitation) is True
    watch.unchanged()
    # An invitation needs an activity of its own tenant.
    with pytest.raises(NotFoundError):
        b.activities.invite(invitation)
    watch = Watch(kit, A, None)
    assert b.activities.add(_activity(name="yoga", capacity=3)) is True
    assert b.activities.invite(attrs.evolve(invitation, channel="wechat")) is True
    watch.unchanged()
    assert a.activities.invite(invitation) is False
    with pytest.raises(DuplicateError):
        a.activities.add(_activity(name="yoga"))
    assert a.activities.get("act-1").name == "tea"
    assert b.activities.get("act-1").capacity == 3
    assert [i.channel for i in a.activities.invitations("act-1")] == ["phone"]
    assert [i.channel for i in b.activities.invitations("act-1")] == ["wechat"]
    with pytest.raises(NotFoundError):
        default.activities.get("act-1")
    assert default.activities.invitations("act-1") == []


def test_sign_up_positions_and_rosters_are_per_tenant(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    for r in (a, b):
        r.activities.add(_activity(capacity=1))
    # The same positions for other customers in the same activity id of another tenant.
    watch = Watch(kit, B, None)
    assert a.activities.sign_up("act-1", "c-1", at=_minutes(1)).position == 1
    assert a.activities.sign_up("act-1", "c-2", at=_minutes(2)).status is SignUpStatus.WAITLISTED
    watch.unchanged()
    watch = Watch(kit, A, None)
    assert b.activities.sign_up("act-1", "c-2", at=_minutes(3)).position == 1
    assert b.activities.sign_up("act-1", "c-1", at=_minutes(4)).position == 2
    watch.unchanged()
    # A cancellation promotes the waitlist of its own tenant only.
    watch = Watch(kit, B, None)
    changes = a.activities.cancel("act-1", "c-1", at=_minutes(5))
    assert [(c.customer_id, c.status) for c in changes] == [
        ("c-1", SignUpStatus.CANCELLED),
        ("c-2", SignUpStatus.CONFIRMED),
    ]
    watch.unchanged()
    watch = Watch(kit, A, None)
    with pytest.raises(NotFoundError):
        b.activities.cancel("act-1", "c-3", at=_minutes(6))
    assert b.activities.record_attendance("act-1", "c-2", attended=True, at=START).status is (
        SignUpStatus.ATTENDED
    )
    watch.unchanged()
    assert [(s.customer_id, s.status) for s in a.activities.roster("act-1")] == [
        ("c-1", SignUpStatus.CANCELLED),
        ("c-2", SignUpStatus.CONFIRMED),
    ]
    assert [(s.customer_id, s.status) for s in b.activities.roster("act-1")] == [
        ("c-2", SignUpStatus.ATTENDED),
        ("c-1", SignUpStatus.WAITLISTED),
    ]
    assert [s.status for s in b.activities.participation("c-1")] == [SignUpStatus.WAITLISTED]
    assert default.activities.roster("act-1") == []
    assert default.activities.participation("c-2") == []
    with pytest.raises(NotFoundError):
        default.activities.sign_up("act-1", "c-1", at=_minutes(7))


# --- everything at once, and where the rows land --------------------------------------------


def _write_everything(r: Repos, variant: str) -> None:
    """The same ids and keys in every area; `variant` makes the content differ."""
    points = "8" if variant == "a" else "6"
    r.assessments.add_rubric(attrs.evolve(seed_rubric(), improvement_days=len(variant) + 20))
    r.assessments.add_sheet(_sheet(points=points))
    r.assessments.add_warning(_warning(band=variant))
    r.training.add_session(_session(topic=variant))
    r.training.add_attendance(Attendance(session_id="t-1", staff_id="s-1"))
    r.training.add_completion(_completion(topic=variant))
    r.care_tasks.add(_task(note=variant))
    r.surveys.add(_response(service=5 if variant == "a" else 1))
    r.activities.add(_activity(name=variant, capacity=2))
    r.activities.invite(
        Invitation(
            activity_id="act-1", customer_id="c-1", at=BEFORE, channel=variant, consent_id="k"
        )
    )
    r.activities.sign_up("act-1", "c-1", at=_minutes(1))
    r.activities.sign_up("act-1", "c-2", at=_minutes(2))


def test_every_table_holds_each_tenants_rows_apart(kit: Kit) -> None:
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    empty = _seen(default)
    _write_everything(a, "a")
    seen_a = _seen(a)
    assert _seen(b) == empty
    _write_everything(b, "bb")
    assert _seen(a) == seen_a
    seen_b = _seen(b)
    assert seen_b != seen_a
    assert _seen(default) == empty
    # Written again, nothing changes anywhere: every add is idempotent within its tenant.
    _write_everything(a, "a")
    assert (_seen(a), _seen(b), _seen(default)) == (seen_a, seen_b, empty)
    if isinstance(kit.db, SQLiteDatabase):
        with kit.db.connection() as conn:
            for table in _TABLES:
                counts: dict[str, int] = dict(
                    conn.execute(
                        f"SELECT tenant, count(*) FROM clubrules_{table} GROUP BY tenant"  # noqa: S608
                    ).fetchall()
                )
                assert set(counts) == {A, B}, table
                assert counts[A] == counts[B], table


def test_a_unit_of_work_of_one_tenant_refuses_the_other(kit: Kit) -> None:
    handle_a = kit.db.for_tenant(A)
    a, b = kit.repos(A), kit.repos(B)
    with handle_a.unit_of_work():
        a.assessments.add_sheet(_sheet())
        a.activities.add(_activity())
        a.activities.sign_up("act-1", "c-1", at=_minutes(1))
        with pytest.raises(StorageError):
            b.assessments.sheets()
        with pytest.raises(StorageError):
            b.care_tasks.add(_task())
    assert [s.id for s in a.assessments.sheets()] == ["a-1"]
    assert [s.customer_id for s in a.activities.roster("act-1")] == ["c-1"]
    assert b.assessments.sheets() == []
    assert b.care_tasks.tasks(start=D0, end=D0 + timedelta(days=1)) == []


def test_handles_on_the_callers_connection_keep_to_their_tenants(kit: Kit) -> None:
    """Two tenants' handles on one connection the application owns, in its one transaction."""
    conn = kit.connect()
    try:
        caller = type(kit.db).from_connection(conn)
        a, b = kit.on(caller.for_tenant(A)), kit.on(caller.for_tenant(B))
        assert a.care_tasks.add(_task(note="a")) is True
        assert b.care_tasks.add(_task(note="b")) is True
        assert a.care_tasks.add(_task(note="again")) is False
        assert a.assessments.add_sheet(_sheet(points="8")) is True
        assert b.assessments.add_sheet(_sheet(points="6")) is True
        for r in (a, b):
            r.activities.add(_activity())
        a.activities.sign_up("act-1", "c-1", at=_minutes(1))
        b.activities.sign_up("act-1", "c-2", at=_minutes(2))
        assert [t.note for t in _tasks(a)] == ["a"]
        assert b.assessments.sheets() == [_sheet(points="6")]
        assert [s.customer_id for s in a.activities.roster("act-1")] == ["c-1"]
        conn.commit()
    finally:
        conn.close()
    a, b, default = kit.repos(A), kit.repos(B), kit.repos(None)
    assert [t.note for t in _tasks(b)] == ["b"]
    assert a.assessments.sheets() == [_sheet(points="8")]
    assert [s.customer_id for s in b.activities.roster("act-1")] == ["c-2"]
    assert _seen(default) == _seen(kit.repos("club-c"))


@pytest.mark.postgres
def test_the_application_role_sees_no_row_without_a_tenant(
    postgres_urls: tuple[str, str],
    postgres_superuser: PostgresDatabase,
    postgres_app: PostgresDatabase,
) -> None:
    _empty(postgres_superuser)
    kit = Kit(
        "postgres-rls", postgres_app, _POSTGRES_CLASSES, lambda: psycopg.connect(postgres_urls[1])
    )
    _write_everything(kit.repos(A), "a")
    _write_everything(kit.repos(B), "bb")
    with psycopg.connect(postgres_urls[1], autocommit=True) as app:
        for table in _TABLES:
            count = app.execute(f"SELECT count(*) FROM clubrules.{table}").fetchone()  # noqa: S608
            assert count == (0,), table
    with psycopg.connect(postgres_urls[0], autocommit=True) as superuser:
        for table in _TABLES:
            counts: dict[str, int] = dict(
                superuser.execute(
                    f"SELECT tenant, count(*) FROM clubrules.{table} GROUP BY tenant"  # noqa: S608
                ).fetchall()
            )
            assert set(counts) == {A, B}, table
            assert counts[A] == counts[B], table


# --- a property: care tasks of two tenants against one oracle each --------------------------

_ops = st.lists(
    st.tuples(
        st.sampled_from((A, B)),
        st.sampled_from(("c-1", "c-2")),
        st.integers(0, 2),
        st.sampled_from(("birthday", "holiday")),
        st.integers(0, 59),
    ),
    max_size=12,
)
_serial = itertools.count()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_care_tasks_of_two_tenants_each_match_an_oracle(
    kit: Kit, ops: list[tuple[str, str, int, str, int]]
) -> None:
    # Fresh tenant ids per example: earlier examples' rows belong to other tenants.
    serial = next(_serial)
    tenants = {name: f"{name}-p{serial}" for name in (A, B)}
    repos = {name: kit.repos(tenant) for name, tenant in tenants.items()}
    oracle: dict[str, dict[tuple[str, date], CareTask]] = {A: {}, B: {}}
    for name, customer, day, rule, minute in ops:
        task = _task(customer, day=day, rule=rule, minute=minute, note=f"{name}{minute}")
        key = (task.customer_id, task.due)
        assert repos[name].care_tasks.add(task) is (key not in oracle[name])
        oracle[name].setdefault(key, task)
    for name, r in repos.items():
        expected = sorted(oracle[name].values(), key=lambda t: (t.due, t.customer_id))
        assert r.care_tasks.tasks(start=D0, end=D0 + timedelta(days=3)) == expected
        for rule in ("birthday", "holiday"):
            latest: dict[str, datetime] = {}
            for t in expected:
                if t.rule == rule and (t.customer_id not in latest or t.at > latest[t.customer_id]):
                    latest[t.customer_id] = t.at
            assert r.care_tasks.last_issued(rule) == latest
