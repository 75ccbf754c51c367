"""``/messages``: the message search.  The form is posted (a person number or a visit never
goes into a URL); the next page is posted again with the last line's position."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from syncd.console.web import Page, page
from syncd.db.message_search import MessageQuery, search_messages

FIELDS = ("visit_key", "aaz218", "aac001", "function_id", "return_code", "since", "until")


def _time(text: str) -> datetime | None:
    """``2026-11-25T08:30`` (a datetime-local input) or ``2026-11-25``; None when empty."""
    for shape in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, shape)
        except ValueError:
            continue
    return None


def _before(text: str) -> tuple[datetime, int] | None:
    at, _, row_id = text.rpartition("|")
    try:
        return datetime.fromisoformat(at), int(row_id)
    except ValueError:
        return None


@page()
async def messages(p: Page) -> Response:
    asked = {name: p.field(name) for name in FIELDS} if p.form is not None else {}
    if p.form is None or not any(asked.values()):
        return p.render("messages.html.j2", asked=asked, found=None, more="", problem="")
    since, until = _time(asked["since"]), _time(asked["until"])
    if (asked["since"] and since is None) or (asked["until"] and until is None):
        return p.render(
            "messages.html.j2",
            400,
            asked=asked,
            found=None,
            more="",
            problem="时间格式应为 2026-11-25 08:30 / a time like 2026-11-25 08:30",
        )
    query = MessageQuery(
        visit_key=asked["visit_key"] or None,
        aaz218=asked["aaz218"] or None,
        aac001=asked["aac001"] or None,
        function_id=asked["function_id"] or None,
        return_code=asked["return_code"] or None,
        since=since,
        until=until,
        limit=min(p.site.settings.console.page_size, 200) + 1,
        before=_before(p.field("before")),
    )
    found = await p.run(search_messages, p.site.engine, p.site.tables, query)
    page_size = query.limit - 1
    more = ""
    if len(found) > page_size:
        found = found[:page_size]
        last = found[-1]
        more = f"{last.created_at.isoformat()}|{last.id}"
    return p.render("messages.html.j2", asked=asked, found=found, more=more, problem="")
