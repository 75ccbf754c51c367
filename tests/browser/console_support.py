"""A demo day behind a running console, for the browser tests: the demo's SQLite HIS after a
day of work (its simulator still running), an operator and a viewer, the console served on a
free loopback port, and an engine pass the tests can run while they wait for a result."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from syncd.console import passwords
from syncd.console.app import console_app
from syncd.console.server import ConsoleServer
from syncd.console.site import open_site
from syncd.db.users import Users
from syncd.demo.run import DemoSite, prepare, reconcile, run_day, today
from syncd.service.worker import Worker

if TYPE_CHECKING:
    from playwright.sync_api import Page

OPERATOR = ("wang", "operator-password-1")
VIEWER = ("zhao", "viewer-password-1")


@dataclass
class ConsoleDemo:
    demo: DemoSite
    server: ConsoleServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def engine(self) -> sa.Engine:
        return self.demo.engine

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def execute(self, sql: str, **params: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    def engine_pass(self) -> None:
        """One pass of the engine over every feed and command, as the daemon would."""
        worker = Worker(self.demo.settings, self.demo.feeds, engine=self.engine)
        try:
            worker.once()
        finally:
            worker.close()


def console_demo(folder: Path) -> Iterator[ConsoleDemo]:
    demo = prepare(folder, today())
    try:
        assert run_day(demo, lambda _text, _final: None), "the demo day did not finish"
        reconcile(demo)  # the night: the reconciliation run and its report files
        users = Users(demo.engine, demo.tables)
        for (name, password), role in ((OPERATOR, "operator"), (VIEWER, "viewer")):
            users.add(name, role, passwords.hash_password(password), datetime.now())
        quick = demo.settings.console.model_copy(update={"refresh_s": 2})
        settings = demo.settings.model_copy(update={"console": quick})
        site = open_site(settings, demo.feeds, engine=demo.engine)
        server = ConsoleServer(console_app(site), "127.0.0.1", 0)
        server.start()
        try:
            yield ConsoleDemo(demo, server)
        finally:
            server.stop()
    finally:
        demo.close()


def log_in(page: Page, url: str, who: tuple[str, str], then: str = "/") -> None:
    page.goto(f"{url}/login?next={then}")
    page.fill("#username", who[0])
    page.fill("#password", who[1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(url + then) + r"(\?.*)?$"))
