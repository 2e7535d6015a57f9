from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from clubrules.errors import ValidationError
from clubrules.privacy import LeakIncident, render_leak_notice

AT = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)


def incident(**changes: object) -> LeakIncident:
    fields: dict[str, object] = {
        "id": "inc-1",
        "detected_at": AT,
        "data_types": ("手机号码", "过敏史"),
        "cause": "前台电脑被植入木马，导出了客户表",  # noqa: RUF001
        "possible_harm": "可能收到诈骗电话",
        "remedies": ("已断网并清除木马", "已轮换全部密钥"),
        "individual_steps": ("警惕自称本店的来电",),
        "contact": "隐私负责人 李女士 400-000-0000",
        "affected_count": 312,
    }
    fields.update(changes)
    return LeakIncident(**fields)  # type: ignore[arg-type]


def test_every_art_57_field_is_required_and_reported_together() -> None:
    with pytest.raises(ValidationError) as caught:
        incident(
            data_types=(),
            cause=" ",
            possible_harm="",
            remedies=(),
            individual_steps=(""),
            contact="",
        )
    assert set(caught.value.fields) == {
        "data_types",
        "cause",
        "possible_harm",
        "remedies",
        "individual_steps",
        "contact",
    }


def test_notice_states_everything_art_57_asks_for() -> None:
    text = render_leak_notice(incident())
    for part in [
        "个人信息泄露事件告知",
        "手机号码、过敏史",
        "前台电脑被植入木马",
        "可能收到诈骗电话",
        "1. 已断网并清除木马",
        "2. 已轮换全部密钥",
        "警惕自称本店的来电",
        "400-000-0000",
        "312",
        "发现时间：2026年5月4日（周一）10:30（UTC）",  # noqa: RUF001
    ]:
        assert part in text


def test_english_notice_and_unknown_language() -> None:
    text = render_leak_notice(incident(affected_count=None), language="en")
    assert text.startswith("Notice of a personal information leak")
    assert "Steps you can take:" in text
    assert "Detected: Mon 4 May 2026 10:30 (UTC)" in text
    assert "People affected" not in text
    with pytest.raises(ValidationError):
        render_leak_notice(incident(), language="fr")


def test_the_detection_time_keeps_its_offset() -> None:
    shanghai = incident(detected_at=datetime(2026, 5, 4, 18, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert "2026年5月4日（周一）18:30（UTC+08:00）" in render_leak_notice(shanghai)  # noqa: RUF001
    english = render_leak_notice(shanghai, language="en")
    assert "Detected: Mon 4 May 2026 18:30 (UTC+08:00)" in english
