"""Training values: kinds and methods, sessions, attendance and completion records."""

from __future__ import annotations

import enum

# Run-time import (noqa: TC003) so that typing.get_type_hints() resolves public annotations.
from datetime import datetime  # noqa: TC003
from typing import TYPE_CHECKING, NamedTuple

import attrs

from clubrules._checks import (
    check_choice,
    check_instant_field,
    check_text,
    raise_collected,
    texts_checked,
    to_choice,
)
from clubrules._time import instants_compared, to_epoch_us
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "Attendance",
    "AttendanceStatus",
    "Completion",
    "TrainingKind",
    "TrainingMethod",
    "TrainingSession",
]


class TrainingKind(enum.Enum):
    """What a training is for, after the club documents.

    - `INDUCTION`: new staff's induction training (入職培訓): the club, its
      services, service etiquette and communication skills.
    - `PERIODIC`: the regular service training (定期培訓), some times a month.
    - `SAFETY`: safety training (安全培訓): first aid, fire safety.
    - `PRIVACY`: privacy-awareness training (隱私保護意識培訓).
    - `SPECIAL`: special training as the business needs it (專項培訓):
      a marketing campaign, serving special customers.
    """

    INDUCTION = "induction"
    PERIODIC = "periodic"
    SAFETY = "safety"
    PRIVACY = "privacy"
    SPECIAL = "special"


class TrainingMethod(enum.Enum):
    """How a training is given (培訓方式).

    - `INTERNAL`: by the supervisor or an experienced colleague, face to face.
    - `EXTERNAL`: by invited trainers or a training firm.
    - `ONLINE`: self-paced, on a learning platform.
    """

    INTERNAL = "internal"
    EXTERNAL = "external"
    ONLINE = "online"


class AttendanceStatus(enum.Enum):
    """Whether a staff member was at a session: only `ATTENDED` counts as training done."""

    ATTENDED = "attended"
    ABSENT = "absent"
    EXCUSED = "excused"


def _to_kind(value: object) -> TrainingKind:
    return to_choice(TrainingKind, value)


def _to_method(value: object) -> TrainingMethod:
    return to_choice(TrainingMethod, value)


def _to_status(value: object) -> AttendanceStatus:
    return to_choice(AttendanceStatus, value)


def _check_cost(problems: ViolationCollector, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Money):
        problems.add("cost", "not_money", "must be a Money value or None")
    elif value.amount < 0:
        problems.add("cost", "negative_amount", "must not be negative")


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class TrainingSession:
    """One training session: what, how, when, and what it cost.

    A session counts as training done for the staff who attended it, at its
    `end`: a session still running at `as_of` has not been completed yet.

    Attributes:
        id: The integrator's id of the session.
        kind: Its [TrainingKind][clubrules.training.TrainingKind] (a member,
            its name or its value).
        topic: What it covered, such as `"fire safety"` or `"service etiquette"`.
        method: Its [TrainingMethod][clubrules.training.TrainingMethod].
        start: When it starts (timezone-aware).
        end: When it ends (timezone-aware, after `start`).
        trainer: Who gives it (a staff id or an outside trainer), if known.
        cost: What it cost the club (fees, materials), or None if nothing
            is booked against the training budget.

    Raises:
        NaiveDatetimeError: `start` or `end` is naive.
        InvalidIntervalError: `end` is not after `start`.
        ValidationError: a blank id or topic, an unknown kind or method, a
            negative cost; every problem is reported at once.

    Examples:
        >>> from datetime import datetime
        >>> from zoneinfo import ZoneInfo
        >>> from clubrules import Money
        >>> at = datetime(2026, 3, 12, 14, tzinfo=ZoneInfo("Asia/Shanghai"))
        >>> s = TrainingSession(id="t-1", kind="safety", topic="first aid", method="external",
        ...                     start=at, end=at.replace(hour=17), cost=Money("1500.00"))
        >>> s.kind, s.duration_hours
        (<TrainingKind.SAFETY: 'safety'>, 3.0)
    """

    id: str
    kind: TrainingKind = attrs.field(converter=_to_kind)
    topic: str
    method: TrainingMethod = attrs.field(converter=_to_method)
    start: datetime
    end: datetime
    trainer: str | None = None
    cost: Money | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "id", self.id)
        check_choice(problems, "kind", self.kind, TrainingKind)
        check_text(problems, "topic", self.topic)
        check_choice(problems, "method", self.method, TrainingMethod)
        start_ok = check_instant_field(problems, self, "start")
        end_ok = check_instant_field(problems, self, "end")
        if start_ok and end_ok:
            gap = to_epoch_us(self.end) - to_epoch_us(self.start)
            if gap <= 0:
                problems.add(
                    "end",
                    "end_before_start" if gap < 0 else "empty_interval",
                    f"must be after start ({self.start.isoformat()} -> {self.end.isoformat()})",
                )
        if self.trainer is not None:
            check_text(problems, "trainer", self.trainer)
        _check_cost(problems, self.cost)
        raise_collected(problems)

    @property
    def duration_hours(self) -> float:
        """How long the session lasts, in hours."""
        return (to_epoch_us(self.end) - to_epoch_us(self.start)) / 3_600_000_000


