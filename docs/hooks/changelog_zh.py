"""MkDocs hook: the Chinese changelog page is CHANGELOG.md with its headings in Chinese.

`docs/changelog.zh.md` carries its own title and introduction, then the
same include line as the English page. This hook replaces that line with
the entries of CHANGELOG.md (its English title and introduction left out)
and translates the section headings of Keep a Changelog; the entries
themselves stay in English.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

HEADINGS = {
    "Unreleased": "未发布",
    "Added": "新增",
    "Changed": "变更",
    "Deprecated": "弃用",
    "Removed": "移除",
    "Fixed": "修复",
    "Security": "安全",
}
"""Keep a Changelog's section names, and the Chinese the page shows for them."""
INCLUDE = '--8<-- "CHANGELOG.md"'
_HEADING = re.compile(r"^(#{2,3}) (.+?)[ \t]*$", re.MULTILINE)


def chinese_changelog(text: str) -> str:
    """The entries of CHANGELOG.md's `text`, from its first `##`, with headings in Chinese."""
    start = text.find("\n## ")
    entries = text[start + 1 :] if start != -1 else ""
    return _HEADING.sub(lambda m: f"{m[1]} {HEADINGS.get(m[2], m[2])}", entries)


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:  # noqa: ANN401
    """Put the translated entries in place of the include line on the Chinese page."""
    if page.file.src_uri != "changelog.zh.md" or INCLUDE not in markdown:
        return markdown
    root = Path(config["config_file_path"]).parent
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    return markdown.replace(INCLUDE, chinese_changelog(text))
