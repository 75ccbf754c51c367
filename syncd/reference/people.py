"""Synthetic base data of the reference HIS: departments, wards, staff, patients, fee items.

Nobody here is a real person.  The insured patients are the platform simulator's fixture
persons (same 电脑号 aac001, 身份证号 aac002, 社保卡号, name, sex, birth date), so seeded rows
are accepted by ``syncd simulator``.  Other patients get ID numbers of valid format and check
digit in the non-existent area ``449900``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from syncd.simulator import load_persons

SeedRow = dict[str, Any]

DEPTS = (
    ("D01", "急诊科"),
    ("D05", "骨科"),
    ("D07", "手外科"),
    ("D09", "烧伤科"),
    ("D12", "康复医学科"),
    ("D15", "肿瘤科"),
    ("D16", "产科"),
    ("D20", "内科"),
)
WARDS = (
    ("W05", "骨科病区", "D05", "骨科一病室"),
    ("W07", "手外科病区", "D07", "手外科病室"),
    ("W15", "肿瘤病区", "D15", "肿瘤病室"),
    ("W16", "产科病区", "D16", "产科病室"),
    ("W20", "内科病区", "D20", "内科病室"),
)
STAFF = (
    ("Y001", "陈志远", "D05", "DOC", "主任医师"),
    ("Y002", "黄晓燕", "D05", "DOC", "主治医师"),
    ("Y003", "林建华", "D05", "DOC", "住院医师"),
    ("Y004", "周海涛", "D15", "DOC", "主任医师"),
    ("Y005", "吴丽娟", "D16", "DOC", "副主任医师"),
    ("Y006", "马文斌", "D01", "DOC", "主治医师"),
    ("Y007", "孙立新", "D05", "DOC", "麻醉医师"),
    ("H001", "梁芳", "D05", "NUR", "主管护师"),
    ("S001", "郑敏", "D01", "CLK", "挂号员"),
    ("S002", "何静", "D01", "CLK", "入院登记员"),
    ("S003", "许文", "D01", "CLK", "病案编码员"),
    ("S004", "邓海燕", "D01", "CLK", "收费员"),
)
# (code, name, class aka063, form, spec, unit, price); X/Z items are covered by the fund.
ITEMS = (
    ("X0101", "头孢呋辛钠注射液", "11", "注射剂", "0.75g", "支", "12.5000"),
    ("X0102", "布洛芬缓释胶囊", "11", "胶囊", "0.3g*20粒", "盒", "18.6000"),
    ("X0103", "0.9%氯化钠注射液", "11", "注射剂", "250ml", "袋", "3.2000"),
    ("Z0001", "换药(中)", "22", "", "", "次", "25.0000"),
    ("Z0003", "X线摄影(DR)", "21", "", "", "次", "90.0000"),
    ("Z0004", "床位费(普通病房)", "31", "", "", "日", "45.0000"),
    ("Z0006", "静脉输液", "22", "", "", "次", "8.5000"),
    ("Z0007", "诊查费", "22", "", "", "次", "10.0000"),
    ("C0201", "复方丹参片", "12", "片剂", "0.32g*100片", "瓶", "15.8000"),
    ("Y9001", "营养餐", "99", "", "", "份", "22.0000"),
)
SURGERY_ITEM = ("Z0005", "骨折切开复位内固定术", "23", "", "", "次", "2860.0000")
DEBRIDEMENT_ITEM = ("Z0002", "清创缝合术", "23", "", "", "次", "180.0000")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_OTHERS = (
    ("黄小明", "1", dt.date(1990, 4, 18)),
    ("赵小红", "2", dt.date(1983, 9, 2)),
    ("欧阳建军", "1", dt.date(1976, 12, 30)),
    ("冯春梅", "2", dt.date(1998, 6, 11)),
)


def id_number(area: str, birth: dt.date, serial: int) -> str:
    """An 18-digit 身份证号 of valid format and check digit (GB 11643)."""
    body = f"{area}{birth:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + _CHECK[total % 11]


def base_rows() -> dict[str, list[SeedRow]]:
    """HIS_DEPT, HIS_WARD, HIS_STAFF rows."""
    return {
        "HIS_DEPT": [{"DEPT_CODE": c, "DEPT_NAME": n, "STD_DEPT_CODE": c} for c, n in DEPTS],
        "HIS_WARD": [
            {"WARD_CODE": c, "WARD_NAME": n, "DEPT_CODE": d, "ROOM_NAME": r} for c, n, d, r in WARDS
        ],
        "HIS_STAFF": [
            {"STAFF_NO": no, "STAFF_NAME": n, "DEPT_CODE": d, "ROLE": role, "TITLE": t}
            for no, n, d, role, t in STAFF
        ],
    }


def insured_patients(prefix: str) -> list[SeedRow]:
    """The simulator's insured persons as HIS patients (ids ``<prefix>01`` …)."""
    rows = []
    for index, person in enumerate(load_persons(), start=1):
        if person.insured:
            rows.append(_insured_row(f"{prefix}{index:02d}", person.fields))
    return rows


