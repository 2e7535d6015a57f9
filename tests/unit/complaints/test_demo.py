"""The complaints chapter of `clubrules demo` tells its story without leaking the contact."""

from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._complaints import run


def test_the_chapter_walks_a_complaint_through_pause_warning_and_reopen() -> None:
    buffer = io.StringIO()
    run(Story(buffer))
    text = buffer.getvalue()
    assert "== Complaints" in text
    assert "paused for 11 days, 4:00:00" in text
    assert "(closed: reminders wait): nothing due" in text
    assert "warning on resolution (crossed Sun 01 Mar 19:12) to st-li" in text
    assert "98.00 CNY compensation and an apology" in text
    assert "investigating again (cycle 1)" in text
    assert "replayed under complaints-business v1" in text
    assert "wechat id" not in text
    assert "towels in the steam room" not in text
