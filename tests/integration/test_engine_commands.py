"""WI_REQUEST edge cases: unknown commands, unreadable parameters, a city switch, and the
operator's `retry` of an UNKNOWN row (asked again, never re-sent blindly)."""

from __future__ import annotations

import sqlalchemy as sa
from engine_support import Env, admit, env, fee

from syncd.config.settings import CitySettings
from syncd.db.outbox_store import OutboxStore

__all__ = ["env"]


def test_unknown_command_and_unreadable_params_are_refused_in_chinese(env: Env) -> None:
    worker = env.worker()
    unknown = env.command("no_such_command", "ZY1")
    bad = env.command("ip_presettle", "ZY1")
    with env.db.begin() as conn:
        req = env.tables.request
        conn.execute(req.update().where(req.c.id == bad).values(params_json="[1, 2]"))
    worker.once()
    assert env.request_row(unknown)["status"] == "REJECTED"
    assert "未知或未启用的命令" in env.request_row(unknown)["return_code_message"]
    assert "JSON 对象" in env.request_row(bad)["return_code_message"]
    assert env.sim.calls() == []


def test_fee_deletion_is_refused_where_the_city_forbids_it(env: Env) -> None:
    """city.fee_delete_allowed false: ip_delete_fees answers with a Chinese reason, no call;
    allowed: the rows are deleted on the platform and the known fee sum is reset."""
    admit(env)
    fee(env, "F1", "9.00")
    env.settings = env.settings.model_copy(update={"city": CitySettings(fee_delete_allowed=False)})
    worker = env.worker()
    worker.once()
    refused = env.command("ip_delete_fees", "ZY1")
    worker.once()
    assert env.request_row(refused)["status"] == "REJECTED"
    assert "不允许删除" in env.request_row(refused)["return_code_message"]
    assert env.calls("bizh120004") == []
    env.settings = env.settings.model_copy(update={"city": CitySettings(fee_delete_allowed=True)})
    allowed = env.command("ip_delete_fees", "ZY1")
    env.worker("engine-allowed").once()
    assert env.request_row(allowed)["status"] == "DONE"
    assert str(env.visit("ZY1")["fee_amount"]) == "0.00"
    assert env.business(env.visit("ZY1")["aaz218"])["rows"] == []


def test_retry_of_an_unknown_row_asks_again_now_and_never_resends(env: Env) -> None:
    """An UNKNOWN admission whose query keeps failing: `retry FEED KEY` makes it due at once;
    it is resolved by query (adopted), and the platform still saw one admission."""
    env.sim.add_faults("reply_lost:function=bizh120103", "drop:function=bizh120102,times=2")
    admit(env)
    worker = env.worker()
    worker.once()
    assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"
    worker.once()  # not due yet: nothing asked
    assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"
    assert OutboxStore(env.db, env.tables).requeue("ip_admission", "1", env.clock.now) == 1
    worker.once()  # asked again: the second query is dropped too
    assert OutboxStore(env.db, env.tables).requeue("ip_admission", "1", env.clock.now) == 1
    worker.once()
    row = env.status("ip_admission")["1"]
    assert row["status"] == "SUCCEEDED" and len(env.calls("bizh120103")) == 1
    with env.db.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(env.tables.message)).scalar()
    assert count == 4  # the admission and three queries, each archived


def test_retry_of_an_unknown_row_waits_out_the_in_flight_window(env: Env) -> None:
    """Right after its call the platform may still be working on it: a query then could say
    "not processed".  `retry FEED KEY` leaves the row's next query where it is until the
    in-flight window (hold) after the call has passed."""
    env.sim.add_faults("reply_lost:function=bizh120103", "drop:function=bizh120102")
    admit(env)
    env.worker().once()
    store, hold = OutboxStore(env.db, env.tables), 480.0
    assert store.requeue("ip_admission", "1", env.clock.now, hold) == 0
    env.clock.advance(hold)
    assert store.requeue("ip_admission", "1", env.clock.now, hold) == 1
    assert env.status("ip_admission")["1"]["next_attempt_at"] == env.clock.now
