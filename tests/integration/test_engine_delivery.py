"""Delivery rules against the simulator over real HTTP: prerequisites, reply lost resolved by
query, platform down with backoff and FAILED, operator re-queue."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from engine_support import SECOND, Env, admit, discharge, env, fee
from pydantic import SecretStr
from test_platform_e2e_support import wait_for

from syncd import logs
from syncd.db.outbox_store import OutboxStore
from syncd.engine.gate import OPEN, Gate
from syncd.rules.resolve.verdict import STILL_RUNNING_ZH
from syncd.service.worker import Worker
from syncd.simulator import Simulator, SimulatorConfig

__all__ = ["env"]


def ours(env: Env) -> list[dict[str, object]]:
    """Our hospital's inpatient businesses on the simulator (the fixture seeds others)."""
    return [b for b in env.sim.businesses() if b["akb020"] == "SS0001" and b["kind"] == "inpatient"]


def test_fee_before_admission_waits_without_using_attempts(env: Env) -> None:
    """Fee rows of a visit not yet admitted wait (attempts 0, nothing sent), then go."""
    worker = env.worker()
    fee(env, "F1", "10.00")
    worker.once()
    row = env.status("ip_fee")["F1"]
    assert (row["status"], row["attempts"]) == ("WAITING", 0)
    assert "等待" in row["last_error"]
    assert env.calls("bizh120002") == []
    admit(env)
    env.clock.advance(5)
    worker.once()
    env.clock.advance(60)
    worker.once()
    row = env.status("ip_fee")["F1"]
    assert (row["status"], row["attempts"]) == ("SUCCEEDED", 1)


def test_impossible_transition_is_refused_in_chinese_without_a_call(env: Env) -> None:
    """Settling a visit that is only admitted: REJECTED with a Chinese reason, nothing sent."""
    worker = env.worker()
    admit(env)
    worker.once()
    settle = env.command("ip_settle", "ZY1", operator_no="0101", operator_name="李四")
    worker.once()
    answer = env.request_row(settle)
    assert answer["status"] == "REJECTED"
    assert answer["return_code_message"] == "就诊状态为在院，此交易需要已出院登记"
    assert env.calls("bizh120106") == []


def test_bad_row_is_rejected_with_a_reason_and_the_others_still_flow(env: Env) -> None:
    """One fee row with an amount that is not a number: REJECTED in Chinese; the rest go."""
    worker = env.worker()
    admit(env)
    fee(env, "F1", "10.00")
    env.insert(
        "t_fee",
        fee_id="F2",
        visit_no="ZY1",
        item_code="X1",
        item_name="坏数据",
        price="1",
        qty="1",
        amount="十元",
        fee_date="20261121",
        illness="0",
    )
    fee(env, "F3", "5.00")
    worker.once()
    rows = env.status("ip_fee")
    assert rows["F2"]["status"] == "REJECTED" and "bka058" in rows["F2"]["last_error"]
    assert rows["F1"]["status"] == rows["F3"]["status"] == "SUCCEEDED"
    assert len(env.business(env.visit("ZY1")["aaz218"])["rows"]) == 2


def test_admission_reply_lost_is_adopted_from_the_business_query(env: Env) -> None:
    """The platform admits but the reply is lost (and the first query is dropped too): the row
    stays UNKNOWN, the next pass finds the business by person + 住院号; one admission only."""
    worker = env.worker()
    env.sim.add_faults("reply_lost:function=bizh120103", "drop:function=bizh120102")
    admit(env)
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"
    env.clock.advance(120)
    worker.once()
    row = env.status("ip_admission")["1"]
    assert row["status"] == "SUCCEEDED"
    businesses = ours(env)
    assert len(businesses) == 1 and len(env.calls("bizh120103")) == 1
    assert env.visit("ZY1")["aaz218"] == businesses[0]["aaz218"] == row["aaz218"]


