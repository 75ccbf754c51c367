"""``/`` the dashboard and ``/live`` its counts (what the page's script fetches again every
``console.refresh_s``): per feed and for the command table the counts of
:func:`syncd.db.counts.read_counts` — the numbers ``syncd status``, the metrics and systemd's
``STATUS=`` show — with the oldest pending row's age, and the platform's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.responses import Response

from syncd.console.platform_view import PlatformView
from syncd.console.site import ConsoleSite
from syncd.console.web import Page, page
from syncd.db.counts import Counts, FeedCounts, read_counts

COLUMNS = (
    ("pending", "待发送"),
    ("waiting", "等待"),
    ("blocked", "被挡住"),
    ("in_flight", "发送中"),
    ("unknown", "结果未知"),
    ("failed", "失败"),
    ("rejected_today", "今日被拒"),
    ("succeeded_today", "今日成功"),
)


@dataclass(frozen=True)
class DashboardLine:
    feed: str
    command: bool
    values: dict[str, int]
    oldest_pending: datetime | None
    last_success: datetime | None
    last_error: str


@dataclass(frozen=True)
class Dashboard:
    counts: Counts
    lines: list[DashboardLine]
    platform: PlatformView

    @property
    def attention(self) -> int:
        c = self.counts
        return (
            c.total("FAILED")
            + c.total("UNKNOWN")
            + c.blocked
            + sum(f.rejected_today for f in c.every())
        )


def _line(f: FeedCounts, command: bool) -> DashboardLine:
    values = {
        "pending": f.count("PENDING"),
        "waiting": f.count("WAITING"),
        "blocked": f.blocked,
        "in_flight": f.count("IN_FLIGHT"),
        "unknown": f.count("UNKNOWN"),
        "failed": f.count("FAILED"),
        "rejected_today": f.rejected_today,
        "succeeded_today": f.succeeded_today,
    }
    return DashboardLine(f.feed, command, values, f.oldest_pending, f.last_success, f.last_error)


def read(site: ConsoleSite) -> Dashboard:
    views = {n for n, s in site.feeds.items() if s.source.view and s.enabled}
    counts = read_counts(site.engine, site.tables, site.clock(), open_only=views)
    names = sorted(views | set(counts.feeds))
    lines = [_line(counts.feeds.get(n) or FeedCounts(n), False) for n in names]
    lines.append(_line(counts.commands, True))
    return Dashboard(counts, lines, site.platform_view())


@page()
async def dashboard(p: Page) -> Response:
    board = await p.run(read, p.site)
    return p.render("dashboard.html.j2", board=board, columns=COLUMNS)


@page()
async def live(p: Page) -> Response:
    board = await p.run(read, p.site)
    return p.render("_live.html.j2", board=board, columns=COLUMNS)
