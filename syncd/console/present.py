"""How the console writes values: statuses in Chinese, times and ages, masked personal data,
and the Jinja2 environment of its templates (autoescaped; templates in ``templates/``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import jinja2

from syncd.protocol import archived
from syncd.protocol.privacy import mask_id_numbers, mask_value, masked

STATUS_ZH = {
    "PENDING": "待发送",
    "WAITING": "等待前置",
    "IN_FLIGHT": "发送中",
    "UNKNOWN": "结果未知",
    "FAILED": "失败",
    "REJECTED": "被拒绝",
    "SUCCEEDED": "成功",
    "NEW": "待处理",
    "DONE": "完成",
    "BLOCKED": "被挡住",
    "RUNNING": "进行中",
}
OUTCOME_ZH = {"SUCCEEDED": "成功", "REJECTED": "被拒绝", "RETRY": "未送达", "UNKNOWN": "结果未知"}
VISIT_STATE_ZH = {
    "NONE": "未登记",
    "REGISTERED": "已挂号",
    "ADMITTED": "在院",
    "DISCHARGED": "已出院",
    "SETTLED": "已结算",
    "CANCELLED": "已取消",
}


def status_zh(status: str | None) -> str:
    return STATUS_ZH.get(status or "", status or "")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def age(value: datetime | None, now: datetime) -> str:
    """``3 分钟``, ``2 小时 5 分``, ``4 天`` (— when there is none)."""
    if value is None:
        return "—"
    seconds = max(0, int((now - value).total_seconds()))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} 小时 {minutes} 分"
    return f"{hours // 24} 天"


class Shown:
    """Values as this page shows them: masked, or (an operator's audited reveal) as stored."""

    def __init__(self, reveal: bool = False) -> None:
        self.reveal = reveal

    def value(self, code: str, value: object, siblings: Mapping[str, Any] | None = None) -> str:
        text = "" if value is None else str(value)
        return text if self.reveal else mask_value(code, text, siblings)

    def text(self, value: object) -> str:
        """Free text (a reason, a key): ID-number shapes masked."""
        text = "" if value is None else str(value)
        return text if self.reveal else mask_id_numbers(text)

    def json(self, text: str | None) -> str:
        """A JSON document (``result_json``, ``row_json``) indented, masked by field."""
        if not text:
            return ""
        try:
            doc = json.loads(text)
        except ValueError:
            return self.text(text)
        if isinstance(doc, dict) and not self.reveal:
            doc = masked(doc)
        return json.dumps(doc, ensure_ascii=False, indent=2)

    def xml(self, body: str | None) -> str:
        return archived.pretty(body, reveal=self.reveal)

    def columns(self, row: Mapping[str, Any], codes: Mapping[str, str]) -> dict[str, str]:
        """A HIS view row, each column masked as the platform field it feeds (``codes``:
        column → field code)."""
        return {
            name: self.value(codes.get(name.upper(), name), value, None)
            for name, value in row.items()
        }


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("syncd.console", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        status_zh=status_zh,
        when=when,
        outcome_zh=lambda o: OUTCOME_ZH.get(o or "", o or ""),
        visit_state_zh=lambda s: VISIT_STATE_ZH.get(s or "", s or ""),
        masktext=mask_id_numbers,
    )
    env.globals.update(age=age)
    return env


NOTICES = {
    "requeued": "已重新排队 {n} 条，syncd 会尽快发送 / re-queued {n} row(s)",
    "processed": "已按「平台已处理」登记 {n} 条 / concluded {n} row(s) as processed",
    "not_processed": "已按「平台未处理」重新发送 {n} 条 / {n} row(s) will be sent again",
}


def notice(code: str, count: str) -> str:
    """The line shown after an action (from the redirect's query: a code and a count)."""
    template = NOTICES.get(code)
    return template.format(n=int(count)) if template and count.isdigit() else ""
