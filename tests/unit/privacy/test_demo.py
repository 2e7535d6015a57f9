from __future__ import annotations

import io

from clubrules._demo import Story
from clubrules._demo._privacy import run


def test_the_privacy_chapter_tells_its_story_without_leaking() -> None:
    out = io.StringIO()
    run(Story(out))
    text = out.getvalue()
    assert "== Privacy" in text
    assert "王*" in text
    assert "138****5678" in text
    assert "Sealed(" in text
    assert "fd-02 asks to read them: refused (role_policy)" in text
    assert "st-07 reads them" in text
    assert "10:05  fd-02 (front_desk) for service_delivery: refused (role_policy)" in text
    assert "10:15  st-07 (beautician) for service_delivery: read" in text
    for secret in ("13812345678", "王芳", "penicillin", "pollen"):
        assert secret not in text
