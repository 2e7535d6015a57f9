from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ValidationError
from clubrules.privacy import Grant, LeakIncident, Purpose, render_leak_notice

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


# --- text no storage can hold -----------------------------------------------------

INCIDENT_TEXTS = ("id", "cause", "possible_harm", "contact")
INCIDENT_LISTS = ("data_types", "remedies", "individual_steps")
UNHOLDABLE = st.sampled_from([("\x00", "nul_character"), ("\ud800", "lone_surrogate")])


def _spoiled(text: str, bad: str, at: int) -> str:
    at = at % (len(text) + 1)
    return text[:at] + bad + text[at:]


@given(
    field=st.sampled_from(INCIDENT_TEXTS + INCIDENT_LISTS),
    text=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=8),
    spoil=UNHOLDABLE,
    at=st.integers(0, 8),
)
def test_an_incident_refuses_unholdable_text_in_any_field_naming_it_only(
    field: str, text: str, spoil: tuple[str, str], at: int
) -> None:
    bad, rule = spoil
    value = _spoiled("x" + text, bad, at)
    given_value: object = (value,) if field in INCIDENT_LISTS else value
    with pytest.raises(ValidationError) as caught:
        incident(**{field: given_value})
    assert [(v.field, v.rule) for v in caught.value.violations] == [(field, rule)]
    assert value not in str(caught.value)


def test_an_incident_names_every_unholdable_text_field_in_order() -> None:
    with pytest.raises(ValidationError) as caught:
        incident(**dict.fromkeys(INCIDENT_TEXTS, "secret\x00text"))
    assert [v.field for v in caught.value.violations] == list(INCIDENT_TEXTS)
    assert "secret" not in str(caught.value)


def test_an_incident_takes_long_free_text_but_not_a_long_id() -> None:
    assert incident(cause="因" * 5000).cause == "因" * 5000
    with pytest.raises(ValidationError) as caught:
        incident(id="i" * 201)
    assert [(v.field, v.rule) for v in caught.value.violations] == [("id", "too_long")]


@given(text=st.text(max_size=5), spoil=UNHOLDABLE)
def test_a_grant_refuses_an_unholdable_field_name_without_echoing_it(
    text: str, spoil: tuple[str, str]
) -> None:
    bad, rule = spoil
    name = f"allergies{bad}{text}"
    with pytest.raises(ValidationError) as caught:
        Grant("beautician", {name, "health"}, {Purpose.SERVICE_DELIVERY})
    found = [(v.field, v.rule) for v in caught.value.violations]
    assert ("fields", rule) in found
    assert {f for f, _ in found} == {"fields"}
    assert name not in str(caught.value)
