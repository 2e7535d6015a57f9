"""Valid sample values for the hostile-input walk: one working instance of every public class.

The walk substitutes one hostile argument at a time into an otherwise valid
call, so it needs a valid call first. A class's sample comes from `FACTORIES`
(built by hand, in the way the docs build them); a parameter's valid value
comes from `BY_NAME` (by parameter name), then from its annotation. Every
value here is fixed: the walk is deterministic.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import shutil
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from clubrules import Money, SystemClock
from clubrules.activities import (
    Activity,
    ActivityFigures,
    ActivityKind,
    Audience,
    Candidate,
    Invitation,
    InvitationPlan,
    Roster,
    ScheduledActivity,
    SignUp,
    Skipped,
    SpendComparison,
    activity_figures,
    plan_invitations,
    schedule_activity,
)
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    CheckResult,
    Conflict,
    ConflictReport,
    Frequency,
    Occupancy,
    OverCapacity,
    Pool,
    Reason,
    ReasonCode,
    Recurrence,
    ReminderPolicy,
    Requirement,
    Resource,
    ResourceKind,
    Schedule,
    SeriesCheck,
    Service,
    Slot,
    SuccessRate,
)
from clubrules.booking import Segment as BookingSegment
from clubrules.calendar import BusinessCalendar, HolidayData, Interval, TimeRange, to_epoch_us
from clubrules.care import (
    CareAction,
    CareKind,
    CareTask,
    ChurnRule,
    ChurnWarning,
    Question,
    Questionnaire,
    ReturnVisitRule,
    SingleVisitRule,
    SurveyResponse,
    SurveySchedule,
    SurveyStats,
    aggregate_surveys,
)
from clubrules.care import Severity as CareSeverity
from clubrules.complaints import (
    Alert,
    AlertLevel,
    Assigned,
    AwaitingCustomer,
    Case,
    CaseFacts,
    CaseKind,
    ClosedUnresolved,
    ComplaintAnalysis,
    CustomerContacted,
    CustomerReplied,
    Escalation,
    Figures,
    FollowedUp,
    FollowUpScheduled,
    InvestigationStarted,
    Merged,
    PolicyBook,
    ProposalDeclined,
    Registered,
    Reopened,
    ReportedToManagement,
    ResolutionProposed,
    Resolved,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetStatus,
    Withdrawn,
    analyse,
    case_facts,
    default_book,
    register,
    sla_status,
)
from clubrules.customers import (
    ConsumptionRecord,
    Customer,
    PhoneNumber,
    Sealed,
    ServiceRecord,
)
from clubrules.privacy import (
    AccessEvent,
    AccessReport,
    AsyncCustomerKeys,
    AsyncPrivacyVault,
    BlindIndex,
    BlindIndexPlan,
    ConsentRecord,
    CustomerKeys,
    DeletionDue,
    EnvKeyProvider,
    FieldCipher,
    FileKeyProvider,
    Grant,
    IndexKind,
    Keyring,
    KeyStatus,
    KeyVersion,
    LeakIncident,
    PrivacyVault,
    Purpose,
    RetentionRule,
    RolePolicy,
    Sensitive,
    plan_blind_index,
    sealed_to_bytes,
    sealed_to_text,
)
from clubrules.staff import (
    COMPLAINT_TIMELINESS_RATE,
    AssessmentInputs,
    AssessmentPeriod,
    CriterionDrag,
    CriterionScore,
    DismissalReview,
    EvaluationScoring,
    Kpi,
    KpiScoring,
    LinearScale,
    ManualScore,
    ManualScoring,
    Outcome,
    PeriodSummary,
    RewardRecommendation,
    Rubric,
    ScoreLine,
    ScoreSheet,
    Step,
    SteppedScale,
    SubItem,
    TeamReport,
    Trend,
    WarningRecord,
    assess,
    decide_outcome,
    seed_rubric,
    team_report,
)
from clubrules.staff import Band as StaffBand
from clubrules.staff import BandScheme as StaffBandScheme
from clubrules.staff import Criterion as StaffCriterion
from clubrules.storage.memory import (
    InMemoryAccessLog,
    InMemoryActivityRepository,
    InMemoryAssessmentRepository,
    InMemoryBookingRepository,
    InMemoryCareTaskRepository,
    InMemoryClubActivityRepository,
    InMemoryComplaintRepository,
    InMemoryConsentStore,
    InMemoryConsumptionRepository,
    InMemoryCustomerRepository,
    InMemoryDataKeyStore,
    InMemorySurveyResponseRepository,
    InMemoryTrainingRepository,
)
from clubrules.testing import LoopThread, ManualClock
from clubrules.tiering import (
    ActivitySummary,
    Band,
    BandScheme,
    Classification,
    QualificationWindow,
    ReviewSchedule,
    RfmScore,
    RfmThresholds,
    Score,
    ScoreRule,
    ScoringModel,
    Segment,
    SegmentScheme,
    TagClass,
    Tier,
    TierBatch,
    TierDecision,
    TierMetric,
    TierProgram,
    TierStatus,
)
from clubrules.training import (
    Attendance,
    BudgetLine,
    Completion,
    ComplianceReport,
    Evidence,
    EvidenceSource,
    FeedbackRules,
    Obligation,
    QuarterBudget,
    StaffCompliance,
    StaffMember,
    TrainingKind,
    TrainingRequirement,
    TrainingSession,
    TrainingSuggestion,
    compliance_report,
    seed_requirements,
    spend_against_budget,
)
from tests.unit.privacy._async_stores import AsyncConsents, AsyncDataKeys, AsyncLog

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
LATER = NOW + timedelta(days=1)
TODAY = date(2026, 3, 2)
KEY = bytes(range(32))

# --- the salon that most samples live in ----------------------------------------


@functools.cache
def calendar() -> BusinessCalendar:
    return BusinessCalendar(
        "Asia/Shanghai",
        dict.fromkeys(range(7), "09:00-21:00"),
        holidays={date(2026, 5, 1): "Labour Day"},
    )


@functools.cache
def booking_rules() -> BookingRules:
    return BookingRules(
        resources=[
            Resource(id="li", skills={"facial"}),
            Resource(id="room-1", kind=ResourceKind.ROOM),
        ],
        pools=[Pool(id="facialists", kind=ResourceKind.STAFF, skills={"facial"})],
        services=[
            Service(
                id="facial",
                segments=timedelta(minutes=60),
                requirements=[
                    Requirement(role="beautician", pool="facialists"),
                    Requirement(role="room", resource="room-1"),
                ],
            )
        ],
        calendar=calendar(),
        policy=BookingPolicy(),
    )


def request() -> BookingRequest:
    return BookingRequest(service="facial", start=NOW + timedelta(hours=2))


@functools.cache
def check_result() -> CheckResult:
    return booking_rules().check(request(), Schedule(), now=NOW)


@functools.cache
def booking() -> Booking:
    return booking_rules().book(check_result(), booking_id="bk-1", now=NOW)


def schedule() -> Schedule:
    return Schedule([booking()])


@functools.cache
def book() -> PolicyBook:
    return default_book(calendar=calendar())


@functools.cache
def case() -> Case:
    return register(
        book(),
        case_id="k-1",
        at=NOW,
        kind=CaseKind.COMPLAINT,
        channel="wechat",
        customer_id="c-1",
        contact="wx-1",
        content="the towel was not clean",
    )


@functools.cache
def rubric() -> Rubric:
    return seed_rubric()


def inputs() -> AssessmentInputs:
    manual = {
        item.key: ManualScore(points=Decimal(8), by="sup-1")
        for criterion in rubric().criteria
        for item in criterion.sub_items
        if isinstance(item.method, ManualScoring)
    }
    return AssessmentInputs(
        manual=manual,
        kpis={
            "satisfaction_rate": Kpi(40, 45),
            "booking_success_rate": Kpi(47, 50),
            COMPLAINT_TIMELINESS_RATE: Kpi.no_events(),
        },
        evaluations=(5, 4, 4),
    )


@functools.cache
def period() -> AssessmentPeriod:
    return AssessmentPeriod.monthly(2026, 2, "Asia/Shanghai")


@functools.cache
def sheet() -> ScoreSheet:
    return assess(rubric(), inputs(), sheet_id="a-1", staff_id="s-1", period=period(), as_of=NOW)


@functools.cache
def warning_record() -> WarningRecord:
    return WarningRecord(
        id="w-1",
        staff_id="s-1",
        sheet_id="a-1",
        issued_at=NOW,
        improve_by=NOW + timedelta(days=30),
        total=Decimal("55.50"),
        band="fail",
    )


def summary() -> ActivitySummary:
    return ActivitySummary(
        customer_id="c-1",
        start=NOW - timedelta(days=90),
        end=NOW,
        visits=3,
        spend=Money("300"),
        first_visit=NOW - timedelta(days=60),
        last_visit=NOW - timedelta(days=5),
    )


@functools.cache
def tier_program() -> TierProgram:
    return TierProgram(
        tiers=[Tier("member", 0), Tier("silver", 3000, 2400), Tier("gold", 10000, 8000)],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=365),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=3),
        zone=SHANGHAI,
    )


def tier_status() -> TierStatus:
    return TierStatus(
        customer_id="c-1", tier="member", since=NOW - timedelta(days=30), last_review=None
    )


def spend_bands() -> BandScheme:
    return BandScheme([Band("low", 0), Band("high", 1000)])


def keyring() -> Keyring:
    return Keyring(
        [KeyVersion(1, KEY, KeyStatus.DECRYPT_ONLY), KeyVersion(2, KEY[::-1], KeyStatus.PRIMARY)]
    )


@functools.cache
def _wrapped_data_key() -> Sealed:
    store = InMemoryDataKeyStore()
    CustomerKeys(keyring(), store).cipher_for("c-1", create=True)
    wrapped = store.get("c-1")
    assert wrapped is not None
    return wrapped


def data_keys() -> InMemoryDataKeyStore:
    """A store holding customer c-1's data key, the same one every time."""
    store = InMemoryDataKeyStore()
    store.add("c-1", _wrapped_data_key())
    return store


