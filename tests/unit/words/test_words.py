# ruff: noqa: RUF001 - the Chinese examples use full-width punctuation
"""clubrules.words: durations, business time, dates and messages in English and Chinese."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.booking import Reason, ReasonCode
from clubrules.errors import NaiveDatetimeError, NotFoundError, ValidationError
from clubrules.words import (
    LOCALES,
    business_time,
    catalogue,
    current_locale,
    day,
    duration,
    message,
    overdue,
    placeholders,
    time_left,
    time_range,
    use_locale,
    when,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
RAW_TIMEDELTA = re.compile(r"\d+:\d\d:\d\d|\bdays?, \d")


@pytest.mark.parametrize(
    ("value", "en", "zh"),
    [
        (timedelta(hours=2), "2 hours", "2小时"),
        (timedelta(hours=1), "1 hour", "1小时"),
        (timedelta(days=30), "30 days", "30天"),
        (timedelta(days=1), "1 day", "1天"),
        (timedelta(days=11, hours=4), "11 days 4 hours", "11天4小时"),
        (timedelta(minutes=90), "1 hour 30 minutes", "1小时30分钟"),
        (timedelta(seconds=45), "45 seconds", "45秒钟"),
        (timedelta(0), "0 seconds", "0秒钟"),
        (timedelta(hours=-1), "1 hour", "1小时"),
    ],
)
def test_durations_read_as_words(value: timedelta, en: str, zh: str) -> None:
    assert duration(value) == en
    assert duration(value, locale="zh") == zh
    assert duration(value, locale="zh-Hans") == zh


_UNIT_SECONDS = {"day": 86400, "hour": 3600, "minute": 60, "second": 1}


@given(st.timedeltas(min_value=timedelta(days=-5000), max_value=timedelta(days=5000)))
def test_a_duration_in_words_adds_up_to_its_whole_seconds(value: timedelta) -> None:
    # Oracle: read the words back, unit by unit.
    words = duration(value)
    total = 0
    for count, unit in re.findall(r"(\d+) (day|hour|minute|second)s?", words):
        total += int(count) * _UNIT_SECONDS[unit]
    assert total == int(abs(value).total_seconds())
    assert not RAW_TIMEDELTA.search(words)


def test_business_time_counts_hours_not_days() -> None:
    assert business_time(timedelta(hours=24)) == "24 business hours"
    assert business_time(timedelta(hours=24), locale="zh") == "24个营业小时"
    assert business_time(timedelta(hours=1)) == "1 business hour"
    assert business_time(timedelta(hours=19, minutes=30)) == "19.5 business hours"
    assert business_time(timedelta(minutes=20)) == "0.33 business hours"


def test_overdue_and_time_left_say_which_way_the_clock_points() -> None:
    assert overdue(timedelta(hours=1)) == "1 hour overdue"
    assert overdue(timedelta(hours=1), locale="zh") == "超时1小时"
    assert time_left(timedelta(hours=24), business=True) == "24 business hours left"
    assert time_left(timedelta(hours=24), business=True, locale="zh") == "剩余24个营业小时"
    # A TargetStatus.remaining of -1 hour used to print as "-1 day, 23:00:00".
    assert time_left(timedelta(hours=-1)) == "1 hour overdue"
    assert time_left(timedelta(hours=-15), business=True) == "15 business hours overdue"
    assert time_left(timedelta(hours=-15), business=True, locale="zh") == "超时15个营业小时"


def test_instants_read_in_the_clubs_zone() -> None:
    at = datetime(2026, 2, 24, 11, 30, tzinfo=UTC)
    assert when(at, SHANGHAI) == "Tue 24 Feb 19:30"
    assert when(at, SHANGHAI, locale="zh") == "2月24日（周二）19:30"
    assert when(at, SHANGHAI, year=True) == "Tue 24 Feb 2026 19:30"
    assert when(at, SHANGHAI, year=True, locale="zh") == "2026年2月24日（周二）19:30"
    assert day(date(2026, 3, 1)) == "Sun 1 Mar"
    assert day(date(2026, 3, 1), locale="zh") == "3月1日（周日）"
    end = at + timedelta(minutes=20)
    assert time_range(at, end, SHANGHAI) == "19:30-19:50"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        when(datetime(2026, 2, 24, 19, 30), SHANGHAI)  # noqa: DTZ001 - the point of the test


def test_bad_arguments_get_typed_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        duration(timedelta(hours=1), locale="fr")
    assert caught.value.violations[0].rule == "unknown_locale"
    with pytest.raises(ValidationError) as caught:
        duration(7200)  # type: ignore[arg-type]
    assert caught.value.violations[0].rule == "wrong_type"
    with pytest.raises(ValidationError):
        time_range(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(NotFoundError):
        message("no.such.key")
    with pytest.raises(ValidationError) as caught:
        message("booking.conflict", resource="li")
    assert caught.value.violations[0].rule == "missing_field"


def test_the_locale_is_english_by_default_and_set_for_a_block() -> None:
    assert current_locale() == "en"
    with use_locale("zh-CN") as chosen:
        assert chosen == "zh"
        assert duration(timedelta(hours=2)) == "2小时"
        assert duration(timedelta(hours=2), locale="en") == "2 hours"
        with use_locale("en"):
            assert duration(timedelta(hours=2)) == "2 hours"
        assert current_locale() == "zh"
    assert current_locale() == "en"


def test_the_locale_is_per_thread() -> None:
    seen: list[str] = []
    with use_locale("zh"):
        worker = threading.Thread(target=lambda: seen.append(duration(timedelta(hours=2))))
        worker.start()
        worker.join()
    assert seen == ["2 hours"]


def test_every_message_key_exists_in_both_languages_with_the_same_fields() -> None:
    assert LOCALES == ("en", "zh")
    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh)
    for key in en:
        assert placeholders(en[key]) == placeholders(zh[key]), key


def test_no_catalogued_message_can_show_a_raw_timedelta_or_a_bare_overdue_number() -> None:
    for locale in LOCALES:
        for key, template in catalogue(locale).items():
            # Every field given a timedelta is worded by `duration`.
            filled = message(
                key, locale=locale, **dict.fromkeys(placeholders(template), timedelta(hours=2))
            )
            assert not RAW_TIMEDELTA.search(filled), (locale, key, filled)
            assert not re.search(r"\d\s*(overdue|left)\b", template), (locale, key)


def test_a_chinese_message_has_no_english_sentence() -> None:
    for key, template in catalogue("zh").items():
        words = re.findall(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}", template)
        assert not words, (key, words)


def test_a_reason_is_described_in_either_language_and_its_repr_is_unchanged() -> None:
    reason = Reason(
        code=ReasonCode.SHORT_NOTICE,
        message=message("booking.short_notice", notice=timedelta(hours=2)),
        words=(("notice", timedelta(hours=2)),),
    )
    assert reason.message == "starts sooner than the minimum notice (2 hours) allows"
    assert reason.describe("zh") == "开始时间早于最短提前预约时间（2小时）的要求"
    assert str(reason) == reason.message
    assert repr(reason) == (
        "Reason(code=<ReasonCode.SHORT_NOTICE: 'short_notice'>, "
        "message='starts sooner than the minimum notice (2 hours) allows', role=None, "
        "resource=None, booking=None, bookings=(), start=None, end=None, peak=None, "
        "capacity=None)"
    )
    by_hand = Reason(code=ReasonCode.SHORT_NOTICE, message="too late")
    assert by_hand.describe("zh") == "too late"
    conflict = Reason(code=ReasonCode.CONFLICT, message="busy", resource="li", booking="bk-1")
    assert conflict.describe() == "li is busy with booking bk-1"
    assert conflict.describe("zh") == "li 已被预约 bk-1 占用"
    with pytest.raises(ValidationError):
        conflict.describe("fr")
