"""The customers chapter of `clubrules demo` tells its story without leaking the phone."""

from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._customers import run


def test_the_chapter_prints_a_masked_phone_and_net_spend() -> None:
    buffer = io.StringIO()
    run(Story(buffer))
    text = buffer.getvalue()
    assert "== Customers" in text
    assert "138****8000" in text
    assert "E.164 (14 characters, region CN)" in text
    assert "refund" in text
    assert "Net spend: 2800.00 CNY" in text
    for secret in ("13800138000", "0013", "王芳", "+86"):
        assert secret not in text
