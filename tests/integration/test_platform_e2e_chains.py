"""Chains that need platform state, through the real client against the simulator over HTTP.

Outpatient: look-up → registration → business look-up → trial → settlement → refund look-up →
refund with the returned negative rows → a second refund refused → cancel.  Inpatient: look-up
→ admission → business look-up → changes → 350 fee rows in two calls → pre-settlement →
discharge → settlement → slip → cancel settlement → cancel discharge → discharge → settle; a
second stay cancelled.  Then 业务互斥, a frozen fund, a person not insured, bizh120004 per city,
the six 病案 uploads, the cumulative / fund / code queries and the late 因病 upload.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from test_platform_e2e_support import (
    CAT,
    DISCHARGED_ON,
    ELSEWHERE,
    FROZEN,
    LATE_UPLOAD,
    NORMAL,
    NORMAL_ID_NUMBER,
    NOT_INSURED,
    RECORD_PATIENT,
    SLIP,
    ZERO,
    Driver,
    admission,
    assert_split,
    discharge,
    driver,
    expected_split,
    fee_row,
    inpatient_rows,
    make_client,
    sim,
    sim_config,
)

from syncd.core.errors import InvalidRequest
from syncd.protocol.codec import Value
from syncd.protocol.messages import Request
from syncd.simulator import SHANGHAI, Simulator

__all__ = ["driver", "sim"]  # fixtures
OPERATOR = {"bka014": "0102", "bka015": "赵六"}


def test_outpatient_chain_refunds_a_batch_exactly_once(driver: Driver) -> None:
    """110001 → 110104 → 110102 → 110105 trial → 110105 settle → 110103 → 110105 refund with
    the returned negative rows → the same refund again is REJECTED verbatim → 110106."""
    d = driver
    (person,) = d.ok("bizh110001", bka895="aac002", bka896=NORMAL_ID_NUMBER, bka006="410").persons
    registered = d.ok(
        "bizh110104",
        aac001=person.aac001,
        aka130="41",
        bka006="410",
        bka017=DISCHARGED_ON,
        bka042=person.bka042,
        aaz267=person.aaz267,
        **OPERATOR,
    )
    aaz218 = registered.aaz218
    found = d.ok("bizh110102", bka895="aac001", bka896=person.aac001, bka006="410", bka891="0")
    assert [b.aaz218 for b in found.businesses] == [aaz218]
    rows = [
        fee_row("30.00", item="Z0001"),
        fee_row("8.80", item="Z0007"),
        fee_row("12.50", item="Y9001"),
    ]
    expected = expected_split(rows, d.sim.config.covered_items)
    trial = d.ok("bizh110105", {"feeinfo": rows}, aaz218=aaz218, bka893="0", **OPERATOR)
    assert_split(trial.figures, expected)
    assert d.business(aaz218)["batches"] == []  # a trial settles nothing
    settled = d.charge(aaz218, rows)
    assert_split(settled.figures, expected)
    assert settled.figures is not None and settled.figures.bka001 == 1

    refund_info = d.ok("bizh110103", bka895="aaz218", bka896=aaz218, bka006="410", bka001="1")
    refund_rows = [r.as_request_row() for r in refund_info.fee_rows]
    assert len(refund_rows) == 3 and all(
        r.bka058 is not None and r.bka058 < 0 for r in refund_info.fee_rows
    )
    refund = d.ok("bizh110105", {"feeinfo": refund_rows}, aaz218=aaz218, bka893="1", **OPERATOR)
    assert_split(refund.figures, {k: -v for k, v in expected.items()})
    assert refund.figures is not None and refund.figures.bka001 == 1
    again = d.rejected(
        "bizh110105", {"feeinfo": refund_rows}, aaz218=aaz218, bka893="1", **OPERATOR
    )
    assert again == "已经办理过退费，不能重复退费"
    assert (
        d.rejected("bizh110103", bka895="aaz218", bka896=aaz218, bka006="410", bka001="1")
        == "已经办理过退费，不能重复退费"
    )
    d.ok("bizh110106", aaz218=aaz218, **OPERATOR)
    assert d.state(aaz218) == "CANCELLED"


def many_rows(count: int) -> list[dict[str, Value]]:
    """``count`` rows: covered charges, every 10th a negative refund row, every 7th 因病,
    every 11th an item the catalogue does not cover."""
    rows = []
    for n in range(1, count + 1):
        amount = Decimal(n % 37 + 1) + Decimal("0.25")
        amount = -amount if n % 10 == 0 else amount
        item = "Y9001" if n % 11 == 0 else "X0102"
        rows.append(fee_row(str(amount), str(n), item=item, bka061="1" if n % 7 == 0 else "0"))
    return rows


def batches(rows: list[dict[str, Value]], size: int) -> list[list[dict[str, Value]]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def test_a_301_row_batch_is_refused_before_sending(driver: Driver) -> None:
    """The 300-row limit holds on the client side: Request.build refuses 301 rows."""
    with pytest.raises(InvalidRequest, match="301 rows, at most 300"):
        Request.build(
            CAT, "bizh120002", {"akb020": "SS0001", "aaz218": "ZY1"}, {"feeinfo": many_rows(301)}
        )


def test_inpatient_chain_settles_cancels_and_settles_again(driver: Driver) -> None:
    """120001 → 120103 → 120102 → 120104 (allowed + refused field) → 120002 ×2 (350 rows with
    negative and 因病 rows) → 120003 → 120105 → 120106 → slip → 120107 → 120108 → 120105 →
    120106; the figures keep the §8.1 identities and match the rows throughout."""
    d = driver
    (person,) = d.ok(
        "bizh120001",
        bka895="aac001",
        bka896=NORMAL,
        aka130="42",
        bka006="420",
        bka017=dt.date(2026, 11, 20),
    ).persons
    assert person.bka888 == "0"
    aaz218 = d.ok("bizh120103", **admission(person.aac001, "ZY-E2E-0777")).aaz218
    found = d.ok("bizh120102", bka895="aac001", bka896=NORMAL, aka130="42", bka891="0")
    assert [(b.aaz218, b.bka025) for b in found.businesses] == [(aaz218, "ZY-E2E-0777")]
    d.ok("bizh120104", aaz218=aaz218, bka023="21", bka021="W07", bka022="手外科病区")
    refused = d.rejected("bizh120104", aaz218=aaz218, bka023="22", bka026="S62.001")
    assert refused.endswith("不能修改：bka026") and d.business(aaz218)["fields"]["bka023"] == "21"

    rows = many_rows(350)
    sent = batches(rows, d.client.settings.fee_rows_per_call)
    assert [len(b) for b in sent] == [300, 50]
    for batch in sent:
        d.ok("bizh120002", {"feeinfo": batch}, aaz218=aaz218)
    assert len(d.business(aaz218)["rows"]) == 350
    expected = expected_split(rows, d.sim.config.covered_items)
    assert expected["bka831"] > ZERO and expected["bka832"] > ZERO

    assert_split(d.ok("bizh120003", aaz218=aaz218, bka438="1").figures, expected)
    assert_split(d.ok("bizh120105", **discharge(aaz218)).figures, expected)
    first = d.ok("bizh120106", aaz218=aaz218, bka046="0101", bka047="李四")
    assert_split(first.figures, expected)
    slip = d.ok(SLIP, aaz218=aaz218)
    assert (slip.slip.bka979, slip.slip.bka811) == (expected["akc264"], expected["bka832"])
    assert slip.funds[-1].bka801_7 == expected["akc264"]

    d.ok("bizh120107", aaz218=aaz218)
    assert d.state(aaz218) == "DISCHARGED"
    d.ok("bizh120108", aaz218=aaz218)
    assert d.state(aaz218) == "ADMITTED"
    assert_split(d.ok("bizh120105", **discharge(aaz218)).figures, expected)
    assert_split(d.ok("bizh120106", aaz218=aaz218, bka046="0101", bka047="李四").figures, expected)
    settlements = d.business(aaz218)["settlements"]
    assert [s["reversed_at"] is None for s in settlements] == [False, True]


def test_a_second_stay_is_admitted_after_settlement_and_cancelled(driver: Driver) -> None:
    """Once a stay is settled the person may be admitted again; 120109 cancels that stay and
    it no longer appears in 120102."""
    d = driver
    first = d.settled(inpatient_rows())
    second = d.admit(bka025="ZY-E2E-0002")
    assert second != first
    d.ok("bizh120109", aaz218=second)
    assert d.state(second) == "CANCELLED" and d.state(first) == "SETTLED"
    found = d.ok("bizh120102", bka895="aac001", bka896=NORMAL, aka130="42")
    assert [b.aaz218 for b in found.businesses] == [first]


def test_exclusive_business_is_refused_here_and_elsewhere(driver: Driver) -> None:
    """业务互斥: person …04 (in hospital at SS0999) can be looked up but not admitted; a
    person with an open stay here cannot be admitted twice."""
    d = driver
    (person,) = d.ok("bizh120001", bka895="aac001", bka896=ELSEWHERE, bka006="420").persons
    assert person.aac001 == ELSEWHERE
    assert d.rejected("bizh120103", **admission(ELSEWHERE)) == (
        "业务互斥：该参保人在其他医疗机构有未结束的住院业务，不能办理入院登记"
    )
    aaz218 = d.admit()
    assert d.rejected("bizh120103", **admission(NORMAL, "ZY-E2E-0009")) == (
        f"该参保人在本医疗机构已有未结束的住院业务（就医登记号{aaz218}）"
    )


def test_frozen_fund_and_not_insured_persons(driver: Driver) -> None:
    """Frozen fund: SUCCEEDED with bka888=1 and the freezeinfo row; not insured: REJECTED
    with the Chinese reason on both look-ups (never a bka888=9 success)."""
    d = driver
    for function_id, bka006 in (("bizh110001", "410"), ("bizh120001", "420")):
        reply = d.ok(function_id, bka895="aac001", bka896=FROZEN, bka006=bka006)
        assert [p.bka888 for p in reply.persons] == ["1"]
        assert [(f.aac031, f.aad006, f.aaa157) for f in reply.freezes] == [
            ("1", "工伤医疗费", "410101")
        ]
        message = d.rejected(function_id, bka895="aac001", bka896=NOT_INSURED, bka006=bka006)
        assert message == "该人员未参加工伤保险（未参保），不能办理工伤联网结算业务"


@pytest.mark.parametrize("allowed", [True, False])
def test_fee_delete_follows_the_city_switch(allowed: bool) -> None:
    """bizh120004 with the simulator's switch on: SUCCEEDED and the rows are gone; off:
    REJECTED with the city's reason and the rows stay."""
    simulator = Simulator(sim_config(fee_delete_allowed=allowed))
    with simulator, make_client(simulator) as client:
        d = Driver(simulator, client)
        aaz218 = d.admitted(inpatient_rows())
        if allowed:
            d.ok("bizh120004", aaz218=aaz218)
        else:
            assert d.rejected("bizh120004", aaz218=aaz218) == (
                "本统筹区不允许删除住院费用明细，请上传负数明细进行冲减"
            )
        assert len(d.business(aaz218)["rows"]) == (0 if allowed else 4)


