"""``/attention`` (what needs a person, grouped, with what to do next), ``/attention/GROUP``
(the rows of one group, to act on a selection) and ``/rows`` (rows by status, feed, visit and
time).  A group is named by a digest of its feed, status and reason, so no reason text (which
comes from the platform) goes into a URL."""

from __future__ import annotations

import hashlib
from datetime import datetime

from starlette.responses import Response

from syncd.console.search_page import _before, _time
from syncd.console.web import Page, page
from syncd.db.browse import BLOCKED, RowFilter, RowGroup, RowLine
from syncd.rules.advice import Advice, advise


def digest(group: RowGroup) -> str:
    text = f"{int(group.command)}|{group.feed}|{group.status}|{group.reason}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def advice_of(group: RowGroup) -> Advice:
    return advise(
        group.status, group.reason, command=group.command, blocked=group.status == BLOCKED
    )


@page()
async def attention(p: Page) -> Response:
    groups = await p.run(p.site.browse.attention)
    shown = [(g, digest(g), advice_of(g)) for g in groups]
    return p.render("attention.html.j2", groups=shown)


@page()
async def group(p: Page) -> Response:
    wanted = p.request.path_params["group"]
    groups = await p.run(p.site.browse.attention)
    found = next((g for g in groups if digest(g) == wanted), None)
    if found is None:
        return p.render(
            "refused.html.j2",
            404,
            reason="这一组已没有记录（可能已处理）/ nothing left in this group",
        )
    limit = p.site.settings.console.page_size
    f = RowFilter(
        status=found.status,
        feed=found.feed,
        reason=found.reason or None,
        rows=not found.command,
        commands=found.command,
        limit=limit,
        before=_before(p.field("before")),
    )
    rows = await p.run(p.site.browse.list_rows, f, list(p.site.command_names))
    return p.render(
        "group.html.j2",
        group=found,
        digest=wanted,
        advice=advice_of(found),
        rows=rows,
        more=_more(rows, limit),
    )


@page()
async def rows(p: Page) -> Response:
    limit = p.site.settings.console.page_size
    since = _time(p.field("since"))
    f = RowFilter(
        status=p.field("status") or None,
        feed=p.field("feed") or None,
        visit=p.field("visit") or None,
        since=since,
        limit=limit,
        before=_before(p.field("before")),
    )
    found = await p.run(p.site.browse.list_rows, f, list(p.site.command_names))
    return p.render(
        "rows.html.j2",
        rows=found,
        more=_more(found, limit),
        asked={
            "status": f.status or "",
            "feed": f.feed or "",
            "visit": f.visit or "",
            "since": p.field("since"),
        },
    )


def _more(rows: list[RowLine], limit: int) -> str:
    if len(rows) < limit or not rows:
        return ""
    last = rows[-1]
    return f"{(last.changed_at or datetime.min).isoformat()}|{last.id}"
