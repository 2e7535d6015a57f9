"""Every Python code block in the docs and the README runs, in page order.

Blocks on one page share a namespace, so a page can build on its earlier
blocks, as a reader would. A block whose info string is ``python`` (or
``py``) runs; ``pycon`` blocks are checked as doctests.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def _blocks(page: Path) -> list[tuple[str, str, int]]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        lang = match["info"].strip().split(" ")[0].lower() if match["info"].strip() else ""
        indent = match["indent"]
        body = "\n".join(line.removeprefix(indent) for line in match["body"].splitlines())
        line_no = text.count("\n", 0, match.start()) + 1
        found.append((lang, body, line_no))
    return found


PAGES_WITH_CODE = [
    p for p in PAGES if any(lang in {"python", "py", "pycon"} for lang, _, _ in _blocks(p))
]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for lang, body, line_no in _blocks(page):
        where = f"{page.relative_to(ROOT)}:{line_no}"
        if lang in {"python", "py"}:
            code = compile(body, where, "exec")
            exec(code, namespace)  # noqa: S102 - running the docs' own examples is the point
        elif lang == "pycon":
            parser = doctest.DocTestParser()
            test = parser.get_doctest(body, namespace, where, where, line_no)
            runner = doctest.DocTestRunner(
                optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
            )
            runner.run(test)
            assert runner.failures == 0, f"doctest failures in {where}"


def test_every_page_is_found() -> None:
    assert (ROOT / "docs" / "index.md") in PAGES
