"""Fronts: a port method's signature, docstring, checks and conversions, written once.

A front is a base class whose public method checks its arguments and
converts them once, then calls a private primitive that each adapter
supplies with the storage work alone. The memory, SQLite and PostgreSQL
adapters take the same front, so they reject bad input alike: the same
error type, naming the same field first. The window reads' fronts
(`ConsumptionReads`, ...) check nothing themselves: each adapter checks
its window as it reads it (`require_window`, `Dialect.window`), and the
front gives the sync adapters one signature and one docstring. Not part
of the public API.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, NoReturn

from clubrules._checks import LIVE_HANDLE, refuse_pickle
from clubrules._time import require_aware, to_epoch_us
from clubrules.errors import DuplicateError

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.booking import Booking
    from clubrules.care import SurveyResponse
    from clubrules.customers import ConsumptionRecord, ServiceRecord
    from clubrules.privacy import AccessEvent
    from clubrules.staff import ScoreSheet
    from clubrules.training import Attendance, Completion

__all__ = [
    "AccessLogReads",
    "BookingFinder",
    "CompletionReads",
    "ConsumptionReads",
    "SheetReads",
    "SurveyResponseReads",
    "attendance_answer",
    "find_bounds",
]


def find_bounds(start: datetime | None, end: datetime | None) -> tuple[int | None, int | None]:
    """`BookingRepository.find`'s optional bounds, checked aware, as epoch microseconds.

    `start` is checked first. An `end` before `start` is no error here: the
    window is then empty.

    Raises:
        NaiveDatetimeError: a naive bound.
    """
    return (
        None if start is None else to_epoch_us(require_aware(start, "start")),
        None if end is None else to_epoch_us(require_aware(end, "end")),
    )


def attendance_answer(stored_status: str, attendance: Attendance) -> bool:
    """`TrainingRepository.add_attendance`'s answer when the pair is already recorded.

    False if the stored status (its value) is `attendance`'s; else `DuplicateError`.
    """
    if stored_status == attendance.status.value:
        return False
    raise DuplicateError(
        f"attendance of {attendance.staff_id!r} at {attendance.session_id!r} "
        "already exists with another status"
    )


class BookingFinder(ABC):
    """`BookingRepository.find` for a sync adapter, which supplies `_find`."""

    __slots__ = ()

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        refuse_pickle(self, LIVE_HANDLE)

    def find(
        self,
        *,
        resource: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Booking]:
        """Bookings occupying any resource (or `resource`) within `[start, end)`, by start, id."""
        lo_us, hi_us = find_bounds(start, end)
        return self._find(resource, lo_us, hi_us)

    @abstractmethod
    def _find(self, resource: str | None, lo_us: int | None, hi_us: int | None) -> list[Booking]:
        """The bookings of `find`, its bounds checked and in epoch microseconds (None: open)."""


class ConsumptionReads(ABC):
    """`ConsumptionRepository`'s window reads for a sync adapter, which supplies the primitives."""

    __slots__ = ()

    def records(
        self,
        customer_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ConsumptionRecord]:
        """Consumption records in `[start, end)`, of one customer or of all, by time then id."""
        return self._window_records(customer_id, start, end)

    def service_records(
        self,
        customer_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ServiceRecord]:
        """The customer's service records in `[start, end)`, by time then id."""
        return self._window_service_records(customer_id, start, end)

    @abstractmethod
    def _window_records(
        self, customer_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[ConsumptionRecord]:
        """The records of `records`, its window not yet checked."""

    @abstractmethod
    def _window_service_records(
        self, customer_id: str, start: datetime | None, end: datetime | None
    ) -> list[ServiceRecord]:
        """The service records of `service_records`, its window not yet checked."""


class SurveyResponseReads(ABC):
    """`SurveyResponseRepository.responses` for a sync adapter, supplying `_window_responses`."""

    __slots__ = ()

    def responses(
        self,
        *,
        questionnaire_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[SurveyResponse]:
        """Responses in `[start, end)` (of one questionnaire, or all), by `at` then id.

        Raises:
            NaiveDatetimeError: a bound is naive.
            InvalidIntervalError: `end` is before `start`.
        """
        return self._window_responses(questionnaire_id, start, end)

    @abstractmethod
    def _window_responses(
        self, questionnaire_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[SurveyResponse]:
        """The responses of `responses`, its window not yet checked."""


class SheetReads(ABC):
    """`AssessmentRepository.sheets` for a sync adapter, which supplies `_window_sheets`."""

    __slots__ = ()

    def sheets(
        self,
        staff_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[ScoreSheet]:
        """Sheets whose period ends in `[start, end)`, by period end, start, then id."""
        return self._window_sheets(staff_id, start, end)

    @abstractmethod
    def _window_sheets(
        self, staff_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[ScoreSheet]:
        """The sheets of `sheets`, its window not yet checked."""


class CompletionReads(ABC):
    """`TrainingRepository.completions` for a sync adapter, which supplies `_window_completions`."""

    __slots__ = ()

    def completions(
        self,
        staff_id: str | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Completion]:
        """One staff member's completions (or all) in `[start, end)`, by time then id.

        Raises as `TrainingRepository.completions`.
        """
        return self._window_completions(staff_id, start, end)

    @abstractmethod
    def _window_completions(
        self, staff_id: str | None, start: datetime | None, end: datetime | None
    ) -> list[Completion]:
        """The completions of `completions`, its window not yet checked."""


class AccessLogReads(ABC):
    """`AccessLog.for_customer` for a sync adapter, which supplies `_customer_events`."""

    __slots__ = ()

    def for_customer(
        self,
        customer_id: str,
        *,
        field: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AccessEvent]:
        """The customer's events, optionally of one field, in `[since, until)`."""
        return self._customer_events(customer_id, field, since, until)

    @abstractmethod
    def _customer_events(
        self, customer_id: str, field: str | None, since: datetime | None, until: datetime | None
    ) -> list[AccessEvent]:
        """The events of `for_customer`, its window not yet checked."""
