"""``/audit``: the audit log, newest first."""

from __future__ import annotations

from starlette.responses import Response

from syncd.console.web import Page, page

ACTION_ZH = {
    "login": "登录",
    "logout": "退出",
    "login_refused": "登录失败",
    "login_limited": "登录被限速",
    "reveal": "查看完整信息",
    "requeue": "重新排队",
    "requeue_selected": "重新排队所选",
    "requeue_rejected": "被拒记录全部重新排队",
    "requeue_failed": "失败记录全部重新排队",
    "processed": "登记平台已处理",
    "not_processed": "平台未处理，重新发送",
}


@page()
async def audit(p: Page) -> Response:
    entries = await p.run(p.site.audit.recent, 300)
    return p.render("audit.html.j2", entries=entries, actions=ACTION_ZH)
