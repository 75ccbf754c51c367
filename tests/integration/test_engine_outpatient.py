"""The outpatient flow through the engine against the simulator over real HTTP."""

from __future__ import annotations

from decimal import Decimal

from engine_support import NORMAL, Env, any_env

__all__ = ["any_env"]


def register(env: Env, visit: str = "MZ1") -> None:
    env.insert(
        "t_op_reg",
        reg_id=1,
        visit_no=visit,
        person_no=NORMAL,
        visit_date="20261125",
        clerk_no="0102",
        clerk_name="赵六",
        certificate="GS2026000101",
        business_no=f"B-{visit}",
    )


def charge_rows(env: Env, charge_no: str = "C1") -> None:
    for fee_id, amount in ((1, "30.00"), (2, "12.40")):
        env.insert(
            "t_op_fee",
            fee_id=fee_id,
            charge_no=charge_no,
            item_code="X0101",
            item_name="诊查费",
            price=amount,
            qty="1.00",
            amount=amount,
            fee_date="20261125",
        )


def test_outpatient_register_trial_settle_refund_twice_cancel(any_env: Env) -> None:
    """Registration feed → trial (no batch) → settle (batch 1 written back) → refund via the
    two-step command → a second refund is rejected with the platform's message → cancel."""
    env = any_env
    worker = env.worker()
    register(env)
    charge_rows(env)
    worker.once()
    visit = env.visit("MZ1")
    assert visit["state"] == "REGISTERED" and visit["aaz218"]
    trial = env.command(
        "op_charge", "MZ1", charge_no="C1", bka893="0", operator_no="0102", operator_name="赵六"
    )
    worker.once()
    answer = env.request_row(trial)
    assert answer["status"] == "DONE" and answer["akc264"] == Decimal("42.40")
    assert env.visit("MZ1")["last_batch"] == 0
    settle = env.command(
        "op_charge", "MZ1", charge_no="C1", bka893="1", operator_no="0102", operator_name="赵六"
    )
    worker.once()
    answer = env.request_row(settle)
    assert (answer["status"], answer["bka001"]) == ("DONE", 1)
    assert [r["dataset"] for r in env.reply_rows(settle)] == ["payinfo"]
    assert env.visit("MZ1")["last_batch"] == 1
    refund = env.command("op_refund", "MZ1", bka001="1", operator_no="0102", operator_name="赵六")
    worker.once()
    answer = env.request_row(refund)
    assert answer["status"] == "DONE", answer["return_code_message"]
    assert answer["akc264"] == Decimal("-42.40")
    again = env.command("op_refund", "MZ1", bka001="1", operator_no="0102", operator_name="赵六")
    worker.once()
    answer = env.request_row(again)
    assert answer["status"] == "REJECTED"
    assert answer["return_code"] == "-1" and "退费" in answer["return_code_message"]
    cancel = env.command("op_cancel", "MZ1", operator_no="0102", operator_name="赵六")
    worker.once()
    assert env.request_row(cancel)["status"] == "DONE"
    assert env.visit("MZ1")["state"] == "CANCELLED"
    late = env.command(
        "op_charge", "MZ1", charge_no="C1", bka893="1", operator_no="0102", operator_name="赵六"
    )
    worker.once()
    refused = env.request_row(late)
    assert refused["status"] == "REJECTED" and "已取消" in refused["return_code_message"]
