"""The care calendar: greetings, return visits and surveys due over a horizon."""

from __future__ import annotations

import calendar as _cal
import enum

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo  # noqa: TC003

import attrs

from clubrules._checks import (
    TEXT_MAX_CHARS,
    check_count,
    check_enum,
    check_instant_field,
    check_storable_text,
    check_text,
    raise_collected,
    require_date,
    require_instance,
    require_items,
    require_mapping,
    require_port,
    require_str,
    require_years,
    shown,
)
from clubrules._time import instant_range, instants_compared, local_time, require_aware, to_epoch_us
from clubrules.care._churn import ChurnWarning
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.words import message

__all__ = [
    "DEFAULT_FESTIVALS",
    "BusinessDays",
    "CareKind",
    "CareTask",
    "LeapDayPolicy",
    "ReturnVisitRule",
    "ServiceEvent",
    "SurveySchedule",
    "assign_tasks",
    "follow_up_tasks",
    "greeting_holidays",
    "plan_care",
]

_SEARCH_DAYS = 14


class BusinessDays(Protocol):
    """What the care calendar needs of a [BusinessCalendar][clubrules.calendar.BusinessCalendar]."""

    @property
    def zone(self) -> ZoneInfo:
        """The club's zone."""
        ...

    def is_business_day(self, day: date) -> bool:
        """Whether the club opens on `day`."""
        ...

    def next_opening(self, at: datetime) -> datetime:
        """The first open instant at or after `at`."""
        ...


class ServiceEvent(Protocol):
    """Anything a return visit can follow: a `ServiceRecord` or a `ConsumptionRecord`."""

    @property
    def customer_id(self) -> str:
        """The customer's id."""
        ...

    @property
    def at(self) -> datetime:
        """When the service was given or bought (aware)."""
        ...

    @property
    def service(self) -> str:
        """The service or product name."""
        ...


class CareKind(enum.Enum):
    """What a care task is for."""

    BIRTHDAY = "birthday"
    HOLIDAY = "holiday"
    RETURN_VISIT = "return_visit"
    SURVEY = "survey"
    CHURN_FOLLOW_UP = "churn_follow_up"
    INVITATION = "invitation"
    """An invitation to a club activity (会员活动邀请), planned by `clubrules.activities`."""


class LeapDayPolicy(enum.Enum):
    """When a 29 February birthday is greeted in a year without 29 February."""

    FEB_28 = "feb_28"
    """On 28 February: still in the birthday month (the default)."""
    MAR_1 = "mar_1"
    """On 1 March: the day after 28 February, as some legal systems count."""


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class CareTask:
    """One thing for staff to do for a customer, due on a business day.

    A task is identified by `key`: one per customer, kind and due date.

    Attributes:
        customer_id: The customer's id.
        kind: What the task is for.
        due: The local business day it is due.
        at: The instant it becomes due: the club's opening that day, or
            the plan's `as_of` when the plan was made later that day (aware).
        rule: What produced it: `"birthday"`, a holiday's name, a return-visit
            rule's service, a survey id or a churn rule's name.
        note: Words for the staff member.
        assignee: The staff member it is assigned to, if any.
    """

    customer_id: str
    kind: CareKind
    due: date
    at: datetime
    rule: str
    note: str = ""
    assignee: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "customer_id", self.customer_id, sensitive=False)
        check_enum(problems, "kind", self.kind, CareKind)
        due: object = self.due
        if not isinstance(due, date) or isinstance(due, datetime):
            problems.add("due", "not_a_date", "must be a date")
        check_instant_field(problems, self, "at")
        check_text(problems, "rule", self.rule, sensitive=False)
        check_storable_text(problems, "note", self.note, limit=TEXT_MAX_CHARS)
        if self.assignee is not None:
            check_text(problems, "assignee", self.assignee, sensitive=False)
        raise_collected(problems)

    @property
    def key(self) -> tuple[str, str, date]:
        """`(customer_id, kind, due)`: at most one task per key."""
        return (self.customer_id, self.kind.value, self.due)


@attrs.frozen
class ReturnVisitRule:
    """Follow up a service `after_days` later: 3 days after a facial, say.

    Attributes:
        service: The service (or product) name, as in the records.
        after_days: Days after the service that the return visit is due.
        note: What to ask, for the staff member.
    """

    service: str
    after_days: int
    note: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "service", self.service)
        check_storable_text(problems, "note", self.note, limit=TEXT_MAX_CHARS)
        check_count(problems, "after_days", self.after_days, minimum=1)
        raise_collected(problems)


