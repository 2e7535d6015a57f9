"""Leak response: an incident record with the contents PIPL Art. 57 requires, and its notice."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from clubrules._checks import (
    ID_MAX_CHARS,
    TEXT_MAX_CHARS,
    check_names,
    check_storable,
    require_instance,
    require_str,
    shown,
    tuple_of_names,
)
from clubrules._time import canonical_instant, instants_compared
from clubrules.errors import ValidationError, ViolationCollector
from clubrules.words import LOCALES, message, when

__all__ = ["LeakIncident", "render_leak_notice"]

# The incident's text fields, each with the most characters it may hold.
_TEXTS = (
    ("id", ID_MAX_CHARS),
    ("cause", TEXT_MAX_CHARS),
    ("possible_harm", TEXT_MAX_CHARS),
    ("contact", TEXT_MAX_CHARS),
)


def _detected_at(value: object) -> datetime:
    return canonical_instant(value, "detected_at")


@attrs.frozen(field_transformer=instants_compared)
class LeakIncident:
    """A personal-information leak and the club's response (PIPL Art. 57).

    Art. 57 requires the notice to state the kinds of information affected,
    the cause and the possible harm, the remedial measures taken, the steps
    individuals can take to reduce harm, and a contact. All of these must be
    filled in: every missing one (blank, or None) is reported at once.

    Attributes:
        id: The incident's identifier.
        detected_at: When the leak was found (aware).
        data_types: The kinds of information affected, for example `("phone numbers",)`.
        cause: What happened.
        possible_harm: What may follow for the people affected.
        remedies: What the club has done.
        individual_steps: What the people affected can do.
        contact: Whom to contact, and how.
        affected_count: How many people are affected, if known.

    Raises:
        ValidationError: every problem at once: a missing entry (rule
            `required`), an `id`, `cause`, `possible_harm` or `contact` that
            is not a string (`not_a_string`), a list entry that is not one
            (`not_names`), text that no storage can hold (`nul_character`,
            `lone_surrogate`, or `too_long`: more than 200 characters in
            `id` or a list entry, more than 100,000 in `cause`,
            `possible_harm` or `contact`), an `affected_count` that is not
            an int (`not_an_int`) or is negative (`non_negative`); a naive
            `detected_at` raises `NaiveDatetimeError`. No message holds
            the text it refuses.
    """

    id: str
    detected_at: datetime = attrs.field(converter=_detected_at)
    data_types: tuple[str, ...] = attrs.field(converter=tuple_of_names)
    cause: str
    possible_harm: str
    remedies: tuple[str, ...] = attrs.field(converter=tuple_of_names)
    individual_steps: tuple[str, ...] = attrs.field(converter=tuple_of_names)
    contact: str
    affected_count: int | None = None

    def __attrs_post_init__(self) -> None:
        problems = ViolationCollector()
        for name, limit in _TEXTS:
            value = getattr(self, name)
            if value is None:  # str(None) is "None", which read as filled in
                problems.add(name, "required", "is required by PIPL Art. 57")
            elif not isinstance(value, str):
                problems.add(name, "not_a_string", f"must be a string, not {type(value).__name__}")
            elif not value.strip():
                problems.add(name, "required", "is required by PIPL Art. 57")
            else:
                check_storable(problems, name, value, limit=limit)
        for name in ("data_types", "remedies", "individual_steps"):
            items = getattr(self, name)
            if not check_names(problems, name, items):
                continue
            if not items or not all(str(i).strip() for i in items):
                problems.add(name, "required", "needs at least one non-empty entry (PIPL Art. 57)")
        count = self.affected_count
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            problems.add("affected_count", "not_an_int", "must be an int (or None)")
        elif count is not None and count < 0:
            problems.add("affected_count", "non_negative", "must not be negative")
        problems.raise_if_any()


_LABELS = (
    "title",
    "detected",
    "data_types",
    "cause",
    "possible_harm",
    "remedies",
    "individual_steps",
    "contact",
    "affected",
    "colon",
    "sep",
)


def _offset_text(at: datetime) -> str:
    """The UTC offset of `at` as `UTC`, `UTC+08:00` or, to the second, `UTC+08:05:43`.

    `strftime("%z")` runs seconds and microseconds into the minutes
    (`+080543`), which a colon after the hours made into `UTC+08:0543`.
    """
    offset = at.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    us = abs(offset) // timedelta(microseconds=1)
    seconds, micro = divmod(us, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"UTC{sign}{hours:02d}:{minutes:02d}"
    if secs or micro:
        text += f":{secs:02d}"
    if micro:
        text += f".{micro:06d}"
    return text


def _detected_text(at: datetime, language: str) -> str:
    """When the leak was found, in words, with its UTC offset ("... 10:00 (UTC+08:00)")."""
    shown = _offset_text(at)
    if language == "zh":
        return f"{when(at, year=True, locale=language)}（{shown}）"  # noqa: RUF001 - Chinese
    return f"{when(at, year=True, locale=language)} ({shown})"


def render_leak_notice(incident: LeakIncident, *, language: str = "zh") -> str:
    """The notice to the people affected (and the regulator), from the incident record.

    Args:
        incident: The incident.
        language: `"zh"` (default) or `"en"`; the labels come from the
            [clubrules.words][clubrules.words] catalogue of that language.

    Raises:
        ValidationError: an unknown language.
    """
    require_instance(incident, LeakIncident, "incident")
    require_str(language, "language")
    if language not in LOCALES:
        raise ValidationError(
            f"unknown language {shown(language)}; use 'zh' or 'en'",
            field="language",
            rule="unknown",
        )
    t = {label: message(f"privacy.notice.{label}", locale=language) for label in _LABELS}
    colon = t["colon"]
    lines = [
        t["title"],
        "",
        f"{t['detected']}{colon}{_detected_text(incident.detected_at, language)}",
        f"{t['data_types']}{colon}{t['sep'].join(incident.data_types)}",
    ]
    if incident.affected_count is not None:
        lines.append(f"{t['affected']}{colon}{incident.affected_count}")
    lines += [
        f"{t['cause']}{colon}{incident.cause}",
        f"{t['possible_harm']}{colon}{incident.possible_harm}",
        f"{t['remedies']}{colon}",
        *(f"  {i}. {r}" for i, r in enumerate(incident.remedies, 1)),
        f"{t['individual_steps']}{colon}",
        *(f"  {i}. {s}" for i, s in enumerate(incident.individual_steps, 1)),
        f"{t['contact']}{colon}{incident.contact}",
    ]
    return "\n".join(lines)
