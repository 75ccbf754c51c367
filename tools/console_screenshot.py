"""Make the console's screenshots under docs/ from a demo day (Playwright driving Debian's
Chromium; Chinese fonts: ``apt-get install fonts-noto-cjk``).

    .venv/bin/python tools/console_screenshot.py            # docs/console.png (+ attention)

It runs ``syncd demo``'s day in a temporary folder, serves the console on a loopback port,
logs in as an operator and saves each page at 1280 px wide.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from syncd.console import passwords
from syncd.console.app import console_app
from syncd.console.server import ConsoleServer
from syncd.console.site import open_site
from syncd.db.users import Users
from syncd.demo.run import prepare, reconcile, run_day, today

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = {"console.png": "/", "console-attention.png": "/attention"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncd-shot-") as folder:
        demo = prepare(Path(folder) / "demo", today())
        try:
            run_day(demo, lambda _text, _final: None)
            reconcile(demo)
            Users(demo.engine, demo.tables).add(
                "wang", "operator", passwords.hash_password("screenshot-only"), datetime.now()
            )
            server = ConsoleServer(console_app(open_site(demo.settings, demo.feeds, demo.engine)),
                                   "127.0.0.1", 0)  # fmt: skip
            server.start()
            try:
                _shoot(server.url, args.chromium)
            finally:
                server.stop()
        finally:
            demo.close()


def _shoot(url: str, chromium: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        page = browser.new_page(locale="zh-CN", timezone_id="Asia/Shanghai",
                                viewport={"width": 1280, "height": 720})  # fmt: skip
        page.goto(f"{url}/login")
        page.fill("#username", "wang")
        page.fill("#password", "screenshot-only")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/")
        for name, path in PAGES.items():
            page.goto(url + path)
            page.screenshot(path=str(DOCS / name), full_page=False)
            sys.stdout.write(f"{DOCS / name}\n")
        browser.close()


if __name__ == "__main__":
    main()
