"""Inpatient scenarios through WI_REQUEST and the reference views, against the simulator:
look-ups, admission (and 业务互斥), changes, fees in several calls, discharge, settlement and
every way back (cancel settlement, cancel discharge, cancel admission, delete fees)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from scenario_support import (
    CHEN,
    LATE_UPLOAD_ID,
    LI,
    LI_AAC001,
    LIU,
    NOT_INSURED_AAC001,
    OPERATOR,
    WAIT_S,
    ZHANG,
    ZHANG_AAC001,
    Hospital,
    mappings_copy,
    money,
)

from syncd.config.mappings import load_mappings
from syncd.core.errors import ConfigError
from syncd.protocol import catalogue


def _cjk(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


def test_person_look_ups_normal_frozen_and_not_insured(hospital: Hospital) -> None:
    """bizh120001: the insured person's data; a frozen fund flagged bka888=1 with its freeze
    rows; a person who is not insured REJECTED with the platform's Chinese message."""
    normal = hospital.request_by_person("ip_person", "aac001", ZHANG_AAC001, bka017="20261119")
    frozen = hospital.request_by_person("ip_person", "aac001", LI_AAC001, bka017="20261122")
    absent = hospital.request_by_person(
        "ip_person", "aac001", NOT_INSURED_AAC001, bka017="20261125"
    )
    hospital.run()
    answer = hospital.answer(normal)
    assert (answer["status"], answer["aac003"], answer["bka888"]) == ("DONE", "张伟明", "0")
    assert answer["bka042"] == "GS2026000101"
    cold = hospital.answer(frozen)
    assert (cold["status"], cold["bka888"]) == ("DONE", "1")
    assert all(_cjk(r["row_json"]) for r in hospital.reply_rows(frozen, "freezeinfo"))
    refused = hospital.answer(absent)
    assert refused["status"] == "REJECTED" and refused["return_code"] != "1"
    assert _cjk(refused["return_code_message"])


def test_admission_business_fetch_and_the_exclusive_business(hospital: Hospital) -> None:
    """bizh120103 per stay (aaz218 written back); 陈丽华 is in hospital elsewhere: REJECTED
    with 业务互斥 and her fee rows never leave; bizh120102 fetches the business."""
    hospital.run()
    for stay in (ZHANG, LI, LIU):
        (row,) = hospital.sync("ip_admission", stay)
        assert row["status"] == "SUCCEEDED" and row["aaz218"] == hospital.visit(stay)["aaz218"]
    (chen,) = hospital.sync("ip_admission", CHEN)
    assert chen["status"] == "REJECTED" and "业务互斥" in chen["return_code_message"]
    assert hospital.sync_statuses("ip_fee", CHEN) == {"WAITING"}
    fetch = hospital.request("ip_business", ZHANG, bka891="0")
    hospital.run()
    assert hospital.answer(fetch)["status"] == "DONE"
    (info,) = hospital.reply_rows(fetch, "bizinfo")
    assert info["aaz218"] == hospital.visit(ZHANG)["aaz218"]


def test_admission_change_of_an_allowed_field_and_a_disallowed_one_refused(
    hospital: Hospital, tmp_path: Path
) -> None:
    """The seeded bed change (bizh120104) reaches the platform; a DBA who maps a field the
    platform does not let change (入院日期 bka017) is stopped at load with file and line."""
    hospital.run()
    (change,) = hospital.sync("ip_admission_change")
    assert change["status"] == "SUCCEEDED"
    assert hospital.business(hospital.visit(ZHANG)["aaz218"])["fields"]["bka023"] == "15"
    folder = mappings_copy(tmp_path / "edited")
    path = folder / "inpatient" / "ip_admission_change.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("fields:\n", "fields:\n  bka017: {column: CHANGE_TIME, date: yyyyMMdd}\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_mappings(folder, catalogue.load({"illness_late_upload": LATE_UPLOAD_ID}))
    assert "ip_admission_change.yaml" in str(refused.value) and "bka017" in str(refused.value)


