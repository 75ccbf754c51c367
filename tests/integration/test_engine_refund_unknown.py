"""An outpatient refund (op_refund: 110103 fetches the batch's rows, 110105 sends them negative)
whose outcome is unknown is settled by query, never refunded twice.

The refund's request does not carry the batch it gives back; the batch is the one its 110103
step asked for (``bka001``).  The query (110103 ``bka001=0``) lists the batches: ours marked
refunded → processed (the batch's figures, negated, are written back); still live → not
processed, so it is sent again — its rows fetched afresh.  After a processed refund 110103
refuses the batch (``已经办理过退费``), so the rows cannot be fetched again to judge by.

The faults are stacked in order: the first matching fault fires, so a zero-latency fault on
110103 lets the refund's own 110103 step through and the next 110103 (the query) is dropped.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from engine_support import Env, any_env, env
from test_engine_outpatient import charge_rows, register

from syncd.service.worker import Worker

__all__ = ["any_env", "env"]

OPERATOR = {"operator_no": "0102", "operator_name": "赵六"}
QUERY_FAILS = ("latency:function=bizh110103,ms=0", "drop:function=bizh110103")


def settled_batch(env: Env) -> Worker:
    """MZ1 registered and its charge C1 (42.40) settled as batch 1."""
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    worker.once()
    env.command("op_charge", "MZ1", charge_no="C1", bka893="1", **OPERATOR)
    worker.once()
    assert env.visit("MZ1")["last_batch"] == 1
    return worker


def refund(env: Env) -> int:
    return env.command("op_refund", "MZ1", bka001="1", **OPERATOR)


def refunded(env: Env) -> list[bool]:
    business = env.business(env.visit("MZ1")["aaz218"])
    return [b["refunded_at"] is not None for b in business["batches"]]


def unknown_refund(env: Env, fault: str) -> tuple[Worker, int]:
    """A refund of batch 1 whose call meets ``fault`` while its query fails: UNKNOWN."""
    worker = settled_batch(env)
    env.sim.add_faults(*QUERY_FAILS, fault)
    command = refund(env)
    worker.once()
    assert env.request_row(command)["status"] == "UNKNOWN"
    env.sim.clear_faults()
    return worker, command


def unknown_charge(env: Env) -> tuple[Worker, int]:
    """MZ1's charge C1 (42.40) is processed, its reply lost and the query fails: UNKNOWN."""
    worker = env.worker()
    register(env)
    charge_rows(env, "C1")
    worker.once()
    env.sim.add_faults("reply_lost:function=bizh110105", "drop:function=bizh110103")
    command = env.command("op_charge", "MZ1", charge_no="C1", bka893="1", **OPERATOR)
    worker.once()
    assert env.request_row(command)["status"] == "UNKNOWN"
    env.sim.clear_faults()
    return worker, command


def test_a_refund_whose_reply_is_lost_is_adopted_at_once(any_env: Env) -> None:
    env = any_env
    worker = settled_batch(env)
    env.sim.add_faults("reply_lost:function=bizh110105")
    command = refund(env)
    worker.once()
    answer = env.request_row(command)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert (answer["bka001"], answer["akc264"]) == (1, Decimal("-42.40"))
    assert len(env.calls("bizh110105")) == 2  # the charge and one refund
    assert refunded(env) == [True]
    assert env.visit("MZ1")["last_batch"] == 1


NO_AAE100 = "no_aae100:function=bizh110103,times=0"  # a platform without the refund flag


def test_a_refund_lost_on_a_platform_without_aae100_is_told_by_the_rows_left(
    any_env: Env,
) -> None:
    """The platform lists batches without aae100: the refund's reply is lost, and the query
    right after sees batch 1's rows no longer offered for refund (110103's feeinfo lists only
    what can still be refunded): processed, never refunded twice."""
    env = any_env
    worker = settled_batch(env)
    env.sim.add_faults(NO_AAE100, "reply_lost:function=bizh110105")
    command = refund(env)
    worker.once()
    answer = env.request_row(command)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert (answer["bka001"], answer["akc264"]) == (1, Decimal("-42.40"))
    assert len(env.calls("bizh110105")) == 2
    assert refunded(env) == [True]
    m = env.tables.message
    with env.db.connect() as conn:
        replies = conn.execute(
            sa.select(m.c.reply_xml).where(m.c.function_id == "bizh110103")
        ).scalars()
        listings = [r for r in replies if r and "batchinfo" in r]
    assert listings and not any("aae100" in r for r in listings)  # the flag was not there


def test_a_refund_dropped_on_a_platform_without_aae100_is_sent_again_once(env: Env) -> None:
    """Without aae100, batch 1's rows still offered for refund say it is live: once the
    in-flight window is over the refund goes again and is done once."""
    worker = settled_batch(env)
    env.sim.add_faults(NO_AAE100, "drop:function=bizh110105")
    command = refund(env)
    worker.once()
    assert env.request_row(command)["status"] == "UNKNOWN"
    for _ in range(4):
        env.clock.advance(600)
        worker.once()
        if env.request_row(command)["status"] == "DONE":
            break
    answer = env.request_row(command)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert len(env.calls("bizh110105")) == 3  # the charge, the dropped refund, the refund
    assert refunded(env) == [True]