def test_all_six_medical_record_uploads_and_a_safe_repeat(driver: Driver) -> None:
    """200101–200106 after settlement are all stored; repeating 200102 replaces it."""
    d = driver
    aaz218 = d.settled(inpatient_rows())
    head = {
        "aaz218": aaz218,
        "aac002": NORMAL_ID_NUMBER,
        "aac043": "01",
        "aac044": NORMAL_ID_NUMBER,
        "aab299": "440300",
    }
    diagnosis = [{"yzy201": "1", "yzy202": "1", "akc196": "S52.501", "akc185": "桡骨远端骨折"}]
    d.ok(RECORD_PATIENT, **head, yzy001="1", akc023="41")
    d.ok("bizh200102", {"detail": diagnosis * 2}, **head, yzy003="10")
    for function_id in ("bizh200103", "bizh200104", "bizh200105"):
        d.ok(function_id, {"detail": [{"yzy201": "1"}]}, **head)
    d.ok("bizh200106", **head, yzy301="骨折", yzy302="骨折术后", akc273="王五")
    d.ok("bizh200102", {"detail": diagnosis}, **head, yzy003="10")
    records = d.business(aaz218)["records"]
    assert sorted(records) == [
        RECORD_PATIENT,
        "bizh200102",
        "bizh200103",
        "bizh200104",
        "bizh200105",
        "bizh200106",
    ]
    assert len(records["bizh200102"]["detail"]) == 1


