"""A visit never has an unsettled fee upload (bizh120002, feed ip_fee) and an unsettled fee
deletion (bizh120004, command ip_delete_fees) at the same time: both are judged by the
platform's fee total (bizh120003), which the other one would move.  Fee rows wait while a
deletion of their visit is IN_FLIGHT or UNKNOWN; a deletion is refused at once while fee rows
of its visit are.  Both sides look again once their own intent is committed (another engine, or
the command thread, may have started the other call in between)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from engine_support import NORMAL, SECOND, START, Env, admit, any_env, env, fee

from syncd.config.settings import CitySettings

__all__ = ["any_env", "env"]

FEES_WAIT = "该就诊的费用删除结果待确认，费用暂缓上传"
DELETE_REFUSED = "该就诊有费用上传结果待确认，请稍后再试删除"


def allow_fee_deletion(env: Env) -> None:
    env.settings = env.settings.model_copy(update={"city": CitySettings(fee_delete_allowed=True)})


def held_by_another_engine(env: Env, table: sa.Table, *where: sa.ColumnElement[bool]) -> None:
    """Rows another engine has committed its intent for (IN_FLIGHT, its lease still running)."""
    stmt = (
        sa.update(table)
        .where(*where)
        .values(status="IN_FLIGHT", lease_owner="engine-b", lease_until=START + timedelta(days=1))
    )
    with env.db.begin() as conn:
        conn.execute(stmt)


def before(method: Callable[..., Any], happen: Callable[[], None]) -> Callable[..., Any]:
    """``method``, with ``happen`` done once just before its first call."""
    done: list[bool] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(True)
            happen()
        return method(*args, **kwargs)

    return wrapped


def fee_amount(env: Env, visit: str) -> Decimal:
    return Decimal(str(env.visit(visit)["fee_amount"]))


def test_fee_rows_wait_while_a_fee_deletion_of_their_visit_is_unknown(any_env: Env) -> None:
    """The deletion of ZY1's fees is UNKNOWN (reply lost, 120003 down): ZY1's new fee row
    waits (no call, no attempt, the reason written back), ZY2's goes.  Once the deletion is
    resolved the row goes too, against the reset sum."""
    env = any_env
    allow_fee_deletion(env)
    admit(env, "ZY1", NORMAL, 1)
    admit(env, "ZY2", SECOND, 2)
    fee(env, "A1", "9.00", visit="ZY1")
    worker = env.worker()
    worker.once()
    assert env.status("ip_fee")["A1"]["status"] == "SUCCEEDED"
    env.sim.add_faults("reply_lost:function=bizh120004", "drop:function=bizh120003")
    deletion = env.command("ip_delete_fees", "ZY1")
    worker.once()
    assert env.request_row(deletion)["status"] == "UNKNOWN"

    fee(env, "A2", "5.00", visit="ZY1")
    fee(env, "B1", "7.00", visit="ZY2")
    worker.once()
    rows = env.status("ip_fee")
    assert (rows["A2"]["status"], rows["A2"]["attempts"]) == ("WAITING", 0)
    assert (rows["A2"]["last_error"], rows["A2"]["request_id"]) == (FEES_WAIT, None)  # no intent
    assert rows["B1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120002")) == 2  # A1, then B1 only

    env.sim.clear_faults()
    env.clock.advance(600)
    worker.once()  # the fee feed goes first: still waiting; then the deletion is resolved
    assert env.request_row(deletion)["status"] == "DONE"
    assert env.status("ip_fee")["A2"]["status"] == "WAITING"
    env.clock.advance(60)
    worker.once()
    assert env.status("ip_fee")["A2"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120002")) == 3
    assert [r["aaz213"] for r in env.business(env.visit("ZY1")["aaz218"])["rows"]] == ["A2"]
    assert fee_amount(env, "ZY1") == Decimal("5.00")


def test_a_fee_deletion_is_refused_while_fee_rows_of_its_visit_are_unsettled(
    any_env: Env,
) -> None:
    """Fee rows UNKNOWN, then IN_FLIGHT at another engine: a deletion is refused at once with
    the reason and nothing is sent.  Once the rows are settled a deletion goes."""
    env = any_env
    allow_fee_deletion(env)
    admit(env)
    worker = env.worker()
    worker.once()
    fee(env, "A1", "1.00")
    fee(env, "A2", "2.00")
    env.sim.add_faults("reply_lost:function=bizh120002", "drop:function=bizh120003")
    worker.once()
    assert {r["status"] for r in env.status("ip_fee").values()} == {"UNKNOWN"}

    refused = env.command("ip_delete_fees", "ZY1")
    worker.once()
    answer = env.request_row(refused)
    assert (answer["status"], answer["attempts"], answer["call_id"]) == ("REJECTED", 0, None)
    assert answer["return_code_message"] == DELETE_REFUSED

    s = env.tables.sync_status
    held_by_another_engine(env, s, s.c.feed == "ip_fee")
    also_refused = env.command("ip_delete_fees", "ZY1")
    worker.once()
    assert env.request_row(also_refused)["status"] == "REJECTED"
    assert env.request_row(also_refused)["return_code_message"] == DELETE_REFUSED
    assert env.calls("bizh120004") == []

    with env.db.begin() as conn:  # the other engine's lease ran out: the rows are UNKNOWN again
        conn.execute(sa.update(s).values(status="UNKNOWN", lease_owner=None, lease_until=None))
    env.sim.clear_faults()
    env.clock.advance(600)
    allowed = env.command("ip_delete_fees", "ZY1")
    worker.once()  # the fee rows are resolved first (processed), then the deletion goes
    assert {r["status"] for r in env.status("ip_fee").values()} == {"SUCCEEDED"}
    assert env.request_row(allowed)["status"] == "DONE"
    assert len(env.calls("bizh120004")) == 1
    assert fee_amount(env, "ZY1") == Decimal("0")


def test_a_deletion_stops_when_a_fee_batch_went_in_flight_as_it_started(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another engine commits its fee batch's intent between our check and our deletion's
    intent: looking again after the intent, the deletion is refused and not sent."""
    allow_fee_deletion(env)
    admit(env)
    fee(env, "A1", "9.00")
    worker = env.worker()
    worker.once()
    fee(env, "A2", "5.00")
    worker.pipelines["ip_fee"].discovery.run()  # recorded PENDING, not sent
    deletion = env.command("ip_delete_fees", "ZY1")
    s = env.tables.sync_status
    requests = worker.store.requests
    monkeypatch.setattr(
        requests,
        "mark_in_flight",
        before(
            requests.mark_in_flight, lambda: held_by_another_engine(env, s, s.c.source_key == "A2")
        ),
    )
    worker.tick_commands()
    answer = env.request_row(deletion)
    assert (answer["status"], answer["attempts"]) == ("REJECTED", 0)
    assert answer["return_code_message"] == DELETE_REFUSED
    assert env.calls("bizh120004") == []


def test_a_fee_batch_steps_back_when_a_deletion_went_in_flight_as_it_started(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another engine commits a deletion's intent between our check and our fee batch's
    intent: looking again after the intent, the rows wait (attempts as before) and are not
    sent."""
    allow_fee_deletion(env)
    admit(env)
    fee(env, "A1", "9.00")
    worker = env.worker()
    worker.once()
    fee(env, "A2", "5.00")
    deletion = env.command("ip_delete_fees", "ZY1")
    r = env.tables.request
    outbox = worker.store.outbox
    monkeypatch.setattr(
        outbox,
        "mark_in_flight",
        before(outbox.mark_in_flight, lambda: held_by_another_engine(env, r, r.c.id == deletion)),
    )
    worker.tick_feed("ip_fee")
    row = env.status("ip_fee")["A2"]
    assert (row["status"], row["attempts"], row["last_error"]) == ("WAITING", 0, FEES_WAIT)
    assert row["lease_owner"] is None
    assert len(env.calls("bizh120002")) == 1  # A1 only
