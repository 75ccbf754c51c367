"""Blocked rows say what blocks them (pure): which calls a WAIT on the visit's state waits for,
which of the visit's rows it waits behind, and the reason it then reads."""

from __future__ import annotations

from syncd.core.records import BlockingRow
from syncd.rules import visits

WAIT = visits.VisitCheck(visits.VisitVerdict.WAIT, "等待就诊状态为未登记变为在院")


def row(function_id: str, status: str, key: str = "1", reason: str = "") -> BlockingRow:
    return BlockingRow("feed", key, function_id, status, reason)


def test_the_calls_a_wait_on_the_visit_state_waits_for() -> None:
    assert visits.moved_by("INPATIENT", "NONE", ("ADMITTED",)) == ("bizh120103", "bizh120108")
    assert visits.moved_by("INPATIENT", "ADMITTED", ("DISCHARGED",)) == (
        "bizh120105",
        "bizh120107",
    )
    assert visits.moved_by("OUTPATIENT", "NONE", ("REGISTERED",)) == ("bizh110104",)
    assert visits.moved_by("INPATIENT", "CANCELLED", ("ADMITTED",)) == ()


def test_the_row_waited_behind_is_the_newest_refused_one_unless_another_went_or_is_open() -> None:
    refused = row("bizh120103", "REJECTED", "2", "未参保")
    assert visits.blocker([refused, row("bizh120103", "REJECTED", "1")], False) == refused
    assert visits.blocker([row("bizh120103", "PENDING", "3"), refused], False) is None
    assert visits.blocker([row("bizh120103", "SUCCEEDED", "3"), refused], False) is None
    assert visits.blocker([], False) is None
    failed = row("bizh120002", "FAILED", "F2", "连接超时")
    assert visits.blocker([row("bizh120002", "REJECTED", "F3"), failed], True) == failed


def test_a_blocked_row_names_the_call_and_its_reason_and_what_happens_next() -> None:
    check = visits.blocked(WAIT, "bizh120103", "REJECTED", "未参保", "ip_admission:1")
    assert check == visits.VisitCheck(
        visits.VisitVerdict.WAIT, "入院登记被拒绝：未参保；修正后将自动重发", "ip_admission:1"
    )
    failed = visits.blocked(WAIT, "bizh120002", "FAILED", "连接超时", "ip_fee:F2")
    assert (
        failed.reason_zh
        == "住院费用明细上传发送失败：连接超时；处理后重新排队（syncd retry --failed）"
    )
