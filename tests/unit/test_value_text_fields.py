"""Each value class reports every bad text field at once, in field order, by name.

A user who passes several blank or mistyped ids gets one error that names
each of them, in the order the class declares them; an access event with NUL
characters in several labels likewise names each label.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.activities import Activity, Invitation, SignUp
from clubrules.care import Question, SurveyResponse
from clubrules.customers import ConsumptionRecord, ServiceRecord
from clubrules.errors import ValidationError
from clubrules.privacy import AccessEvent
from clubrules.staff import Criterion, SubItem, WarningRecord
from clubrules.tiering import TierStatus
from clubrules.training import Attendance, Completion, StaffMember, TrainingRequirement
from tests.unit.hostile._samples import sample_of

# Each class, with the text fields its checks begin with.
TEXT_FIELDS: dict[type, tuple[str, ...]] = {
    Activity: ("id", "name"),
    Invitation: ("activity_id", "customer_id", "channel", "consent_id"),
    SignUp: ("activity_id", "customer_id"),
    Question: ("id", "dimension"),
    SurveyResponse: ("id", "questionnaire_id", "customer_id"),
    ConsumptionRecord: ("id", "customer_id"),
    ServiceRecord: ("id", "customer_id", "service", "staff_id"),
    Criterion: ("key", "name"),
    SubItem: ("key", "name"),
    WarningRecord: ("id", "staff_id", "sheet_id", "band"),
    TierStatus: ("customer_id", "tier"),
    Attendance: ("session_id", "staff_id"),
    Completion: ("id", "staff_id"),
    StaffMember: ("id", "role"),
    TrainingRequirement: ("id", "name"),
}

# An access event's labels may be blank; they must be storable.
LABELS = ("actor", "role", "customer_id", "field", "reason")


def _refused(value: Any, changes: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        attrs.evolve(value, **changes)
    return caught.value


@pytest.mark.parametrize("cls", list(TEXT_FIELDS), ids=lambda cls: cls.__name__)
@given(bad=st.sampled_from(["", "   ", 7, None]))
def test_every_bad_text_field_is_named_in_order(cls: type, bad: object) -> None:
    fields = TEXT_FIELDS[cls]
    error = _refused(sample_of(cls), dict.fromkeys(fields, bad))
    rule = "empty" if isinstance(bad, str) else "not_a_string"
    assert [(v.field, v.rule) for v in error.violations] == [(f, rule) for f in fields]


@pytest.mark.parametrize("cls", list(TEXT_FIELDS), ids=lambda cls: cls.__name__)
def test_one_bad_text_field_is_the_only_one_named(cls: type) -> None:
    for field in TEXT_FIELDS[cls]:
        error = _refused(sample_of(cls), {field: "  "})
        assert [(v.field, v.rule) for v in error.violations] == [(field, "empty")]


@given(label=st.sampled_from(LABELS), text=st.text(max_size=5))
def test_an_access_event_refuses_a_nul_in_any_label(label: str, text: str) -> None:
    error = _refused(sample_of(AccessEvent), {label: f"{text}\x00"})
    assert [(v.field, v.rule) for v in error.violations] == [(label, "nul_character")]


def test_an_access_event_names_every_unstorable_label_in_order() -> None:
    error = _refused(sample_of(AccessEvent), dict.fromkeys(LABELS, "a\x00b"))
    assert [v.field for v in error.violations] == list(LABELS)
    assert "a\x00b" not in str(error)
