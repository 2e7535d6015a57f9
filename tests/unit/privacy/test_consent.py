from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clubrules.errors import NaiveDatetimeError, ValidationError
from clubrules.privacy import (
    ConsentRecord,
    DeletionDue,
    Purpose,
    RetentionRule,
    active_consent,
    deletion_schedule,
)

T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)
DAY = timedelta(days=1)


def consent(
    cid: str = "k-1",
    *,
    customer: str = "c-1",
    purpose: Purpose = Purpose.SERVICE_DELIVERY,
    scope: frozenset[str] = frozenset({"allergies"}),
    at: datetime = T0,
    separate: bool = True,
    **more: object,
) -> ConsentRecord:
    return ConsentRecord(
        id=cid,
        customer_id=customer,
        purpose=purpose,
        scope=scope,
        given_at=at,
        separate=separate,
        **more,  # type: ignore[arg-type]
    )


def test_sensitive_data_needs_separate_consent() -> None:
    with pytest.raises(ValidationError) as caught:
        consent(separate=False)
    assert caught.value.rule == "bundled_sensitive_consent"


def test_separate_consent_cannot_be_bundled_with_other_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        consent(scope=frozenset({"allergies", "phone"}))
    assert caught.value.rule == "bundled_sensitive_consent"
    assert consent(scope=frozenset({"phone", "name"}), separate=False).scope == {"phone", "name"}


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        consent(
            purpose=Purpose.THIRD_PARTY_DISCLOSURE,
            scope=frozenset({"health", "phone"}),
            separate=False,
            withdrawn_at=T0 - DAY,
        )
    assert {v.rule for v in caught.value.violations} == {
        "bundled_sensitive_consent",
        "missing_recipient",
        "end_before_start",
    }


def test_naive_times_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        consent(at=datetime(2026, 1, 1))  # noqa: DTZ001 - naive on purpose


def test_consent_holds_from_given_until_withdrawn_or_expired() -> None:
    record = consent(expires_at=T0 + 10 * DAY)
    assert not record.is_active(T0 - timedelta(seconds=1))
    assert record.is_active(T0)
    assert not record.is_active(T0 + 10 * DAY)
    withdrawn = record.withdraw(T0 + 3 * DAY)
    assert withdrawn.is_active(T0 + 2 * DAY)
    assert not withdrawn.is_active(T0 + 3 * DAY)
    assert withdrawn.withdraw(T0 + 5 * DAY).withdrawn_at == T0 + 3 * DAY
    assert withdrawn.ended_at == T0 + 3 * DAY


def test_consent_is_per_purpose_and_scope() -> None:
    records = [
        consent(),
        consent("k-2", purpose=Purpose.MARKETING, scope=frozenset({"phone"}), separate=False),
    ]
    at = T0 + DAY
    assert active_consent(records, field="allergies", purpose=Purpose.SERVICE_DELIVERY, at=at)
    assert not active_consent(records, field="allergies", purpose=Purpose.MARKETING, at=at)
    assert not active_consent(records, field="health", purpose=Purpose.SERVICE_DELIVERY, at=at)
    assert active_consent(records, field="phone", purpose=Purpose.MARKETING, at=at)


RULES = [
    RetentionRule("allergies", Purpose.SERVICE_DELIVERY, timedelta(days=30)),
    RetentionRule("phone", Purpose.MARKETING, timedelta(0)),
    RetentionRule("phone", Purpose.SERVICE_DELIVERY, timedelta(days=90)),
]


def test_withdrawal_schedules_deletion_per_the_retention_rule() -> None:
    records = [consent().withdraw(T0 + 5 * DAY)]
    assert deletion_schedule(records, RULES, as_of=T0 + 4 * DAY) == []
    [due] = deletion_schedule(records, RULES, as_of=T0 + 6 * DAY)
    assert due == DeletionDue("c-1", "allergies", T0 + 35 * DAY, due.reason)
    assert "k-1" in due.reason
    assert "withdrawn" in due.reason


