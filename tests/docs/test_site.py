"""The built documentation site works in a real browser: landing page, search, language switch.

The site is built with `mkdocs build --strict`, served over HTTP on the
loopback interface, and opened in headless Chromium through Playwright.
Screenshots of the English and Chinese landing pages are saved under
`build/screenshots/`. Without Chromium the test skips, except under
`CI=true`, where it must run.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"


def _chromium() -> str:
    found = os.environ.get("CLUBRULES_CHROMIUM") or shutil.which("chromium")
    found = found or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{message}; the site test must run in CI")
    pytest.skip(message)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Keep the test output clean."""


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The docs, built strictly into a temporary directory and served on 127.0.0.1."""
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_landing_page_search_and_language_switch(site_url: str) -> None:
    executable = _chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # Assertions through `expect`, which retries until its timeout: a
            # page still loading on a busy machine is not a failure.
            expect = playwright_api.expect
            page.goto(site_url)
            # The landing page routes each kind of reader.
            assert page.locator("h1").first.inner_text().startswith("clubrules")
            expect(page.locator("article h2", has_text="Where to start")).to_be_visible(
                timeout=30_000
            )
            page.screenshot(path=str(SCREENSHOTS / "landing-en.png"), full_page=True)

            # Search finds the business calendar.
            search = page.locator("input.md-search__input")
            search.click()
            # The browser builds the search index in a worker first; a query
            # typed before it is ready is not run, so wait for it.
            page.wait_for_function(
                "() => { const m = document.querySelector('.md-search-result__meta');"
                " return m && m.textContent && !/initializ/i.test(m.textContent); }",
                timeout=90_000,
            )
            # Real key presses: the theme listens for keyboard input.
            search.press_sequentially("business calendar", delay=20)
            results = page.locator(".md-search-result__item")
            results.first.wait_for(state="attached", timeout=30_000)
            assert results.count() > 0
            expect(page.locator(".md-search-result")).to_contain_text(
                re.compile("calendar", re.IGNORECASE), timeout=30_000
            )
            page.keyboard.press("Escape")

            # The language switch leads to the Chinese landing page, and back.
            page.locator("a[hreflang='zh']").first.dispatch_event("click")
            page.wait_for_url("**/zh/**")
            expect(page.locator("article h2", has_text="从哪里开始")).to_be_visible(timeout=30_000)
            page.screenshot(path=str(SCREENSHOTS / "landing-zh.png"), full_page=True)
            page.locator("a[hreflang='en']").first.dispatch_event("click")
            page.wait_for_function("() => !location.pathname.includes('/zh/')")
            expect(page.locator("article h2", has_text="Where to start")).to_be_visible(
                timeout=30_000
            )
        finally:
            browser.close()
    assert (SCREENSHOTS / "landing-en.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "landing-zh.png").stat().st_size > 10_000


# Pages whose code must fit a 1280 px window without sideways scrolling.
NO_SIDEWAYS_SCROLL = [
    "",
    "reference/cli/",
    "zh/reference/cli/",
    "tutorials/salon-first-day/",
    "zh/how-to/business-calendar/",
    "reference/booking/",
]
# Code blocks whose content is wider than the block (1 px of rounding allowed).
_WIDE_CODE = (
    "() => [...document.querySelectorAll('article pre > code')]"
    ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.slice(0, 60))"
)


def test_first_taste_chinese_cli_page_and_layout(site_url: str) -> None:
    executable = _chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            # The English landing page's first taste runs and shows its output.
            page.goto(site_url)
            assert page.locator("article h2", has_text="A first taste").is_visible()
            example = page.locator("article pre", has_text="add_business_time")
            assert example.is_visible()
            assert "2026-10-09 22:00:00+08:00" in example.inner_text()
            assert "Money" not in example.inner_text()  # the old example, gone
            # The section from its heading on: the example and its output.
            top = page.evaluate(
                "() => document.getElementById('a-first-taste').getBoundingClientRect().top"
                " + window.scrollY"
            )
            page.screenshot(
                path=str(SCREENSHOTS / "landing-first-taste-en.png"),
                full_page=True,
                clip={"x": 0, "y": max(0, top - 24), "width": 1280, "height": 760},
            )

            # The Chinese command-line page: Chinese prose and navigation.
            page.goto(f"{site_url}zh/reference/cli/")
            assert page.locator("article h1").inner_text().strip("¶ \n").endswith("命令行")
            assert page.locator("article h2", has_text="clubrules customers tier").is_visible()
            assert "退出码" in page.locator("article").inner_text()
            nav = page.locator("nav.md-nav--primary").inner_text()
            for entry in ("教程", "操作指南", "原理说明", "API 参考", "更新日志"):
                assert entry in nav, entry
            page.screenshot(path=str(SCREENSHOTS / "cli-zh.png"), full_page=True)

            # The Chinese changelog's headings are Chinese; its entries English.
            page.goto(f"{site_url}zh/changelog/")
            assert page.locator("article h1").inner_text().strip("¶ \n") == "更新日志"
            assert page.locator("article h2", has_text="未发布").is_visible()
            assert page.locator("article h3", has_text="新增").first.is_visible()

            # No code block needs sideways scrolling at 1280 px.
            for path in NO_SIDEWAYS_SCROLL:
                page.goto(f"{site_url}{path}")
                assert page.evaluate(_WIDE_CODE) == [], path

            # A reference page names its module once, as its title.
            page.goto(f"{site_url}reference/booking/")
            title = page.locator("article h1").inner_text().strip("¶ \n")
            headings = [h.strip("¶ \n") for h in page.locator("article h2").all_inner_texts()]
            assert title == "clubrules.booking"
            assert title not in headings
            assert "Defaults" in headings
        finally:
            browser.close()
    for name in ("landing-first-taste-en.png", "cli-zh.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name


def test_chinese_performance_page(site_url: str) -> None:
    executable = _chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{site_url}zh/performance/")
            # Chinese title, headings and prose; the nav entry is Chinese too.
            assert page.locator("article h1").inner_text().strip("¶ \n") == "性能"
            headings = [h.strip("¶ \n") for h in page.locator("article h2").all_inner_texts()]
            for heading in ("概览", "复现这些数据", "营业日历", "投诉", "隐私", "存储"):
                assert heading in headings, heading
            assert page.locator("article h3", has_text="投诉回放").is_visible()
            text = page.locator("article").inner_text()
            assert "比较对象" in text
            assert "make bench" in text
            assert "# 只运行一个套件" in text  # code comments in Chinese
            assert "性能" in page.locator("nav.md-nav--primary").inner_text()
            # Links from other Chinese pages keep the English anchors.
            for anchor in ("storage", "calendar", "complaint-replay", "reads-against-an-orm"):
                assert page.locator(f"[id='{anchor}']").count() == 1, anchor
            # No code block needs sideways scrolling at 1280 px.
            assert page.evaluate(_WIDE_CODE) == []
            page.screenshot(path=str(SCREENSHOTS / "performance-zh.png"), full_page=True)

            # The English page it translates passes the same layout check.
            page.goto(f"{site_url}performance/")
            assert page.locator("article h1").inner_text().strip("¶ \n") == "Performance"
            assert page.evaluate(_WIDE_CODE) == []
        finally:
            browser.close()
    assert (SCREENSHOTS / "performance-zh.png").stat().st_size > 10_000
