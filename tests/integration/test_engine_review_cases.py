"""Cases a review of the delivery engine found (each failed before its fix): a call whose
request can no longer be rebuilt stays UNKNOWN; a discharge waits until the stay's fee rows
are all read and none FAILED; two engines never both send for one visit; a failed archive
write does not throw a known result away."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from engine_support import Env, admit, any_env, discharge, env, fee

from syncd.config.settings import PollingSettings
from syncd.core.errors import SourceError
from syncd.db.outbox_store import OutboxStore
from syncd.rules.visits import AFTER_FEEDS_UNREAD

__all__ = ["any_env", "env"]


def set_rows(env: Env, feed: str, key: str, **values: Any) -> None:
    table = env.tables.sync_status
    stmt = sa.update(table).where(table.c.feed == feed, table.c.source_key == key)
    with env.db.begin() as conn:
        conn.execute(stmt.values(**values))


def test_an_unknown_call_that_no_longer_maps_stays_unknown_for_an_operator(env: Env) -> None:
    """The admission was processed, its reply lost and the query failed (UNKNOWN); then the
    HIS row changed so that it no longer maps, and the archive does not hold the call (with
    it, the call is asked about as sent: test_engine_delivery).  Nothing can be asked: it
    stays UNKNOWN with the reason — never REJECTED (a later `syncd retry` would send it a
    second time)."""
    worker = env.worker()
    env.sim.add_faults("reply_lost:function=bizh120103", "drop:function=bizh120102")
    admit(env)
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"
    env.update("t_admission", {"adm_id": 1}, person_no=None)
    with env.db.begin() as conn:
        conn.execute(sa.delete(env.tables.message))
    env.clock.advance(120)
    worker.once()
    row = env.status("ip_admission")["1"]
    assert row["status"] == "UNKNOWN"
    assert "无法按当前HIS数据重新生成原请求" in row["last_error"] and "电脑号" in row["last_error"]
    assert len(env.calls("bizh120103")) == 1


def test_a_discharge_waits_until_every_fee_row_of_the_views_was_read(env: Env) -> None:
    """A search finds at most batch_size × 20 rows (20 here).  With 25 other rows ahead, the
    stay's last fee row may not be recorded yet: the discharge waits until a search of the
    fee view comes back short, and then for that fee row to go."""
    env.settings = env.settings.model_copy(update={"polling": PollingSettings(batch_size=1)})
    worker = env.worker()
    admit(env, "ZY1")
    worker.once("ip_admission")
    for i in range(25):  # another stay's rows (not admitted: they wait)
        fee(env, f"B{i:02d}", "1.00", visit="ZY2")
    fee(env, "Z1", "88.00", visit="ZY1")
    discharge(env, "ZY1")
    worker.tick_feed("ip_discharge")
    row = env.status("ip_discharge")["ZY1@1"]
    assert (row["status"], row["last_error"]) == ("WAITING", AFTER_FEEDS_UNREAD.reason_zh)
    for _ in range(60):
        env.clock.advance(30)
        worker.tick_feed("ip_fee")
        worker.tick_feed("ip_discharge")
        if env.status("ip_discharge")["ZY1@1"]["status"] == "SUCCEEDED":
            break
    assert env.status("ip_fee")["Z1"]["status"] == "SUCCEEDED"
    assert env.status("ip_discharge")["ZY1@1"]["status"] == "SUCCEEDED"
    rows = env.business(env.visit("ZY1")["aaz218"])["rows"]
    assert [r["aaz213"] for r in rows] == ["Z1"]


def test_a_failed_fee_row_holds_the_discharge_until_it_is_requeued(env: Env) -> None:
    """A fee row that used up its attempts (FAILED) never reached the platform: the discharge
    waits, saying so, until `syncd retry` re-queues it and it is uploaded."""
    worker = env.worker()
    admit(env)
    worker.once()
    fee(env, "F1", "10.00")
    worker.pipelines["ip_fee"].discovery.run()
    set_rows(env, "ip_fee", "F1", status="FAILED", attempts=8)
    discharge(env)
    env.clock.advance(30)
    worker.once()
    row = env.status("ip_discharge")["ZY1@1"]
    assert row["status"] == "WAITING" and "发送失败" in row["last_error"]
    assert not env.calls("bizh120105")
    worker.store.outbox.requeue("ip_fee", None, env.clock())
    for _ in range(3):
        env.clock.advance(30)
        worker.once()
    assert env.status("ip_fee")["F1"]["status"] == "SUCCEEDED"
    assert env.status("ip_discharge")["ZY1@1"]["status"] == "SUCCEEDED"


def test_two_engines_starting_a_call_for_one_visit_at_once_do_not_both_send(env: Env) -> None:
    """Engine B commits the intent of fee row F2 of the stay just after engine A checked the
    stay and just before A commits its own for F1.  A looks again after its intent, sees B's
    call and steps back: F1 waits (attempts unchanged), nothing is sent by A."""
    worker = env.worker("engine-a")
    admit(env)
    worker.once()
    fee(env, "F1", "10.00")
    fee(env, "F2", "5.00")
    worker.pipelines["ip_fee"].discovery.run()
    until = env.clock() + timedelta(minutes=5)
    set_rows(env, "ip_fee", "F2", lease_owner="engine-b", lease_until=until)
    outbox = worker.store.outbox
    real = outbox.mark_in_flight

    def b_first(*args: Any, **kwargs: Any) -> bool:
        set_rows(env, "ip_fee", "F2", status="IN_FLIGHT", request_id="b-call", attempts=1)
        return real(*args, **kwargs)

    outbox.mark_in_flight = b_first  # type: ignore[method-assign]
    worker.tick_feed("ip_fee", discover=False)
    row = env.status("ip_fee")["F1"]
    assert (row["status"], row["attempts"]) == ("WAITING", 0)
    assert "同类交易结果待确认" in row["last_error"]
    assert not env.calls("bizh120002")


def test_a_failed_archive_write_does_not_lose_the_result(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """The message archive cannot be written (its table is gone): the admission the platform
    made is still written back, and an ERROR event says the archive failed."""
    worker = env.worker()
    with env.db.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {env.tables.message.name}"))
    admit(env)
    with caplog.at_level(logging.ERROR):
        worker.once("ip_admission")
    row = env.status("ip_admission")["1"]
    assert row["status"] == "SUCCEEDED" and row["aaz218"]
    assert env.visit("ZY1")["aaz218"] == row["aaz218"]
    assert "archive.failed" in [record.getMessage() for record in caplog.records]


# --- F7: a fee row deleted from the HIS while its call is UNKNOWN ---------------------------


def unknown_fee_call_then_one_row_deleted(env: Env, fault: str) -> Any:
    """F1..F3 (10 + 20 + 30) go in one call whose outcome is unknown (``fault`` on 120002, the
    120003 query dropped); the HIS then deletes F2.  A later row F4 waits behind the call."""
    worker = env.worker()
    admit(env)
    worker.once("ip_admission")
    for fee_id, amount in (("F1", "10.00"), ("F2", "20.00"), ("F3", "30.00")):
        fee(env, fee_id, amount)
    env.sim.add_faults(fault, "drop:function=bizh120003")
    worker.once("ip_fee")
    assert {k: v["status"] for k, v in env.status("ip_fee").items()} == dict.fromkeys(
        ("F1", "F2", "F3"), "UNKNOWN"
    )
    with env.db.begin() as conn:
        conn.execute(sa.text("DELETE FROM T_FEE WHERE fee_id = 'F2'"))
    fee(env, "F4", "4.00")
    env.sim.clear_faults()
    return worker


def fee_rounds(env: Env, worker: Any) -> dict[str, str]:
    for _ in range(6):
        env.clock.advance(600)
        worker.once("ip_fee")
    return {k: v["status"] for k, v in env.status("ip_fee").items()}


def test_an_unknown_fee_call_with_a_row_deleted_since_is_settled_as_it_was_sent(
    any_env: Env,
) -> None:
    """Processed: the archived call (with F2) matches the platform's total, so all three rows
    are concluded — F2 too, the platform has it — and F4 goes after them."""
    env = any_env
    worker = unknown_fee_call_then_one_row_deleted(env, "reply_lost:function=bizh120002")
    statuses = fee_rounds(env, worker)
    assert statuses == dict.fromkeys(("F1", "F2", "F3", "F4"), "SUCCEEDED")
    visit = env.visit("ZY1")
    assert Decimal(str(visit["fee_amount"])) == Decimal("64.00")
    rows = env.business(visit["aaz218"])["rows"]
    assert sorted(r["aaz213"] for r in rows) == ["F1", "F2", "F3", "F4"]
    assert len(env.calls("bizh120002")) == 2


def test_an_unknown_fee_call_not_processed_sends_only_the_rows_still_there(env: Env) -> None:
    """Not processed: F2 is closed as deleted, F1 and F3 go again (then F4); the platform
    never gets F2."""
    worker = unknown_fee_call_then_one_row_deleted(env, "drop:function=bizh120002")
    statuses = fee_rounds(env, worker)
    assert statuses == {"F1": "SUCCEEDED", "F2": "REJECTED", "F3": "SUCCEEDED", "F4": "SUCCEEDED"}
    assert "已删除" in env.status("ip_fee")["F2"]["last_error"]
    visit = env.visit("ZY1")
    assert Decimal(str(visit["fee_amount"])) == Decimal("44.00")
    rows = env.business(visit["aaz218"])["rows"]
    assert sorted(r["aaz213"] for r in rows) == ["F1", "F3", "F4"]


def unknown_fee_call_one_row_requeued(env: Env) -> Any:
    """F1..F3 in one call of unknown outcome (processed, reply lost, the query dropped); then
    `syncd retry ip_fee F1` makes only F1 due."""
    worker = env.worker()
    admit(env)
    worker.once("ip_admission")
    for fee_id, amount in (("F1", "10.00"), ("F2", "20.00"), ("F3", "30.00")):
        fee(env, fee_id, amount)
    env.sim.add_faults("reply_lost:function=bizh120002", "drop:function=bizh120003")
    worker.once("ip_fee")
    env.sim.clear_faults()
    assert OutboxStore(env.db, env.tables).requeue("ip_fee", "F1", env.clock.now) == 1
    return worker


def test_one_row_of_an_unknown_fee_call_requeued_alone_settles_the_whole_call(
    any_env: Env,
) -> None:
    """Judging F1 alone by the platform's total would count the whole call's sum and then
    send F2 and F3 a second time.  The rest of the call is claimed with it and the call is
    settled whole: one upload."""
    env = any_env
    worker = unknown_fee_call_one_row_requeued(env)
    worker.once("ip_fee")
    statuses = {k: v["status"] for k, v in env.status("ip_fee").items()}
    assert statuses == dict.fromkeys(("F1", "F2", "F3"), "SUCCEEDED")
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("60.00")
    env.clock.advance(3600)
    worker.once("ip_fee")
    assert len(env.calls("bizh120002")) == 1


def test_a_call_part_of_which_another_engine_holds_waits_to_be_settled_whole(env: Env) -> None:
    worker = unknown_fee_call_one_row_requeued(env)
    set_rows(
        env,
        "ip_fee",
        "F2",
        lease_owner="engine-b",
        lease_until=env.clock.now + timedelta(minutes=5),
    )
    queries = len(env.calls("bizh120003"))
    worker.once("ip_fee")
    rows = env.status("ip_fee")
    assert [rows[k]["status"] for k in ("F1", "F2", "F3")] == ["UNKNOWN"] * 3
    assert "另一进程" in rows["F1"]["last_error"] and rows["F3"]["lease_owner"] is None
    assert len(env.calls("bizh120003")) == queries


def test_a_database_error_reading_the_archive_ends_the_tick_without_judging(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive cannot be read: the call is not judged by one rebuilt from the view (which
    may have changed); the tick ends and the rows stay UNKNOWN for a later tick."""
    worker = unknown_fee_call_one_row_requeued(env)
    queries = len(env.calls("bizh120003"))

    def down(call_id: str) -> bytes | None:
        raise SourceError("reading the archive failed")

    monkeypatch.setattr(worker.calls.archive, "sent", down)
    with pytest.raises(SourceError):
        worker.tick_feed("ip_fee")
    rows = env.status("ip_fee")
    assert [rows[k]["status"] for k in ("F1", "F2", "F3")] == ["UNKNOWN"] * 3
    assert len(env.calls("bizh120003")) == queries


def test_a_call_larger_than_the_claim_limit_is_still_settled_whole(env: Env) -> None:
    """An engine that claims one row at a time (batch_size 1) meets the three-row call: the
    rest of it is claimed with the first row and the call settles whole, uploaded once."""
    unknown_fee_call_one_row_requeued(env)
    env.clock.advance(3600)
    env.settings = env.settings.model_copy(update={"polling": PollingSettings(batch_size=1)})
    env.worker("engine-b").tick_feed("ip_fee", discover=False)
    statuses = {k: v["status"] for k, v in env.status("ip_fee").items()}
    assert statuses == dict.fromkeys(("F1", "F2", "F3"), "SUCCEEDED")
    assert len(env.calls("bizh120002")) == 1
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("60.00")
