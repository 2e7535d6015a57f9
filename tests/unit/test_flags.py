"""Every yes/no field of a value refuses what is not True or False, where the value is made.

A text typed into a flag used to be accepted, then stored as text (the
memory adapter, the complaint event documents) or refused by an adapter's
encoder with a plain error that quoted it. Found by the no-echo walk over
the SQL adapters.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clubrules.errors import ValidationError

from .hostile._walk import targets, valid_call

BY_NAME_TARGETS = {t.name: t for t in targets()}

FLAGS = [
    ("clubrules.booking.Booking", "late_cancel"),
    ("clubrules.booking.Requirement", "per_person"),
    ("clubrules.booking.Segment", "processing"),
    ("clubrules.privacy.AccessEvent", "allowed"),
    ("clubrules.privacy.ConsentRecord", "separate"),
    ("clubrules.staff.Rubric", "ad_hoc_in_chain"),
    ("clubrules.complaints.ResolutionProposed", "apology"),
    ("clubrules.complaints.Resolved", "substantiated"),
    ("clubrules.complaints.FollowedUp", "satisfied"),
]

NOT_FLAGS: list[Any] = ["青霉素过敏 hypertension", "true", 1, 0, None, 1.0, Decimal(1), [True]]


@pytest.mark.parametrize(("name", "field"), FLAGS)
@pytest.mark.parametrize("value", NOT_FLAGS, ids=repr)
def test_a_flag_refuses_what_is_not_a_bool(name: str, field: str, value: object) -> None:
    call = valid_call(BY_NAME_TARGETS[name])
    with pytest.raises(ValidationError) as caught:
        call.run((field, value))
    assert any((v.field, v.rule) == (field, "not_a_bool") for v in caught.value.violations) or (
        caught.value.field,
        caught.value.rule,
    ) == (field, "not_a_bool")
    assert "青霉素" not in str(caught.value)


# The sample consent covers allergies, which need separate consent: False is refused there.
TAKES = [
    (name, field, value)
    for name, field in FLAGS
    for value in (True, False)
    if (name, value) != ("clubrules.privacy.ConsentRecord", False)
]


@pytest.mark.parametrize(("name", "field", "value"), TAKES)
def test_a_flag_takes_true_and_false(name: str, field: str, value: bool) -> None:
    made = valid_call(BY_NAME_TARGETS[name]).run((field, value))
    assert getattr(made, field) is value
