"""The operator module (``syncd retry``): re-queueing REJECTED rows once the HIS data was fixed,
and actions that do nothing, which say why (Chinese, then English) instead of "0 rows"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_support import Env, admit, env

from syncd.core.errors import OperatorError

__all__ = ["env"]
UNKNOWN_PERSON = "9999999999"


def rejected_admission(env: Env) -> str:
    """Admission 1 of a person the platform does not know: REJECTED with its message."""
    admit(env, "ZY1", person=UNKNOWN_PERSON)
    env.worker().once("ip_admission")
    row = env.status("ip_admission")["1"]
    assert row["status"] == "REJECTED", row
    return str(row["last_error"])


def test_rejected_rows_are_sent_again_as_a_new_attempt_after_the_data_was_fixed(env: Env) -> None:
    """The HIS corrects the person: `retry --rejected --feed F --reason TEXT --since T` queues
    the row again (PENDING, attempts from 0) and the next pass admits the stay."""
    message = rejected_admission(env)
    env.update("t_admission", {"adm_id": 1}, person_no="1000010001")
    operator = env.worker("operator").operator()
    since = env.clock() - timedelta(minutes=5)
    assert operator.requeue_rejected("ip_admission", message[:6], since) == 1
    row = env.status("ip_admission")["1"]
    assert (row["status"], row["attempts"], row["finished_at"]) == ("PENDING", 0, None)
    env.worker().once("ip_admission")
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120103")) == 2  # the refused one, and the one accepted


def test_rejected_rows_outside_the_filters_stay_rejected(env: Env) -> None:
    """Another reason, a later time, another feed, or a command feed: nothing moves, and the
    operator is told so."""
    rejected_admission(env)
    operator = env.worker("operator").operator()
    later = env.clock() + timedelta(minutes=5)
    for feed, reason, since in (
        ("ip_admission", "无此原因", None),
        ("ip_admission", None, later),
        ("ip_fee", None, None),
    ):
        with pytest.raises(OperatorError, match="no REJECTED row matches"):
            operator.requeue_rejected(feed, reason, since)
    with pytest.raises(OperatorError, match="submits it again"):
        operator.requeue_rejected("op_charge")
    assert env.status("ip_admission")["1"]["status"] == "REJECTED"


def test_operator_actions_that_do_nothing_say_why(env: Env) -> None:
    """A row that succeeded, a key that does not exist, --not-processed on a row that is not
    UNKNOWN, a DONE command, and --failed with nothing FAILED: each an OperatorError whose
    message gives the reason in Chinese and in English; nothing changes."""
    admit(env)
    worker = env.worker()
    worker.once()
    command = env.command("ip_presettle", "ZY1")
    worker.once()
    assert env.request_row(command)["status"] == "DONE"
    operator = env.worker("operator").operator()
    cases = [
        (lambda: operator.requeue("ip_admission", "1"), "已成功.*nothing to re-queue"),
        (lambda: operator.requeue("ip_admission", "7"), "没有记录 7 / ip_admission has no row 7"),
        (lambda: operator.not_processed("ip_admission", "1"), "不是结果未知.*not UNKNOWN"),
        (lambda: operator.requeue("ip_presettle", str(command)), "已完成.*DONE"),
        (lambda: operator.requeue("ip_presettle", "ZY1"), "WI_REQUEST 的 id.*a number"),
        (lambda: operator.requeue_failed(), "nothing is FAILED"),
    ]
    for action, reason in cases:
        with pytest.raises(OperatorError, match=reason):
            action()
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    assert env.request_row(command)["status"] == "DONE"
