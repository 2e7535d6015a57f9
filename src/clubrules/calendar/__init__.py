"""Business calendars: when a club is open, and arithmetic in open time.

- [BusinessCalendar][clubrules.calendar.BusinessCalendar]: an IANA zone,
  weekly hours (split and overnight), holidays, extra working days (调休) and
  overrides; `is_open`, `open_intervals`, `add_business_time`,
  `add_business_days`, `business_time_between`, and integer fast paths.
- [TimeRange][clubrules.calendar.TimeRange] and
  [Interval][clubrules.calendar.Interval]: local daily hours, and half-open
  spans of aware instants.
- [holiday_calendar][clubrules.calendar.holiday_calendar] and
  [holiday_data][clubrules.calendar.holiday_data]: a country's holidays and
  adjusted working days from the `holidays` package (the `holidays` extra).
- [to_epoch_us][clubrules.calendar.to_epoch_us] and
  [from_epoch_us][clubrules.calendar.from_epoch_us]: the integer instants
  that the fast paths take and return.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.calendar._calendar import (
    BusinessCalendar,
    ExtraDayHours,
    Interval,
    OnMissingHolidayData,
)
from clubrules.calendar._holidays import (
    HolidayData,
    HolidayObservance,
    holiday_calendar,
    holiday_data,
)
from clubrules.calendar._hours import HoursSpec, TimeRange

__all__ = [
    "BusinessCalendar",
    "ExtraDayHours",
    "HolidayData",
    "HolidayObservance",
    "HoursSpec",
    "Interval",
    "OnMissingHolidayData",
    "TimeRange",
    "from_epoch_us",
    "holiday_calendar",
    "holiday_data",
    "to_epoch_us",
]

publish(__name__)
