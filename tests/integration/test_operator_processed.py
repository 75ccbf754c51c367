"""`syncd retry FEED KEY --processed` (``Operator.processed``): an operator checked the
platform and an unsettled call was processed.  The whole call is concluded as if its reply had
come, the visit ledger too (an admission's aaz218, a fee batch's sum from the archived call,
a charge's batch); what only the reply could tell must be given, or nothing moves."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from engine_support import Env, admit, any_env, env, fee
from test_engine_refund_unknown import unknown_charge, unknown_refund

from syncd.core.errors import OperatorError
from syncd.rules.resolve.verdict import OPERATOR_PROCESSED_ZH

__all__ = ["any_env", "env"]


def unknown_fee_call(env: Env) -> None:
    """ZY1 admitted; F1 and F2 (10 + 20) in one call whose reply is lost, the query too."""
    worker = env.worker()
    admit(env)
    worker.once("ip_admission")
    fee(env, "F1", "10.00")
    fee(env, "F2", "20.00")
    env.sim.add_faults("reply_lost:function=bizh120002", "drop:function=bizh120003")
    worker.once("ip_fee")
    env.sim.clear_faults()


def test_a_fee_call_found_processed_by_hand_is_concluded_whole(any_env: Env) -> None:
    env = any_env
    unknown_fee_call(env)
    assert env.worker("operator").operator().processed("ip_fee", "F2", {}) == 2
    rows = env.status("ip_fee")
    assert {k: r["status"] for k, r in rows.items()} == {"F1": "SUCCEEDED", "F2": "SUCCEEDED"}
    assert rows["F1"]["return_code_message"] == OPERATOR_PROCESSED_ZH
    assert json.loads(rows["F1"]["result_json"])["resolved_by_operator"] is True
    assert rows["F1"]["lease_owner"] is None
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("30.00")
    fee(env, "F3", "3.00")
    env.worker().once("ip_fee")
    assert env.status("ip_fee")["F3"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120002")) == 2


def test_a_fee_call_the_archive_no_longer_holds_cannot_be_concluded(env: Env) -> None:
    unknown_fee_call(env)
    with env.db.begin() as conn:
        conn.execute(sa.delete(env.tables.message))
    with pytest.raises(OperatorError, match="归档中没有"):
        env.worker("operator").operator().processed("ip_fee", "F1", {})
    rows = env.status("ip_fee")
    assert [(r["status"], r["lease_owner"]) for r in rows.values()] == [("UNKNOWN", None)] * 2
    assert Decimal(str(env.visit("ZY1")["fee_amount"])) == Decimal("0")


def test_an_admission_needs_the_platforms_aaz218(env: Env) -> None:
    """Without --aaz218 nothing moves (the stay's fees would wait for ever); with it the stay
    is admitted in the ledger and its fees go."""
    env.sim.add_faults("reply_lost:function=bizh120103", "drop:function=bizh120102")
    admit(env)
    fee(env, "F1", "10.00")
    env.worker().once()
    assert env.status("ip_admission")["1"]["status"] == "UNKNOWN"
    env.sim.clear_faults()
    operator = env.worker("operator").operator()
    before = env.status("ip_admission")["1"]
    with pytest.raises(OperatorError, match="--aaz218"):
        operator.processed("ip_admission", "1", {})
    assert env.status("ip_admission")["1"] == before  # its next query not brought forward
    aaz218 = next(
        b["aaz218"] for b in env.sim.businesses() if b["fields"].get("bka025") == "NO-ZY1"
    )  # as the operator finds it
    assert operator.processed("ip_admission", "1", {"aaz218": aaz218}) == 1
    visit = env.visit("ZY1")
    assert (visit["state"], visit["aaz218"]) == ("ADMITTED", aaz218)
    env.clock.advance(600)  # the fee row waited for the admission
    env.worker().once()
    assert env.status("ip_fee")["F1"]["status"] == "SUCCEEDED"
    assert len(env.calls("bizh120103")) == 1


def test_a_charge_command_needs_its_batch_and_then_is_done(env: Env) -> None:
    _, command = unknown_charge(env)
    operator = env.worker("operator").operator()
    before = env.request_row(command)
    for wrong in ({}, {"payinfo.bka001": "abc"}, {"payinfo.bka001": "0"}):
        with pytest.raises(OperatorError, match="--bka001"):
            operator.processed("op_charge", str(command), wrong)
    with pytest.raises(OperatorError, match="--aaz218"):
        operator.processed("op_charge", str(command), {"aaz218": "X"})
    with pytest.raises(OperatorError, match="不是已启用的 op_cancel"):
        operator.processed("op_cancel", str(command), {"payinfo.bka001": "1"})
    assert env.request_row(command) == before
    assert operator.processed("op_charge", str(command), {"payinfo.bka001": "1"}) == 1
    answer = env.request_row(command)
    assert (answer["status"], answer["bka001"]) == ("DONE", 1)
    assert answer["return_code_message"] == OPERATOR_PROCESSED_ZH
    assert env.visit("MZ1")["last_batch"] == 1


def test_only_an_unsettled_row_or_command_is_concluded(env: Env) -> None:
    admit(env)
    env.worker().once()
    operator = env.worker("operator").operator()
    with pytest.raises(OperatorError, match="不是结果未知"):
        operator.processed("ip_admission", "1", {"aaz218": "X"})
    with pytest.raises(OperatorError, match="不是结果未知"):
        operator.processed("op_charge", str(env.command("op_charge", "MZ1")), {})
    with pytest.raises(OperatorError, match="WI_REQUEST"):
        operator.processed("op_charge", "MZ1", {})


def test_a_refund_takes_the_batch_its_first_step_named(env: Env) -> None:
    """The refund of batch 1: --bka001 is not needed (the command named the batch); another
    number is refused."""
    _, command = unknown_refund(env, "reply_lost:function=bizh110105")
    operator = env.worker("operator").operator()
    with pytest.raises(OperatorError, match="第1批次"):
        operator.processed("op_refund", str(command), {"payinfo.bka001": "2"})
    assert operator.processed("op_refund", str(command), {}) == 1
    answer = env.request_row(command)
    assert (answer["status"], answer["bka001"]) == ("DONE", 1)
    assert env.visit("MZ1")["last_batch"] == 1


def test_a_call_a_running_engine_holds_is_left_to_it(env: Env) -> None:
    unknown_fee_call(env)
    s = env.tables.sync_status
    with env.db.begin() as conn:
        conn.execute(
            sa.update(s)
            .where(s.c.source_key == "F1")
            .values(lease_owner="engine-b", lease_until=env.clock.now + timedelta(minutes=5))
        )
    before = env.status("ip_fee")
    with pytest.raises(OperatorError, match="正由运行中的 syncd 处理"):
        env.worker("operator").operator().processed("ip_fee", "F2", {})
    assert env.status("ip_fee") == before
    with pytest.raises(OperatorError, match="--aaz218"):
        env.worker("operator").operator().processed("ip_fee", "F2", {"aaz218": "X"})