def test_an_unknown_refund_found_processed_later_is_not_sent_again(env: Env) -> None:
    """Processed, reply lost, the query fails: UNKNOWN.  Later the batch's rows cannot be
    fetched any more (refunded), yet the query settles it from the batch it names."""
    worker, command = unknown_refund(env, "reply_lost:function=bizh110105")
    env.clock.advance(600)
    worker.once()
    answer = env.request_row(command)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert (answer["bka001"], answer["akc264"]) == (1, Decimal("-42.40"))
    assert answer["bka831"] + answer["bka832"] == Decimal("-42.40")
    assert len(env.calls("bizh110105")) == 2
    assert refunded(env) == [True]


def test_an_unknown_refund_found_not_processed_is_sent_again_once(env: Env) -> None:
    """Lost before the platform processed it, the query fails: UNKNOWN.  Later the query finds
    batch 1 still live: the refund goes again (its rows fetched afresh) and is done once."""
    worker, command = unknown_refund(env, "drop:function=bizh110105")
    for _ in range(4):
        env.clock.advance(600)
        worker.once()
        if env.request_row(command)["status"] == "DONE":
            break
    answer = env.request_row(command)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert (answer["bka001"], answer["akc264"]) == (1, Decimal("-42.40"))
    assert answer["attempts"] == 2
    assert len(env.calls("bizh110105")) == 3  # the charge, the lost refund, the refund
    assert refunded(env) == [True]


def test_a_refund_of_a_batch_the_query_does_not_list_stays_unknown(env: Env) -> None:
    """The batch named is not among the platform's batches: nothing to judge by, so it is
    not sent again; the reason names the batch for the operator."""
    worker, command = unknown_refund(env, "reply_lost:function=bizh110105")
    r = env.tables.request
    params = json.dumps({"visit_key": "MZ1", "bka001": "7", **OPERATOR})
    with env.db.begin() as conn:
        conn.execute(sa.update(r).where(r.c.id == command).values(params_json=params))
    env.clock.advance(600)
    worker.once()
    answer = env.request_row(command)
    assert answer["status"] == "UNKNOWN"
    assert "第7批次" in answer["return_code_message"]
    assert len(env.calls("bizh110105")) == 2


# --- asked about as it went out (the archive) -----------------------------------------------


def test_an_unknown_charge_whose_fee_rows_were_deleted_since_is_settled_as_sent(
    env: Env,
) -> None:
    """C1 is charged, its reply lost and the query fails; the HIS then deletes C1's rows.  The
    call can no longer be rebuilt (no rows), but the archive holds it as it went out: the
    query finds batch 1 and it is adopted, never charged again."""
    worker, command = unknown_charge(env)
    with env.db.begin() as conn:
        conn.execute(sa.text("DELETE FROM T_OP_FEE"))
    env.clock.advance(600)
    worker.once()
    answer = env.request_row(command)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert (answer["bka001"], answer["akc264"]) == (1, Decimal("42.40"))
    assert len(env.calls("bizh110105")) == 1


class Crash(BaseException):
    """The process dies."""


def test_a_refund_that_died_between_its_steps_is_judged_as_a_refund(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine dies after the 110103 step, before the refund's intent: the command is left
    IN_FLIGHT with the 110103 call's id, which the archive holds.  That archived query is not
    the refund: the refund is rebuilt, found not processed (batch 1 still live) and sent."""
    dying = settled_batch(env)
    command = refund(env)
    requests = dying.store.requests
    calls: list[int] = []

    def second_intent_dies(*args: Any, **kwargs: Any) -> bool:
        calls.append(1)
        if len(calls) == 2:
            raise Crash
        return bool(original(*args, **kwargs))

    original = requests.mark_in_flight
    monkeypatch.setattr(requests, "mark_in_flight", second_intent_dies)
    with pytest.raises(Crash):
        dying.once()
    row = env.request_row(command)
    assert row["status"] == "IN_FLIGHT" and len(env.calls("bizh110103")) == 1
    env.clock.advance(3600)
    worker = env.worker("engine-b")
    for _ in range(3):
        worker.once()
        if env.request_row(command)["status"] == "DONE":
            break
        env.clock.advance(600)
    answer = env.request_row(command)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert (answer["bka001"], answer["akc264"]) == (1, Decimal("-42.40"))
    assert len(env.calls("bizh110105")) == 2 and refunded(env) == [True]
    message = env.tables.message  # judged as a refund: the batches were listed (bka001=0)
    stmt = sa.select(message.c.request_xml).where(message.c.function_id == "bizh110103")
    with env.db.connect() as conn:
        asked = conn.execute(stmt).scalars().all()
    assert any("<bka001>0</bka001>" in text for text in asked), asked
