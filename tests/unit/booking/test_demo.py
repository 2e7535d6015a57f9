"""The booking chapter of `clubrules demo` shows a refusal with its reasons and alternatives."""

from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._booking import run


def test_the_chapter_shows_reasons_and_alternatives() -> None:
    buffer = io.StringIO()
    run(Story(buffer))
    text = buffer.getvalue()
    assert "== Booking" in text
    assert "short_notice" in text
    assert "conflict: li is busy with booking bk-1" in text
    assert "conflict: room-1 is busy with booking bk-1" in text
    assert "Offered instead:" in text
    assert text.count("with Li") >= 3
    assert "nothing double-booked" in text
