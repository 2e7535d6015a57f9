"""Phone numbers: parsed once, at the boundary, into E.164."""

from __future__ import annotations

import re
import unicodedata

import attrs
import phonenumbers

from clubrules._checks import require_str, shown
from clubrules.errors import InvalidPhoneNumberError, ValidationError

__all__ = ["DEFAULT_REGION", "PhoneNumber", "mask_digits", "parse_phone"]

DEFAULT_REGION = "CN"
"""The region assumed for numbers written without a `+` country code."""

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_MAX_INPUT = 64


def mask_digits(digits: str) -> str:
    """Mask a string of digits for display, hiding at least 4 of 7 or more digits.

    Eleven digits or more (a Chinese mobile or landline) keep the first 3 and
    last 4; 9 or 10 keep the first 2 and last 3; 7 or 8 keep the last 3;
    fewer keep the last 2.

    Examples:
        >>> mask_digits("13800138000"), mask_digits("7911123456")
        ('138****8000', '79*****456')
        >>> mask_digits("61234567"), mask_digits("12345")
        ('*****567', '***45')
    """
    n = len(digits)
    head = 3 if n >= 11 else 2 if n >= 9 else 0
    tail = 4 if n >= 11 else 3 if n >= 7 else 2
    tail = min(tail, n)
    return digits[:head] + "*" * (n - head - tail) + digits[n - tail :]


def _masked_input(text: str) -> str:
    """A masked form of raw input, safe for an error message."""
    digits = "".join(c for c in text[:_MAX_INPUT] if c.isdigit())
    if not digits:
        return "input with no digits"
    plus = "+" if text.lstrip().startswith("+") else ""
    return repr(plus + mask_digits(digits))


def _check_e164(instance: PhoneNumber, _attribute: object, checked: str) -> None:
    value: object = checked
    if not isinstance(value, str) or not _E164.fullmatch(value):
        shown = _masked_input(value) if isinstance(value, str) else type(value).__name__
        raise InvalidPhoneNumberError(
            f"must be in E.164 form (+ and 7 to 15 digits); got {shown}",
            field="e164",
            rule="not_e164",
        )
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:  # pragma: no cover - the regex rules it out
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumberError(
            f"{_masked_input(value)} is not a valid phone number", field="e164"
        )
    object.__setattr__(instance, "_parsed", parsed)


@attrs.frozen(repr=False)
class PhoneNumber:
    """A valid phone number in E.164 form, such as `+8613800138000`.

    Make one with [parse_phone][clubrules.customers.parse_phone] from what a
    person typed, or directly from a stored E.164 string. Two numbers are
    equal when their E.164 forms are equal. `repr` and `str` show only the
    masked form: the full number is read explicitly through `e164`,
    `national` or `international`.

    Attributes:
        e164: The number in E.164 form: `+`, the country code and the
            national number, with no spaces.

    Raises:
        InvalidPhoneNumberError: `e164` is not a valid number in E.164 form.

    Examples:
        >>> phone = PhoneNumber("+8613800138000")
        >>> phone, phone.region, phone.masked
        (PhoneNumber('138****8000'), 'CN', '138****8000')
    """

    e164: str = attrs.field(validator=_check_e164)
    # Set by the validator, so each number is parsed once; not part of equality.
    _parsed: phonenumbers.PhoneNumber = attrs.field(init=False, eq=False)

    @property
    def region(self) -> str:
        """The ISO 3166 region the number belongs to, such as `"CN"` (`"001"` if global)."""
        return phonenumbers.region_code_for_number(self._parsed) or "001"

    @property
    def country_code(self) -> int:
        """The international calling code, such as `86`."""
        return self._parsed.country_code or 0

    @property
    def national(self) -> str:
        """The full number as dialled within its country, such as `138 0013 8000`."""
        return phonenumbers.format_number(self._parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

    @property
    def international(self) -> str:
        """The full number in international format, such as `+86 138 0013 8000`."""
        return phonenumbers.format_number(
            self._parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )

    @property
    def masked(self) -> str:
        """The number for display, with its middle digits hidden.

        Chinese numbers are masked in their national form (`138****8000`,
        `010****5678`); other numbers keep their country code
        (`+44 791****3456`).
        """
        if self._parsed.country_code == 86:
            return mask_digits("".join(c for c in self.national if c.isdigit()))
        national = phonenumbers.national_significant_number(self._parsed)
        return f"+{self._parsed.country_code} {mask_digits(national)}"

    def __repr__(self) -> str:
        return f"PhoneNumber({self.masked!r})"

    def __str__(self) -> str:
        return self.masked


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """`phonenumbers.parse`, or None when it cannot read `text` as a number."""
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def parse_phone(
    text: str | PhoneNumber, *, region: str | None = DEFAULT_REGION, field: str = "phone"
) -> PhoneNumber:
    """Parse a phone number, as a person wrote it, into E.164.

    Spaces, hyphens, brackets, full-width digits and a leading `00` or `+`
    are all understood; `00` is read as the international prefix in any
    region whose own reading of the number is not a valid one (the United
    States dial 011, Japan 010). A number without a country code is read in
    `region` (China unless configured). Extensions are refused, since E.164 has no place for them.

    Args:
        text: What was typed, for example `"138 0013 8000"` or
            `"+44 7911 123456"`. A `PhoneNumber` is returned unchanged.
        region: The ISO 3166 region for numbers without a country code
            (`"CN"`, `"HK"`, `"US"`...), or `None` to require a `+` country code.
        field: The field name to report in errors, such as `"contact.phone"`.

    Returns:
        The number in E.164 form.

    Raises:
        InvalidPhoneNumberError: the text is not a valid phone number. The
            message names `field` and shows only a masked form of the input.
        ValidationError: `region` is not a region phonenumbers knows.

    Examples:
        >>> parse_phone("138-0013-8000").e164
        '+8613800138000'
        >>> parse_phone("0086 (138) 0013 8000") == parse_phone("+86 138 0013 8000")
        True
        >>> parse_phone("(852) 6123 4567", region="HK").masked
        '+852 *****567'
    """
    if region is not None:
        require_str(region, "region")
    if isinstance(text, PhoneNumber):
        return text
    if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            f"{shown(region)} is not a region code that phonenumbers supports (e.g. 'CN')",
            field="region",
            rule="unknown_region",
        )
    if not isinstance(text, str):
        raise InvalidPhoneNumberError(
            f"must be a string, not {type(text).__name__}", field=field, rule="not_a_string"
        )
    if not text.strip():
        raise InvalidPhoneNumberError("must not be empty", field=field, rule="empty")
    masked = _masked_input(text)
    where = f" for region {region}" if region is not None else " (no region: a + is required)"
    parsed = _parse(text[:_MAX_INPUT], region)
    if region is not None and (parsed is None or not phonenumbers.is_valid_number(parsed)):
        # A leading 00 is the international prefix wherever the region dials another one
        # (011 in the US, 010 in Japan): read it as a + when the region cannot.
        head = text.lstrip()
        if len(head) > 2 and all(unicodedata.decimal(c, -1) == 0 for c in head[:2]):
            international = _parse("+" + head[2:_MAX_INPUT], None)
            if international is not None and phonenumbers.is_valid_number(international):
                parsed = international
    if parsed is None:
        raise InvalidPhoneNumberError(f"{masked} is not a phone number{where}", field=field)
    if len(text) > _MAX_INPUT or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumberError(f"{masked} is not a valid phone number{where}", field=field)
    if parsed.extension:
        raise InvalidPhoneNumberError(
            f"{masked} has an extension, which E.164 cannot hold; give the direct number",
            field=field,
            rule="extension",
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164)
