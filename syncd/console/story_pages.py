"""The story pages: ``/row/FEED/KEY``, ``/command/ID``, ``/visit/KEY``, ``/message/ID``.

Every value is shown masked; an operator may reveal one page (a POST with the CSRF token),
which is written to the audit log first.  A viewer cannot.
"""

from __future__ import annotations

from starlette.responses import Response

from syncd.console.present import Shown, notice
from syncd.console.stories import command_story, row_story, visit_story
from syncd.console.web import Page, page
from syncd.db.audit import AuditEntry


async def _shown(p: Page, what: str, feed: str | None, key: str) -> Shown | Response:
    """Masked, or revealed for an operator who asked (audited); a viewer who asks: 403."""
    if p.form is None or p.field("reveal") != "1":
        return Shown()
    if not p.viewer.can_act:
        return p.render(
            "refused.html.j2", 403, reason="只读用户不能查看完整信息 / viewers cannot reveal"
        )
    entry = AuditEntry(p.viewer.username, "reveal", feed, key, detail=what, client=p.client)
    await p.run(p.site.audit.write, entry, p.site.clock())
    return Shown(reveal=True)


def _missing(p: Page, what: str) -> Response:
    return p.render("refused.html.j2", 404, reason=f"没有找到{what} / not found")


@page()
async def row(p: Page) -> Response:
    feed, key = p.request.path_params["feed"], p.request.path_params["key"]
    shown = await _shown(p, "row", feed, key)
    if isinstance(shown, Response):
        return shown
    story = await p.run(row_story, p.site, feed, key)
    if story is None:
        return _missing(p, f" {feed} {key}")
    return p.render(
        "row.html.j2", story=story, shown=shown, notice=notice(p.field("notice"), p.field("n"))
    )


@page()
async def command(p: Page) -> Response:
    command_id = int(p.request.path_params["id"])
    shown = await _shown(p, "command", None, str(command_id))
    if isinstance(shown, Response):
        return shown
    story = await p.run(command_story, p.site, command_id)
    if story is None:
        return _missing(p, f"命令 {command_id}")
    return p.render(
        "row.html.j2", story=story, shown=shown, notice=notice(p.field("notice"), p.field("n"))
    )


@page()
async def visit(p: Page) -> Response:
    visit_key = p.request.path_params["visit"]
    story = await p.run(visit_story, p.site, visit_key)
    if story is None:
        return _missing(p, f"就诊 {visit_key}")
    return p.render("visit.html.j2", story=story, shown=Shown())


@page()
async def message(p: Page) -> Response:
    message_id = int(p.request.path_params["id"])
    shown = await _shown(p, "message", None, str(message_id))
    if isinstance(shown, Response):
        return shown
    found = await p.run(p.site.story.message, message_id)
    if found is None:
        return _missing(p, f"报文 {message_id}")
    return p.render("message.html.j2", message=found, shown=shown)