def test_admission_answered_500_but_not_processed_is_sent_again(env: Env) -> None:
    """HTTP 500 is UNKNOWN.  The query right after it finds nothing, but the platform may still
    be working on the call: the row stays UNKNOWN for the in-flight window (lease_s, 120 s
    here), and only a query after it proves nothing happened, so it is sent again then."""
    worker = env.worker()
    env.sim.add_faults("http500:function=bizh120103")
    admit(env)
    worker.once()
    row = env.status("ip_admission")["1"]
    assert (row["status"], row["last_error"]) == ("UNKNOWN", STILL_RUNNING_ZH)
    assert len(env.calls("bizh120103")) == 1
    env.clock.advance(119)
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"  # not asked again yet
    env.clock.advance(1)
    worker.once()  # asked again: not processed → due again at once
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120103")) == 2
    assert len(ours(env)) == 1


def test_fee_batch_reply_lost_is_resolved_by_the_pre_settlement_total(env: Env) -> None:
    """The second fee batch is stored but its reply lost: 120003's akc264 equals the known sum
    plus that batch, so it is adopted; no row is uploaded twice."""
    worker = env.worker()
    admit(env)
    worker.once()
    for i in range(1, 5):
        fee(env, f"F{i}", f"{i}.00")
    env.sim.add_faults("reply_lost:function=bizh120002")
    worker.once()
    rows = env.status("ip_fee")
    assert {r["status"] for r in rows.values()} == {"SUCCEEDED"}
    assert len(env.calls("bizh120002")) == 2
    assert len(env.business(env.visit("ZY1")["aaz218"])["rows"]) == 4
    assert str(env.visit("ZY1")["fee_amount"]) == "10.00"


def test_a_later_batch_of_a_visit_is_resolved_with_the_sum_of_the_earlier_one(env: Env) -> None:
    """Two calls in one tick: the first succeeds, the second's reply is lost.  The resolution
    compares the platform total with the known sum *including* the first call (10 = 6 + 4)."""
    worker = env.worker()
    admit(env)
    worker.once()
    for i in range(1, 5):
        fee(env, f"F{i}", f"{i}.00")
    env.sim.add_faults("latency:function=bizh120002,ms=1", "reply_lost:function=bizh120002")
    worker.once()
    rows = env.status("ip_fee")
    assert {r["status"] for r in rows.values()} == {"SUCCEEDED"}
    assert len(env.calls("bizh120002")) == 2
    assert str(env.visit("ZY1")["fee_amount"]) == "10.00"


def test_no_fee_batch_is_sent_while_another_of_the_visit_is_unresolved(env: Env) -> None:
    """The first batch's reply is lost and the pre-settlement query fails too: it stays UNKNOWN
    and the next batch of the same visit waits (sending it would make the total unreadable).
    Once the first is resolved the second goes; nothing is uploaded twice."""
    worker = env.worker()
    admit(env)
    worker.once()
    for i in range(1, 5):
        fee(env, f"F{i}", f"{i}.00")
    env.sim.add_faults("reply_lost:function=bizh120002", "drop:function=bizh120003")
    worker.once()
    rows = env.status("ip_fee")
    assert [rows[k]["status"] for k in ("F1", "F2", "F3", "F4")] == ["UNKNOWN"] * 3 + ["WAITING"]
    assert "结果待确认" in rows["F4"]["last_error"]
    assert len(env.calls("bizh120002")) == 1
    for _ in range(3):
        env.clock.advance(600)
        worker.once()
    rows = env.status("ip_fee")
    assert {r["status"] for r in rows.values()} == {"SUCCEEDED"}
    assert len(env.calls("bizh120002")) == 2
    assert len(env.business(env.visit("ZY1")["aaz218"])["rows"]) == 4
    assert str(env.visit("ZY1")["fee_amount"]) == "10.00"


def test_settlement_reply_lost_is_resolved_and_never_settled_twice(env: Env) -> None:
    """出院结算 processed, reply lost: 120102 shows it settled, the slip gives the figures."""
    worker = env.worker()
    admit(env)
    fee(env, "F1", "80.00")
    discharge(env)
    for _ in range(3):
        worker.once()
        env.clock.advance(60)
    assert env.visit("ZY1")["state"] == "DISCHARGED"
    env.sim.add_faults("reply_lost:function=bizh120106")
    settle = env.command("ip_settle", "ZY1", operator_no="0101", operator_name="李四")
    worker.once()
    answer = env.request_row(settle)
    assert answer["status"] == "DONE" and str(answer["akc264"]) == "80.00"
    assert env.visit("ZY1")["state"] == "SETTLED"
    assert len(env.calls("bizh120106")) == 1
    assert len(env.business(env.visit("ZY1")["aaz218"])["settlements"]) == 1


