"""Consents compare instants, not wall times, across the autumn clock change."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import pytest
from hypothesis import given

from clubrules._time import to_epoch_us
from clubrules.errors import ValidationError
from clubrules.privacy import ConsentRecord, Purpose, RetentionRule, deletion_schedule
from clubrules.testing.contracts._instants import FOLD_ZONE, fold_instants


def _consent(
    given_at: datetime,
    *,
    consent_id: str = "k",
    expires_at: datetime | None = None,
    withdrawn_at: datetime | None = None,
) -> ConsentRecord:
    return ConsentRecord(
        id=consent_id,
        customer_id="c",
        purpose=Purpose.MARKETING,
        scope={"phone"},
        given_at=given_at,
        expires_at=expires_at,
        withdrawn_at=withdrawn_at,
    )


@given(given_at=fold_instants(), end=fold_instants())
def test_an_end_is_refused_exactly_when_it_is_before_given_at(
    given_at: datetime, end: datetime
) -> None:
    for field, build in (
        ("expires_at", partial(_consent, given_at, expires_at=end)),
        ("withdrawn_at", partial(_consent, given_at, withdrawn_at=end)),
    ):
        if to_epoch_us(end) < to_epoch_us(given_at):
            with pytest.raises(ValidationError) as caught:
                build()
            assert (caught.value.field, caught.value.rule) == (field, "end_before_start")
        else:
            assert getattr(build(), field) == end


@given(given_at=fold_instants(), withdrawn=fold_instants(), at=fold_instants())
def test_withdraw_refuses_exactly_an_earlier_instant(
    given_at: datetime, withdrawn: datetime, at: datetime
) -> None:
    record = _consent(given_at)
    if to_epoch_us(withdrawn) < to_epoch_us(given_at):
        with pytest.raises(ValidationError):
            record.withdraw(withdrawn)
        return
    done = record.withdraw(withdrawn)
    assert done.ended_at is not None
    assert to_epoch_us(done.ended_at) == to_epoch_us(withdrawn)
    g, w, t = map(to_epoch_us, (given_at, withdrawn, at))
    assert done.is_active(at) is (g <= t < w)
    assert record.is_active(at) is (g <= t)


@given(given_at=fold_instants(), one=fold_instants(), other=fold_instants())
def test_the_earlier_of_withdrawal_and_expiry_ends_it(
    given_at: datetime, one: datetime, other: datetime
) -> None:
    first, second = sorted((one, other), key=to_epoch_us)
    if to_epoch_us(first) < to_epoch_us(given_at):
        return
    for withdrawn_at, expires_at in ((first, second), (second, first)):
        record = _consent(given_at, withdrawn_at=withdrawn_at, expires_at=expires_at)
        assert record.ended_at is not None
        assert to_epoch_us(record.ended_at) == to_epoch_us(first)


@given(one=fold_instants(), other=fold_instants())
def test_deletion_is_due_at_the_latest_end_as_an_instant(one: datetime, other: datetime) -> None:
    given_at = datetime(2026, 10, 1, tzinfo=FOLD_ZONE)
    records = [
        _consent(given_at, consent_id="k-1", withdrawn_at=one),
        _consent(given_at, consent_id="k-2", expires_at=other),
    ]
    as_of = datetime(2026, 11, 2, tzinfo=FOLD_ZONE)
    rules = [RetentionRule(field="phone", purpose=Purpose.MARKETING, keep_for=timedelta(0))]
    (due,) = deletion_schedule(records, rules, as_of=as_of)
    assert to_epoch_us(due.due_at) == max(to_epoch_us(one), to_epoch_us(other))


def test_a_withdrawal_in_the_second_one_oclock_hour_follows_consent_in_the_first() -> None:
    given_at = datetime(2026, 11, 1, 1, 50, tzinfo=FOLD_ZONE)  # 05:50 UTC
    later = datetime(2026, 11, 1, 1, 10, tzinfo=FOLD_ZONE, fold=1)  # 06:10 UTC
    record = _consent(given_at, withdrawn_at=later)
    assert record.is_active(datetime(2026, 11, 1, 1, 55, tzinfo=FOLD_ZONE))
    assert not record.is_active(datetime(2026, 11, 1, 1, 15, tzinfo=FOLD_ZONE, fold=1))
    assert _consent(given_at).withdraw(later).withdrawn_at == later
