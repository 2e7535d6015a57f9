"""The calendar chapter of `clubrules demo` computes its deadline across the holiday."""

from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._calendar import run


def test_the_chapter_prints_a_deadline_after_the_holiday() -> None:
    buffer = io.StringIO()
    run(Story(buffer))
    text = buffer.getvalue()
    assert "== Calendar" in text
    assert "Deadline: Fri 09 Oct 22:00" in text
    assert "Open time between them: 24 hours." in text
