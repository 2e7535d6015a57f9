"""The care chapter of `clubrules demo` shows a warning, its care, and the week's tasks."""

from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._care import run


def test_the_chapter_shows_a_warning_and_the_weeks_tasks() -> None:
    buffer = io.StringIO()
    run(Story(buffer))
    text = buffer.getvalue()
    assert "== Care" in text
    assert "suggested care:" in text
    assert "0 warnings" in text
    assert "birthday" in text
    assert "holiday" in text
    assert "return_visit" in text
    assert "coach-li" in text
