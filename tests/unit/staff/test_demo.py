"""The staff chapter of `clubrules demo` prints a score sheet, a warning and a review flag."""

from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._staff import run


def test_the_chapter_prints_a_sheet_a_warning_and_a_review() -> None:
    buffer = io.StringIO()
    run(Story(buffer))
    text = buffer.getvalue()
    assert "== Staff" in text
    assert "Score sheet cs-07-2026-03: cs-07, 2026-03 (periodic)" in text
    assert "Booking success rate: 9.60 / 10.00  <- KPI booking_success_rate 47/50 = 94.00%" in text
    assert "no events in the period: full marks" in text
    assert "Total: 85.34 / 100 -> good" in text
    assert "March: 85.34 -> good; excellent starts at 90." in text
    assert "Warning talk recorded; improve by 2026-05-31" in text
    assert "dismissal review due for cs-07: 2026-04" in text
    assert "warning cs-07-2026-04:warning" in text
    assert "decides" in text
