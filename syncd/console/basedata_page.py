"""``/basedata``: the 基础数据维护 work — how old each downloaded code table is (and which the
mappings need but were never downloaded), and the HIS values no translation covers (what
``syncd codes check`` lists: they would be rejected with 「代码无对照」)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from starlette.responses import Response

from syncd.console.site import ConsoleSite
from syncd.console.web import Page, page
from syncd.db.code_store import CodeStore, ValueReader
from syncd.engine.codes import Uncovered, categories_of, check_codes

CHECK_EVERY_S = 300.0  # the check reads every translated view column: not on each visit


@dataclass(frozen=True)
class CodeTable:
    category: str
    used: bool  # a mapping translates through it
    count: int
    fetched_at: datetime | None


class CodesCheck:
    """The last check's findings, kept for :data:`CHECK_EVERY_S` (one per console app)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.found: tuple[float, datetime, list[Uncovered]] | None = None

    def get(self, site: ConsoleSite, fresh: bool) -> tuple[datetime, list[Uncovered]]:
        with self.lock:
            if fresh or self.found is None or time.monotonic() - self.found[0] > CHECK_EVERY_S:
                store = CodeStore(site.engine, site.tables)
                found = check_codes(
                    site.feeds, ValueReader(site.engine), store.tables_by_category()
                )
                self.found = (time.monotonic(), site.clock(), found)
            return self.found[1], self.found[2]


def code_tables(site: ConsoleSite) -> list[CodeTable]:
    ages = CodeStore(site.engine, site.tables).ages()
    used = set(categories_of(site.feeds))
    return [
        CodeTable(cat, cat in used, *ages.get(cat, (0, None))) for cat in sorted(used | set(ages))
    ]


@page()
async def basedata(p: Page) -> Response:
    tables = await p.run(code_tables, p.site)
    checked_at, uncovered = await p.run(
        p.request.app.state.codes_check.get, p.site, p.field("fresh") == "1"
    )
    return p.render(
        "basedata.html.j2",
        tables=tables,
        uncovered=uncovered,
        checked_at=checked_at,
        now=p.site.clock(),
    )
