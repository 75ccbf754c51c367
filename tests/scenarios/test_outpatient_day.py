"""Outpatient scenarios, driven the way a HIS drives syncd: the seeded reference HIS, commands
inserted into WI_REQUEST, answers read back with plain SQL; the platform is the simulator."""

from __future__ import annotations

from decimal import Decimal

from scenario_support import HUANG_OP, LI_AAC001, LI_OP, LIU_OP, OPERATOR, TAG, Hospital, money


def _registered(hospital: Hospital) -> None:
    hospital.run()
    assert hospital.sync_statuses("op_registration", LI_OP) == {"SUCCEEDED"}
    assert hospital.visit(LI_OP)["state"] == "REGISTERED"


def test_registration_without_fees_and_the_bad_row_rejected_in_chinese(hospital: Hospital) -> None:
    """bizh110104 carries no feeinfo; 黄小明 without 电脑号 is REJECTED with a Chinese reason."""
    _registered(hospital)
    (row,) = hospital.sync("op_registration", LI_OP)
    assert row["aaz218"] == hospital.visit(LI_OP)["aaz218"]
    assert hospital.business(row["aaz218"])["rows"] == []
    (bad,) = hospital.sync("op_registration", HUANG_OP)
    assert bad["status"] == "REJECTED"
    assert "缺少必填项：电脑号(aac001)" in bad["last_error"]
    assert hospital.sql("SELECT * FROM WI_VISIT WHERE visit_key = :k", k=HUANG_OP) == []


def test_person_look_up_shows_the_frozen_fund(hospital: Hospital) -> None:
    """bizh110001 by 身份证号: the person's columns and the freeze rows come back."""
    asked = hospital.request_by_person("op_person", "aac002", "44030419920708362x")
    hospital.run()
    answer = hospital.answer(asked)
    assert (answer["status"], answer["return_code"]) == ("DONE", "1")
    assert (answer["aac001"], answer["aac003"], answer["bka888"]) == (LI_AAC001, "李秀英", "1")
    assert hospital.reply_rows(asked, "freezeinfo")


def test_charge_trial_settle_refund_and_a_second_refund_rejected(hospital: Hospital) -> None:
    """110102 at charging; 110105 trial then settle; 110103 → 110105 refund with negative rows;
    a second refund of the same batch is REJECTED with the platform's own message."""
    _registered(hospital)
    aaz218 = hospital.visit(LI_OP)["aaz218"]
    business = hospital.request("op_business", LI_OP)
    trial = hospital.request("op_charge", LI_OP, charge_no=f"SF{TAG}0001", bka893="0", **OPERATOR)
    hospital.run()
    assert hospital.answer(business)["status"] == "DONE"
    assert hospital.reply_rows(business, "bizinfo")[0]["aaz218"] == aaz218
    tried = hospital.answer(trial)
    assert tried["status"] == "DONE" and money(tried["akc264"]) > 0
    assert hospital.business(aaz218)["batches"] == []  # a trial keeps nothing
    settle = hospital.request("op_charge", LI_OP, charge_no=f"SF{TAG}0001", bka893="1", **OPERATOR)
    hospital.run()
    settled = hospital.answer(settle)
    total = money(settled["akc264"])
    assert (settled["status"], settled["bka001"], total) == ("DONE", 1, money(tried["akc264"]))
    assert money(settled["bka831"]) + money(settled["bka832"]) == total
    assert hospital.visit(LI_OP)["last_batch"] == 1
    info = hospital.request("op_refund_info", LI_OP, bka001="1")
    refund = hospital.request("op_refund", LI_OP, bka001="1", **OPERATOR)
    hospital.run()
    assert hospital.answer(info)["status"] == "DONE"
    assert len(hospital.reply_rows(info, "feeinfo")) == 3
    refunded = hospital.answer(refund)
    assert refunded["status"] == "DONE"
    assert money(refunded["akc264"]) == -total
    refund_rows = hospital.business(aaz218)["refund_rows"]
    assert len(refund_rows) == 3 and all(Decimal(r["bka058"]) < 0 for r in refund_rows)
    assert sum(Decimal(r["bka058"]) for r in refund_rows) == -total
    again = hospital.request("op_refund", LI_OP, bka001="1", **OPERATOR)
    hospital.run()
    rejected = hospital.answer(again)
    assert rejected["status"] == "REJECTED"
    last = hospital.sim.calls()[-1]
    assert rejected["return_code"] == str(last["return_code"]) != "1"
    assert "退" in rejected["return_code_message"]


def test_cancel_registration_fetches_the_business_first(hospital: Hospital) -> None:
    """op_cancel: bizh110102 then bizh110106; the visit ends CANCELLED on both sides."""
    hospital.run()
    aaz218 = hospital.visit(LIU_OP)["aaz218"]
    cancel = hospital.request("op_cancel", LIU_OP, **OPERATOR)
    hospital.run()
    answer = hospital.answer(cancel)
    assert (answer["status"], answer["return_code"]) == ("DONE", "1")
    functions = [c["function_id"] for c in hospital.sim.calls()[-2:]]
    assert functions == ["bizh110102", "bizh110106"]
    assert hospital.visit(LIU_OP)["state"] == "CANCELLED"
    assert hospital.business(aaz218)["state"] in ("CANCELLED", "cancelled")
