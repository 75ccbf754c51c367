"""One synthetic day of work-injury activity in the reference HIS (pure data, no database).

:func:`day_rows` returns the rows per table for ``day``:

* outpatient: 李秀英 (frozen fund) charged twice, the first charge refunded (negative rows);
  刘志强 charged once; 黄小明 registered without 电脑号 (the bad row: rejected with
  "缺少必填项：电脑号(aac001)"); a non-work-injury visit the views must not show;
* inpatient, discharged today: 张伟明 (fracture, surgery, ``300 × scale + 19`` fee rows with
  negative refund rows and 因病 rows, a bed change, two late 因病 rows), 李秀英 (a delivery),
  刘志强 (tumour treatment with chemotherapy); 陈丽华 admitted today and still in hospital
  (the simulator refuses her: she is in hospital elsewhere, 业务互斥);
* medical records (diagnoses, operation, birth, tumour, chemo, summaries) and the HIS-side
  settlements for the nightly reconciliation.

Keys carry the day (``MZyyMMdd…``, ``ZYyyMMdd…``), so several days can be seeded.
Deterministic for a given ``rng_seed``.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from syncd.reference.people import DEBRIDEMENT_ITEM, ITEMS, SURGERY_ITEM, SeedRow
from syncd.reference.rows import (
    birth_row,
    change_row,
    chemo_row,
    diagnosis_row,
    ip_fee_row,
    op_fee_row,
    op_visit_row,
    operation_row,
    stay_row,
    summary_row,
    tumour_row,
)

PATIENT_PREFIX = "P00"
ZHANG, LI, CHEN, LIU = "P0001", "P0002", "P0004", "P0005"  # simulator persons 1, 2, 4, 5
NO_AAC001, NOT_WORK_INJURY = "P0051", "P0052"
BIG_STAY_ROWS = 300


class _Day:
    def __init__(self, day: dt.date, scale: int, rng_seed: int) -> None:
        self.day, self.scale = day, scale
        self.rng = random.Random(rng_seed)
        self.tag = f"{day:%y%m%d}"
        self.rows: dict[str, list[SeedRow]] = {}
        self._ids: dict[str, int] = {}

    def at(self, hour: int, minute: int = 0, days_before: int = 0) -> dt.datetime:
        when = dt.datetime.combine(self.day, dt.time(hour, minute))
        return when - dt.timedelta(days=days_before)

    def next_id(self, table: str) -> int:
        self._ids[table] = self._ids.get(table, 0) + 1
        return int(self.tag) * 1_000_000 + self._ids[table]

    def add(self, table: str, row: SeedRow) -> SeedRow:
        self.rows.setdefault(table, []).append(row)
        return row


def day_rows(day: dt.date, scale: int = 1, rng_seed: int = 7) -> dict[str, list[SeedRow]]:
    """Every row of the day, by table name (insert in the order given)."""
    d = _Day(day, scale, rng_seed)
    _outpatient(d)
    _inpatient(d)
    return d.rows


# -- outpatient -------------------------------------------------------------------------------


def _op_visit(d: _Day, n: int, patient: str, hour: int, *, injury: bool = True) -> str:
    visit = f"MZ{d.tag}{n:03d}"
    d.add("HIS_OP_VISIT", op_visit_row(visit, patient, d.at(hour, 10), injury=injury))
    return visit


def _op_charge(
    d: _Day, visit: str, charge: str, hour: int, items: list[tuple[str, ...]]
) -> list[SeedRow]:
    rows = []
    for item in items:
        qty = Decimal(d.rng.choice((1, 1, 2)))
        row = op_fee_row(d.next_id("HIS_OP_FEE"), visit, charge, item, qty, d.at(hour, 30))
        rows.append(d.add("HIS_OP_FEE", row))
    return rows


def _op_refund(d: _Day, visit: str, charge: str, hour: int, originals: list[SeedRow]) -> None:
    for row in originals:
        d.add(
            "HIS_OP_FEE",
            {
                **row,
                "FEE_ID": d.next_id("HIS_OP_FEE"),
                "CHARGE_NO": charge,
                "QTY": -row["QTY"],
                "AMOUNT": -row["AMOUNT"],
                "FEE_TIME": d.at(hour),
                "REFUND_OF": row["FEE_ID"],
            },
        )


def _settlement(
    d: _Day,
    kind: str,
    visit: str,
    batch: int | None,
    rows: list[SeedRow],
    when: dt.datetime,
    *,
    cancelled: bool = False,
) -> None:
    total = sum((r["AMOUNT"] for r in rows), Decimal("0.00"))
    covered = sum((r["AMOUNT"] for r in rows if _covered(r)), Decimal("0.00"))
    d.add(
        "HIS_SETTLEMENT",
        {
            "SETTLE_ID": d.next_id("HIS_SETTLEMENT"),
            "VISIT_KIND": kind,
            "VISIT_NO": visit,
            "AAZ218": None,
            "BKA001": batch,
            "AKC264": total,
            "BKA831": total - covered,
            "BKA832": covered,
            "AKE039": covered,
            "SETTLE_TIME": when,
            "CANCELLED": "1" if cancelled else "0",
            "OPERATOR_NO": "S004",
        },
    )


def _covered(row: SeedRow) -> bool:
    return str(row["ITEM_CODE"])[0] in "XZ" and row.get("ILLNESS_FLAG", "0") == "0"


def _outpatient(d: _Day) -> None:
    li = _op_visit(d, 1, LI, 8)
    first = _op_charge(d, li, f"SF{d.tag}0001", 8, [ITEMS[7], ITEMS[3], ITEMS[1]])
    _settlement(d, "1", li, 1, first, d.at(8, 40), cancelled=True)
    _op_refund(d, li, f"TF{d.tag}0001", 9, first)
    second = _op_charge(d, li, f"SF{d.tag}0002", 9, [ITEMS[7], DEBRIDEMENT_ITEM, ITEMS[0]])
    _settlement(d, "1", li, 2, second, d.at(9, 40))
    liu = _op_visit(d, 2, LIU, 10)
    charged = _op_charge(d, liu, f"SF{d.tag}0003", 10, [ITEMS[7], ITEMS[4]])
    _settlement(d, "1", liu, 1, charged, d.at(10, 40))
    _op_visit(d, 3, NO_AAC001, 11)
    _op_charge(
        d, _op_visit(d, 4, NOT_WORK_INJURY, 11, injury=False), f"SF{d.tag}0005", 11, [ITEMS[7]]
    )


# -- inpatient --------------------------------------------------------------------------------


def _stay(
    d: _Day,
    n: int,
    patient: str,
    dept: str,
    ward: str,
    admitted_days_ago: int,
    *,
    discharged: bool = True,
    injury: bool = True,
) -> str:
    stay = f"ZY{d.tag}{n:03d}"
    d.add(
        "HIS_IP_STAY",
        stay_row(
            stay,
            f"{d.day:%Y}{d.tag[2:]}{n:04d}",
            patient,
            d.at(9, 0, admitted_days_ago),
            dept=dept,
            ward=ward,
            bed=f"{10 + n:02d}",
            updated=d.at(15, 5),
            discharged=d.at(15, 0) if discharged else None,
            injury=injury,
        ),
    )
    return stay


def _ip_fee(
    d: _Day,
    stay: str,
    seq: int,
    item: tuple[str, ...],
    when: dt.datetime,
    qty: Decimal | None = None,
    **extra: object,
) -> SeedRow:
    qty = Decimal(d.rng.choice((1, 1, 1, 2, 3))) if qty is None else qty
    row = ip_fee_row(d.next_id("HIS_IP_FEE"), stay, seq, item, qty, when, **extra)
    return d.add("HIS_IP_FEE", row)


def _fees(d: _Day, stay: str, count: int, days: int) -> list[SeedRow]:
    rows = []
    for seq in range(1, count + 1):
        when = d.at(8 + seq % 9, seq % 60, days - 1 - (seq * days) // (count + 1))
        rows.append(_ip_fee(d, stay, seq, d.rng.choice(ITEMS), when))
    return rows


def _big_stay(d: _Day) -> str:
    stay = _stay(d, 1, ZHANG, "D05", "W05", 6)
    rows = _fees(d, stay, BIG_STAY_ROWS * d.scale + 10, 6)
    seq = len(rows)
    rows.append(_ip_fee(d, stay, seq + 1, SURGERY_ITEM, d.at(10, 0, 4), qty=Decimal(1)))
    for n, original in enumerate(rows[:3], start=seq + 2):
        rows.append(
            _ip_fee(
                d,
                stay,
                n,
                _item_of(original),
                d.at(11),
                qty=-original["QTY"],
                REFUND_OF=original["FEE_ID"],
            )
        )
    for n in range(seq + 5, seq + 10):
        rows.append(_ip_fee(d, stay, n, ITEMS[8], d.at(12, n % 60), ILLNESS_FLAG="1"))
    for n in range(seq + 10, seq + 12):
        _ip_fee(d, stay, n, ITEMS[9], d.at(13), ILLNESS_FLAG="1", ILLNESS_LATE="1")
    d.add(
        "HIS_IP_CHANGE",
        change_row(
            d.next_id("HIS_IP_CHANGE"), stay, d.at(10, 0, 5), dept="D05", ward="W05", bed="15"
        ),
    )
    _settlement(d, "2", stay, None, rows, d.at(16))
    return stay


def _item_of(row: SeedRow) -> tuple[str, ...]:
    return next((i for i in ITEMS if i[0] == row["ITEM_CODE"]), SURGERY_ITEM)


def _inpatient(d: _Day) -> None:
    zhang = _big_stay(d)
    li = _stay(d, 2, LI, "D16", "W16", 3)
    _fees(d, li, 12, 3)
    liu = _stay(d, 3, LIU, "D15", "W15", 10)
    _fees(d, liu, 20, 10)
    chen = _stay(d, 4, CHEN, "D07", "W07", 0, discharged=False)
    _fees(d, chen, 5, 1)
    other = _stay(d, 5, NOT_WORK_INJURY, "D20", "W20", 2, injury=False)
    _fees(d, other, 3, 2)
    _diagnoses(d, zhang, ("S52.501", "桡骨远端骨折"), ("S60.201", "前臂挫伤"))
    _diagnoses(d, li, ("O80.001", "单胎顺产"), ("S30.001", "腰部挫伤"))
    _diagnoses(d, liu, ("C34.901", "肺恶性肿瘤"), ("S22.301", "肋骨骨折"))
    _operation(d, zhang)
    _birth(d, li)
    _tumour(d, liu)
    for stay in (zhang, li, liu):
        _summary(d, stay)


# -- medical records (病案首页) ----------------------------------------------------------------


def _diagnoses(d: _Day, stay: str, *diagnoses: tuple[str, str]) -> None:
    for seq, (code, name) in enumerate(diagnoses, start=1):
        d.add("HIS_DIAGNOSIS", diagnosis_row(d.next_id("HIS_DIAGNOSIS"), stay, seq, code, name))


def _operation(d: _Day, stay: str) -> None:
    day = d.day - dt.timedelta(days=4)
    d.add("HIS_OPERATION", operation_row(d.next_id("HIS_OPERATION"), stay, day))


def _birth(d: _Day, stay: str) -> None:
    d.add("HIS_BIRTH", birth_row(d.next_id("HIS_BIRTH"), stay))


def _tumour(d: _Day, stay: str) -> None:
    d.add("HIS_TUMOUR", tumour_row(stay, d.day - dt.timedelta(days=9), d.day))
    for seq in range(1, 4):
        day = d.day - dt.timedelta(days=9 - 3 * seq)
        d.add("HIS_CHEMO", chemo_row(d.next_id("HIS_CHEMO"), stay, seq, day))


def _summary(d: _Day, stay: str) -> None:
    d.add("HIS_DISCHARGE_SUMMARY", summary_row(stay, d.at(14)))