def customer_keys() -> CustomerKeys:
    return CustomerKeys(keyring(), data_keys())


@functools.cache
def vault_sealed() -> Sealed:
    """Allergies of customer c-1, sealed by the vault's keys."""
    return vault().seal("c-1", "allergies", ["penicillin"])


def consent() -> ConsentRecord:
    return ConsentRecord(
        id="k-1",
        customer_id="c-1",
        purpose=Purpose.SERVICE_DELIVERY,
        scope={"allergies"},
        given_at=NOW - timedelta(days=30),
        separate=True,
    )


def async_customer_keys() -> AsyncCustomerKeys:
    """Over the same stored data key as `customer_keys`, behind test-only async stores."""
    return AsyncCustomerKeys(keyring(), AsyncDataKeys(data_keys()))


def async_vault() -> AsyncPrivacyVault:
    consents = InMemoryConsentStore()
    consents.add(consent())
    return AsyncPrivacyVault(
        keys=async_customer_keys(),
        policy=RolePolicy.salon_default(),
        consents=AsyncConsents(consents),
        log=AsyncLog(),
        clock=ManualClock(NOW),
    )


def vault() -> PrivacyVault:
    consents = InMemoryConsentStore()
    consents.add(consent())
    return PrivacyVault(
        keys=customer_keys(),
        policy=RolePolicy.salon_default(),
        consents=consents,
        log=InMemoryAccessLog(),
        clock=ManualClock(NOW),
    )


