"""What an error shows of the values that caused it: its cause/context chain, walked."""

from __future__ import annotations


def assert_clean(error: BaseException, *secrets: str) -> None:
    """No context on `error`, and no secret anywhere in its cause/context chain."""
    assert error.__context__ is None
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if any(current is done for done in seen):
            continue
        seen.append(current)
        shown = [str(current), repr(current), repr(current.args)]
        for attr in ("object", "doc"):  # UnicodeError.object, JSONDecodeError.doc
            held = getattr(current, attr, None)
            if held is not None:
                shown.append(repr(held))
        for secret in secrets:
            for text in shown:
                assert secret not in text
                raw = secret.encode("utf-8", "backslashreplace")
                assert raw not in text.encode("utf-8", "backslashreplace")
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
