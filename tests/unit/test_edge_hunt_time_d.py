# ruff: noqa: DTZ001 - naive wall times, placed in a zone by each test
"""Edge hunt (booking, activities): the calendar's ends, values past a datetime, field names.

- Booking checks at the calendar's ends: a request whose service time
  (buffers included) no datetime can show, or that the opening hours or
  shifts cannot answer about, is refused naming the request's `start`,
  never the calendar's own `start_us` or the converter's `us`, on every
  public path (check, reschedule, series, alternatives skip such starts).
- Values refuse when made what they cannot represent: an `Occupancy`
  beyond years 1-9999, a `Recurrence` whose last occurrence is more than
  9998 years after its first, a `Service` longer than that (whose
  `duration` could not even be summed: an `OverflowError` before).
- `Schedule.overlapping` / `is_free` refuse arguments that are not epoch
  microseconds or ids with a typed error, not a `TypeError`.
- Activities: `schedule_activity` names its own arguments (`capacity`,
  `activity_id`, `booking_id`) rather than the booking's fields;
  `plan_invitations` names `activity` when the calendar cannot answer;
  `activity_figures` refuses bad `responses`, `zone` and `questionnaire`
  when given, not when first used.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.activities import (
    Activity,
    Candidate,
    activity_figures,
    plan_invitations,
    schedule_activity,
)
from clubrules.booking import (
    Booking,
    BookingPolicy,
    BookingRequest,
    BookingRules,
    BookingStatus,
    Frequency,
    Occupancy,
    Recurrence,
    Requirement,
    Schedule,
    Segment,
    Service,
    check_series,
    find_alternatives,
)
from clubrules.errors import ClubRulesError, ValidationError
from tests._zones import EDGE_ZONES

from .activities.test_schedule_and_figures import CAL as ACTIVITY_CAL
from .activities.test_schedule_and_figures import NOW as ACTIVITY_NOW
from .activities.test_schedule_and_figures import RULES as ACTIVITY_RULES
from .activities.test_schedule_and_figures import START as ACTIVITY_START
from .booking.conftest import salon_rules

if TYPE_CHECKING:
    from collections.abc import Callable

ZONES = EDGE_ZONES
FIRST_US = to_epoch_us(datetime.min.replace(tzinfo=UTC))
LAST_US = to_epoch_us(datetime.max.replace(tzinfo=UTC))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Names internal to the engine that no error of a public path may show.
INTERNAL = {"us", "start_us", "end_us", "at_us", "now_us", "offset", "at", "value", "id"}


def _fields(error: ValidationError) -> set[str]:
    return {v.field for v in error.violations}


# -- booking checks at the ends of the calendar and of datetimes --------------


def _near_ends() -> st.SearchStrategy[datetime]:
    """Aware instants within ~2 years of year 1 or year 9999, in a zone of `ZONES`."""
    early = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(3, 2, 1))
    late = st.datetimes(min_value=datetime(9996, 11, 1), max_value=datetime(9999, 12, 30))
    return st.builds(
        lambda naive, zone: naive.replace(tzinfo=UTC).astimezone(zone),
        early | late,
        st.sampled_from(ZONES),
    )


def _rules(zone: tzinfo | None, *, calendar: bool, buffer_days: int = 0) -> BookingRules:
    extra: dict[str, object] = {"policy": BookingPolicy(horizon=None)}
    if not calendar:
        extra.update(calendar=None, shifts={})
    rules = salon_rules(str(zone), **extra)
    if buffer_days:
        rules = BookingRules(
            resources=rules.resources.values(),
            pools=rules.pools.values(),
            services=[
                Service(
                    id="facial",
                    segments=timedelta(hours=1),
                    requirements=[Requirement(role="room", pool="rooms")],
                    buffer_before=timedelta(days=buffer_days),
                    buffer_after=timedelta(days=buffer_days),
                )
            ],
            calendar=rules.calendar,
            shifts=rules.shifts,
            policy=rules.policy,
        )
    return rules


_NOW = datetime(1, 1, 1, tzinfo=UTC)
_OLD = Booking(
    id="b-1",
    service="facial",
    start=datetime(2026, 3, 2, 10, tzinfo=UTC),
    end=datetime(2026, 3, 2, 11, tzinfo=UTC),
    occupancy=[
        Occupancy.between(
            "li", datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 2, 11, tzinfo=UTC)
        )
    ],
)


def _walk(rules: BookingRules, start: datetime) -> list[ValidationError]:
    """Every public booking path for `start`; the validation errors they raised."""
    request = BookingRequest(service="facial", start=start)
    schedule = Schedule()
    errors: list[ValidationError] = []
    calls: list[Callable[[], object]] = [
        lambda: rules.check(request, schedule, now=_NOW),
        lambda: rules.reschedule(_OLD, start, schedule, now=_NOW),
        lambda: check_series(
            rules,
            request,
            Recurrence(frequency=Frequency.DAILY, count=3),
            schedule,
            now=_NOW,
        ),
        lambda: find_alternatives(rules, request, schedule, now=_NOW, window=timedelta(days=3)),
    ]
    for call in calls:
        try:
            call()
        except ValidationError as error:
            errors.append(error)
    return errors


@settings(max_examples=60, deadline=None)
@given(start=_near_ends(), calendar=st.booleans(), buffer_days=st.sampled_from([0, 2]))
def test_every_check_path_at_the_ends_names_the_requests_start(
    start: datetime, calendar: bool, buffer_days: int
) -> None:
    rules = _rules(start.tzinfo, calendar=calendar, buffer_days=buffer_days)
    for error in _walk(rules, start):
        assert _fields(error) <= {"start"}, error
        assert not _fields(error) & INTERNAL


@settings(max_examples=60, deadline=None)
@given(start=_near_ends(), buffer_days=st.sampled_from([0, 2]))
def test_a_check_refuses_exactly_the_starts_whose_busy_time_no_datetime_shows(
    start: datetime, buffer_days: int
) -> None:
    rules = _rules(start.tzinfo, calendar=False, buffer_days=buffer_days)
    service = rules.services["facial"]
    at = to_epoch_us(start)
    lo = at - service.buffer_before // timedelta(microseconds=1)
    hi = at + (service.duration + service.buffer_after) // timedelta(microseconds=1)
    try:
        (EPOCH + timedelta(microseconds=at) + service.duration).astimezone(start.tzinfo)
        shown = True
    except OverflowError:
        shown = False
    fits = lo >= FIRST_US and hi <= LAST_US and shown
    request = BookingRequest(service="facial", start=start)
    if fits:
        result = rules.check(request, Schedule(), now=_NOW)
        assert to_epoch_us(result.end) == at + service.duration // timedelta(microseconds=1)
        assert all(o.start < o.end for o in result.occupancy)
    else:
        with pytest.raises(ValidationError) as caught:
            rules.check(request, Schedule(), now=_NOW)
        assert (caught.value.field, caught.value.rule) == ("start", "out_of_range")


@pytest.mark.parametrize("zone", ZONES, ids=str)
@pytest.mark.parametrize(
    "naive", [datetime(1, 6, 1, 12), datetime(9998, 6, 1, 12), datetime(9999, 12, 1, 12)]
)
def test_a_start_beyond_the_calendar_is_refused_naming_start(
    zone: ZoneInfo, naive: datetime
) -> None:
    rules = _rules(zone, calendar=True)
    request = BookingRequest(service="facial", start=naive.replace(tzinfo=zone))
    with pytest.raises(ValidationError) as caught:
        rules.check(request, Schedule(), now=_NOW)
    assert caught.value.field == "start"
    assert caught.value.rule in {"beyond_horizon", "out_of_range"}
    # Alternatives skip what the calendar cannot answer about, as they skip
    # what no datetime can show.
    slots = rules.alternatives(request, Schedule(), now=_NOW)
    assert slots == []


def test_alternatives_near_year_one_keep_buffers_inside_a_datetime() -> None:
    rules = _rules(ZoneInfo("UTC"), calendar=False, buffer_days=2)
    request = BookingRequest(service="facial", start=datetime(1, 1, 2, tzinfo=UTC))
    slots = rules.alternatives(
        request, Schedule(), now=_NOW, window=timedelta(days=5), step=timedelta(hours=6)
    )
    assert slots
    for slot in slots:
        assert slot.start - timedelta(days=2) >= datetime(1, 1, 2, tzinfo=UTC)


def test_lifecycle_moves_at_the_ends_raise_only_typed_errors() -> None:
    late = datetime(9999, 12, 31, 22, tzinfo=UTC)
    booking = Booking(
        id="b-9",
        service="facial",
        start=late,
        end=late + timedelta(hours=1),
        occupancy=[Occupancy.between("li", late, late + timedelta(hours=1))],
        status=BookingStatus.HELD,
        expires_at=late,
    )
    huge = BookingPolicy(
        late_cancel_cutoff=timedelta.max, no_show_after=timedelta.max, hold_for=timedelta.max
    )
    first = datetime(1, 1, 1, tzinfo=UTC)
    moves = [
        lambda: booking.confirm(now=first),
        lambda: booking.expire(now=late),
        lambda: booking.submit(now=late + timedelta(hours=1)),
        lambda: booking.cancel(now=first, policy=huge),
        lambda: booking.confirm(now=first).mark_no_show(now=late, policy=huge),
        lambda: booking.confirm(now=first).cancel(now=late, policy=huge),
    ]
    for move in moves:
        error = _raised(move)
        assert error is None or isinstance(error, ClubRulesError), error
        assert not set(getattr(error, "fields", ())) & INTERNAL


def _raised(call: Callable[[], object]) -> BaseException | None:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the test inspects its type
        return error
    return None


# -- values refuse what they cannot represent ------------------------------------


_INSTANTS = st.integers(min_value=FIRST_US - 10**12, max_value=LAST_US + 10**12) | st.integers(
    min_value=-(2**63), max_value=2**63 - 1
)


@given(start=_INSTANTS, end=_INSTANTS)
def test_an_occupancy_is_accepted_exactly_when_a_datetime_shows_both_ends(
    start: int, end: int
) -> None:
    fits = FIRST_US <= start < end <= LAST_US
    if fits:
        occupancy = Occupancy("room", start, end)
        assert to_epoch_us(occupancy.start) == start
        assert to_epoch_us(occupancy.end) == end
        return
    with pytest.raises(ValidationError) as caught:
        Occupancy("room", start, end)
    assert _fields(caught.value) <= {"start_us", "end_us", "end"}


def test_occupancy_beyond_year_9999_names_its_own_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Occupancy("r", 0, 10**18)
    assert (caught.value.field, caught.value.rule) == ("end_us", "out_of_range")
    with pytest.raises(ValidationError) as caught:
        Occupancy("r", -(10**18), 0)
    assert (caught.value.field, caught.value.rule) == ("start_us", "out_of_range")


_MAX_DAYS = (date.max - date.min).days


@given(
    frequency=st.sampled_from(Frequency),
    count=st.integers(min_value=1, max_value=520),
    interval=st.integers(min_value=1, max_value=2**63 - 1)
    | st.integers(min_value=1, max_value=20_000),
)
def test_a_recurrence_no_start_can_hold_is_refused_when_made(
    frequency: Frequency, count: int, interval: int
) -> None:
    days = interval * (7 if frequency is Frequency.WEEKLY else 1) * (count - 1)
    if days > _MAX_DAYS:
        with pytest.raises(ValidationError) as caught:
            Recurrence(frequency=frequency, count=count, interval=interval)
        assert (caught.value.field, caught.value.rule) == ("interval", "too_large")
        return
    recurrence = Recurrence(frequency=frequency, count=count, interval=interval)
    starts = recurrence.starts(datetime(1, 1, 1, tzinfo=UTC))
    assert len(starts) == count


_SPAN = timedelta(microseconds=LAST_US - FIRST_US)
_LENGTHS = st.timedeltas(min_value=timedelta(0), max_value=timedelta.max) | st.timedeltas(
    min_value=_SPAN - timedelta(days=2), max_value=_SPAN + timedelta(days=2)
)


@given(
    segments=st.lists(_LENGTHS.filter(bool), min_size=1, max_size=3),
    before=_LENGTHS,
    after=_LENGTHS,
)
def test_a_service_longer_than_any_datetime_span_is_refused_when_made(
    segments: list[timedelta], before: timedelta, after: timedelta
) -> None:
    us = timedelta(microseconds=1)
    total = sum(s // us for s in segments) + before // us + after // us
    requirements = [Requirement(role="room", resource="room-1")]
    if total <= _SPAN // us:
        service = Service(
            id="s",
            segments=[Segment(s) for s in segments],
            requirements=requirements,
            buffer_before=before,
            buffer_after=after,
        )
        assert service.duration // us == sum(s // us for s in segments)
        return
    with pytest.raises(ValidationError) as caught:
        Service(
            id="s",
            segments=[Segment(s) for s in segments],
            requirements=requirements,
            buffer_before=before,
            buffer_after=after,
        )
    assert {v.rule for v in caught.value.violations} == {"too_long"}
    assert _fields(caught.value) <= {"segments", "buffer_before", "buffer_after"}


# -- the schedule's lookups -------------------------------------------------------


_SCHEDULE = Schedule([_OLD])


@pytest.mark.parametrize("resource", ["li", "nobody"])
@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("a", "b", 0), "start_us"),
        ((None, 5, 0), "start_us"),
        ((0, [1], 0), "end_us"),
        ((0, 5, None), "now_us"),
        ((0, 5, "now"), "now_us"),
    ],
)
def test_schedule_lookups_refuse_what_is_not_epoch_microseconds(
    resource: str, args: tuple[object, object, object], field: str
) -> None:
    for lookup in (_SCHEDULE.overlapping, _SCHEDULE.is_free):
        with pytest.raises(ValidationError) as caught:
            lookup(resource, *args)  # type: ignore[arg-type]
        assert caught.value.field == field
        assert caught.value.rule == "not_an_integer"


def test_schedule_lookups_refuse_an_exclude_that_is_not_ids() -> None:
    lo = to_epoch_us(_OLD.start)
    for lookup in (_SCHEDULE.overlapping, _SCHEDULE.is_free):
        with pytest.raises(ValidationError) as caught:
            lookup("li", lo, lo + 10, 0, exclude=5)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.rule) == ("exclude", "not_ids")


# -- activities -------------------------------------------------------------------


def _schedule_activity(**changes: object) -> object:
    arguments: dict[str, object] = {
        "activity_id": "tea",
        "name": "Tea",
        "kind": "member",
        "service": "tea-party",
        "start": ACTIVITY_START,
        "capacity": 8,
        "now": ACTIVITY_NOW,
        **changes,
    }
    return schedule_activity(ACTIVITY_RULES, Schedule(), **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": "8"}, "capacity"),
        ({"capacity": 13}, "capacity"),  # the hall holds 12
        ({"capacity": 100}, "capacity"),  # the service takes 20
        ({"activity_id": " tea"}, "activity_id"),
        ({"activity_id": 5}, "activity_id"),
        ({"booking_id": " b"}, "booking_id"),
    ],
)
def test_schedule_activity_names_the_arguments_given(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _schedule_activity(**changes)
    assert _fields(caught.value) == {field}


@pytest.mark.parametrize(
    ("start", "as_of"),
    [
        (datetime(9998, 6, 1, 12), datetime(9998, 5, 1)),
        (datetime(2, 1, 1, 12), datetime(1, 12, 20)),
        (datetime(1, 1, 10, 12), datetime(1, 1, 2)),
    ],
)
def test_invitations_beyond_the_calendar_name_the_activity(
    start: datetime, as_of: datetime
) -> None:
    zone = ACTIVITY_CAL.zone
    activity = Activity(
        id="a",
        name="n",
        kind="member",
        start=start.replace(tzinfo=zone),
        end=start.replace(tzinfo=zone) + timedelta(hours=2),
        capacity=3,
    )
    with pytest.raises(ValidationError) as caught:
        plan_invitations(
            activity,
            [Candidate(customer_id="c")],
            [],
            as_of=as_of.replace(tzinfo=zone),
            calendar=ACTIVITY_CAL,
        )
    assert caught.value.field == "activity"
    assert caught.value.rule == "beyond_horizon"


_ACTIVITY = Activity(
    id="tea",
    name="tea",
    kind="member",
    start=ACTIVITY_START,
    end=ACTIVITY_START + timedelta(hours=2),
    capacity=2,
)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"responses": [5]}, "responses[0]"),
        ({"responses": 5}, "responses"),
        ({"zone": "Asia/Shanghai"}, "zone"),
        ({"questionnaire": 5}, "questionnaire"),
    ],
)
def test_activity_figures_refuse_bad_inputs_when_given(
    changes: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "invitations": [],
        "sign_ups": [],
        "candidates": [],
        "records": [],
        "as_of": ACTIVITY_NOW,
        "zone": ACTIVITY_CAL.zone,
        **changes,
    }
    with pytest.raises(ValidationError) as caught:
        activity_figures(_ACTIVITY, **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
