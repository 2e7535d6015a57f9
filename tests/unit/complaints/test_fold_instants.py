"""A case orders its events as instants, not wall times, across the autumn clock change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.complaints import (
    Case,
    CaseKind,
    CustomerContacted,
    TargetKind,
    apply,
    default_book,
    register,
)
from clubrules.errors import ValidationError
from clubrules.testing.contracts._instants import FOLD_ZONE, fold_instants

BOOK = default_book()


def _case(at: datetime) -> Case:
    return register(
        BOOK,
        case_id="k-1",
        at=at,
        kind=CaseKind.COMPLAINT,
        channel="wechat",
        customer_id="c-1",
        contact="wx-id",
        content="the towel was not clean",
    )


@given(registered=fold_instants(), contacted=fold_instants(), later=fold_instants())
def test_an_event_is_refused_exactly_when_it_is_earlier_as_an_instant(
    registered: datetime, contacted: datetime, later: datetime
) -> None:
    r, c, t = map(to_epoch_us, (registered, contacted, later))
    case = _case(registered)
    if c < r:
        with pytest.raises(ValidationError) as caught:
            apply(case, CustomerContacted(at=contacted, by="s-1", channel="phone"))
        assert (caught.value.field, caught.value.rule) == ("at", "before_registration")
        return
    case = apply(case, CustomerContacted(at=contacted, by="s-1", channel="phone"))
    event = CustomerContacted(at=later, by="s-2", channel="phone")
    if t < c:
        with pytest.raises(ValidationError) as caught:
            apply(case, event)
        rule = "before_registration" if t < r else "out_of_order"
        assert (caught.value.field, caught.value.rule) == ("at", rule)
    else:
        assert apply(case, event).events[-1] == event


def test_a_contact_in_the_first_one_oclock_hour_is_before_a_registration_in_the_second() -> None:
    case = _case(datetime(2026, 11, 1, 1, 10, tzinfo=FOLD_ZONE, fold=1))  # 06:10 UTC
    with pytest.raises(ValidationError) as caught:
        apply(
            case,
            CustomerContacted(
                at=datetime(2026, 11, 1, 1, 50, tzinfo=FOLD_ZONE), by="s-1", channel="phone"
            ),
        )
    assert caught.value.rule == "before_registration"


_ZONES = st.sampled_from(
    [UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), timezone(-timedelta(hours=3.5))]
)


@given(
    st.datetimes(
        min_value=datetime(1950, 1, 1),  # noqa: DTZ001 - hypothesis' bounds are naive
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=_ZONES,
    ),
    st.timedeltas(timedelta(0), timedelta(days=400)),
)
def test_the_fold_reads_each_event_as_its_exact_epoch_microsecond(
    registered: datetime, later: timedelta
) -> None:
    # The fold computes epoch microseconds itself; they must equal to_epoch_us, before
    # 1970 too, in any zone and across clock changes.
    contacted = (registered.astimezone(UTC) + later).astimezone(registered.tzinfo)
    case = apply(_case(registered), CustomerContacted(at=contacted, by="s-1", channel="phone"))
    assert case.last_us == to_epoch_us(contacted)
    first_response = case.runs[[r.kind for r in case.runs].index(TargetKind.FIRST_RESPONSE)]
    assert (first_response.start_us, first_response.end_us) == (
        to_epoch_us(registered),
        to_epoch_us(contacted),
    )
