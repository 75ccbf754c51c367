"""The engine against the simulator over real HTTP: the inpatient flow through feeds and
commands, prerequisites, and "processed but reply lost" resolved by query."""

from __future__ import annotations

from decimal import Decimal

from engine_support import Env, admit, any_env, discharge, fee

__all__ = ["any_env"]


def test_inpatient_flow_fees_in_batches_discharge_waits_settle_cancel_settle_again(
    any_env: Env,
) -> None:
    """Admission → 7 fee rows (3 calls of ≤3, with a negative and a 因病 row) → discharge waits
    for the fees → settlement command writes the figures back → cancel → settle again."""
    env = any_env
    worker = env.worker()
    admit(env)
    for i, amount in enumerate(["25.00", "-12.50", "40.00", "18.00", "7.30", "100.00", "1.00"]):
        fee(
            env,
            f"F{i + 1}",
            amount,
            illness="1" if i == 3 else "0",
            qty="-1.00" if amount.startswith("-") else "1.00",
        )
    discharge(env)
    worker.once()
    visit = env.visit("ZY1")
    assert visit["state"] == "ADMITTED" and visit["aaz218"]
    aaz218 = visit["aaz218"]
    assert env.status("ip_admission")["1"]["aaz218"] == aaz218
    fees = env.status("ip_fee")
    assert {r["status"] for r in fees.values()} == {"SUCCEEDED"}
    assert len({r["request_id"] for r in fees.values()}) == 3
    assert len(env.calls("bizh120002")) == 3
    assert env.status("ip_discharge")["ZY1@1"]["status"] in ("WAITING", "SUCCEEDED")
    env.clock.advance(60)
    worker.once()
    assert env.status("ip_discharge")["ZY1@1"]["status"] == "SUCCEEDED"
    assert env.visit("ZY1")["state"] == "DISCHARGED"
    assert env.visit("ZY1")["fee_amount"] == Decimal("178.80")
    settle = env.command("ip_settle", "ZY1", operator_no="0101", operator_name="李四")
    worker.once()
    answer = env.request_row(settle)
    assert (answer["status"], answer["return_code"]) == ("DONE", "1")
    assert answer["akc264"] == Decimal("178.80")
    assert answer["bka831"] + answer["bka832"] == answer["akc264"]
    assert env.visit("ZY1")["state"] == "SETTLED"
    cancel = env.command("ip_cancel_settlement", "ZY1")
    worker.once()
    assert env.request_row(cancel)["status"] == "DONE"
    assert env.visit("ZY1")["state"] == "DISCHARGED"
    again = env.command("ip_settle", "ZY1", operator_no="0101", operator_name="李四")
    worker.once()
    assert env.request_row(again)["status"] == "DONE"
    settlements = env.business(aaz218)["settlements"]
    assert [s["reversed_at"] is not None for s in settlements] == [True, False]