@functools.cache
def sealed() -> Sealed:
    return FieldCipher(keyring()).seal(
        ["penicillin"], record_type="customer", record_id="c-1", field="allergies"
    )


def access_event() -> AccessEvent:
    return AccessEvent(
        at=NOW,
        actor="u-1",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
        customer_id="c-1",
        field="allergies",
        allowed=True,
        reason="granted",
    )


def consumption() -> ConsumptionRecord:
    return ConsumptionRecord(
        id="t-1", customer_id="c-1", at=NOW, service="facial", amount=Money("100")
    )


def service_record() -> ServiceRecord:
    return ServiceRecord(id="v-1", customer_id="c-1", at=NOW, service="facial", staff_id="s-1")


def customer() -> Customer:
    return Customer(
        id="c-1",
        name="Li Na",
        registered_at=NOW,
        phone=PhoneNumber("+8613800138000"),
        birthday=date(1990, 5, 1),
    )


def questionnaire() -> Questionnaire:
    return Questionnaire(
        "q-1",
        [Question("attitude", "service"), Question("room", "environment")],
        weights={"service": 6, "environment": 4},
    )


def survey_response() -> SurveyResponse:
    return SurveyResponse(
        id="r-1",
        questionnaire_id="q-1",
        customer_id="c-1",
        at=NOW,
        answers={"attitude": 5, "room": 4},
        nps=9,
        staff_id="s-1",
    )


def churn_warning() -> ChurnWarning:
    return ChurnWarning(
        customer_id="c-1",
        rule="activity-drop",
        at=NOW,
        severity=CareSeverity.LOW,
        action=CareAction.CALL,
        visit_drop=Decimal("0.4"),
        spend_drop=None,
        baseline_visits=8,
        recent_visits=1,
        message="visits fell",
    )


def care_task() -> CareTask:
    return CareTask(customer_id="c-1", kind=CareKind.BIRTHDAY, due=TODAY, at=NOW, rule="birthday")


def leak_incident() -> LeakIncident:
    return LeakIncident(
        id="inc-1",
        detected_at=NOW,
        data_types=("phone",),
        cause="a stolen laptop",
        possible_harm="spam calls",
        remedies=("keys rotated",),
        individual_steps=("ignore calls",),
        contact="privacy@example.com",
    )


def _figures() -> Figures:
    return analyse([case_facts(case(), LATER)], start=NOW, end=LATER).overall


def _assessment_repository() -> InMemoryAssessmentRepository:
    repository = InMemoryAssessmentRepository()
    repository.add_rubric(rubric())
    return repository