def test_queries_reflect_settlements_and_code_tables(driver: Driver) -> None:
    """410004 adds this year's settled fund payment to the base value; 410005 without detail
    gives this month; 120205 finds one code value and refuses an unknown one verbatim."""
    d = driver
    year = str(dt.datetime.now(SHANGHAI).year)
    before = d.ok("bizh410004", aac001=NORMAL, aae001=year).rows[0].ake053
    rows = inpatient_rows()
    d.settled(rows)
    after = d.ok("bizh410004", aac001=NORMAL, aae001=year).rows[0].ake053
    assert after == before + expected_split(rows, d.sim.config.covered_items)["bka832"]
    funds = d.ok("bizh410005", aac001=NORMAL, bka977="0").rows
    assert [(f.aae003, f.bka888) for f in funds] == [
        (dt.datetime.now(SHANGHAI).strftime("%Y%m"), "0")
    ]
    codes = d.ok("bizh120205", aaa100="bkf004", aaa102="02").codes
    assert [(c.aaa102, c.aaa103) for c in codes] == [("02", "好转")]
    assert (
        d.rejected("bizh120205", aaa100="bkf004", aaa102="77") == "代码类别bkf004中不存在代码值77"
    )


def test_late_illness_upload_after_settlement(driver: Driver) -> None:
    """The late 因病 upload is accepted on a settled stay, kept apart from the settled figures,
    refuses a repeated serial and any row that is not 因病."""
    d = driver
    rows = inpatient_rows()
    aaz218 = d.settled(rows)
    late = [fee_row("40.00", "L1", bka061="1"), fee_row("-10.00", "L2", bka061="1")]
    d.ok(LATE_UPLOAD, {"feeinfo": late}, aaz218=aaz218)
    assert [r["aaz213"] for r in d.business(aaz218)["late_rows"]] == ["L1", "L2"]
    slip = d.ok(SLIP, aaz218=aaz218).slip
    assert slip.bka979 == expected_split(rows, d.sim.config.covered_items)["akc264"]
    assert d.rejected(LATE_UPLOAD, {"feeinfo": late[:1]}, aaz218=aaz218) == (
        "费用序号aaz213=L1重复上传"
    )
    assert d.rejected(LATE_UPLOAD, {"feeinfo": [fee_row("1.00", "L3")]}, aaz218=aaz218) == (
        "因病数据补传只接受因病（bka061=1）的费用明细，第1条不是"
    )
