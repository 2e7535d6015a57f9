"""Consent per customer and purpose, and retention rules that turn it into a deletion schedule."""

from __future__ import annotations

import enum
from collections.abc import Iterable  # noqa: TC003 - resolved at runtime by get_type_hints
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from clubrules._checks import (
    TEXT_MAX_CHARS,
    check_flag,
    check_storable,
    check_storable_text,
    require_choice,
    require_instance,
    require_items,
    require_names,
    require_str,
    shown,
    texts_checked,
)
from clubrules._time import (
    canonical_instant,
    from_epoch_us,
    instants_compared,
    require_aware,
    to_epoch_us,
)
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.privacy._sensitive import SENSITIVE_FIELDS, is_sensitive_field

__all__ = [
    "SENSITIVE_FIELDS",
    "ConsentRecord",
    "DeletionDue",
    "Purpose",
    "RetentionRule",
    "active_consent",
    "deletion_schedule",
]


class Purpose(enum.StrEnum):
    """Why customer data is processed."""

    SERVICE_DELIVERY = "service_delivery"
    """Serving the customer: bookings, treatments, aftercare."""
    MARKETING = "marketing"
    """Promotions, greetings, offers."""
    THIRD_PARTY_DISCLOSURE = "third_party_disclosure"
    """Handing data to someone outside the club (PIPL Art. 23)."""


def _frozen_strs(values: Iterable[str]) -> frozenset[str]:
    return require_names(values, "scope")


def _purpose(value: object) -> Purpose:
    return require_choice(Purpose, value, "purpose")


def _given_at(value: object) -> datetime:
    return canonical_instant(value, "given_at")


def _expires_at(value: object) -> datetime | None:
    return None if value is None else canonical_instant(value, "expires_at")


def _withdrawn_at(value: object) -> datetime | None:
    return None if value is None else canonical_instant(value, "withdrawn_at")


