"""What an error shows of the values that caused it: its cause/context chain, walked."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


def chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and every error down its cause/context chain, each once."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if any(current is done for done in seen):
            continue
        seen.append(current)
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def held_values(error: BaseException) -> Iterator[str]:
    """The reprs of the input an error holds (UnicodeError.object, JSONDecodeError.doc)."""
    for attr in ("object", "doc"):
        held = getattr(error, attr, None)
        if held is not None:
            yield repr(held)


def assert_clean(error: BaseException, *secrets: str) -> None:
    """No context on `error`, and no secret anywhere in its cause/context chain."""
    assert error.__context__ is None
    for current in chain(error):
        shown = [str(current), repr(current), repr(current.args), *held_values(current)]
        for secret in secrets:
            for text in shown:
                assert secret not in text
                raw = secret.encode("utf-8", "backslashreplace")
                assert raw not in text.encode("utf-8", "backslashreplace")
