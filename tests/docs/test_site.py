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
            page.goto(site_url)
            # The landing page routes each kind of reader.
            assert page.locator("h1").first.inner_text().startswith("clubrules")
            assert page.locator("article h2", has_text="Where to start").is_visible()
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
            assert "calendar" in page.locator(".md-search-result").inner_text().lower()
            page.keyboard.press("Escape")

            # The language switch leads to the Chinese landing page, and back.
            page.locator("a[hreflang='zh']").first.dispatch_event("click")
            page.wait_for_url("**/zh/**")
            assert page.locator("article h2", has_text="从哪里开始").is_visible()
            page.screenshot(path=str(SCREENSHOTS / "landing-zh.png"), full_page=True)
            page.locator("a[hreflang='en']").first.dispatch_event("click")
            page.wait_for_function("() => !location.pathname.includes('/zh/')")
            assert page.locator("article h2", has_text="Where to start").is_visible()
        finally:
            browser.close()
    assert (SCREENSHOTS / "landing-en.png").stat().st_size > 10_000
    assert (SCREENSHOTS / "landing-zh.png").stat().st_size > 10_000
