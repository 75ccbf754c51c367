"""Real-browser fixtures: Debian's Chromium driven by Python Playwright.

Browsers are never downloaded: ``browser`` (one per session) launches the system Chromium
(``/usr/bin/chromium``, or ``$SYNCD_TEST_CHROMIUM``) headless, with no sandbox, GPU, network
chatter or first-run work; ``page`` gives each test a fresh context (zh-CN, Asia/Shanghai) and
page.  When Playwright or Chromium is missing the tests skip with the reason — unless
``SYNCD_TEST_REQUIRE_BROWSER=1`` (set by ``.ci/run``) or ``SYNCD_TEST_REQUIRE_DBS=1``, where
they fail.  Debian: ``apt-get install chromium``; Playwright comes with ``.[dev]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("SYNCD_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]
REQUIRE_BROWSER = "1" in (
    os.environ.get("SYNCD_TEST_REQUIRE_BROWSER"),
    os.environ.get("SYNCD_TEST_REQUIRE_DBS"),
)


def _unavailable(reason: str) -> NoReturn:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (SYNCD_TEST_REQUIRE_BROWSER/SYNCD_TEST_REQUIRE_DBS=1 require it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _unavailable(f"Python Playwright not installed ({exc}): pip install -e '.[dev]'")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True
            )
        except Error as exc:
            _unavailable(f"Chromium at {CHROMIUM} does not start: {str(exc).splitlines()[0]}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        yield context.new_page()
    finally:
        context.close()