@attrs.frozen
class SurveySchedule:
    """Satisfaction surveys on fixed days of the year: quarterly by default.

    Attributes:
        survey_id: The questionnaire's id.
        months: The months a survey goes out (1 April, 1 July, ...).
        day: The day of the month (clamped to the month's end).
    """

    survey_id: str
    months: tuple[int, ...] = (1, 4, 7, 10)
    day: int = 1

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "survey_id", self.survey_id)
        months: object = self.months
        day: object = self.day
        if (
            not isinstance(months, Iterable)
            or not months
            or any(
                not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12 for m in months
            )
        ):
            problems.add("months", "range", "must be months 1 to 12")
        if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 31:
            problems.add("day", "range", "must be a day of month 1 to 31")
        raise_collected(problems)

    def dates(self, first: date, last: date) -> list[date]:
        """The survey dates from `first` to `last`, inclusive.

        Raises:
            ValidationError: `first` or `last` is not a date (a datetime, say).
        """
        require_date(first, "first")
        require_date(last, "last")
        out = []
        for year in range(first.year, last.year + 1):
            for month in sorted(set(self.months)):
                day = date(year, month, min(self.day, _cal.monthrange(year, month)[1]))
                if first <= day <= last:
                    out.append(day)
        return out


class _Scheduler:
    """Moves occasion dates onto business days, once per date (cached).

    Where an occasion lands depends only on the occasion and the calendar,
    never on the day the plan is made, so that every task has one due date
    whatever the run cadence; a run then keeps the tasks due in its horizon.
    """

    def __init__(self, calendar: BusinessDays, as_of: datetime) -> None:
        self.calendar = calendar
        self.zone = calendar.zone
        self.as_of = as_of
        self._open: dict[date, datetime | None] = {}
        self._cache: dict[tuple[date, bool], date | None] = {}

    def _opening(self, day: date) -> datetime | None:
        """The club's first opening on `day`, or None if it does not open that day."""
        if day in self._open:
            return self._open[day]
        at: datetime | None = None
        if self.calendar.is_business_day(day):
            start = datetime.combine(day, time(0), tzinfo=self.zone)
            opening = self.calendar.next_opening(start)
            if local_time(opening, self.zone, "calendar").date() == day:
                at = opening
        self._open[day] = at
        return at

    def due(self, occasion: date, *, early: bool) -> date | None:
        """The business day an occasion's task is due, or None if none is near.

        Greetings (`early`) move back to the last business day on or before
        a closed occasion (at most `_SEARCH_DAYS` back); other tasks, and a
        greeting with no business day that close before it, move forward to
        the next business day (at most `_SEARCH_DAYS` ahead).
        """
        key = (occasion, early)
        if key in self._cache:
            return self._cache[key]
        found: date | None = None
        steps = (-1, 1) if early else (1,)
        for step in steps:
            # Near date.min or date.max the search stops at the calendar's end.
            room = (occasion - date.min) if step < 0 else (date.max - occasion)
            for n in range(min(_SEARCH_DAYS, room.days) + 1):
                day = occasion + timedelta(days=step * n)
                if self._opening(day) is not None:
                    found = day
                    break
            if found is not None:
                break
        self._cache[key] = found
        return found

    def at(self, day: date) -> datetime:
        """When a task due on business day `day` becomes due: its opening, or `as_of` if later.

        Later in the day than its last opening hours, that is `as_of`
        itself: the task is due now.
        """
        opening = self._opening(day)
        assert opening is not None  # noqa: S101 - only business days are due days
        if to_epoch_us(opening) >= to_epoch_us(self.as_of):
            return opening
        at = self.calendar.next_opening(self.as_of)
        return at if local_time(at, self.zone, "calendar").date() == day else self.as_of