def test_platform_down_backs_off_fails_after_max_attempts_and_retry_requeues(env: Env) -> None:
    """Simulator stopped: RETRY with a jittered exponential pause (no attempt before it is
    due), FAILED after 3 attempts, not re-sent by a new engine, re-queued by `retry`."""
    port = env.sim.port
    env.sim.stop()
    worker = env.worker()
    admit(env, person=SECOND)
    worker.once()
    row = env.status("ip_admission")["1"]
    assert (row["status"], row["attempts"]) == ("PENDING", 1)
    pause = row["next_attempt_at"] - env.clock.now
    assert timedelta(seconds=8) <= pause <= timedelta(seconds=12)
    env.clock.advance(5)
    worker.once()
    assert env.status("ip_admission")["1"]["attempts"] == 1
    for _ in range(4):
        env.clock.advance(60)
        worker.once()
    row = env.status("ip_admission")["1"]
    assert (row["status"], row["attempts"]) == ("FAILED", 3)
    env.sim = Simulator(SimulatorConfig(test_mode=True), port=port)
    env.sim.start()
    env.clock.advance(3600)
    env.worker(owner="engine-after-restart").once()
    assert env.status("ip_admission")["1"]["status"] == "FAILED"
    assert OutboxStore(env.db, env.tables).requeue(None, None, env.clock.now) == 1
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "SUCCEEDED"


def unknown_admission_then_deleted(env: Env) -> Worker:
    """An admission of unknown outcome (processed, reply lost, the query fails) whose view
    row the HIS then deletes."""
    env.sim.add_faults("reply_lost:function=bizh120103", "drop:function=bizh120102")
    worker = env.worker()
    admit(env)
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"
    with env.db.begin() as conn:
        conn.execute(sa.text("DELETE FROM T_ADMISSION"))
    env.clock.advance(600)
    return worker


def test_unknown_row_whose_source_vanished_is_asked_about_as_it_was_sent(env: Env) -> None:
    """The call is read back from the archive and asked about: processed, so it is adopted
    (the platform has the stay) and never sent again."""
    worker = unknown_admission_then_deleted(env)
    worker.once()
    row = env.status("ip_admission")["1"]
    assert row["status"] == "SUCCEEDED", row["last_error"]
    assert env.visit("ZY1")["state"] == "ADMITTED" and env.visit("ZY1")["aaz218"]
    assert len(env.calls("bizh120103")) == 1


def test_unknown_row_whose_source_vanished_and_not_archived_stays_unknown(env: Env) -> None:
    """Without the archived call (pruned, or its write failed) it cannot be re-rendered to
    ask the platform: it stays UNKNOWN with a Chinese note and is never sent again."""
    worker = unknown_admission_then_deleted(env)
    with env.db.begin() as conn:
        conn.execute(sa.delete(env.tables.message))
    worker.once()
    row = env.status("ip_admission")["1"]
    assert row["status"] == "UNKNOWN" and "人工核对" in row["last_error"]
    assert len(env.calls("bizh120103")) == 1


def test_a_per_visit_field_failing_rejects_the_whole_batch_and_the_tick_goes_on(env: Env) -> None:
    """A visit admitted in the ledger without aaz218 (hand-edited): the batch's top-level
    aaz218 cannot be rendered, so every row of that visit is REJECTED with the reason; another
    visit's fee rows in the same tick still go."""
    worker = env.worker()
    admit(env, "ZY2", SECOND, 2)
    worker.once()
    with env.db.begin() as conn:
        conn.execute(
            env.tables.visit.insert().values(visit_key="ZY1", kind="INPATIENT", state="ADMITTED")
        )
    fee(env, "F1", "1.00", visit="ZY1")
    fee(env, "F2", "2.00", visit="ZY1")
    fee(env, "G1", "3.00", visit="ZY2")
    worker.once()
    rows = env.status("ip_fee")
    assert rows["F1"]["status"] == rows["F2"]["status"] == "REJECTED"
    assert "aaz218" in rows["F1"]["last_error"]
    assert rows["G1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120002")) == 1


