"""Rows of the reference HIS tables, one builder per kind of row (pure data, no database).

What a HIS writes when a clerk registers, admits, charges, discharges or codes a 病案: the
seeded day (:mod:`syncd.reference.activity`) and the joint-test kit (``syncd jointtest``) both
build their rows here, so the columns a view reads are filled in one place.  Times are naive
local datetimes; staff, departments and wards are those of :mod:`syncd.reference.people`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from syncd.reference.people import SeedRow, item_row

ItemCodes = tuple[str, ...]


def op_visit_row(
    visit_no: str, patient_id: str, when: dt.datetime, *, injury: bool = True
) -> SeedRow:
    """A 门诊挂号 (``HIS_OP_VISIT``); a work-injury visit shows in ``V_WI_OP_REGISTRATION``."""
    return {
        "VISIT_NO": visit_no,
        "PATIENT_ID": patient_id,
        "VISIT_TIME": when,
        "DEPT_CODE": "D01",
        "DOCTOR_NO": "Y006",
        "CLERK_NO": "S001",
        "IS_WORK_INJURY": "1" if injury else "0",
        "INJURY_NO": None,
        "APPLY_NO": None,
        "DIAG_CODE": "S62.001" if injury else "J06.900",
        "DIAG_NAME": "手部开放性损伤",
        "CANCELLED": "0",
        "UPDATED_AT": when,
    }


def op_fee_row(
    fee_id: int, visit_no: str, charge_no: str, item: ItemCodes, qty: Decimal, when: dt.datetime
) -> SeedRow:
    """One line of a 门诊收费单 (``HIS_OP_FEE``)."""
    return {
        "FEE_ID": fee_id,
        "VISIT_NO": visit_no,
        "CHARGE_NO": charge_no,
        **item_row(item, qty),
        "FEE_TIME": when,
        "RECIPE_NO": f"CF{charge_no[2:]}",
        "DOCTOR_NO": "Y006",
        "DEPT_CODE": "D01",
        "OPERATOR_NO": "S004",
        "LIMITED_FLAG": "0",
        "LIMIT_MET": "0",
        "REFUND_OF": None,
    }


def stay_row(
    stay_no: str,
    inpatient_no: str,
    patient_id: str,
    admitted: dt.datetime,
    *,
    dept: str,
    ward: str,
    bed: str,
    updated: dt.datetime,
    discharged: dt.datetime | None = None,
    injury: bool = True,
) -> SeedRow:
    """A 住院登记 (``HIS_IP_STAY``), discharged when ``discharged`` is given."""
    row: SeedRow = {
        "STAY_NO": stay_no,
        "INPATIENT_NO": inpatient_no,
        "PATIENT_ID": patient_id,
        "TIMES": 1,
        "ADMIT_TIME": admitted,
        "DEPT_CODE": dept,
        "WARD_CODE": ward,
        "BED_NO": bed,
        "DOCTOR_NO": "Y002",
        "CLERK_NO": "S002",
        "IS_WORK_INJURY": "1" if injury else "0",
        "INJURY_NO": None,
        "ADMIT_REASON": "4",
        "ADMIT_WAY": "2",
        "ADMIT_COND": "2",
        "ADMIT_DIAG_CODE": "S52.501",
        "ADMIT_DIAG_NAME": "桡骨远端骨折",
        "OP_DIAG_CODE": "S52.501",
        "OP_DIAG_NAME": "桡骨远端骨折",
        "OP_DOCTOR_NO": "Y006",
        **not_discharged(),
        "BLOOD_TYPE": "1",
        "RH": "2",
        "RESCUE_COUNT": 0,
        "RESCUE_OK_COUNT": 0,
        "LEAVE_WAY": "1",
        "ALLERGY": "无",
        "CHIEF_NO": "Y001",
        "ATTENDING_NO": "Y002",
        "RESIDENT_NO": "Y003",
        "NURSE_NO": "H001",
        "CODER_NO": "S003",
        "QUALITY": "1",
        "CANCELLED": "0",
        "UPDATED_AT": updated,
    }
    if discharged is not None:
        row.update(discharge_values(discharged))
    return row


def discharge_values(when: dt.datetime) -> SeedRow:
    """The columns of ``HIS_IP_STAY`` a 出院 fills (the stay then shows in the discharge and
    病案首页 views)."""
    return {
        "DISCHARGE_TIME": when,
        "DISCHARGE_CLERK_NO": "S002",
        "DISCHARGE_DIAG_CODE": "S52.501",
        "DISCHARGE_DIAG_NAME": "桡骨远端骨折",
        "OUTCOME": "02",
        "QC_DATE": when.date(),
    }


def not_discharged() -> SeedRow:
    """The discharge columns of a stay still in hospital (or whose discharge was undone)."""
    return {name: None for name in discharge_values(dt.datetime(2000, 1, 1))}


def ip_fee_row(
    fee_id: int,
    stay_no: str,
    seq: int,
    item: ItemCodes,
    qty: Decimal,
    when: dt.datetime,
    **extra: object,
) -> SeedRow:
    """One 住院记账 line (``HIS_IP_FEE``); ``extra`` sets ILLNESS_FLAG, REFUND_OF …"""
    return {
        "FEE_ID": fee_id,
        "STAY_NO": stay_no,
        "FEE_SEQ": seq,
        **item_row(item, qty),
        "FEE_TIME": when,
        "RECIPE_NO": f"ZC{stay_no[2:]}{seq // 20:03d}",
        "DOCTOR_NO": "Y003",
        "DEPT_CODE": "D05",
        "OPERATOR_NO": "H001",
        "ENTRY_NO": "H001",
        "LIMITED_FLAG": "0",
        "LIMIT_MET": "0",
        "ILLNESS_FLAG": "0",
        "ILLNESS_LATE": "0",
        "REFUND_OF": None,
        **extra,
    }


def change_row(
    change_id: int, stay_no: str, when: dt.datetime, *, dept: str, ward: str, bed: str
) -> SeedRow:
    """A 转科/转床 logged in ``HIS_IP_CHANGE`` (``V_WI_IP_ADMISSION_CHANGE``)."""
    return {
        "CHANGE_ID": change_id,
        "STAY_NO": stay_no,
        "CHANGE_TIME": when,
        "DEPT_CODE": dept,
        "WARD_CODE": ward,
        "BED_NO": bed,
        "INPATIENT_NO": None,
        "DOCTOR_NO": "Y002",
        "OPERATOR_NO": "S002",
    }


def diagnosis_row(diag_id: int, stay_no: str, seq: int, code: str, name: str) -> SeedRow:
    """An 出院诊断 of the 病案首页 (the first is the main one)."""
    return {
        "DIAG_ID": diag_id,
        "STAY_NO": stay_no,
        "DIAG_SEQ": seq,
        "DIAG_TYPE": "1" if seq == 1 else "2",
        "DIAG_CODE": code,
        "DIAG_NAME": name,
        "ADMIT_COND": "1",
    }


def operation_row(oper_id: int, stay_no: str, day: dt.date) -> SeedRow:
    return {
        "OPER_ID": oper_id,
        "STAY_NO": stay_no,
        "OPER_SEQ": 1,
        "OPER_CODE": "79.3201",
        "OPER_NAME": "桡骨骨折切开复位内固定术",
        "OPER_DATE": day,
        "INCISION": "2",
        "HEALING": "1",
        "SURGEON_NO": "Y001",
        "ASSIST1_NO": "Y002",
        "ASSIST2_NO": "Y003",
        "ANES_WAY": "02",
        "ANES_NAME": "臂丛神经阻滞麻醉",
        "ANES_DOCTOR_NO": "Y007",
        "OPER_LEVEL": "3",
        "ELECTIVE": "0",
    }


def birth_row(birth_id: int, stay_no: str) -> SeedRow:
    return {
        "BIRTH_ID": birth_id,
        "STAY_NO": stay_no,
        "BABY_SEQ": 1,
        "BABY_SEX": "2",
        "BIRTH_WEIGHT": 3250,
        "BIRTH_RESULT": "1",
        "BABY_OUTCOME": "1",
        "RESCUE_OK_COUNT": 0,
        "BREATH": "1",
    }


CHEMO_DRUGS = ("顺铂 75mg/m2", "依托泊苷 100mg/m2", "顺铂 75mg/m2")


def tumour_row(stay_no: str, start: dt.date, end: dt.date) -> SeedRow:
    return {
        "STAY_NO": stay_no,
        "RT_WAY": "1",
        "RT_PROGRAM": "1",
        "RT_DEVICE": "2",
        "PRIMARY_DOSE": "60Gy",
        "PRIMARY_TIMES": 30,
        "PRIMARY_DAYS": 42,
        "PRIMARY_START": start,
        "PRIMARY_END": end,
        "CHEMO_WAY": "1",
        "CHEMO_METHOD": "2",
    }


def chemo_row(chemo_id: int, stay_no: str, seq: int, day: dt.date) -> SeedRow:
    """The ``seq``-th 化疗 (1-based) of :data:`CHEMO_DRUGS`."""
    return {
        "CHEMO_ID": chemo_id,
        "STAY_NO": stay_no,
        "CHEMO_SEQ": seq,
        "CHEMO_DATE": day,
        "DRUG_DOSE": CHEMO_DRUGS[(seq - 1) % len(CHEMO_DRUGS)],
        "COURSE": f"第{seq}疗程",
        "EFFECT": "2",
    }


def summary_row(stay_no: str, written: dt.datetime) -> SeedRow:
    return {
        "STAY_NO": stay_no,
        "ADMIT_DIAG": "工伤致伤，详见入院记录",
        "DISCHARGE_DIAG": "病情好转",
        "SYMPTOMS": "患者工作时受伤，局部疼痛、肿胀、活动受限。",
        "TREATMENT": "入院后完善检查，予抗感染、消肿、止痛及对症治疗，病情好转。",
        "DISCHARGE_STATUS": "一般情况好，伤口愈合良好。",
        "ADVICE": "定期门诊复查，注意休息。",
        "DOCTOR_NO": "Y003",
        "WRITTEN_AT": written,
    }
