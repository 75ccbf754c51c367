"""Fix, then send again: a REJECTED row whose HIS data was fixed is sent again by itself (no
command), as a new attempt that its status history (``WI_AUDIT``, user ``syncd``) records; a
row whose data did not change is not sent again.  SQLite, PostgreSQL and MariaDB, with the
simulator over real HTTP."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from engine_support import NORMAL, Env, admit, any_env, fee

from syncd.db.counts import read_counts
from syncd.db.story import Story

__all__ = ["any_env"]
UNKNOWN_PERSON = "9999999999"
COMPARE_S = 60  # delivery.recheck_rejected_s (default)


def audit(env: Env) -> list[dict[str, Any]]:
    a = env.tables.audit
    with env.db.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(a).order_by(a.c.id)).mappings()]


def test_a_rejected_admission_is_sent_again_once_the_his_fixes_the_person(any_env: Env) -> None:
    env = any_env
    admit(env, "ZY1", person=UNKNOWN_PERSON)
    worker = env.worker()
    worker.once("ip_admission")
    row = env.status("ip_admission")["1"]
    assert row["status"] == "REJECTED" and row["fingerprint"], row
    reason = str(row["last_error"])

    env.clock.advance(COMPARE_S + 1)  # compared again: nothing changed, nothing sent
    report = worker.once("ip_admission")
    assert report.feeds[0].resent == 0
    assert env.status("ip_admission")["1"]["status"] == "REJECTED"
    assert len(env.calls("bizh120103")) == 1

    env.update("t_admission", {"adm_id": 1}, person_no=NORMAL)  # the DBA fixes the data
    env.clock.advance(COMPARE_S + 1)
    report = worker.once("ip_admission")
    assert report.feeds[0].resent == 1
    row = env.status("ip_admission")["1"]
    assert row["status"] == "SUCCEEDED" and row["aaz218"], row
    assert len(env.calls("bizh120103")) == 2  # the refused call, and the accepted new attempt
    history = [h for h in audit(env) if h["source_key"] == "1"]
    assert [
        (h["username"], h["action"], h["status_before"], h["status_after"]) for h in history
    ] == [("syncd", "resend-fixed", "REJECTED", "PENDING")]
    assert "HIS数据已修正" in history[0]["detail"] and reason[:10] in history[0]["detail"]
    story = Story(env.db, env.tables).history("ip_admission", "1")  # syncd show, the console
    assert [(h["username"], h["action"]) for h in story] == [("syncd", "resend-fixed")]


def test_a_row_that_cannot_be_mapped_is_sent_once_its_missing_value_is_filled(
    any_env: Env,
) -> None:
    """Rejected by syncd itself (缺少必填项): no call went out; filled in, it is sent."""
    env = any_env
    admit(env, "ZY2", person=NORMAL)
    env.update("t_admission", {"adm_id": 1}, person_no=None)
    worker = env.worker()
    worker.once("ip_admission")
    row = env.status("ip_admission")["1"]
    assert row["status"] == "REJECTED" and "aac001" in str(row["last_error"]), row
    assert env.calls("bizh120103") == []

    env.update("t_admission", {"adm_id": 1}, person_no=NORMAL)
    env.clock.advance(COMPARE_S + 1)
    assert worker.once("ip_admission").feeds[0].resent == 1
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120103")) == 1


def test_a_fixed_row_is_not_compared_before_its_time_nor_when_switched_off(any_env: Env) -> None:
    env = any_env
    admit(env, "ZY3", person=UNKNOWN_PERSON)
    off = env.settings.model_copy(
        update={"delivery": env.settings.delivery.model_copy(update={"recheck_rejected_s": 0})}
    )
    worker = env.worker()
    worker.once("ip_admission")
    env.update("t_admission", {"adm_id": 1}, person_no=NORMAL)
    assert worker.once("ip_admission").feeds[0].resent == 0  # not due yet
    env.clock.advance(COMPARE_S + 1)
    env.settings = off
    assert env.worker("engine-b").once("ip_admission").feeds[0].resent == 0
    assert env.status("ip_admission")["1"]["status"] == "REJECTED"


def test_fee_rows_behind_a_refused_admission_say_so_count_as_blocked_and_go_once_it_is_fixed(
    any_env: Env,
) -> None:
    env = any_env
    admit(env, "ZY1", person=UNKNOWN_PERSON)
    fee(env, "F1", "10.00")
    fee(env, "F2", "2.50")
    worker = env.worker()
    worker.once()
    admission = env.status("ip_admission")["1"]
    assert admission["status"] == "REJECTED"
    for key in ("F1", "F2"):
        row = env.status("ip_fee")[key]
        assert (row["status"], row["blocked_by"]) == ("WAITING", "ip_admission:1"), row
        assert row["last_error"] == (f"入院登记被拒绝：{admission['last_error']}；修正后将自动重发")
    counts = read_counts(env.db, env.tables, env.clock())
    fees = counts.feeds["ip_fee"]
    assert (fees.count("WAITING"), fees.blocked) == (0, 2)

    env.update("t_admission", {"adm_id": 1}, person_no=NORMAL)
    env.clock.advance(COMPARE_S + 1)
    worker.once()  # the admission goes again by itself, then its fee rows
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    for key in ("F1", "F2"):
        row = env.status("ip_fee")[key]
        assert (row["status"], row["blocked_by"]) == ("SUCCEEDED", None), row
    assert read_counts(env.db, env.tables, env.clock()).feeds["ip_fee"].blocked == 0