@functools.cache
def _key_dir() -> str:
    directory = tempfile.mkdtemp(prefix="clubrules-hostile-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def file_keys() -> FileKeyProvider:
    provider = FileKeyProvider(os.path.join(_key_dir(), "keys.json"))  # noqa: PTH118
    provider.save_keys(keyring().keys if hasattr(keyring(), "keys") else [])
    return provider


def env_keys() -> EnvKeyProvider:
    versions = [KeyVersion(1, KEY, KeyStatus.PRIMARY)]
    return EnvKeyProvider(
        "CLUBRULES_KEYS", environ={"CLUBRULES_KEYS": EnvKeyProvider.render(versions)}
    )


def _stocked(repository: Any, *adds: tuple[str, Callable[[], Any]]) -> Any:
    for method, make in adds:
        getattr(repository, method)(make())
    return repository


def _booking_repository() -> InMemoryBookingRepository:
    repository = InMemoryBookingRepository()
    repository.add(booking(), now=NOW)
    return repository


def _complaint_repository() -> InMemoryComplaintRepository:
    repository = InMemoryComplaintRepository()
    repository.append("k-1", 0, list(case().events))
    return repository


def _churn_summaries(start_index: int) -> dict[str, ActivitySummary]:
    bounds = ChurnRule().windows(LATER)
    start, end = bounds[start_index], bounds[start_index + 1]
    return {
        "c-1": ActivitySummary(
            customer_id="c-1",
            start=start,
            end=end,
            visits=6 - 4 * start_index,
            spend=Money(600 - 400 * start_index),
            first_visit=NOW - timedelta(days=200),
            last_visit=end - timedelta(days=1),
        )
    }


# --- training and club activities ---------------------------------------------


ACTIVITY_START = NOW + timedelta(days=10)


def staff_member() -> StaffMember:
    return StaffMember(
        id="s-1", role="service_specialist", hired_at=datetime(2026, 1, 5, 10, tzinfo=SHANGHAI)
    )


def training_session() -> TrainingSession:
    start = NOW - timedelta(days=7)
    return TrainingSession(
        id="t-1",
        kind=TrainingKind.SAFETY,
        topic="fire safety",
        method="internal",
        start=start,
        end=start + timedelta(hours=2),
        cost=Money("100"),
    )


def attendance() -> Attendance:
    return Attendance(session_id="t-1", staff_id="s-1")


def completion() -> Completion:
    return Completion(
        id="cp-1",
        staff_id="s-1",
        kind="induction",
        topic="induction",
        method="internal",
        completed_at=NOW - timedelta(days=1),
    )


@functools.cache
def requirements() -> tuple[TrainingRequirement, ...]:
    return seed_requirements(induction_days=5, sessions_per_month=1)


@functools.cache
def compliance() -> ComplianceReport:
    return compliance_report(
        requirements(),
        [staff_member()],
        sessions=[training_session()],
        attendance=[attendance()],
        start=datetime(2026, 2, 1, tzinfo=SHANGHAI),
        end=datetime(2026, 3, 1, tzinfo=SHANGHAI),
        as_of=NOW,
        calendar=calendar(),
    )


def quarter_budget() -> QuarterBudget:
    return QuarterBudget(year=2026, quarter=1, amount=Money(3000))


def evidence() -> Evidence:
    return Evidence(
        source=next(iter(EvidenceSource)), subject="k-1", count=2, detail="two complaints"
    )


def activity() -> Activity:
    return Activity(
        id="act-1",
        name="spring tea",
        kind=ActivityKind.MEMBER,
        start=ACTIVITY_START,
        end=ACTIVITY_START + timedelta(hours=2),
        capacity=8,
    )


def candidate() -> Candidate:
    return Candidate(customer_id="c-1", tier="gold")


def marketing_consent() -> ConsentRecord:
    return ConsentRecord(
        id="k-m",
        customer_id="c-1",
        purpose=Purpose.MARKETING,
        scope={"phone"},
        given_at=NOW - timedelta(days=30),
        separate=True,
    )


def invitation() -> Invitation:
    return Invitation(
        activity_id="act-1", customer_id="c-1", at=NOW, channel="phone", consent_id="k-m"
    )


def sign_up() -> SignUp:
    return Roster(activity()).sign_up("c-1", at=NOW)[0]


def roster() -> Roster:
    return Roster(activity(), [sign_up()])


@functools.cache
def figures() -> ActivityFigures:
    return activity_figures(
        activity(),
        invitations=[invitation()],
        sign_ups=[sign_up()],
        candidates=[candidate()],
        records=[consumption()],
        as_of=ACTIVITY_START + timedelta(days=1),
        zone=SHANGHAI,
    )


def _training_repository() -> InMemoryTrainingRepository:
    repository = InMemoryTrainingRepository()
    repository.add_session(training_session())
    repository.add_attendance(attendance())
    repository.add_completion(completion())
    return repository


def _club_activity_repository() -> InMemoryClubActivityRepository:
    repository = InMemoryClubActivityRepository()
    repository.add(activity())
    repository.invite(invitation())
    repository.sign_up("act-1", "c-1", at=NOW)
    return repository


# --- one factory per public class ----------------------------------------------


def _coroutine() -> Coroutine[Any, Any, None]:
    """A coroutine for `LoopThread.run`, closed at exit if a hostile call took its place."""
    coro = asyncio.sleep(0)
    atexit.register(coro.close)
    return coro


def _loop_thread() -> LoopThread:
    """A fresh loop thread, closed when the test process ends (a call may close it first)."""
    loop_thread = LoopThread()
    atexit.register(loop_thread.close)
    return loop_thread


FACTORIES: dict[type, Callable[[], Any]] = {
    LoopThread: _loop_thread,
    Money: lambda: Money("12.50"),
    SystemClock: SystemClock,
    ManualClock: lambda: ManualClock(NOW),
    # booking
    Booking: booking,
    BookingPolicy: BookingPolicy,
    BookingRequest: request,
    BookingRules: booking_rules,
    CheckResult: check_result,
    Conflict: lambda: Conflict("li", "bk-1", "bk-2", NOW, LATER),
    ConflictReport: lambda: ConflictReport((), ()),
    Occupancy: lambda: Occupancy.between("li", NOW, LATER),
    OverCapacity: lambda: OverCapacity("li", NOW, LATER, 2, NOW, 1, ("bk-1", "bk-2")),
    Pool: lambda: Pool(id="facialists", kind=ResourceKind.STAFF, skills={"facial"}),
    Reason: lambda: Reason(code=ReasonCode.CLOSED, message="closed"),
    Recurrence: lambda: Recurrence(frequency=Frequency.WEEKLY, count=3),
    ReminderPolicy: lambda: ReminderPolicy(zone=SHANGHAI),
    Requirement: lambda: Requirement(role="beautician", pool="facialists"),
    Resource: lambda: Resource(id="li", skills={"facial"}),
    Schedule: schedule,
    BookingSegment: lambda: BookingSegment(timedelta(minutes=30)),
    SeriesCheck: lambda: SeriesCheck((check_result(),)),
    Service: lambda: (
        booking_rules().services["facial"]
        if isinstance(booking_rules().services, dict)
        else Service(
            id="facial",
            segments=timedelta(minutes=60),
            requirements=[Requirement(role="beautician", pool="facialists")],
        )
    ),
    Slot: lambda: Slot(
        start=NOW,
        end=LATER,
        assignment=(("beautician", "li"),),
        same_resources=True,
        offset=timedelta(0),
    ),
    SuccessRate: lambda: SuccessRate(completed=3, no_show=1),
    # calendar
    BusinessCalendar: calendar,
    HolidayData: lambda: HolidayData(
        {date(2026, 5, 1): "Labour Day"}, frozenset(), frozenset({2026})
    ),
    Interval: lambda: Interval(NOW, LATER),
    TimeRange: lambda: TimeRange.parse("09:00-18:00"),
    # care
    CareTask: care_task,
    ChurnRule: ChurnRule,
    ChurnWarning: churn_warning,
    Question: lambda: Question("attitude", "service"),
    Questionnaire: questionnaire,
    ReturnVisitRule: lambda: ReturnVisitRule("facial", 3),
    SingleVisitRule: SingleVisitRule,
    SurveyResponse: survey_response,
    SurveySchedule: lambda: SurveySchedule("s-1"),
    SurveyStats: lambda: next(
        iter(aggregate_surveys(questionnaire(), [survey_response()], zone=SHANGHAI).values())
    ),
    # complaints
    Alert: lambda: Alert(
        "k-1", TargetKind.FIRST_RESPONSE, 0, 0, AlertLevel.WARNING, NOW, LATER, ("s-1",)
    ),
    Assigned: lambda: Assigned(at=NOW, by="s-1", to="s-2"),
    AwaitingCustomer: lambda: AwaitingCustomer(at=NOW, by="s-1", channel="phone"),
    Case: case,
    CaseFacts: lambda: case_facts(case(), LATER),
    ClosedUnresolved: lambda: ClosedUnresolved(at=NOW, by="s-1"),
    ComplaintAnalysis: lambda: analyse([case_facts(case(), LATER)], start=NOW, end=LATER),
    CustomerContacted: lambda: CustomerContacted(at=NOW, by="s-1", channel="phone"),
    CustomerReplied: lambda: CustomerReplied(at=NOW, channel="phone"),
    Escalation: lambda: Escalation(("supervisor",)),
    Figures: _figures,
    FollowUpScheduled: lambda: FollowUpScheduled(at=NOW, by="s-1", planned_for=LATER),
    FollowedUp: lambda: FollowedUp(at=NOW, by="s-1", channel="phone", satisfied=True),
    InvestigationStarted: lambda: InvestigationStarted(at=NOW, by="s-1"),
    Merged: lambda: Merged(at=NOW, by="s-1", into="k-2"),
    PolicyBook: book,
    ProposalDeclined: lambda: ProposalDeclined(at=NOW, channel="phone"),
    Registered: lambda: case().events[0],
    Reopened: lambda: Reopened(at=NOW, by="s-1"),
    ReportedToManagement: lambda: ReportedToManagement(at=NOW, by="s-1"),
    ResolutionProposed: lambda: ResolutionProposed(
        at=NOW, by="s-1", channel="phone", remedy="refund"
    ),
    Resolved: lambda: Resolved(at=NOW, by="s-1", channel="phone", remedy="refund"),
    SlaPolicy: lambda: book().select(CaseKind.COMPLAINT),
    SlaTarget: lambda: SlaTarget(TargetKind.FIRST_RESPONSE, timedelta(hours=2)),
    TargetStatus: lambda: sla_status(case(), LATER)[0],
    Withdrawn: lambda: Withdrawn(at=NOW, by="s-1"),
    # customers
    ConsumptionRecord: consumption,
    Customer: customer,
    PhoneNumber: lambda: PhoneNumber("+8613800138000"),
    Sealed: sealed,
    ServiceRecord: service_record,
    # privacy
    AccessEvent: access_event,
    AccessReport: lambda: AccessReport("c-1", None, (access_event(),)),
    AsyncCustomerKeys: async_customer_keys,
    AsyncPrivacyVault: async_vault,
    BlindIndex: lambda: BlindIndex(KEY, field="phone", kind=IndexKind.PHONE, bits=16),
    BlindIndexPlan: lambda: plan_blind_index(expected_rows=1000, value_space=10**9),
    ConsentRecord: consent,
    CustomerKeys: customer_keys,
    DeletionDue: lambda: DeletionDue("c-1", "allergies", NOW, "withdrawn"),
    EnvKeyProvider: env_keys,
    FileKeyProvider: file_keys,
    FieldCipher: lambda: FieldCipher(keyring()),
    Grant: lambda: Grant("beautician", {"allergies"}, {Purpose.SERVICE_DELIVERY}),
    KeyVersion: lambda: KeyVersion(1, KEY, KeyStatus.PRIMARY),
    Keyring: keyring,
    LeakIncident: leak_incident,
    PrivacyVault: vault,
    RetentionRule: lambda: RetentionRule("allergies", Purpose.SERVICE_DELIVERY, timedelta(30)),
    RolePolicy: RolePolicy.salon_default,
    Sensitive: lambda: Sensitive("penicillin", label="allergies"),
    # staff
    AssessmentInputs: inputs,
    AssessmentPeriod: period,
    StaffBand: lambda: StaffBand(name="pass", lower=Decimal(60)),
    StaffBandScheme: lambda: rubric().bands,
    StaffCriterion: lambda: rubric().criteria[0],
    CriterionDrag: lambda: team_report([sheet()]).criteria[0],
    CriterionScore: lambda: sheet().criteria[0],
    DismissalReview: lambda: DismissalReview(
        staff_id="s-1",
        earlier=sheet(),
        later=sheet(),
        warning=warning_record(),
        missing_cycles=0,
        deadline_passed=False,
    ),
    EvaluationScoring: EvaluationScoring,
    Kpi: lambda: Kpi(40, 45),
    KpiScoring: lambda: KpiScoring(
        kpi="satisfaction_rate", scale=LinearScale(floor=Decimal("0.5"), target=Decimal("0.9"))
    ),
    LinearScale: lambda: LinearScale(floor=Decimal("0.5"), target=Decimal("0.9")),
    ManualScore: lambda: ManualScore(points=Decimal(8), by="sup-1"),
    ManualScoring: ManualScoring,
    Outcome: lambda: decide_outcome(sheet(), rubric()),
    PeriodSummary: lambda: team_report([sheet()]).periods[0],
    RewardRecommendation: lambda: RewardRecommendation(
        staff_id="s-1", sheet_id="a-1", total=Decimal(95), band="excellent"
    ),
    Rubric: rubric,
    ScoreLine: lambda: sheet().lines[0],
    ScoreSheet: sheet,
    Step: lambda: Step(min_rate=Decimal("0.8"), points=Decimal(5)),
    SteppedScale: lambda: SteppedScale(
        [Step(min_rate=Decimal("0.8"), points=Decimal(5)), Step(min_rate=0, points=0)]
    ),
    SubItem: lambda: rubric().criteria[0].sub_items[0],
    TeamReport: lambda: team_report([sheet()]),
    Trend: lambda: team_report([sheet()]).trends[0],
    WarningRecord: warning_record,
    # tiering
    ActivitySummary: summary,
    Band: lambda: Band("low", 0),
    BandScheme: spend_bands,
    Classification: lambda: Classification("c-1", "low", "low", ()),
    QualificationWindow: lambda: QualificationWindow(trailing_days=365),
    ReviewSchedule: lambda: ReviewSchedule(anchor=date(2026, 1, 1), every_months=3),
    RfmScore: lambda: RfmScore("c-1", 5, 3, Decimal(300), 4, 3, 2),
    RfmThresholds: lambda: RfmThresholds((7, 30, 90, 180), (2, 4, 8, 12), (100, 500, 1000, 5000)),
    Score: lambda: Score(10, ("loyal",), "A"),
    ScoreRule: lambda: ScoreRule("loyal", 10, min_visits=2),
    ScoringModel: lambda: ScoringModel(
        [ScoreRule("loyal", 10, min_visits=2)], BandScheme([Band("B", 0), Band("A", 10)])
    ),
    Segment: lambda: Segment("Champions", (4, 5), (4, 5), (4, 5)),
    SegmentScheme: SegmentScheme,
    TagClass: lambda: TagClass("vip", any_of={"vip"}),
    Tier: lambda: Tier("silver", 3000, 2400),
    TierBatch: lambda: tier_program().decide_many([0], [Decimal(100)], review=True),
    TierDecision: lambda: tier_program().decide(tier_status(), Decimal(100), as_of=NOW),
    TierProgram: tier_program,
    TierStatus: tier_status,
    # training
    Attendance: attendance,
    BudgetLine: lambda: spend_against_budget(
        [quarter_budget()], [training_session()], zone=SHANGHAI
    )[0],
    Completion: completion,
    ComplianceReport: compliance,
    Evidence: evidence,
    FeedbackRules: FeedbackRules,
    Obligation: lambda: compliance().staff[0].obligations[0],
    QuarterBudget: quarter_budget,
    StaffCompliance: lambda: compliance().staff[0],
    StaffMember: staff_member,
    TrainingRequirement: lambda: requirements()[0],
    TrainingSession: training_session,
    TrainingSuggestion: lambda: TrainingSuggestion(
        topic="complaint handling",
        kind=TrainingKind.SPECIAL,
        attendees=("s-1",),
        evidence=(evidence(),),
    ),
    # club activities
    Activity: activity,
    ActivityFigures: figures,
    Audience: lambda: Audience(tiers={"gold"}),
    Candidate: candidate,
    Invitation: invitation,
    InvitationPlan: lambda: plan_invitations(
        activity(), [candidate()], [marketing_consent()], as_of=NOW, calendar=calendar()
    ),
    Roster: roster,
    ScheduledActivity: lambda: schedule_activity(
        booking_rules(),
        Schedule(),
        activity_id="act-1",
        name="spring tea",
        kind=ActivityKind.MEMBER,
        service="facial",
        start=NOW + timedelta(hours=2),
        capacity=1,
        now=NOW,
    ),
    SignUp: sign_up,
    Skipped: lambda: Skipped("c-1", "no_marketing_consent"),
    SpendComparison: lambda: figures().spend[0],
    # in-memory adapters
    InMemoryAccessLog: lambda: _stocked(InMemoryAccessLog(), ("append", access_event)),
    InMemoryActivityRepository: lambda: InMemoryActivityRepository(zone=SHANGHAI),
    InMemoryAssessmentRepository: _assessment_repository,
    InMemoryBookingRepository: _booking_repository,
    InMemoryCareTaskRepository: InMemoryCareTaskRepository,
    InMemoryComplaintRepository: _complaint_repository,
    InMemoryConsentStore: lambda: _stocked(InMemoryConsentStore(), ("add", consent)),
    InMemoryConsumptionRepository: lambda: _stocked(
        InMemoryConsumptionRepository(), ("add", consumption)
    ),
    InMemoryCustomerRepository: lambda: _stocked(InMemoryCustomerRepository(), ("add", customer)),
    InMemoryDataKeyStore: data_keys,
    InMemoryClubActivityRepository: _club_activity_repository,
    InMemoryTrainingRepository: _training_repository,
    InMemorySurveyResponseRepository: lambda: _stocked(
        InMemorySurveyResponseRepository(), ("add", survey_response)
    ),
}

# Classes whose instances change when their methods run: a fresh one per call.
MUTABLE: frozenset[type] = frozenset(
    {
        LoopThread,
        Schedule,
        ManualClock,
        Keyring,
        CustomerKeys,
        PrivacyVault,
        AsyncCustomerKeys,
        AsyncPrivacyVault,
        FieldCipher,
        InMemoryAccessLog,
        InMemoryActivityRepository,
        InMemoryAssessmentRepository,
        InMemoryBookingRepository,
        InMemoryCareTaskRepository,
        InMemoryClubActivityRepository,
        InMemoryComplaintRepository,
        InMemoryConsentStore,
        InMemoryConsumptionRepository,
        InMemoryCustomerRepository,
        InMemoryDataKeyStore,
        InMemorySurveyResponseRepository,
        InMemoryTrainingRepository,
    }
)


# --- a valid argument by parameter name ------------------------------------------

# Names that mean the same everywhere. A callable whose parameter of that name
# means something else gets an entry in `BY_CALLABLE`.
BY_NAME: dict[str, Callable[[], Any]] = {
    "now": lambda: NOW,
    "as_of": lambda: LATER,
    "at": lambda: NOW,
    "start": lambda: NOW,
    "end": lambda: LATER,
    "since": lambda: NOW - timedelta(days=1),
    "until": lambda: LATER,
    "cutoff": lambda: NOW,
    "first": lambda: NOW,
    "instant": lambda: LATER,
    "customer_id": lambda: "c-1",
    "staff_id": lambda: "s-1",
    "case_id": lambda: "k-1",
    "booking_id": lambda: "bk-1",
    "record_id": lambda: "c-1",
    "record_type": lambda: "customer",
    "field": lambda: "allergies",
    "actor": lambda: "u-1",
    "role": lambda: "beautician",
    "purpose": lambda: Purpose.SERVICE_DELIVERY,
    "zone": lambda: SHANGHAI,
    "tz": lambda: SHANGHAI,
    "time_zone": lambda: "Asia/Shanghai",
    "day": lambda: TODAY,
    "currency": lambda: "CNY",
    "calendar": calendar,
    "book": book,
    "policy": BookingPolicy,
    "rule": ChurnRule,
    "rules": booking_rules,
    "request": request,
    "schedule": schedule,
    "recurrence": lambda: Recurrence(count=2),
    "result": check_result,
    "booking": booking,
    "bookings": lambda: [booking()],
    "case": case,
    "cases": lambda: [case()],
    "events": lambda: list(case().events),
    "event": lambda: CustomerContacted(at=NOW + timedelta(minutes=5), by="s-1", channel="phone"),
    "facts": lambda: [case_facts(case(), LATER)],
    "rubric": rubric,
    "inputs": inputs,
    "period": period,
    "sheet": sheet,
    "sheets": lambda: [sheet()],
    "summary": summary,
    "summaries": lambda: [summary()],
    "records": lambda: [consumption()],
    "record": consumption,
    "program": tier_program,
    "status": tier_status,
    "questionnaire": questionnaire,
    "responses": lambda: [survey_response()],
    "response": survey_response,
    "warnings": lambda: [churn_warning()],
    "tasks": lambda: [care_task()],
    "task": care_task,
    "incident": leak_incident,
    "sealed": sealed,
    "wrapped": sealed,
    "expected": sealed,
    "keys": customer_keys,
    "kek": keyring,
    "keyring": keyring,
    "store": data_keys,
    "log": InMemoryAccessLog,
    "consents": InMemoryConsentStore,
    "clock": lambda: ManualClock(NOW),
    "provider": env_keys,
    "repository": _assessment_repository,
    "material": lambda: KEY,
    "key": lambda: KEY,
    "key_id": lambda: 1,
    "value": lambda: Decimal(100),
    "values": lambda: [Decimal(100)],
    "drop": lambda: Decimal("0.4"),
    "total": lambda: Decimal(70),
    "severity": lambda: CareSeverity.LOW,
    "kind": lambda: CaseKind.COMPLAINT,
    "spend_bands": spend_bands,
    "frequency_bands": lambda: BandScheme([Band("rare", 0), Band("often", 4)]),
    "customer": customer,
    "phone": lambda: PhoneNumber("+8613800138000"),
    "text": lambda: "ABCD2345",
    "email": lambda: "li@example.com",
    "name": lambda: "Li Na",
    "number": lambda: "110101199003071234",
    "data": lambda: b"",
    "delta": lambda: timedelta(hours=1),
    "days": lambda: 2,
    "horizon_days": lambda: 7,
    "version": lambda: 1,
    "rubric_id": lambda: "customer-service",
    "policy_id": lambda: "complaint",
    "consent_id": lambda: "k-1",
    "response_id": lambda: "r-1",
    "question_id": lambda: "attitude",
    "survey_id": lambda: "s-1",
    "path": lambda: "/nonexistent/clubrules-hostile/keys.json",
    "variable": lambda: "CLUBRULES_KEYS",
    "environ": dict,
    "label": lambda: "spot check",
    "item": lambda: "attitude",
    "activity": activity,
    "activity_id": lambda: "act-1",
    "candidate": candidate,
    "candidates": lambda: [candidate()],
    "invitation": invitation,
    "session": training_session,
    "sessions": lambda: [training_session()],
    "attendance": attendance,
    "completion": completion,
    "changes": lambda: [sign_up()],
}


# Arguments for one callable, by its qualified name and parameter name, where
# the name alone gives the wrong value.
_C = "clubrules."
BY_CALLABLE: dict[str, dict[str, Callable[[], Any]]] = {
    f"{_C}testing.LoopThread.blocking": {"obj": InMemoryCustomerRepository},
    f"{_C}testing.LoopThread.run": {"coro": _coroutine},
    f"{_C}Money.total": {"values": lambda: [Money("1"), Money("2")]},
    # A change that keeps the stored keys as they are.
    f"{_C}privacy.FileKeyProvider.update_keys": {"change": lambda: list},
    f"{_C}Violation": {"message": lambda: "must be positive"},
    f"{_C}booking.BookingRules": {
        "resources": lambda: [
            Resource(id="li", skills={"facial"}),
            Resource(id="room-1", kind=ResourceKind.ROOM),
        ],
        "pools": lambda: [Pool(id="facialists", kind=ResourceKind.STAFF, skills={"facial"})],
        "services": lambda: [
            Service(
                id="facial",
                segments=timedelta(minutes=60),
                requirements=[Requirement(role="beautician", pool="facialists")],
            )
        ],
        "calendar": calendar,
        "shifts": lambda: {"li": calendar()},
        "policy": BookingPolicy,
    },
    f"{_C}activities.plan_invitations": {"consents": lambda: [marketing_consent()]},
    f"{_C}activities.Roster.record_attendance": {
        "at": lambda: ACTIVITY_START + timedelta(hours=1),
        "attended": lambda: True,
    },
    f"{_C}storage.memory.InMemoryClubActivityRepository.record_attendance": {
        "at": lambda: ACTIVITY_START + timedelta(hours=1),
        "attended": lambda: True,
    },
    f"{_C}activities.schedule_activity": {
        "activity_id": lambda: "act-1",
        "name": lambda: "spring tea",
        "kind": lambda: ActivityKind.MEMBER,
        "schedule": Schedule,
        "service": lambda: "facial",
        "start": lambda: NOW + timedelta(hours=2),
        "capacity": lambda: 1,
    },
    f"{_C}activities.marketing_consent": {"records": lambda: [marketing_consent()]},
    f"{_C}booking.normalize_confirmation_code": {"text": lambda: "0000-0000"},
    f"{_C}booking.is_valid_confirmation_code": {"text": lambda: "00000000"},
    f"{_C}booking.new_confirmation_code": {"randbelow": lambda: lambda n: 0},
    f"{_C}calendar.BusinessCalendar": {
        "zone": lambda: "Asia/Shanghai",
        "weekly": lambda: dict.fromkeys(range(6), "09:00-21:00"),
        "holidays": lambda: {date(2026, 5, 1): "Labour Day"},
        "extra_working_days": lambda: [date(2026, 5, 9)],
        "overrides": lambda: {date(2026, 3, 3): "10:00-12:00"},
        "holiday_years": lambda: [2026],
    },
    f"{_C}calendar.BusinessCalendar.business_us": {"at_us": lambda: to_epoch_us(NOW)},
    f"{_C}calendar.BusinessCalendar.instant_at_business_us": {
        "reading": lambda: calendar().business_us(to_epoch_us(NOW))
    },
    f"{_C}calendar.BusinessCalendar.open_intervals_us": {
        "start_us": lambda: to_epoch_us(NOW),
        "end_us": lambda: to_epoch_us(LATER),
    },
    f"{_C}calendar.TimeRange.parse": {"text": lambda: "09:00-18:00"},
    f"{_C}calendar.holiday_calendar": {
        "weekly": lambda: dict.fromkeys(range(6), "09:00-21:00"),
        "country": lambda: "CN",
        "years": lambda: [2026],
    },
    f"{_C}calendar.holiday_data": {"country": lambda: "CN", "years": lambda: [2026]},
    f"{_C}calendar.to_epoch_us": {"value": lambda: NOW},
    f"{_C}calendar.from_epoch_us": {"us": lambda: to_epoch_us(NOW)},
    f"{_C}care.SurveySchedule.dates": {
        "first": lambda: date(2026, 1, 1),
        "last": lambda: date(2026, 12, 31),
    },
    f"{_C}care.scan_churn": {
        "baseline": lambda: _churn_summaries(0),
        "recent": lambda: _churn_summaries(1),
    },
    f"{_C}complaints.PolicyBook.check_channel": {"channel": lambda: "wechat"},
    f"{_C}complaints.PolicyBook.get": {"policy_id": lambda: "complaint-default"},
    f"{_C}complaints.PolicyBook.latest": {"policy_id": lambda: "complaint-default"},
    f"{_C}complaints.PolicyBook.publish": {
        "policy": lambda: attrs.evolve(book().select(CaseKind.COMPLAINT), version=2)
    },
    f"{_C}complaints.apply": {"event": BY_NAME["event"]},
    f"{_C}storage.memory.InMemoryAccessLog.append": {"event": access_event},
    f"{_C}complaints.check_channel": {"value": lambda: "wechat"},
    f"{_C}customers.parse_phone": {"text": lambda: "13800138000"},
    f"{_C}privacy.BlindIndex": {
        "field": lambda: "phone",
        "kind": lambda: IndexKind.PHONE,
        "bits": lambda: 16,
    },
    f"{_C}privacy.BlindIndex.normalise": {"value": lambda: "13800138000"},
    f"{_C}privacy.BlindIndex.of": {"value": lambda: "13800138000"},
    f"{_C}privacy.BlindIndex.of_normalised": {"normalised": lambda: "+8613800138000"},
    f"{_C}privacy.FieldCipher.seal": {"value": lambda: ["penicillin"]},
    f"{_C}privacy.FieldCipher.seal_many": {
        "values": lambda: ["penicillin", ["pollen"]],
        "record_ids": lambda: ["c-1", "c-2"],
    },
    f"{_C}privacy.FieldCipher.open_many": {
        "sealed_values": lambda: [sealed()],
        "record_ids": lambda: ["c-1"],
    },
    f"{_C}privacy.PrivacyVault.seal": {"value": lambda: ["penicillin"]},
    f"{_C}privacy.PrivacyVault.open": {"sealed": vault_sealed},
    f"{_C}privacy.AsyncPrivacyVault.seal": {"value": lambda: ["penicillin"]},
    f"{_C}privacy.AsyncPrivacyVault.open": {"sealed": vault_sealed},
    f"{_C}privacy.plan_blind_index": {
        "expected_rows": lambda: 1000,
        "value_space": lambda: 10**9,
    },
    f"{_C}privacy.sealed_from_bytes": {"data": lambda: sealed_to_bytes(sealed())},
    f"{_C}privacy.sealed_from_text": {"text": lambda: sealed_to_text(sealed())},
    f"{_C}staff.AssessmentPeriod.monthly": {"year": lambda: 2026, "month": lambda: 3},
    f"{_C}staff.LinearScale.share": {
        "hits": lambda: 4,
        "events": lambda: 5,
        "max_points": lambda: Decimal(10),
    },
    f"{_C}staff.SteppedScale.share": {
        "hits": lambda: 4,
        "events": lambda: 5,
        "max_points": lambda: Decimal(10),
    },
    f"{_C}staff.ScoreSheet.line": {"item": lambda: "service_awareness"},
    f"{_C}storage.memory.InMemoryAssessmentRepository.add_warning": {"warning": warning_record},
    f"{_C}storage.memory.InMemoryCareTaskRepository.last_issued": {"rule": lambda: "birthday"},
    f"{_C}storage.memory.InMemoryCareTaskRepository.tasks": {
        "start": lambda: TODAY,
        "end": lambda: TODAY + timedelta(days=7),
    },
    f"{_C}storage.memory.InMemoryComplaintRepository.append": {
        "expected_version": lambda: len(case().events),
        "events": lambda: [BY_NAME["event"]()],
    },
    f"{_C}storage.memory.InMemoryConsumptionRepository.get": {"record_id": lambda: "t-1"},
    f"{_C}tiering.TierProgram.decide_many": {
        "current": lambda: [0],
        "values": lambda: [Decimal(100)],
        "review": lambda: True,
    },
    f"{_C}tiering.TierProgram.index": {"name": lambda: "silver"},
}


def sample_of(cls: type) -> Any:
    """A valid instance of `cls` (a fresh one for a mutable class)."""
    return FACTORIES[cls]()
