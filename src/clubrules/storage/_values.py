"""The value arguments of the repository methods, checked once for every adapter.

A value argument (the `Customer` of `add`, the `version` of `rubric`, the
`after` of `events`) of the wrong type never reaches a row encoder or a
database driver, where it would fail with an `AttributeError`, a
`TypeError` or an `OverflowError` naming no argument. `VALUES` lists, for
each port, the methods and the check of each such argument; `keys_checked`
(in `_keys`) applies it together with the id table, so the memory, SQLite
and PostgreSQL adapters (sync and async) refuse the same input with the
same `ValidationError`: the same field and rule.

A check returns the value the method then receives: the argument itself,
or a conversion of it (the events of an iterator, collected once; an
`after` beyond any stream, clamped). Not part of the public API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Final, Protocol, TypeAlias, TypeVar, cast

from clubrules._checks import require_date, require_instance, require_int
from clubrules.activities import Activity, Invitation
from clubrules.booking import Booking
from clubrules.care import CareTask, SurveyResponse
from clubrules.complaints._events import EVENT_TYPES
from clubrules.customers import ConsumptionRecord, Customer, PhoneNumber, Sealed, ServiceRecord
from clubrules.errors import ValidationError
from clubrules.privacy import AccessEvent, ConsentRecord
from clubrules.staff import Rubric, ScoreSheet, WarningRecord
from clubrules.training import Attendance, Completion, TrainingSession

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["VALUES", "VERSION_MAX", "Check", "Keyed"]

Check: TypeAlias = Callable[[object, str], object]
"""A value argument's check: given the value and the argument's name, the value to pass on."""

VERSION_MAX: Final = 2**62
"""Above any version a stream or a rubric can reach; an `after` beyond it is clamped to it."""


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


Keyed = TypeVar("Keyed", bound=_Identified)
"""A value that adapters store under its `id` (a customer, a record, an activity)."""


def _instance(kind: type) -> Check:
    def check(value: object, name: str) -> object:
        return require_instance(value, kind, name)

    return check


def _date(value: object, name: str) -> object:
    return require_date(value, name)


def _int(value: object, name: str) -> object:
    if value.__class__ is int:  # the usual argument, checked without a collector
        return value
    return require_int(value, name)


def _optional_int(value: object, name: str) -> object:
    return None if value is None else require_int(value, name)


def _after(value: object, name: str) -> object:
    """A stream position: an int, clamped to `[0, VERSION_MAX]` (the same events either way)."""
    return min(max(require_int(value, name), 0), VERSION_MAX)


_EVENT_CLASSES = frozenset(EVENT_TYPES)


def _events(value: object, name: str) -> object:
    """The case events of an iterable (not a string), collected once into a list."""
    if value.__class__ is list:  # the usual argument: its classes compared before `isinstance`
        events = list(cast("list[object]", value))
        for event in events:
            if event.__class__ not in _EVENT_CLASSES:
                break  # a subclass, or no event: the checks below
        else:
            return events
    if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
        raise ValidationError(
            f"must be a list of case events, not {type(value).__name__}",
            field=name,
            rule="not_a_list",
        )
    try:
        events = list(value)
    except TypeError:
        raise ValidationError(
            f"must be a list of case events, not {type(value).__name__}",
            field=name,
            rule="not_a_list",
        ) from None
    for i, event in enumerate(events):
        if not isinstance(event, EVENT_TYPES):
            raise ValidationError(
                f"must be a case event, not {type(event).__name__}",
                field=f"{name}[{i}]",
                rule="wrong_type",
            )
    return events


VALUES: Final[Mapping[str, Mapping[str, tuple[tuple[str, Check], ...]]]] = {
    "CustomerRepository": {
        "add": (("customer", _instance(Customer)),),
        "update": (("customer", _instance(Customer)),),
        "find_by_phone": (("phone", _instance(PhoneNumber)),),
    },
    "ConsumptionRepository": {
        "add": (("record", _instance(ConsumptionRecord)),),
        "add_service": (("record", _instance(ServiceRecord)),),
    },
    "BookingRepository": {
        "add": (("booking", _instance(Booking)),),
        "save": (("booking", _instance(Booking)),),
    },
    "CareTaskRepository": {
        "add": (("task", _instance(CareTask)),),
        "tasks": (("start", _date), ("end", _date)),
    },
    "SurveyResponseRepository": {"add": (("response", _instance(SurveyResponse)),)},
    "ComplaintRepository": {
        "append": (("expected_version", _int), ("events", _events)),
        "events": (("after", _after),),
    },
    "DataKeyStore": {
        "add": (("wrapped", _instance(Sealed)),),
        "replace": (("expected", _instance(Sealed)), ("wrapped", _instance(Sealed))),
    },
    "ConsentStore": {"add": (("record", _instance(ConsentRecord)),)},
    "AccessLog": {"append": (("event", _instance(AccessEvent)),)},
    "AssessmentRepository": {
        "add_rubric": (("rubric", _instance(Rubric)),),
        "rubric": (("version", _optional_int),),
        "add_sheet": (("sheet", _instance(ScoreSheet)),),
        "add_warning": (("warning", _instance(WarningRecord)),),
    },
    "ActivityRepository": {"add": (("record", _instance(ConsumptionRecord)),)},
    "TrainingRepository": {
        "add_session": (("session", _instance(TrainingSession)),),
        "add_attendance": (("attendance", _instance(Attendance)),),
        "add_completion": (("completion", _instance(Completion)),),
    },
    "ClubActivityRepository": {
        "add": (("activity", _instance(Activity)),),
        "invite": (("invitation", _instance(Invitation)),),
    },
}
"""Per port: method name -> its value arguments, each with its check (in parameter order)."""
