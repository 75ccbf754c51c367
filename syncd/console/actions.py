"""``/act/ACTION``: an operator's actions, each confirmed first.

The actions are the operator module's (:class:`syncd.engine.operator.Operator`, what ``syncd
retry`` calls), with its checks and its audit log (who — the console user and address —, what,
the statuses before and after, one entry per row of a selection); the console only says what
an action will touch, asks and calls it:

=================== ===========================================================================
``requeue``          one row or command (a REJECTED or FAILED row sent again; an UNKNOWN asked
                     again): :meth:`Operator.requeue`
``requeue_selected`` the rows ticked on a group's page, one :meth:`Operator.requeue` each
``requeue_rejected`` every REJECTED row of a feed with one reason: :meth:`Operator.requeue_rejected`
``requeue_failed``   every FAILED row of a feed: :meth:`Operator.requeue_failed`
``processed``        the UNKNOWN call was processed (``aaz218`` / ``bka001`` as the CLI takes
                     them): :meth:`Operator.processed`
``not_processed``    it was not: sent again, :meth:`Operator.not_processed`
=================== ===========================================================================

A POST without ``confirmed=1`` answers with the confirmation page; an action the operator
module refuses (OperatorError) is shown with its reason (and audited as refused there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from syncd.console.list_pages import digest
from syncd.console.site import ConsoleSite
from syncd.console.web import Page, page, redirect
from syncd.core.errors import OperatorError
from syncd.db.browse import RowFilter
from syncd.engine.operator import Actor, tally

TITLES = {
    "requeue": "重新排队",
    "requeue_selected": "重新排队所选记录",
    "requeue_rejected": "同一原因的被拒记录全部重新排队",
    "requeue_failed": "失败的记录全部重新排队",
    "processed": "登记为「平台已处理」",
    "not_processed": "平台未处理，重新发送",
}
WARNINGS = {
    "not_processed": "只有在平台上核对确认该交易没有办理时才能重新发送：已办理的再发送会重复结算。",
    "processed": "只有在平台上核对确认该交易已经办理时才能登记；金额等结果请在平台查询。",
    "requeue_rejected": "请先在 HIS 中修正这些记录的数据，否则会再次被拒绝。",
}
NOTICE = {"processed": "processed", "not_processed": "not_processed"}  # else "requeued"
_LIMIT = 200  # rows listed on a confirmation page


@dataclass
class Plan:
    """What an action will touch."""

    action: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (feed, key)
    feed: str | None = None
    reason: str | None = None
    given: dict[str, str] = field(default_factory=dict)
    back: str = "/attention"
    fields: dict[str, str | list[str]] = field(default_factory=dict)  # the form, to confirm
    before: str = ""  # the statuses now, for the confirmation page
    rows: list[Any] = field(default_factory=list)


def _statuses(site: ConsoleSite, feed: str, key: str) -> list[str]:
    spec = site.feeds.get(feed)
    if spec is not None and spec.source.is_command:
        record, _ = site.story.command(int(key)) if key.isdigit() else (None, [])
        return [str(record["status"])] if record else []
    return [str(r["status"]) for r in site.story.rows(feed, key)]


def _one_row(p: Page, plan: Plan) -> str:
    feed, key = p.field("feed"), p.field("key")
    if feed not in p.site.feeds or not key:
        return "没有指定业务和主键 / no feed and key"
    plan.items, plan.back = [(feed, key)], p.site.row_href(feed, key)
    if plan.action == "processed":
        given = (("aaz218", p.field("aaz218")), ("payinfo.bka001", p.field("bka001")))
        plan.given = {k: v for k, v in given if v}
    return ""


def _selected(p: Page, plan: Plan) -> str:
    picked = [item.partition("|") for item in p.fields("item")]
    plan.items = [(f, k) for f, _, k in picked if f in p.site.feeds and k]
    plan.fields["item"] = [f"{f}|{k}" for f, k in plan.items]
    return "" if plan.items else "没有勾选任何记录 / nothing selected"


def _rejected_group(p: Page, plan: Plan) -> str:
    found = next((g for g in p.site.browse.attention() if digest(g) == p.field("group")), None)
    if found is None or found.status != "REJECTED" or found.command:
        return "这一组已没有被拒绝的记录 / no rejected rows left in this group"
    plan.feed, plan.reason, plan.before = found.feed, found.reason, f"REJECTED×{found.count}"
    wanted = RowFilter(
        status="REJECTED",
        feed=found.feed,
        reason=found.reason or None,
        commands=False,
        limit=_LIMIT,
    )
    plan.rows = p.site.browse.list_rows(wanted)
    return ""


def _failed_feed(p: Page, plan: Plan) -> str:
    site, feed = p.site, p.field("feed")
    if feed not in site.feeds and feed not in site.command_names:
        return "没有指定业务 / no feed"
    plan.feed = site.command_names.get(feed, feed)
    wanted = RowFilter(status="FAILED", feed=feed, limit=_LIMIT)
    plan.rows = site.browse.list_rows(wanted, list(site.command_names))
    plan.before = f"FAILED×{len(plan.rows)}"
    return ""


_PLANNERS = {
    "requeue": _one_row,
    "processed": _one_row,
    "not_processed": _one_row,
    "requeue_selected": _selected,
    "requeue_rejected": _rejected_group,
    "requeue_failed": _failed_feed,
}


def _plan(p: Page, action: str) -> Plan | str:
    """The plan of the posted form, or why the form is wrong."""
    planner = _PLANNERS.get(action)
    if planner is None:
        return "没有这个操作 / no such action"
    named = ("feed", "key", "group", "aaz218", "bka001")
    plan = Plan(action, fields={k: p.field(k) for k in named if p.field(k)})
    problem = planner(p, plan)
    if problem:
        return problem
    if plan.items:
        plan.before = tally([s for f, k in plan.items for s in _statuses(p.site, f, k)])
    return plan


def _carry_out(site: ConsoleSite, plan: Plan, actor: Actor) -> tuple[int, list[str]]:
    """Through the operator module: how many rows it changed, and what it refused."""
    done, refused = 0, []
    with site.operator(actor) as operator:
        if plan.action == "requeue_rejected":
            return operator.requeue_rejected(plan.feed, plan.reason or None), []
        if plan.action == "requeue_failed":
            return operator.requeue_failed(plan.feed), []
        for feed, key in plan.items:
            try:
                if plan.action == "processed":
                    done += operator.processed(feed, key, plan.given)
                elif plan.action == "not_processed":
                    done += operator.not_processed(feed, key)
                else:
                    done += operator.requeue(feed, key)
            except OperatorError as exc:
                if len(plan.items) == 1:
                    raise
                refused.append(f"{feed} {key}：{exc}")
    return done, refused


@page(act=True)
async def act(p: Page) -> Response:
    action = p.request.path_params["action"]
    plan = await p.run(_plan, p, action)
    if isinstance(plan, str):
        return p.render("refused.html.j2", 400, reason=plan)
    if p.field("confirmed") != "1":
        return p.render(
            "confirm.html.j2", plan=plan, title=TITLES[action], warning=WARNINGS.get(action, "")
        )
    actor = Actor(p.viewer.username, p.client)
    try:
        done, refused = await p.run(_carry_out, p.site, plan, actor)
    except OperatorError as exc:
        return p.render("refused.html.j2", 409, reason=f"未执行 / not done: {exc}")
    if refused:
        note = "；".join(refused)
        return p.render("refused.html.j2", 207, reason=f"已处理 {done} 条；未执行：{note}")
    return redirect(plan.back, notice=NOTICE.get(action, "requeued"), n=done)
