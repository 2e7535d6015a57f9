"""Words for people: durations, business time, dates and messages, in English and Chinese.

Every sentence the library writes for staff or customers (a booking refusal,
an SLA alert, a churn warning, a care task, a score-sheet line, the PIPL leak
notice) comes from one catalogue per language and renders its durations and
instants through the functions here, so no person reads a Python timedelta
("2:00:00", "1 day, 0:00:00") or a number without its unit.

Two locales are known: `"en"` (the default) and `"zh"` (simplified Chinese,
`"zh-Hans"`, `"zh-CN"` and `"zh_CN"` are read as `"zh"`). Pass `locale=` to
any function here, or set it for a block with [use_locale][clubrules.words.use_locale]:

    >>> from datetime import timedelta
    >>> from clubrules.words import duration, use_locale
    >>> duration(timedelta(hours=2))
    '2 hours'
    >>> with use_locale("zh"):
    ...     duration(timedelta(hours=2))
    '2小时'

Pendulum supplies the words of the calendar: unit names with their plural
forms ("1 hour", "2 hours", "2小时") and weekday and month names in both
languages. Three things are written here because pendulum cannot say them:
business time (pendulum knows wall-clock durations, not hours counted while a
club is open, so "24 business hours" and "24个营业小时" are built from the
hour count), the overdue and time-left phrasing around a duration ("1 hour
overdue", "超时1小时"), and days kept as days (pendulum folds 30 days into
"4 weeks 2 days", while a policy's "30 days" should read as written).
"""

from clubrules._public import publish
from clubrules.words._catalogue import (
    LOCALES,
    catalogue,
    current_locale,
    message,
    normalize_locale,
    placeholders,
    use_locale,
)
from clubrules.words._format import (
    business_time,
    clock_time,
    day,
    duration,
    overdue,
    time_left,
    time_range,
    when,
)

__all__ = [
    "LOCALES",
    "business_time",
    "catalogue",
    "clock_time",
    "current_locale",
    "day",
    "duration",
    "message",
    "normalize_locale",
    "overdue",
    "placeholders",
    "time_left",
    "time_range",
    "use_locale",
    "when",
]

publish(__name__)
