"""The reference's tables of defaults say what the value classes really default to.

The API reference renders attrs classes without their generated `__init__`,
so their defaults are listed in explicit tables; this test keeps those
tables equal to the code.
"""

from __future__ import annotations

import enum
from datetime import time, timedelta
from pathlib import Path

import attrs
import pytest

from clubrules import booking

ROOT = Path(__file__).resolve().parents[2]

# (reference page, module, the value classes an integrator builds, in the page's order)
TABLES = [
    (
        "docs/reference/booking.md",
        booking,
        (
            "BookingPolicy",
            "Resource",
            "Pool",
            "Service",
            "Segment",
            "Requirement",
            "BookingRequest",
            "Booking",
            "Recurrence",
            "ReminderPolicy",
        ),
    ),
]

_UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))


def shown(value: object) -> str:
    """A default as the table shows it: as Python would write it."""
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        if seconds == 0:
            return "timedelta(0)"
        for unit, size in _UNITS:
            if seconds % size == 0:
                return f"timedelta({unit}={seconds // size})"
    if isinstance(value, time):
        return f"time({value.hour}, {value.minute})"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, frozenset) and not value:
        return "frozenset()"
    if value == "":
        return '""'
    return repr(value)


def defaults_table(module: object, names: tuple[str, ...]) -> str:
    """The Markdown table of every defaulted field of the classes `names`."""
    lines = ["| Class | Field | Default |", "|---|---|---|"]
    for name in names:
        cls = getattr(module, name)
        first = True
        for field in attrs.fields(cls):
            if not field.init or field.name.startswith("_") or field.default is attrs.NOTHING:
                continue
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            label = f"[{name}][{module.__name__}.{name}]" if first else ""  # type: ignore[attr-defined]
            lines.append(f"| {label} | `{field.name}` | `{shown(default)}` |")
            first = False
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("page", "module", "names"), TABLES, ids=[t[0] for t in TABLES])
def test_the_table_of_defaults_matches_the_code(
    page: str, module: object, names: tuple[str, ...]
) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert defaults_table(module, names) in text, defaults_table(module, names)