def _birthday_keys(
    first: date, last: date, policy: LeapDayPolicy
) -> dict[tuple[int, int], list[date]]:
    keys: dict[tuple[int, int], list[date]] = {}
    day = first
    while day <= last:
        keys.setdefault((day.month, day.day), []).append(day)
        if not _cal.isleap(day.year) and (
            (policy is LeapDayPolicy.FEB_28 and (day.month, day.day) == (2, 28))
            or (policy is LeapDayPolicy.MAR_1 and (day.month, day.day) == (3, 1))
        ):
            keys.setdefault((2, 29), []).append(day)
        if day == last:  # `last` may be date.max, which has no next day
            break
        day += timedelta(days=1)
    return keys


def plan_care(
    *,
    as_of: datetime,
    horizon_days: int,
    calendar: BusinessDays,
    birthdays: Mapping[str, date] | None = None,
    holidays: Mapping[date, str] | None = None,
    greet: Iterable[str] = (),
    visits: Iterable[ServiceEvent] = (),
    return_rules: Sequence[ReturnVisitRule] = (),
    surveys: SurveySchedule | None = None,
    survey_customers: Iterable[str] = (),
    leap_day: LeapDayPolicy = LeapDayPolicy.FEB_28,
    issued: Container[tuple[str, str, date]] = (),
) -> list[CareTask]:
    """The care tasks due from `as_of` over the next `horizon_days` local days.

    Occasions fall on local dates in the calendar's zone, and each task's
    due date is fixed by its occasion and the calendar alone:

    - a greeting (birthday, holiday) whose day is closed is due on the last
      business day before it, since a greeting should not be late; only
      when no business day lies within 14 days before it does it move
      forward;
    - a return visit or survey whose day is closed is due on the next
      business day;
    - an occasion with no business day within 14 days gets no task.

    A plan holds every task *due* from today to the horizon's last day,
    whatever its occasion's date (a Sunday birthday is planned by the run
    that covers the Saturday before it). So runs that together cover every
    day plan every task exactly once, whether they run daily, weekly or at
    any interval. A task due before today belonged to an earlier run and is
    not planned: start the first run on or before the first day you want
    covered.

    Each task is due at the opening of its day (or at `as_of`, if the plan
    is made later that day). Tasks are unique per (customer, kind, due
    date), and keys in `issued` are skipped. When two occasions give one
    key, the earlier occasion wins: the earlier holiday, or for return
    visits the earlier occasion, then the earlier visit, then the service
    name; so the plan does not depend on the order of any input.

    Args:
        as_of: When the plan is made (aware).
        horizon_days: How many local days, from today, to plan.
        calendar: The club's business calendar.
        birthdays: Each customer's date of birth, by id (from `Customer.birthday`).
        holidays: Greeting holidays by date, such as
            [greeting_holidays][clubrules.care.greeting_holidays] returns;
            the integrator's own list works as well.
        greet: The customers who get holiday greetings.
        visits: Service or consumption records (anything with
            `customer_id`, `at` and `service`) that may need a return visit.
        return_rules: The return-visit rule of each service.
        surveys: The satisfaction survey schedule, if any.
        survey_customers: The customers who get a survey.
        leap_day: When a 29 February birthday is greeted in other years.
        issued: Keys of tasks already issued (from the care task store).

    Returns:
        The tasks, ordered by due date, kind, then customer id.

    Raises:
        NaiveDatetimeError: `as_of`, or a visit's `at`, is naive.
        ValidationError: `horizon_days` is not a positive int, two return
            rules name one service, or `birthdays` or `holidays` is not a
            mapping of ids to dates or of dates to names (`not_a_mapping`,
            `wrong_type`, `not_a_date`).
    """
    require_port(calendar, "BusinessDays", ("is_business_day", "next_opening"), "calendar")
    return_rules = require_items(return_rules, ReturnVisitRule, "return_rules")
    if surveys is not None:
        require_instance(surveys, SurveySchedule, "surveys")
    require_aware(as_of, "as_of")
    problems = ViolationCollector()
    check_count(problems, "horizon_days", horizon_days, minimum=1)
    services = [r.service for r in return_rules]
    if len(set(services)) != len(services):
        problems.add("return_rules", "duplicate_name", "one rule per service")
    raise_collected(problems)
    if birthdays is not None:
        require_mapping(birthdays, "birthdays", keys=str)
        for customer_id, birthday in birthdays.items():
            require_date(birthday, f"birthdays[{customer_id!r}]")
    if holidays is not None:
        require_mapping(holidays, "holidays", values=str)
        for day in holidays:
            require_date(day, "holidays")
    zone = calendar.zone
    today = local_time(as_of, zone, "as_of").date()
    # The horizon's last day may be 31 December 9999 (the day after it is not a date).
    with instant_range("horizon_days"):
        last = today + timedelta(days=horizon_days - 1)
    sched = _Scheduler(calendar, as_of)
    tasks: dict[tuple[str, str, date], CareTask] = {}
    # An occasion moves at most _SEARCH_DAYS either way: these occasions can
    # have a task due in [today, last].
    reach = timedelta(days=_SEARCH_DAYS)
    # Clamped at the ends of the calendar (a plan made in year 1 or 9999).
    first_occasion = today - reach if today - date.min > reach else date.min
    last_occasion = last + reach if date.max - last > reach else date.max

    def add(cid: str, kind: CareKind, occasion: date, rule: str, note: str, *, early: bool) -> None:
        due = sched.due(occasion, early=early)
        if due is None or not today <= due <= last:
            return
        key = (cid, kind.value, due)
        if key in tasks or key in issued:
            return
        tasks[key] = CareTask(
            customer_id=cid, kind=kind, due=due, at=sched.at(due), rule=rule, note=note
        )

    if birthdays:
        keys = _birthday_keys(first_occasion, last_occasion, leap_day)
        for cid, born in birthdays.items():
            for occasion in keys.get((born.month, born.day), ()):
                add(
                    cid,
                    CareKind.BIRTHDAY,
                    occasion,
                    "birthday",
                    message("care.birthday"),
                    early=True,
                )
    if holidays:
        greeted = list(greet)
        for occasion, name in sorted(holidays.items()):
            if first_occasion <= occasion <= last_occasion:
                for cid in greeted:
                    note = message("care.holiday", name=name)
                    add(cid, CareKind.HOLIDAY, occasion, name, note, early=True)
    rules = {r.service: r for r in return_rules}
    if rules:
        # (occasion, visit instant, service, customer) of each return visit
        # that may be due: added in that order, so that when two fall on one
        # task key the earlier occasion (then the earlier visit, then the
        # service name) wins, whatever the order of `visits`.
        returns: list[tuple[date, int, str, str]] = []
        for record in visits:
            rule = rules.get(record.service)
            if rule is None:
                continue
            visited = local_time(require_aware(record.at, "visits"), zone, "visits").date()
            if date.max - visited < timedelta(days=rule.after_days):
                continue  # the occasion is after year 9999, past any plan's last day
            occasion = visited + timedelta(days=rule.after_days)
            if first_occasion <= occasion <= last:
                returns.append((occasion, to_epoch_us(record.at), rule.service, record.customer_id))
        for occasion, _, service, cid in sorted(returns):
            rule = rules[service]
            note = rule.note or message(
                "care.return_visit", after=timedelta(days=rule.after_days), service=service
            )
            add(cid, CareKind.RETURN_VISIT, occasion, service, note, early=False)
    if surveys is not None:
        chosen = list(survey_customers)
        for occasion in surveys.dates(first_occasion, last):
            for cid in chosen:
                add(
                    cid,
                    CareKind.SURVEY,
                    occasion,
                    surveys.survey_id,
                    message("care.survey"),
                    early=False,
                )
    order = {k: i for i, k in enumerate(CareKind)}
    return sorted(tasks.values(), key=lambda t: (t.due, order[t.kind], t.customer_id))


