"""Values that hold instants are equal when their instants are, whatever zone writes them.

Python compares two datetimes of one zone by wall time and ignores `fold`:
01:30 before and after New York's autumn change compare equal, an hour
apart. And it never finds a time of the repeated hour equal to the same
instant written in another zone. A value class that compares its datetime
fields as Python does would take a record an hour later for the one it has
(a repository answers "already stored"), and refuse the same record resent
in UTC as a different one under its id.

For every public value class whose sample holds an instant, its instants
are moved into New York's repeated hour (kept in order, close together):
the value built with them written in New York must equal the one written
in UTC, hash alike, and differ from the value built an hour later, whose
wall times are the same.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from clubrules._time import to_epoch_us

from ._walk import Call, NoSampleError, guarded, targets, valid_call
from ._zones import call_holds_instant, call_instants, remap, squeeze

NY = ZoneInfo("America/New_York")
# 01:30 on 1 November 2026 in New York, its first pass (EDT); the second is an hour later.
FIRST_PASS_US = to_epoch_us(datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=0))
HOUR_US = 3_600_000_000
# Instants a year apart land a few minutes apart: every one stays in the repeated hour.
SQUEEZE = 100_000


def _value_classes() -> dict[str, Call]:
    found = {}
    for target in targets():
        owner = target.owner
        if target.attr is not None or owner is None or not attrs.has(owner):
            continue
        if owner.__eq__ is object.__eq__:
            continue
        try:
            call = valid_call(target)
        except NoSampleError:
            continue  # test_hostile_inputs.py fails for it
        if call_holds_instant(call):
            found[target.name] = call
    return found


CLASSES = _value_classes()


def _build(call: Call, at_us: int, zone: Any) -> Any:
    anchor = call_instants(call)[0]
    move = squeeze(anchor, at_us, SQUEEZE, zone)
    values = {k: remap(v, move) for k, v in call.values.items()}
    made: list[Any] = []
    error = guarded(lambda: made.append(call.target.resolve()(**values)))
    if error is not None:
        raise error
    return made[0]


def test_the_check_covers_the_values_that_hold_instants() -> None:
    assert len(CLASSES) > 30
    for name in ("complaints.Registered", "customers.ConsumptionRecord", "privacy.ConsentRecord"):
        assert f"clubrules.{name}" in CLASSES


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_values_compare_their_instants_not_their_wall_times(name: str) -> None:
    call = CLASSES[name]
    in_new_york = _build(call, FIRST_PASS_US, NY)
    in_utc = _build(call, FIRST_PASS_US, UTC)
    assert in_new_york == in_utc, "one instant written in two zones: unequal values"
    try:
        own = hash(in_new_york)
    except TypeError:  # a value that holds a dict or a list is not hashable
        pass
    else:
        assert own == hash(in_utc), "equal values, unequal hashes"
    an_hour_later = _build(call, FIRST_PASS_US + HOUR_US, NY)
    assert in_new_york != an_hour_later, "instants an hour apart, same wall times: equal values"