def test_a_newer_admission_change_waits_while_an_older_one_is_unknown(
    hospital: Hospital,
) -> None:
    """Two bed changes of one stay (15, then 16; the stay is kept in hospital).  The first
    one's reply is lost and the
    business query fails too, so it stays UNKNOWN; the second waits instead of overtaking
    it.  Once the query works the first is found processed (bed 15 shown) and the second
    goes: the platform ends with bed 16, each change sent once.  Sent in the other order,
    the first would be judged not processed against bed 16 and sent again (bed 15)."""
    hospital.sql("UPDATE HIS_IP_STAY SET DISCHARGE_TIME = NULL WHERE STAY_NO = :s", s=ZHANG)
    (first,) = hospital.sql(
        "SELECT CHANGE_ID AS id, CHANGE_TIME AS t FROM HIS_IP_CHANGE WHERE STAY_NO = :s", s=ZHANG
    )
    hospital.sql(
        "INSERT INTO HIS_IP_CHANGE (CHANGE_ID, STAY_NO, CHANGE_TIME, DEPT_CODE, WARD_CODE,"
        " BED_NO, DOCTOR_NO, OPERATOR_NO) VALUES (:id, :s, :t, 'D05', 'W05', '16', 'Y002',"
        " 'S002')",
        id=int(first["id"]) + 1000,
        s=ZHANG,
        t=first["t"],
    )
    hospital.sim.add_faults("reply_lost:function=bizh120104", "drop:function=bizh120102,times=0")
    for _ in range(4):
        hospital.clock.now += dt.timedelta(seconds=WAIT_S)
        hospital.worker.once()
    older, newer = hospital.sync("ip_admission_change", ZHANG)
    assert (older["status"], newer["status"]) == ("UNKNOWN", "WAITING"), newer["last_error"]
    assert "同类交易结果待确认" in newer["last_error"]
    assert len(hospital.calls("bizh120104")) == 1
    hospital.sim.clear_faults()
    hospital.run()
    assert hospital.sync_statuses("ip_admission_change", ZHANG) == {"SUCCEEDED"}
    assert len(hospital.calls("bizh120104")) == 2
    assert hospital.business(hospital.visit(ZHANG)["aaz218"])["fields"]["bka023"] == "16"


def test_fees_in_several_calls_with_refunds_and_illness_rows(hospital: Hospital) -> None:
    """张伟明's 319 fee rows go in two bizh120002 calls (≤300 each); refunds as negative rows,
    因病 rows with bka061=1; WI_VISIT keeps the count and the sum the HIS view shows."""
    hospital.run()
    statuses = hospital.sync("ip_fee", ZHANG)
    assert len(statuses) == 319 and {r["status"] for r in statuses} == {"SUCCEEDED"}
    assert len({r["request_id"] for r in statuses}) == 2
    aaz218 = hospital.visit(ZHANG)["aaz218"]
    rows = hospital.business(aaz218)["rows"]
    assert len(rows) == 319
    assert sum(Decimal(r["bka058"]) < 0 for r in rows) == 3
    assert sum(r.get("bka061") == "1" for r in rows) == 5
    (his,) = hospital.sql(
        "SELECT COUNT(*) AS n, SUM(AMOUNT) AS total FROM V_WI_IP_FEE WHERE STAY_NO = :s", s=ZHANG
    )
    visit = hospital.visit(ZHANG)
    assert his["n"] == 319 and money(visit["fee_amount"]) == money(his["total"])
    assert visit["fee_count"] == 2  # uploads (calls) counted, amounts summed
    assert visit["fee_rows"] == 319  # and the rows they carried
    sizes = sorted(len(_sent_rows(hospital, r)) for r in {s["request_id"] for s in statuses})
    assert sizes == [19, 300]


def _sent_rows(hospital: Hospital, request_id: str) -> list[dict[str, object]]:
    (message,) = hospital.sql(
        "SELECT request_xml FROM WI_MESSAGE WHERE call_id = :c AND function_id = 'bizh120002'",
        c=request_id,
    )
    return [{}] * str(message["request_xml"]).count("<row>")


