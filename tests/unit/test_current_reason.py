"""What the HIS reads is the current reason (syncd.rules.outbox.reason_columns): whenever a
row's status changes, return_code / return_code_message / last_error describe the state it
is in now — a refusal after an earlier transient failure replaces the transient text."""

from __future__ import annotations

from dataclasses import replace

from exchange_support import Engine, admission, fee

from syncd.rules.outbox import SyncStatus, Transition, reason_columns


def test_a_refusal_after_a_transient_reply_replaces_its_text() -> None:
    engine = Engine()
    admission(engine)
    engine.tick("ip_admission")
    engine.platform.script("bizh120002", "expired")
    fee(engine, "F1", "12.00")
    engine.tick("ip_fee")
    row = engine.row("ip_fee", "F1")
    assert (row.status, row.extra["return_code"]) == ("PENDING", "-9")
    assert row.extra["return_code_message"] == row.last_error == "会话已过期，重新登录后仍过期"
    visits = engine.stores.visits
    stay = visits.get("ZY1", "INPATIENT")
    visits.rows[("ZY1", "INPATIENT")] = replace(stay, state="DISCHARGED")  # discharged meanwhile
    engine.clock.advance(120)
    assert dict(engine.tick("ip_fee").results) == {"REJECTED": 1}
    row = engine.row("ip_fee", "F1")
    assert row.extra["return_code"] is None
    assert row.extra["return_code_message"] == row.last_error
    assert "出院" in str(row.last_error) and "会话" not in str(row.last_error)


def test_the_reply_names_what_it_answered_the_transition_the_rest() -> None:
    waiting = Transition(SyncStatus.WAITING, None, None, "等待入院登记")
    assert reason_columns(waiting, {}) == {
        "return_code": None,
        "return_code_message": "等待入院登记",
        "last_error": "等待入院登记",
    }
    succeeded = Transition(SyncStatus.SUCCEEDED, None, 1)
    reply = {"return_code": "1", "return_code_message": "成功", "last_error": None}
    assert reason_columns(succeeded, reply) == reply
    assert reason_columns(Transition(SyncStatus.PENDING, None, 0), {})["last_error"] is None