@attrs.frozen(field_transformer=instants_compared)
class ConsentRecord:
    """A customer's consent to one purpose, over a scope of fields.

    Sensitive fields (health, allergies) need separate consent (PIPL Art.
    29): a record whose scope includes one must have `separate=True` and
    cover sensitive fields only, never bundled with other data. A field
    counts as sensitive however its name is written: `"Allergies"`,
    `" allergies"` and `"customer.allergies"` do too. Disclosure to
    a third party must name the recipient.

    Attributes:
        id: The record's identifier.
        customer_id: Whose consent.
        purpose: For what.
        scope: The fields covered, for example `{"phone", "name"}` or `{"allergies"}`.
        given_at: When it was given (aware).
        separate: Whether it was asked for and given on its own, as sensitive
            data requires.
        expires_at: When it lapses by itself, if ever.
        withdrawn_at: When it was withdrawn, if it was.
        recipient: The third party, for `THIRD_PARTY_DISCLOSURE`.
        evidence: Where the proof is kept (a form id, a signed page).

    Raises:
        ValidationError: every problem at once (`bundled_sensitive_consent`,
            `missing_recipient`, `empty_scope`, `end_before_start`;
            `not_a_string` for ids, a recipient or evidence that is not a
            string; and `nul_character`, `lone_surrogate` or `too_long` for
            text that no storage can hold: ids, scope fields and the
            recipient have at most 200 characters, the evidence at most
            100,000).
    """

    id: str
    customer_id: str
    purpose: Purpose = attrs.field(converter=_purpose)
    scope: frozenset[str] = attrs.field(converter=_frozen_strs)
    given_at: datetime = attrs.field(converter=_given_at)
    separate: bool = False
    expires_at: datetime | None = attrs.field(default=None, converter=_expires_at)
    withdrawn_at: datetime | None = attrs.field(default=None, converter=_withdrawn_at)
    recipient: str | None = None
    evidence: str = ""

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        if not self.id or not self.customer_id:
            problems.add("id", "non_empty", "id and customer_id must not be empty")
        for name in ("id", "customer_id"):
            check_storable_text(problems, name, getattr(self, name))
        check_storable_text(problems, "recipient", self.recipient, optional=True)
        for item in self.scope:
            check_storable(problems, "scope", item)
        check_storable_text(problems, "evidence", self.evidence, limit=TEXT_MAX_CHARS)
        check_flag(problems, "separate", self.separate)
        if not self.scope:
            problems.add("scope", "empty_scope", "must name at least one field")
        # However a name is written ("Allergies", "customer.allergies"), it is
        # classified in one place.
        names = {name for name in self.scope if type(name) is str and name.strip()}
        if names != self.scope:
            problems.add("scope", "non_empty_string", "every field must be a non-empty string")
        sensitive = {name for name in names if is_sensitive_field(name)}
        others = names - sensitive
        if sensitive and not self.separate:
            problems.add(
                "separate",
                "bundled_sensitive_consent",
                f"sensitive fields {sorted(sensitive)} need separate consent (PIPL Art. 29)",
            )
        if sensitive and others:
            problems.add(
                "scope",
                "bundled_sensitive_consent",
                "separate consent for sensitive fields must not cover other fields: "
                f"{', '.join(sorted(shown(f) for f in others))}",
            )
        if self.purpose is Purpose.THIRD_PARTY_DISCLOSURE and not self.recipient:
            problems.add("recipient", "missing_recipient", "disclosure must name the third party")
        given_us = to_epoch_us(self.given_at)
        for name in ("expires_at", "withdrawn_at"):
            end = getattr(self, name)
            if end is not None and to_epoch_us(end) < given_us:
                problems.add(name, "end_before_start", "must not be before given_at")
        problems.raise_if_any()

    def is_active(self, at: datetime) -> bool:
        """Whether the consent holds at `at` (given, not expired, not withdrawn)."""
        at_us = to_epoch_us(require_aware(at, "at"))
        end = self.ended_at
        return to_epoch_us(self.given_at) <= at_us and (end is None or at_us < to_epoch_us(end))

    @property
    def ended_at(self) -> datetime | None:
        """When the consent stopped holding: withdrawn or expired, whichever came first."""
        ends = [t for t in (self.withdrawn_at, self.expires_at) if t is not None]
        return min(ends, key=to_epoch_us) if ends else None

    def withdraw(self, at: datetime) -> ConsentRecord:
        """The record withdrawn at `at` (an earlier withdrawal is kept)."""
        require_aware(at, "at")
        if self.withdrawn_at is not None:
            return self
        if to_epoch_us(at) < to_epoch_us(self.given_at):
            raise ValidationError(
                "must not be before given_at", field="at", rule="end_before_start"
            )
        return attrs.evolve(self, withdrawn_at=at)

    def covers(self, field: str, purpose: Purpose, at: datetime) -> bool:
        """Whether this record lets `field` be used for `purpose` at `at`.

        `purpose` may be given by value (`"marketing"`), as `active_consent`
        takes it.

        Raises:
            ValidationError: `field` is not a string, or `purpose` names no
                `Purpose` (rule `unknown_choice`).
            NaiveDatetimeError: `at` is naive or not a datetime.
        """
        require_str(field, "field")
        if type(purpose) is not Purpose:  # "marketing" was no Purpose.MARKETING: never covered
            purpose = require_choice(Purpose, purpose, "purpose")
        return self.purpose is purpose and field in self.scope and self.is_active(at)


def active_consent(
    records: Iterable[ConsentRecord], *, field: str, purpose: Purpose, at: datetime
) -> ConsentRecord | None:
    """The first record that lets `field` be used for `purpose` at `at`, or None."""
    records = require_items(records, ConsentRecord, "records")
    require_str(field, "field")
    require_aware(at, "at")
    purpose = require_choice(Purpose, purpose, "purpose")
    for record in records:
        if record.covers(field, purpose, at):
            return record
    return None


_ONE_US: Final = timedelta(microseconds=1)


def _non_negative(_instance: object, attribute: attrs.Attribute[timedelta], v: timedelta) -> None:
    require_instance(v, timedelta, attribute.name)
    if v < timedelta(0):
        raise ValidationError("must not be negative", field=attribute.name, rule="non_negative")