def test_presettle_discharge_settle_slip_cancel_and_settle_again(hospital: Hospital) -> None:
    """bizh120003 → 120105 → 120106 (figures written back) → slip → 120107 → 120108 → the HIS
    discharges again (a new version of the row) → 120105 → 120106 once more."""
    hospital.run()
    assert hospital.visit(ZHANG)["state"] == "DISCHARGED"
    assert hospital.sync_statuses("ip_discharge", ZHANG) == {"SUCCEEDED"}
    fee_total = money(hospital.visit(ZHANG)["fee_amount"])
    trial = hospital.request("ip_presettle", ZHANG)
    settle = hospital.request("ip_settle", ZHANG, **OPERATOR)
    hospital.run()
    assert money(hospital.answer(trial)["akc264"]) == fee_total
    settled = hospital.answer(settle)
    assert (settled["status"], money(settled["akc264"])) == ("DONE", fee_total)
    assert money(settled["bka831"]) + money(settled["bka832"]) == fee_total
    assert hospital.visit(ZHANG)["state"] == "SETTLED"
    slip = hospital.request("ip_settlement_slip", ZHANG)
    hospital.run()
    printed = hospital.answer(slip)
    assert (printed["status"], printed["aac003"]) == ("DONE", "张伟明")
    assert money(json.loads(printed["result_json"])["fields"]["bka979"]) == fee_total
    assert len(hospital.reply_rows(slip, "fundlist")) == 3
    hospital.request("ip_cancel_settlement", ZHANG)
    hospital.request("ip_cancel_discharge", ZHANG)
    hospital.run()
    assert hospital.visit(ZHANG)["state"] == "ADMITTED"
    hospital.sql(
        "UPDATE HIS_IP_STAY SET UPDATED_AT = :t WHERE STAY_NO = :s", t=hospital.clock.now, s=ZHANG
    )
    hospital.run()
    assert hospital.visit(ZHANG)["state"] == "DISCHARGED"
    again = hospital.request("ip_settle", ZHANG, **OPERATOR)
    hospital.run()
    assert hospital.answer(again)["status"] == "DONE"
    settlements = hospital.business(hospital.visit(ZHANG)["aaz218"])["settlements"]
    assert [s["reversed_at"] is not None for s in settlements] == [True, False]


def test_late_illness_upload_uses_the_configured_function_id(hospital: Hospital) -> None:
    """The two late 因病 rows (bka061=1) go under platform.function_ids.illness_late_upload."""
    hospital.run()
    hospital.request("ip_settle", ZHANG, **OPERATOR)
    hospital.run()
    late = hospital.sync("illness_late_upload", ZHANG)
    assert len(late) == 2 and {r["status"] for r in late} == {"SUCCEEDED"}
    assert late[0]["function_id"] == LATE_UPLOAD_ID and hospital.calls(LATE_UPLOAD_ID)
    rows = hospital.business(hospital.visit(ZHANG)["aaz218"])["late_rows"]
    assert len(rows) == 2 and {r["bka061"] for r in rows} == {"1"}


def test_cancel_discharge_then_cancel_admission(hospital: Hospital) -> None:
    """刘志强: bizh120108 then bizh120109; the visit ends CANCELLED on both sides."""
    hospital.run()
    hospital.request("ip_cancel_discharge", LIU)
    cancel = hospital.request("ip_cancel_admission", LIU)
    hospital.run()
    assert hospital.answer(cancel)["status"] == "DONE"
    assert hospital.visit(LIU)["state"] == "CANCELLED"
    assert hospital.business(hospital.visit(LIU)["aaz218"])["state"] == "CANCELLED"


def test_delete_all_fee_rows_where_the_city_allows_it(hospital: Hospital) -> None:
    """李秀英's stay, back to ADMITTED: bizh120004 removes every fee row on the platform."""
    hospital.run()
    hospital.request("ip_cancel_discharge", LI)
    delete = hospital.request("ip_delete_fees", LI)
    hospital.run()
    assert hospital.answer(delete)["status"] == "DONE"
    assert hospital.business(hospital.visit(LI)["aaz218"])["rows"] == []


def test_delete_fees_refused_in_chinese_where_the_city_forbids_it(strict_city: Hospital) -> None:
    """city.fee_delete_allowed false: REJECTED with the Chinese reason, nothing sent."""
    hospital = strict_city
    hospital.run()
    hospital.request("ip_cancel_discharge", LI)
    delete = hospital.request("ip_delete_fees", LI)
    hospital.run()
    refused = hospital.answer(delete)
    assert refused["status"] == "REJECTED"
    assert "本统筹区不允许删除住院费用明细" in refused["return_code_message"]
    assert hospital.calls("bizh120004") == []