@attrs.frozen(kw_only=True)
class Attendance:
    """Whether one staff member was at one session; a repository keeps one per pair.

    Attributes:
        session_id: The session.
        staff_id: The staff member.
        status: An [AttendanceStatus][clubrules.training.AttendanceStatus];
            attended by default.

    Raises:
        ValidationError: a blank id, or an unknown status.
    """

    session_id: str
    staff_id: str
    status: AttendanceStatus = attrs.field(default=AttendanceStatus.ATTENDED, converter=_to_status)

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "session_id", "staff_id")
        check_choice(problems, "status", self.status, AttendanceStatus)
        raise_collected(problems)

    @property
    def key(self) -> tuple[str, str]:
        """`(session_id, staff_id)`: what a repository keeps one record of."""
        return (self.session_id, self.staff_id)


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class Completion:
    """A training one staff member completed: an online course, an outside course, a test passed.

    A completion may stand alone (a self-paced online course) or belong to a
    session (the certificate of an external session). One that names a
    session is the same training as attending that session: compliance
    counts the two once, with the session's kind, topic and method when the
    session is known. Records of one training count once, at the earliest;
    two that disagree at that instant (completions of an unknown session
    with other topics) count with the first by kind, method and topic,
    whatever their order.

    Attributes:
        id: The integrator's id of the record.
        staff_id: Who completed it.
        kind: Its [TrainingKind][clubrules.training.TrainingKind].
        topic: What it covered.
        method: Its [TrainingMethod][clubrules.training.TrainingMethod].
        completed_at: When it was completed (timezone-aware).
        session_id: The session it belongs to, if any.

    Raises:
        NaiveDatetimeError: `completed_at` is naive.
        ValidationError: a blank id or topic, an unknown kind or method.
    """

    id: str
    staff_id: str
    kind: TrainingKind = attrs.field(converter=_to_kind)
    topic: str
    method: TrainingMethod = attrs.field(converter=_to_method)
    completed_at: datetime
    session_id: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "staff_id")
        check_choice(problems, "kind", self.kind, TrainingKind)
        check_text(problems, "topic", self.topic)
        check_choice(problems, "method", self.method, TrainingMethod)
        check_instant_field(problems, self, "completed_at")
        if self.session_id is not None:
            check_text(problems, "session_id", self.session_id)
        raise_collected(problems)


def index_sessions(sessions: Iterable[TrainingSession]) -> dict[str, TrainingSession]:
    """Sessions by id; the same session given twice is kept once (private to the package)."""
    by_id: dict[str, TrainingSession] = {}
    for session in sessions:
        if not isinstance(session, TrainingSession):
            raise ValidationError("must be TrainingSession values", field="sessions", rule="type")
        held = by_id.setdefault(session.id, session)
        if held != session:
            raise ValidationError(
                f"two different sessions share the id {session.id!r}",
                field="sessions",
                rule="duplicate_id",
            )
    return by_id


class Credit(NamedTuple):
    """One training done by one staff member, counted once (private to the package)."""

    at_us: int
    key: str
    at: datetime
    kind: TrainingKind
    method: TrainingMethod
    topic: str


def collect_credits(
    sessions: dict[str, TrainingSession],
    attendance: Iterable[Attendance],
    completions: Iterable[Completion],
) -> dict[str, dict[tuple[str, str], Credit]]:
    """Every staff member's credits, keyed by session (or lone completion); each once.

    An attended session and every completion record is a credit, keyed by the
    session it belongs to (or by the completion's own id), so a session
    attended and also certified, or recorded twice, is one credit: the
    earliest. Records of one training at the same instant that disagree
    (two completions of an unknown session, with other topics) give the
    credit first by kind, method, topic and then offset, never the one
    given first: the report does not depend on the records' order.
    """
    found: dict[str, dict[tuple[str, str], Credit]] = {}

    def put(staff_id: str, key: tuple[str, str], credit: Credit) -> None:
        mine = found.setdefault(staff_id, {})
        held = mine.get(key)
        if held is None or _rank(credit) < _rank(held):
            mine[key] = credit

    for record in attendance:
        if not isinstance(record, Attendance):
            raise ValidationError("must be Attendance values", field="attendance", rule="type")
        if record.status is not AttendanceStatus.ATTENDED:
            continue
        session = sessions.get(record.session_id)
        if session is None:
            raise ValidationError(
                f"names session {record.session_id!r}, which is not among the sessions given",
                field="attendance",
                rule="unknown_session",
            )
        put(record.staff_id, ("session", session.id), _session_credit(session))
    for done in completions:
        if not isinstance(done, Completion):
            raise ValidationError("must be Completion values", field="completions", rule="type")
        session = sessions.get(done.session_id) if done.session_id is not None else None
        if session is not None:
            put(done.staff_id, ("session", session.id), _session_credit(session))
        elif done.session_id is not None:
            put(
                done.staff_id,
                ("session", done.session_id),
                _completion_credit(done, done.session_id),
            )
        else:
            put(done.staff_id, ("completion", done.id), _completion_credit(done, done.id))
    return found


def _rank(credit: Credit) -> tuple[int, str, str, str, str]:
    """The earliest credit first; at one instant, an order that does not depend on the input's."""
    return (
        credit.at_us,
        credit.kind.value,
        credit.method.value,
        credit.topic,
        credit.at.isoformat(),
    )


def _session_credit(session: TrainingSession) -> Credit:
    return Credit(
        to_epoch_us(session.end),
        session.id,
        session.end,
        session.kind,
        session.method,
        session.topic,
    )


def _completion_credit(done: Completion, key: str) -> Credit:
    return Credit(
        to_epoch_us(done.completed_at), key, done.completed_at, done.kind, done.method, done.topic
    )