def _insured_row(patient_id: str, f: Mapping[str, str]) -> SeedRow:
    birth = dt.datetime.strptime(f["aac006"], "%Y%m%d").date()
    return patient_row(patient_id, f["aac003"], f["aac004"], birth, f["aac002"], f["aac001"]) | {
        "SSCARD_NO": f.get("bka100"),
        "EMPLOYER": f.get("bka008"),
        "INSURED_AREA": f.get("baa027"),
        "PHONE": f.get("aae005"),
    }


def other_patients(prefix: str, count: int) -> list[SeedRow]:
    """Patients unknown to the platform (no 电脑号 yet): synthetic IDs in area 449900."""
    rows = []
    for index in range(count):
        name, sex, birth = _OTHERS[index % len(_OTHERS)]
        birth = birth.replace(year=birth.year - index // len(_OTHERS))
        rows.append(
            patient_row(
                f"{prefix}{index + 51:02d}",
                name,
                sex,
                birth,
                id_number("449900", birth, 100 + index),
                None,
            )
        )
    return rows


def patient_row(
    patient_id: str, name: str, sex: str, birth: dt.date, id_no: str, aac001: str | None
) -> SeedRow:
    """A ``HIS_PATIENT`` row: the given identity, synthetic address, telephone and employer."""
    return {
        "PATIENT_ID": patient_id,
        "PAT_NAME": name,
        "SEX": sex,
        "BIRTH_DATE": birth,
        "ID_TYPE": "01",
        "ID_NO": id_no,
        "AAC001": aac001,
        "SSCARD_NO": None,
        "NATIONALITY": "156",
        "NATION": "01",
        "MARITAL": "2",
        "OCCUPATION": "工人",
        "BIRTH_PLACE": "广东省广州市",
        "ADDRESS": "广东省广州市海珠区示例路1号",
        "PHONE": "13900000000",
        "EMPLOYER": "示例制造有限公司",
        "EMPLOYER_ADDR": "广州市示例工业园",
        "CONTACT_NAME": "家属",
        "CONTACT_REL": "配偶",
        "CONTACT_PHONE": "13900000001",
        "INSURED_AREA": "440100",
        "HEALTH_CARD_NO": None,
    }


def item_row(item: tuple[str, ...], qty: Decimal) -> SeedRow:
    """The item columns of a fee row, amount = price × qty to the cent."""
    code, name, klass, form, spec, unit, price = item
    amount = (Decimal(price) * qty).quantize(Decimal("0.01"))
    return {
        "ITEM_CODE": code,
        "ITEM_NAME": name,
        "ITEM_CLASS": klass,
        "DOSAGE_FORM": form or None,
        "MAKER": "示例药业有限公司" if form else None,
        "SPEC": spec or None,
        "UNIT": unit,
        "PRICE": Decimal(price),
        "QTY": qty,
        "AMOUNT": amount,
    }
