"""The customer profile, and the consumption and service records of each visit."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime

import attrs

from clubrules._checks import (
    TEXT_MAX_CHARS,
    check_choice,
    check_instant_field,
    check_optional_text,
    check_storable,
    check_tags,
    check_text,
    raise_collected,
    texts_checked,
    to_choice,
    to_frozenset,
)
from clubrules._time import instants_compared
from clubrules.customers._phone import PhoneNumber
from clubrules.customers._sealed import Sealed
from clubrules.errors import ViolationCollector
from clubrules.money import Money

__all__ = [
    "SEALED_FIELDS",
    "ConsumptionKind",
    "ConsumptionRecord",
    "Customer",
    "Gender",
    "ServiceRecord",
]

SEALED_FIELDS = ("health", "allergies", "beauty_needs")
"""The archive fields of a `Customer` that hold only `Sealed` values."""

# Loose on purpose: one @, something on each side, a dot in the domain, no
# spaces. Deliverability is for a confirmation mail to prove, not a regex.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_WECHAT_MAX = 64
_EMAIL_MAX = 254  # RFC 5321's longest forward path


class Gender(enum.Enum):
    """A customer's gender, as they state it.

    Storage keeps the lower-case value; a `Customer` also accepts the value
    or the name as a string (`"female"`, `"FEMALE"`).
    """

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


class ConsumptionKind(enum.Enum):
    """What a consumption record is.

    Only a `PURCHASE` counts as spend. A `REFUND` is money paid back (a
    positive amount), which net spend subtracts; a `REDEMPTION` uses up
    something paid for earlier (a package session, a voucher, points) and is
    not spend at all, since the money was counted when the package was bought.
    """

    PURCHASE = "purchase"
    REFUND = "refund"
    REDEMPTION = "redemption"


def _to_gender(value: object) -> Gender:
    return to_choice(Gender, value)


def _to_kind(value: object) -> ConsumptionKind:
    return to_choice(ConsumptionKind, value)


def _mask_name(name: str) -> str:
    """The first character of a name, then `*`s (CJK) or `***` (other scripts)."""
    text = "".join(name.split())
    if not text:
        return "?"
    if "CJK" in unicodedata.name(text[0], ""):
        return text[0] + "*" * (len(text) - 1)
    return text[0].upper() + "***"


def _mask_email(email: str) -> str:
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _normalise_email(value: object) -> object:
    # The domain part is case-insensitive; the local part is kept as given.
    if isinstance(value, str) and _EMAIL.fullmatch(value.strip()):
        local, _, domain = value.strip().rpartition("@")
        return f"{local}@{domain.lower()}"
    return value


def _check_sealed(problems: ViolationCollector, field: str, value: object) -> None:
    if value is None or isinstance(value, Sealed):
        return
    # The value is plaintext (or something else): name its type, never its content.
    problems.add(
        field,
        "not_sealed",
        f"must be Sealed or None, not {type(value).__name__}: seal it with "
        "clubrules.privacy (for example PrivacyVault.seal) before it reaches the archive",
    )


@attrs.frozen(kw_only=True, repr=False, field_transformer=instants_compared)
class Customer:
    """A customer's profile and archive.

    Every field is checked when the value is built, and every problem is
    reported at once in one `ValidationError`. The archive fields `health`,
    `allergies` and `beauty_needs` hold only [Sealed][clubrules.customers.Sealed]
    values made by `clubrules.privacy`: plaintext there is refused, so it
    cannot be stored by mistake. `repr` and `str` mask the name and phone and
    omit the email, WeChat id and sealed fields' content. Two customers are
    equal when their fields are, `registered_at` compared as an instant.

    Attributes:
        id: The integrator's identifier.
        name: The customer's name (sensitive: masked in `repr`, never in errors).
        registered_at: When the customer registered (timezone-aware).
        phone: A [PhoneNumber][clubrules.customers.PhoneNumber] from
            [parse_phone][clubrules.customers.parse_phone]; a plain string is
            refused, so that every number is parsed once, with a known region.
        gender: A [Gender][clubrules.customers.Gender]; its value or name as a
            string is accepted.
        birthday: The date of birth, if known (a `date`, not a `datetime`).
        occupation: Free text, if known.
        email: An email address, checked loosely (one `@`, a dot in the
            domain, no spaces); the domain is lower-cased.
        wechat: A WeChat id: no spaces, at most 64 characters.
        tags: Preference tags, such as `{"vip", "prefers-mornings"}`.
        needs: Needs tags, such as `{"anti-ageing"}`.
        health: The sealed health condition, or None.
        allergies: The sealed allergy history, or None.
        beauty_needs: The sealed beauty needs of the archive, or None.

    Raises:
        ValidationError: one or more fields are invalid; `violations` lists
            them all. A narrower subclass (`NaiveDatetimeError`,
            `InvalidPhoneNumberError`) is raised when that is the only kind
            of problem.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from clubrules.customers import parse_phone
        >>> Customer(
        ...     id="c-001",
        ...     name="王芳",
        ...     phone=parse_phone("138 0013 8000"),
        ...     registered_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
        ... )
        Customer(id='c-001', name='王*', phone='138****8000', gender=UNDISCLOSED)
    """

    id: str
    name: str
    registered_at: datetime
    phone: PhoneNumber | None = None
    gender: Gender = attrs.field(default=Gender.UNDISCLOSED, converter=_to_gender)
    birthday: date | None = None
    occupation: str | None = None
    email: str | None = attrs.field(default=None, converter=_normalise_email)
    wechat: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    needs: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    health: Sealed | None = None
    allergies: Sealed | None = None
    beauty_needs: Sealed | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        check_text(problems, "id", self.id, sensitive=False)
        check_text(problems, "name", self.name, sensitive=True)
        check_instant_field(problems, self, "registered_at")
        phone: object = self.phone
        if phone is not None and not isinstance(phone, PhoneNumber):
            problems.add(
                "phone",
                "not_parsed",
                f"must be a PhoneNumber, not {type(phone).__name__}: parse it with "
                "clubrules.customers.parse_phone(text, region=...)",
            )
        check_choice(problems, "gender", self.gender, Gender)
        birthday: object = self.birthday
        if birthday is not None and (
            isinstance(birthday, datetime) or not isinstance(birthday, date)
        ):
            problems.add("birthday", "not_a_date", f"must be a date, not {type(birthday).__name__}")
        check_optional_text(problems, "occupation", self.occupation)
        email: object = self.email
        if email is not None and not (isinstance(email, str) and _EMAIL.fullmatch(email)):
            problems.add("email", "invalid_email", "is not an email address (name@domain.tld)")
        check_storable(problems, "email", email, limit=_EMAIL_MAX)
        wechat: object = self.wechat
        if wechat is not None and not (
            isinstance(wechat, str)
            and 0 < len(wechat) <= _WECHAT_MAX
            and not any(c.isspace() for c in wechat)
        ):
            problems.add("wechat", "invalid_wechat", "must be 1 to 64 characters without spaces")
        check_storable(problems, "wechat", wechat)
        check_tags(problems, "tags", self.tags)
        check_tags(problems, "needs", self.needs)
        for field in SEALED_FIELDS:
            _check_sealed(problems, field, getattr(self, field))
        raise_collected(problems)

    @property
    def sealed_fields(self) -> tuple[str, ...]:
        """The names of the archive fields that hold a sealed value."""
        return tuple(f for f in SEALED_FIELDS if getattr(self, f) is not None)

    def __repr__(self) -> str:
        parts = [f"id={self.id!r}", f"name={_mask_name(self.name)!r}"]
        if self.phone is not None:
            parts.append(f"phone={self.phone.masked!r}")
        if self.email is not None:
            parts.append(f"email={_mask_email(self.email)!r}")
        parts.append(f"gender={self.gender.name}")
        if self.sealed_fields:
            parts.append(f"sealed={list(self.sealed_fields)!r}")
        return f"Customer({', '.join(parts)})"

    __str__ = __repr__


def _check_amount(problems: ViolationCollector, record: ConsumptionRecord) -> None:
    amount: object = record.amount
    if isinstance(amount, float):
        problems.add("amount", "not_exact", "must be Money (a Decimal with a currency), not float")
    elif not isinstance(amount, Money):
        problems.add(
            "amount",
            "not_money",
            f"must be Money (a Decimal with a currency), not {type(amount).__name__}",
        )
    elif amount.amount < 0:
        hint = (
            "a refund is recorded as a positive amount; kind=REFUND marks it"
            if record.kind is ConsumptionKind.REFUND
            else "record money paid back as kind=REFUND with a positive amount"
        )
        problems.add("amount", "negative_amount", f"{amount} is negative; {hint}")


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class ConsumptionRecord:
    """One payment, refund or redemption by a customer.

    Two records are equal when their fields are, `at` compared as an instant
    (never as a wall time), so a record resent in another zone is the same.

    Attributes:
        id: The integrator's identifier; a repository stores each id once.
        customer_id: The customer's id.
        at: When it happened (timezone-aware).
        service: The service item or product, such as `"facial"`.
        amount: The [Money][clubrules.money.Money] paid, paid back or redeemed;
            never negative, never a float.
        kind: PURCHASE (the default), REFUND or REDEMPTION; its value or
            name as a string is accepted.
        refund_of: For a refund, the id of the purchase it pays back, if known.

    Raises:
        ValidationError: one or more fields are invalid; every problem is
            listed. A negative or non-`Money` amount alone raises
            `InvalidMoneyError`, a naive `at` alone `NaiveDatetimeError`.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from clubrules import Money
        >>> refund = ConsumptionRecord(
        ...     id="t-2", customer_id="c-001", at=datetime(2026, 3, 2, tzinfo=UTC),
        ...     service="facial", amount=Money("88.00"), kind="refund", refund_of="t-1",
        ... )
        >>> refund.kind, refund.counts_as_spend
        (<ConsumptionKind.REFUND: 'refund'>, False)
    """

    id: str
    customer_id: str
    at: datetime
    service: str
    amount: Money
    kind: ConsumptionKind = attrs.field(default=ConsumptionKind.PURCHASE, converter=_to_kind)
    refund_of: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "customer_id")
        check_instant_field(problems, self, "at")
        check_text(problems, "service", self.service, sensitive=False)
        check_choice(problems, "kind", self.kind, ConsumptionKind)
        _check_amount(problems, self)
        if self.refund_of is not None:
            check_text(problems, "refund_of", self.refund_of, sensitive=False)
            if self.kind is not ConsumptionKind.REFUND:
                problems.add("refund_of", "not_a_refund", "is only allowed on a REFUND record")
        raise_collected(problems)

    @property
    def counts_as_spend(self) -> bool:
        """True only for a purchase: refunds and redemptions never count as spend."""
        return self.kind is ConsumptionKind.PURCHASE


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class ServiceRecord:
    """What was done at one visit: the service, who did it, notes and the effect.

    Notes and effect are free text for the service team, shown in `repr`
    only by their length. Health or allergy details belong in the sealed
    archive fields of the [Customer][clubrules.customers.Customer], not here.
    Two records are equal when their fields are, `at` compared as an instant.

    Attributes:
        id: The integrator's identifier.
        customer_id: The customer's id.
        at: When the visit took place (timezone-aware).
        service: The service given, such as `"facial"`.
        staff_id: The staff member (beautician, trainer) who gave it.
        notes: What was done, products used; may be empty; at most 100,000
            characters.
        effect: The effect observed or reported; may be empty; at most
            100,000 characters.

    Raises:
        ValidationError: one or more fields are invalid; every problem is listed.
    """

    id: str
    customer_id: str
    at: datetime
    service: str
    staff_id: str
    notes: str = attrs.field(default="", repr=lambda text: f"<{len(text)} chars>")
    effect: str = attrs.field(default="", repr=lambda text: f"<{len(text)} chars>")

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "customer_id", "service", "staff_id")
        check_instant_field(problems, self, "at")
        for field in ("notes", "effect"):
            if not isinstance(getattr(self, field), str):
                kind = type(getattr(self, field)).__name__
                problems.add(field, "not_a_string", f"must be a string, not {kind}")
            check_storable(problems, field, getattr(self, field), limit=TEXT_MAX_CHARS)
        raise_collected(problems)