def test_a_field_still_needed_for_another_purpose_is_kept() -> None:
    records = [
        consent(
            "m", purpose=Purpose.MARKETING, scope=frozenset({"phone"}), separate=False
        ).withdraw(T0 + DAY),
        consent("s", scope=frozenset({"phone"}), separate=False),
    ]
    assert deletion_schedule(records, RULES, as_of=T0 + 10 * DAY) == []
    records[1] = records[1].withdraw(T0 + 20 * DAY)
    [due] = deletion_schedule(records, RULES, as_of=T0 + 21 * DAY)
    # The latest basis ended on day 20 and keeps phone 90 days more.
    assert due.due_at == T0 + 110 * DAY


def test_expiry_counts_as_an_end() -> None:
    records = [consent(expires_at=T0 + 2 * DAY)]
    [due] = deletion_schedule(records, RULES, as_of=T0 + 3 * DAY)
    assert due.due_at == T0 + 32 * DAY
    assert "expired" in due.reason


@st.composite
def histories(draw: st.DrawFn) -> list[ConsentRecord]:
    out = []
    for i in range(draw(st.integers(0, 6))):
        purpose = draw(st.sampled_from([Purpose.SERVICE_DELIVERY, Purpose.MARKETING]))
        field = draw(st.sampled_from(["allergies", "phone"]))
        given = T0 + draw(st.integers(0, 30)) * DAY
        record = ConsentRecord(
            id=f"k-{i}",
            customer_id=draw(st.sampled_from(["c-1", "c-2"])),
            purpose=purpose,
            scope={field},
            given_at=given,
            separate=field == "allergies",
        )
        if draw(st.booleans()):
            record = record.withdraw(given + draw(st.integers(0, 30)) * DAY)
        out.append(record)
    return out


@settings(max_examples=200)
@given(records=histories(), day=st.integers(0, 80))
def test_schedule_matches_a_day_by_day_oracle(records: list[ConsentRecord], day: int) -> None:
    as_of = T0 + day * DAY
    rules = {(r.field, r.purpose): r.keep_for for r in RULES}
    expected = {}
    for customer in ("c-1", "c-2"):
        for field in ("allergies", "phone"):
            bases = [
                r
                for r in records
                if r.customer_id == customer
                and field in r.scope
                and (field, r.purpose) in rules
                and r.given_at <= as_of
            ]
            if not bases or any(r.is_active(as_of) for r in bases):
                continue
            ends = [r.withdrawn_at + rules[(field, r.purpose)] for r in bases]  # type: ignore[operator]
            expected[(customer, field)] = max(ends)
    got = {
        (d.customer_id, d.field): d.due_at for d in deletion_schedule(records, RULES, as_of=as_of)
    }
    assert got == expected


def test_a_consent_expiring_in_a_dst_gap_equals_itself_read_back() -> None:
    from zoneinfo import ZoneInfo  # noqa: PLC0415 - only this test

    new_york = ZoneInfo("America/New_York")
    given = datetime(2025, 3, 9, 2, 30, tzinfo=new_york) - timedelta(days=365)
    # A year later at the same wall time falls in the spring-forward gap.
    record = ConsentRecord(
        id="k-1",
        customer_id="c-1",
        purpose=Purpose.MARKETING,
        scope={"phone"},
        given_at=given,
        expires_at=given + timedelta(days=365),
    )
    assert record.expires_at == datetime(2025, 3, 9, 3, 30, tzinfo=new_york)
    stored_and_read = datetime.fromtimestamp(record.expires_at.timestamp(), new_york)
    assert stored_and_read == record.expires_at


@pytest.mark.parametrize(
    "name", ["Allergies", " allergies", "customer.allergies", "HEALTH", "allergy_flags"]
)
def test_sensitive_fields_need_separate_consent_however_they_are_written(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        consent(scope=frozenset({name}), separate=False)
    assert caught.value.rule == "bundled_sensitive_consent"
    with pytest.raises(ValidationError) as caught:
        consent(scope=frozenset({name, "phone"}), separate=True)
    assert caught.value.rule == "bundled_sensitive_consent"
    assert consent(scope=frozenset({name}), separate=True).scope == {name}


def test_a_scope_names_fields_as_text() -> None:
    with pytest.raises(ValidationError) as caught:
        consent(scope=frozenset({"phone", ""}), separate=False)
    assert caught.value.rule == "non_empty_string"
