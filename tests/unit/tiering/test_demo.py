"""The tiering chapter of `clubrules demo` shows an upgrade with its reason."""

from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._tiering import run


def test_the_chapter_shows_an_upgrade_and_no_flapping() -> None:
    buffer = io.StringIO()
    run(Story(buffer))
    text = buffer.getvalue()
    assert "== Tiering" in text
    assert "member -> silver (qualified)" in text
    assert "net spend 3000.00 CNY" in text
    assert "still silver (no_review_due)" in text