def follow_up_tasks(warnings: Iterable[ChurnWarning], *, calendar: BusinessDays) -> list[CareTask]:
    """Care tasks for churn warnings: due at the next opening after each warning.

    The task's `rule` is the warning's rule, so that the care task store
    can tell when each rule last warned each customer (the cooldown).
    """
    warnings = require_items(warnings, ChurnWarning, "warnings")
    require_port(calendar, "BusinessDays", ("is_business_day", "next_opening"), "calendar")
    out = []
    for w in warnings:
        at = calendar.next_opening(w.at)
        out.append(
            CareTask(
                customer_id=w.customer_id,
                kind=CareKind.CHURN_FOLLOW_UP,
                due=local_time(at, calendar.zone, "warnings").date(),
                at=at,
                rule=w.rule,
                note=message(
                    "care.churn_note",
                    action=message(f"care.action.{w.action.value}"),
                    severity=message(f"care.severity.{w.severity.value}"),
                    text=w.message,
                ),
            )
        )
    return out


def assign_tasks(
    tasks: Iterable[CareTask],
    *,
    owners: Mapping[str, str] | None = None,
    staff: Sequence[str] = (),
) -> list[CareTask]:
    """Assign tasks to staff: the customer's own staff member, else the least loaded.

    Args:
        tasks: The tasks to assign (already assigned ones are kept as they are).
        owners: Each customer's own beautician or trainer, by customer id.
        staff: The pool for everyone else, balanced by the number of tasks
            each holds, counting first those already assigned in `tasks`
            and those going to their customer's own staff member (ties go
            to the earlier name in `staff`). So how many tasks each member
            gets does not depend on the order of `tasks`; which of them,
            does.

    Returns:
        The tasks, in the same order, with `assignee` set where possible.

    Raises:
        ValidationError: `staff` lists a name twice or is not a list of
            names, or `owners` is not a mapping of customer ids to names
            (`not_a_mapping`, `wrong_type`).
    """
    tasks = require_items(tasks, CareTask, "tasks")
    staff = require_items(staff, str, "staff")
    if owners is not None:
        require_mapping(owners, "owners", keys=str, values=str)
    if len(set(staff)) != len(staff):
        raise ValidationError("lists a name twice", field="staff", rule="duplicate_name")
    own = owners or {}
    load = dict.fromkeys(staff, 0)
    for task in tasks:
        # Kept as it is, or given to the customer's own staff member: part of
        # that member's load before anyone is balanced.
        holder = task.assignee if task.assignee is not None else own.get(task.customer_id)
        if holder in load:
            load[holder] += 1
    out = []
    for task in tasks:
        if task.assignee is not None:
            out.append(task)
            continue
        who = own.get(task.customer_id)
        if who is None and load:
            who = min(load, key=lambda name: load[name])
            load[who] += 1
        out.append(task if who is None else attrs.evolve(task, assignee=who))
    return out


