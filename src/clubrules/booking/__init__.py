"""Booking: resources, services, conflict checks, alternatives and the booking lifecycle.

- The model: [Resource][clubrules.booking.Resource] (staff, rooms,
  equipment, with a capacity), [Pool][clubrules.booking.Pool] ("any free
  room"), [Service][clubrules.booking.Service] (segments, processing time,
  buffers, [Requirement][clubrules.booking.Requirement]s, headcount),
  [Booking][clubrules.booking.Booking] with its lifecycle
  ([BookingStatus][clubrules.booking.BookingStatus]) and
  [BookingPolicy][clubrules.booking.BookingPolicy].
- Checking: [BookingRules][clubrules.booking.BookingRules] checks a
  [BookingRequest][clubrules.booking.BookingRequest] against a
  [Schedule][clubrules.booking.Schedule] of existing bookings, the club's
  `BusinessCalendar`, staff shifts and the policy, and returns every
  [Reason][clubrules.booking.Reason] it fails; it also offers
  alternatives ([find_alternatives][clubrules.booking.find_alternatives])
  and checks recurring series ([check_series][clubrules.booking.check_series]).
- [find_conflicts][clubrules.booking.find_conflicts]: a batch scan of any
  bookings for conflicting pairs and over-capacity windows.
- Confirmation codes, reminders ([reminder_time][clubrules.booking.reminder_time])
  and the booking success rate ([success_rate][clubrules.booking.success_rate]).

Intervals are half-open, `[start, end)`: back-to-back bookings do not
conflict. Instants are aware and compared in UTC. The storage port is in
`clubrules.booking.ports`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.booking._alternatives import Slot
from clubrules.booking._check import BookingRules, OpeningHours, check_series, find_alternatives
from clubrules.booking._codes import (
    CODE_ALPHABET,
    is_valid_confirmation_code,
    new_confirmation_code,
    normalize_confirmation_code,
)
from clubrules.booking._conflicts import Conflict, ConflictReport, OverCapacity, find_conflicts
from clubrules.booking._model import (
    ACTIVE_STATUSES,
    Booking,
    BookingPolicy,
    BookingStatus,
    Occupancy,
    Pool,
    Requirement,
    Resource,
    ResourceKind,
    Segment,
    Service,
)
from clubrules.booking._rate import SuccessRate, success_rate
from clubrules.booking._reminders import ReminderPolicy, reminder_time
from clubrules.booking._request import BookingRequest, CheckResult, Reason, ReasonCode
from clubrules.booking._schedule import Schedule
from clubrules.booking._series import Frequency, Recurrence, SeriesCheck

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "ACTIVE_STATUSES",
    "Booking",
    "BookingPolicy",
    "BookingRequest",
    "BookingRules",
    "BookingStatus",
    "CODE_ALPHABET",
    "CheckResult",
    "Conflict",
    "ConflictReport",
    "Frequency",
    "Occupancy",
    "OpeningHours",
    "OverCapacity",
    "Pool",
    "Reason",
    "ReasonCode",
    "Recurrence",
    "ReminderPolicy",
    "Requirement",
    "Resource",
    "ResourceKind",
    "Schedule",
    "Segment",
    "SeriesCheck",
    "Service",
    "Slot",
    "SuccessRate",
    "check_series",
    "find_alternatives",
    "find_conflicts",
    "is_valid_confirmation_code",
    "new_confirmation_code",
    "normalize_confirmation_code",
    "reminder_time",
    "success_rate",
]

publish(__name__)
