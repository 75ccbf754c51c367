"""Calls of a disabled feed left unsettled (L2): rows IN_FLIGHT or UNKNOWN in ``WI_SYNC_STATUS``
of a fact-view feed whose mapping now says ``enabled: false``.

The daemon builds no pipeline for a disabled feed, so nothing asks the platform about those
calls: they stay unsettled until the feed is enabled again (then they are settled first, by
query, before anything of their visits is sent).  ``syncd check`` warns at the mapping's
``enabled`` line and the daemon logs it at start (:func:`unsettled_of_disabled`).
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from syncd.core.bilingual import zh_en
from syncd.core.records import UNSETTLED_STATUSES
from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.mapping import FeedSpec


def unsettled_of_disabled(
    engine: sa.Engine, tables: StagingTables, feeds: Mapping[str, FeedSpec]
) -> dict[str, int]:
    """Unsettled rows per disabled fact-view feed that has any (none: ``{}``; also before
    ``init-db`` made the table).  SourceError when the database fails."""
    disabled = sorted(n for n, s in feeds.items() if not s.enabled and s.source.view)
    if not disabled:
        return {}
    c = tables.sync_status.c
    stmt = (
        sa.select(c.feed, sa.func.count())
        .where(c.feed.in_(disabled), c.status.in_(list(UNSETTLED_STATUSES)))
        .group_by(c.feed)
    )
    with source_errors(engine.url, "counting unsettled rows"), engine.connect() as conn:
        if not sa.inspect(conn).has_table(tables.sync_status.name, tables.sync_status.schema):
            return {}
        return {str(feed): int(n) for feed, n in conn.execute(stmt)}


def unsettled_message(feed: str, rows: int) -> str:
    return zh_en(
        f"警告：业务 {feed} 已停用（enabled: false），但仍有 {rows} 行的调用结果未确认"
        "（IN_FLIGHT/UNKNOWN）：停用期间 syncd 不会向平台查询确认它们",
        f"warning: feed {feed} is disabled (enabled: false) but {rows} row(s) of it have a call "
        "whose outcome is not settled (IN_FLIGHT/UNKNOWN): nothing asks the platform about "
        "them while the feed is disabled",
    )


UNSETTLED_HINT = zh_en(
    "重新启用该业务（enabled: true 或删去这一行），syncd 会先向平台查询确认这些调用，确认后再停用",
    "enable the feed again (enabled: true, or remove the line): syncd asks the platform about "
    "those calls first; disable it once they are settled",
)