@attrs.frozen
class RetentionRule:
    """How long a field may be kept for a purpose once that purpose's consent ends.

    Attributes:
        field: The field, for example `"allergies"`.
        purpose: The purpose the rule applies to.
        keep_for: How long after the consent ends (withdrawn or expired) the
            field must be deleted, as elapsed time from that instant; zero
            means at once.

    Raises:
        ValidationError: `field` is not a non-blank name, `purpose` not a
            `Purpose`, or `keep_for` not a non-negative timedelta.
    """

    field: str
    purpose: Purpose = attrs.field(converter=_purpose)
    keep_for: timedelta = attrs.field(validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        texts_checked(self, "field").raise_if_any()


@attrs.frozen(field_transformer=instants_compared)
class DeletionDue:
    """A field of a customer that must be deleted by a deadline.

    Attributes:
        customer_id: Whose data.
        field: Which field.
        due_at: The deadline.
        reason: Which consents ended, and how, in the order they ended
            (then by id), for example
            `"consent ended: k-2 (service_delivery) withdrawn"`.
    """

    customer_id: str
    field: str
    due_at: datetime
    reason: str


def _after(end: datetime, keep: timedelta) -> datetime:
    """`keep` of elapsed time after the instant `end`, shown in the zone of `end`.

    Worked on the instant, not the wall time: `end + keep` keeps the wall
    clock reading, so one end written in New York and in UTC gave deadlines
    an hour apart across a DST change (and it lost the end's fold).
    """
    try:
        return from_epoch_us(to_epoch_us(end) + keep // _ONE_US, end.tzinfo or UTC)
    except ValidationError:
        raise ValidationError(
            f"gives a deletion deadline past year 9999 for a consent that ended {end.isoformat()}",
            field="keep_for",
            rule="out_of_range",
        ) from None


def _end_order(record: ConsentRecord) -> tuple[int, str, str, int]:
    """A consent's place in a deletion's reason: when it ended, then its id and purpose."""
    end = record.ended_at
    assert end is not None  # noqa: S101 - only ended consents are ordered
    return (to_epoch_us(end), record.id, record.purpose.value, to_epoch_us(record.given_at))


def deletion_schedule(
    records: Iterable[ConsentRecord], rules: Iterable[RetentionRule], *, as_of: datetime
) -> list[DeletionDue]:
    """Which fields must be deleted, and by when, given the consents as of `as_of`.

    A field is kept while any consent covering it, for a purpose that has a
    retention rule for it, is active. Once none is, it is due for deletion
    at the latest end of those consents plus that purpose's `keep_for`. A
    field with no consent record at all is not scheduled here (it is not
    held on the strength of consent).

    `keep_for` is elapsed time, added to the instant a consent ended (30
    days are 720 hours, across a DST change too), and the deadline is shown
    in the zone that end was written in: the same end written in any zone
    gives the same deadline.

    The reason lists the ended consents in the order they ended (then by
    id), and when two of them give the latest deadline at one instant, the
    deadline is shown in the zone of the one listed first: the schedule does
    not depend on the order of `records` or `rules`.

    Returns:
        The due deletions, sorted by deadline, then customer, then field.

    Raises:
        ValidationError: a deadline would fall past year 9999 (field
            `keep_for`, rule `out_of_range`).
    """
    records = require_items(records, ConsentRecord, "records")
    rules = require_items(rules, RetentionRule, "rules")
    as_of_us = to_epoch_us(require_aware(as_of, "as_of"))
    rule_map: dict[tuple[str, Purpose], timedelta] = {}
    for rule in rules:
        key = (rule.field, rule.purpose)
        rule_map[key] = min(rule.keep_for, rule_map.get(key, rule.keep_for))
    fields = {f for f, _ in rule_map}
    by_place: dict[tuple[str, str], list[ConsentRecord]] = {}
    for record in records:
        for field in record.scope & fields:
            if (field, record.purpose) in rule_map and to_epoch_us(record.given_at) <= as_of_us:
                by_place.setdefault((record.customer_id, field), []).append(record)
    due: list[DeletionDue] = []
    for (customer_id, field), consents in by_place.items():
        if any(c.is_active(as_of) for c in consents):
            continue
        deadline = None
        reasons = []
        # In the order the consents ended (then by id and purpose), whatever
        # order they came in: the reason, and the zone of a deadline reached
        # by two consents at one instant, never depend on the input's order.
        for c in sorted(consents, key=_end_order):
            end = c.ended_at
            assert end is not None  # noqa: S101 - not active and given, so ended
            candidate = _after(end, rule_map[(field, c.purpose)])
            if deadline is None or to_epoch_us(candidate) > to_epoch_us(deadline):
                deadline = candidate
            how = "withdrawn" if c.withdrawn_at is end else "expired"
            reasons.append(f"{c.id} ({c.purpose.value}) {how}")
        assert deadline is not None  # noqa: S101
        due.append(
            DeletionDue(customer_id, field, deadline, "consent ended: " + ", ".join(reasons))
        )
    due.sort(key=lambda d: (to_epoch_us(d.due_at), d.customer_id, d.field))
    return due