DEFAULT_FESTIVALS = ("New Year's Day", "Spring Festival", "Mid-Autumn Festival", "National Day")


def greeting_holidays(
    years: Iterable[int],
    *,
    country: str = "CN",
    festivals: Sequence[str] = DEFAULT_FESTIVALS,
    language: str | None = None,
) -> dict[date, str]:
    """Greeting days from the `holidays` package: the first day of each festival.

    Needs the `holidays` extra. A festival matches a holiday whose English
    name contains it ("Spring Festival" matches "Chinese New Year (Spring
    Festival)"); multi-day holidays give their first day only, and days off
    moved by 调休 never match.

    Args:
        years: The years wanted.
        country: The ISO country code.
        festivals: English name fragments, in the order wanted.
        language: The language of the returned names (such as `"zh_CN"`), or
            the package's default.

    Returns:
        The greeting name of each first day, by date.

    Raises:
        ModuleNotFoundError: the `holidays` extra is not installed.
        ValidationError: the `holidays` package has no calendar for
            `country` (rule `unknown_country`), `years` is not a list of
            years 1-9999, or `festivals` is not a list of strings.
    """
    if language is not None:
        require_str(language, "language")
    import holidays as _holidays  # noqa: PLC0415 - an optional extra

    wanted = require_years(years, "years")
    festivals = require_items(festivals, str, "festivals")
    if not isinstance(country, str):
        raise ValidationError(
            f"must be an ISO country code such as 'CN', not {type(country).__name__}",
            field="country",
            rule="not_text",
        )
    known = True
    try:
        english = _holidays.country_holidays(country, years=wanted, language="en_US")
        local = _holidays.country_holidays(country, years=wanted, language=language)
    except NotImplementedError:  # raised below, outside the handler: its text quotes the input
        known = False
    if not known:
        given: object = country
        raise ValidationError(
            f"{shown(given)} is not a country the holidays package knows"
            " (an ISO code such as 'CN')",
            field="country",
            rule="unknown_country",
        )
    out: dict[date, str] = {}
    for festival in festivals:
        seen: set[int] = set()
        for day, name in sorted(english.items()):
            if festival in name and "observed" not in name and day.year not in seen:
                seen.add(day.year)
                out[day] = str(local.get(day, name))
    return dict(sorted(out.items()))
