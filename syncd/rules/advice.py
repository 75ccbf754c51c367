"""What an operator should do about a row that needs attention (pure): the situation in a few
Chinese words, what to do next, and which action of the console (if any) does it.

:func:`advise` reads the row's status and its (Chinese) reason — the platform's message or
syncd's own — and answers with an :class:`Advice`; the console's "needs attention" page and
``syncd list`` show it next to each group of rows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Action(enum.StrEnum):
    REQUEUE = "requeue"  # after the HIS data (or the cause) was fixed: send again
    VERDICT = "verdict"  # check the platform, then "processed" / "not processed"
    OPENER = "opener"  # deal with the visit's refused admission/registration first
    NONE = "none"  # nothing for syncd to do (the HIS resubmits, or nothing is needed)


@dataclass(frozen=True)
class Advice:
    situation_zh: str
    todo_zh: str
    action: Action


_DATA = (
    "缺少必填项",
    "不能为空",
    "格式",
    "无法解析",
    "日期",
    "金额",
    "长度",
    "超出",
    "不是数字",
    "小数位",
)
_REJECTED_RULES: tuple[tuple[tuple[str, ...], Advice], ...] = (
    (
        ("代码无对照",),
        Advice(
            "代码无对照（基础数据）",
            "在映射的 codes: 对照或平台码表（syncd codes sync）中补上该代码，然后重新排队",
            Action.REQUEUE,
        ),
    ),
    (
        ("HIS源数据已删除", "已更新为新版本"),
        Advice("HIS 数据已删除或已改出新版本", "无需处理：新版本会自动发送", Action.NONE),
    ),
    (
        ("业务互斥",),
        Advice(
            "业务互斥（参保人在其他医院有未结束的业务）",
            "请参保人到原医院办结（出院或取消）后，重新排队",
            Action.REQUEUE,
        ),
    ),
    (
        ("未参保", "未参加工伤保险", "无工伤", "工伤认定"),
        Advice(
            "参保或工伤认定不符",
            "按自费处理；如参保或认定信息有误，经办机构更正后重新排队",
            Action.REQUEUE,
        ),
    ),
    (_DATA, Advice("HIS 数据有误", "在 HIS 中修正该行数据后重新排队", Action.REQUEUE)),
    (
        ("状态", "已出院", "未登记", "已结算", "不能重复", "已经办理"),
        Advice(
            "就诊状态不允许",
            "在「就诊经过」中核对该就诊在平台的状态，更正或取消后重新排队",
            Action.REQUEUE,
        ),
    ),
)
_REJECTED = Advice("平台拒绝", "按平台返回的信息修正 HIS 数据后重新排队", Action.REQUEUE)
_COMMAND_REJECTED = Advice(
    "HIS 命令被拒绝", "由 HIS 修正后重新提交命令（被拒绝的命令不重新排队）", Action.NONE
)
_UNKNOWN = Advice(
    "结果未知（平台可能已处理）",
    "先到平台核对这笔交易：平台已处理 → 登记「平台已处理」；平台未处理 → 「平台未处理，重新发送」。"
    "未核对前切勿重发",
    Action.VERDICT,
)
_FAILED = Advice(
    "发送失败（重试次数已用完）",
    "确认平台和网络已恢复（登录被拒时先改正平台账号密码）后重新排队",
    Action.REQUEUE,
)
_BLOCKED = Advice(
    "等待被拒的登记",
    "该就诊的入院登记或门诊挂号被平台拒绝，这些记录在等它：先处理那条被拒的登记（修正后重新排队），"
    "成功后这些记录自动继续",
    Action.OPENER,
)


def advise(
    status: str, reason: str = "", *, command: bool = False, blocked: bool = False
) -> Advice:
    """What to do about a row (``command``: a ``WI_REQUEST`` command) of ``status`` whose
    reason is ``reason``; ``blocked``: a WAITING row behind a refused registration."""
    if blocked:
        return _BLOCKED
    if status == "UNKNOWN":
        return _UNKNOWN
    if status == "FAILED":
        return _FAILED
    if status != "REJECTED":
        return Advice("", "", Action.NONE)
    if command:
        return _COMMAND_REJECTED
    for words, advice in _REJECTED_RULES:
        if any(word in reason for word in words):
            return advice
    return _REJECTED