def test_refused_login_keeps_rows_retryable_and_alerts_instead_of_rejecting(env: Env) -> None:
    """A wrong platform password is the configuration's fault, not the row's: the admission is
    not REJECTED (it would never be sent again) but retried, and an ERROR event says why."""
    platform = env.settings.platform.model_copy(update={"password": SecretStr("wrong")})
    env.settings = env.settings.model_copy(update={"platform": platform})
    stream = io.StringIO()
    handler = logs.setup_logging("INFO", "kv", [], stream=stream)
    try:
        worker = env.worker()
        admit(env)
        worker.once()
    finally:
        logging.getLogger().removeHandler(handler)
    row = env.status("ip_admission")["1"]
    assert row["status"] == "PENDING" and row["attempts"] == 1
    assert env.calls("bizh120103") == []
    assert (
        "level=error" in stream.getvalue() and "event=platform.login_refused" in stream.getvalue()
    )
    assert "wrong" not in stream.getvalue()


def test_a_stop_between_the_calls_of_a_unit_hands_the_rest_back_unsent(env: Env) -> None:
    """Shutting down in the middle of a stay's fee calls: the call under way finishes, the
    rest of the stay is not sent, stays PENDING and holds no lease (a restart sends it)."""
    worker = env.worker()
    admit(env)
    worker.once()
    for i in range(1, 5):
        fee(env, f"F{i}", f"{i}.00")
    pipeline = worker.pipelines["ip_fee"]
    pipeline.gate = Gate(stopping=lambda: len(env.calls("bizh120002")) >= 1)
    worker.once()
    rows = env.status("ip_fee")
    assert [rows[k]["status"] for k in ("F1", "F2", "F3")] == ["SUCCEEDED"] * 3
    assert (rows["F4"]["status"], rows["F4"]["lease_owner"]) == ("PENDING", None)
    assert len(env.calls("bizh120002")) == 1
    pipeline.gate = OPEN
    worker.once()
    assert env.status("ip_fee")["F4"]["status"] == "SUCCEEDED"


def test_a_fee_batch_that_timed_out_while_the_platform_still_works_is_not_sent_twice(
    env: Env,
) -> None:
    """The platform takes 6.5 s, the read timeout is 5 s: right after the timeout the query
    finds nothing (the platform has not committed yet).  That "not processed" is not believed:
    the rows stay UNKNOWN for the in-flight window; asked after it, the platform shows the
    batch, which is adopted — one upload, never two."""
    worker = env.worker()
    admit(env)
    worker.once()
    fee(env, "F1", "10.00")
    env.sim.add_faults("latency:function=bizh120002,ms=6500,times=1")
    worker.once()
    row = env.status("ip_fee")["F1"]
    assert (row["status"], row["last_error"]) == ("UNKNOWN", STILL_RUNNING_ZH)
    aaz218 = env.visit("ZY1")["aaz218"]
    wait_for(lambda: len(env.business(aaz218)["rows"]) == 1, "the slow upload to commit", 15)
    env.clock.advance(120)
    worker.once()
    assert env.status("ip_fee")["F1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120002")) == 1
    assert [r["aaz213"] for r in env.business(aaz218)["rows"]] == ["F1"]
    assert env.visit("ZY1")["fee_amount"] == Decimal("10.00")


def test_a_platform_that_loses_every_admission_ends_failed_after_max_attempts(env: Env) -> None:
    """Each call is dropped (UNKNOWN); each query after the in-flight window proves it was not
    processed, so it is sent again — until the attempts (3) are used up: FAILED, not for ever."""
    worker = env.worker()
    env.sim.add_faults("drop:function=bizh120103,times=0")
    admit(env)
    for attempt in (1, 2, 3):
        worker.once()  # sent: dropped
        assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"
        assert len(env.calls("bizh120103")) == attempt
        env.clock.advance(120)
        worker.once()  # asked: not processed
    row = env.status("ip_admission")["1"]
    assert (row["status"], row["attempts"]) == ("FAILED", 3)
    worker.once()
    assert len(env.calls("bizh120103")) == 3
