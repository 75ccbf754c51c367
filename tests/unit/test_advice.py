"""What to do next for each kind of row that needs attention."""

from __future__ import annotations

import pytest

from syncd.rules.advice import Action, advise


@pytest.mark.parametrize(
    ("status", "reason", "situation", "action"),
    [
        ("REJECTED", "缺少必填项：电脑号(aac001)", "HIS 数据有误", Action.REQUEUE),
        ("REJECTED", "bka019 代码无对照", "代码无对照（基础数据）", Action.REQUEUE),
        (
            "REJECTED",
            "业务互斥：该参保人在其他医疗机构有未结束的住院业务",
            "业务互斥",
            Action.REQUEUE,
        ),
        ("REJECTED", "HIS源数据已删除或已更新为新版本", "HIS 数据已删除", Action.NONE),
        ("REJECTED", "平台说不行", "平台拒绝", Action.REQUEUE),
        ("UNKNOWN", "请人工核对", "结果未知", Action.VERDICT),
        ("FAILED", "连接超时", "发送失败", Action.REQUEUE),
    ],
)
def test_each_reason_gets_its_advice(
    status: str, reason: str, situation: str, action: Action
) -> None:
    advice = advise(status, reason)
    assert advice.situation_zh.startswith(situation) and advice.action is action
    assert advice.todo_zh


def test_a_rejected_command_is_resubmitted_by_the_his_and_a_blocked_row_waits_for_its_opener() -> (
    None
):
    assert advise("REJECTED", "缺少必填项", command=True).action is Action.NONE
    blocked = advise("WAITING", "等待就诊状态为未登记变为在院", blocked=True)
    assert blocked.action is Action.OPENER and "被拒" in blocked.todo_zh
    assert advise("SUCCEEDED").action is Action.NONE
