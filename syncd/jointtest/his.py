"""The joint test's HIS: what a clerk's actions write into the reference HIS tables.

Every visit the kit opens gets a key of its own run (``JT`` + month, day and time + the
case's label, e.g. ``JT1202153012ZY1``), so a second rehearsal against the same test
environment never reuses a 住院号.  The rows are built by :mod:`syncd.reference.rows`, as the
seeded demo day's are; the views (``V_WI_*``) show them to the engine as in production.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from syncd.core.clock import Clock
from syncd.core.records import VisitKind
from syncd.jointtest.cases import Fees
from syncd.jointtest.persons import TestPerson
from syncd.reference import rows
from syncd.reference.people import SeedRow, patient_row
from syncd.reference.schema import build_metadata

PATIENT_PREFIX = "JTP"
_DIAGNOSES = (("S52.501", "桡骨远端骨折"), ("S60.201", "前臂挫伤"))


@dataclass(frozen=True)
class HisVisit:
    """A visit the kit opened: its HIS key, kind and person (1-based)."""

    key: str
    kind: VisitKind
    person: int


class KitHis:
    """Writes the HIS side of each case; ``stamp`` makes this run's keys unique."""

    def __init__(
        self, engine: sa.Engine, stamp: str, clock: Clock, items: Sequence[tuple[str, ...]]
    ) -> None:
        self.engine, self.stamp, self.clock, self.items = engine, stamp, clock, tuple(items)
        self.tables = build_metadata().tables
        self.visits: dict[str, HisVisit] = {}
        self.charges: dict[str, str] = {}  # visit label -> its latest charge number
        self._ids: dict[str, int] = {}

    @staticmethod
    def patients(persons: Sequence[TestPerson]) -> list[SeedRow]:
        """The test persons as ``HIS_PATIENT`` rows (``JTP01`` …)."""
        return [
            patient_row(patient_id(n), p.aac003, p.sex, p.birth, p.aac002, p.aac001)
            for n, p in enumerate(persons, start=1)
        ]

    # --- what a case's his: does; each returns the keys its feed's rows carry ----------

    def outpatient_visit(self, label: str, person: int) -> list[str]:
        key = self._open(label, VisitKind.OUTPATIENT, person)
        self._insert("HIS_OP_VISIT", [rows.op_visit_row(key, patient_id(person), self.clock())])
        return [key]

    def outpatient_charge(self, label: str, fees: Fees) -> list[str]:
        """A charge of ``fees.rows`` lines; its number is :attr:`charges` [label]."""
        visit, now = self.visits[label].key, self.clock()
        charge = f"SF{self.stamp}{self._next('charge'):02d}"
        lines = [
            rows.op_fee_row(self._next("HIS_OP_FEE"), visit, charge, self._item(n), Decimal(1), now)
            for n in range(fees.rows)
        ]
        self._insert("HIS_OP_FEE", lines)
        self.charges[label] = charge
        return [charge]

    def admission(self, label: str, person: int) -> list[str]:
        key = self._open(label, VisitKind.INPATIENT, person)
        now = self.clock()
        stay = rows.stay_row(
            key, key, patient_id(person), now, dept="D05", ward="W05", bed="11", updated=now
        )
        self._insert("HIS_IP_STAY", [stay])
        return [key]

    def admission_change(self, label: str) -> list[str]:
        change_id = self._next("HIS_IP_CHANGE")
        change = rows.change_row(
            change_id, self.visits[label].key, self.clock(), dept="D05", ward="W05", bed="15"
        )
        self._insert("HIS_IP_CHANGE", [change])
        return [str(change_id)]

    def inpatient_fees(self, label: str, fees: Fees) -> list[str]:
        """``fees.rows`` lines, ``fees.refunds`` negative lines refunding the first ones,
        ``fees.illness`` 因病 lines (ILLNESS_FLAG 1)."""
        stay, now = self.visits[label].key, self.clock()
        lines: list[SeedRow] = []

        def line(item: tuple[str, ...], qty: Decimal, **extra: object) -> SeedRow:
            seq = self._next(f"seq:{stay}")
            lines.append(
                rows.ip_fee_row(self._next("HIS_IP_FEE"), stay, seq, item, qty, now, **extra)
            )
            return lines[-1]

        ordinary = [line(self._item(n), Decimal(1)) for n in range(fees.rows)]
        for original in ordinary[: fees.refunds]:
            line(self._item_of(original), Decimal(-1), REFUND_OF=original["FEE_ID"])
        for n in range(fees.illness):
            line(self._item(n), Decimal(1), ILLNESS_FLAG="1")
        self._insert("HIS_IP_FEE", lines)
        return [str(row["FEE_ID"]) for row in lines]

    def discharge(self, label: str) -> list[str]:
        now = self.clock()
        self._update_stay(label, {**rows.discharge_values(now), "UPDATED_AT": now})
        return [self.visits[label].key]

    def record(self, label: str, record: str) -> list[str]:
        """The 病案 rows of ``record`` (``patient`` needs none: the stay is the record)."""
        stay = self.visits[label].key
        for table, line in self._record_rows(record, stay, self.clock()):
            self._insert(table, [line])
        return [stay]

    def _record_rows(self, record: str, stay: str, now: dt.datetime) -> list[tuple[str, SeedRow]]:
        day = now.date()
        match record:
            case "diagnosis":
                return [
                    (
                        "HIS_DIAGNOSIS",
                        rows.diagnosis_row(self._next("HIS_DIAGNOSIS"), stay, seq, code, name),
                    )
                    for seq, (code, name) in enumerate(_DIAGNOSES, start=1)
                ]
            case "operation":
                return [
                    ("HIS_OPERATION", rows.operation_row(self._next("HIS_OPERATION"), stay, day))
                ]
            case "birth":
                return [("HIS_BIRTH", rows.birth_row(self._next("HIS_BIRTH"), stay))]
            case "tumour":
                chemo = [
                    ("HIS_CHEMO", rows.chemo_row(self._next("HIS_CHEMO"), stay, seq, day))
                    for seq in (1, 2, 3)
                ]
                return [("HIS_TUMOUR", rows.tumour_row(stay, day, day)), *chemo]
            case "summary":
                return [("HIS_DISCHARGE_SUMMARY", rows.summary_row(stay, now))]
        return []

    # --- what the HIS does once the platform accepted a cancellation ---------------------

    def outpatient_cancelled(self, label: str) -> None:
        table = self.tables["HIS_OP_VISIT"]
        stmt = sa.update(table).where(table.c["VISIT_NO"] == self.visits[label].key)
        with self.engine.begin() as conn:
            conn.execute(stmt.values(CANCELLED="1", UPDATED_AT=self.clock()))

    def discharge_cancelled(self, label: str) -> None:
        self._update_stay(label, {**rows.not_discharged(), "UPDATED_AT": self.clock()})

    def admission_cancelled(self, label: str) -> None:
        self._update_stay(label, {"CANCELLED": "1", "UPDATED_AT": self.clock()})

    # --- internals -------------------------------------------------------------------

    def _open(self, label: str, kind: VisitKind, person: int) -> str:
        key = f"JT{self.stamp}{label}"
        self.visits[label] = HisVisit(key, kind, person)
        return key

    def _next(self, counter: str) -> int:
        self._ids[counter] = self._ids.get(counter, 0) + 1
        return self._ids[counter]

    def _item(self, n: int) -> tuple[str, ...]:
        return self.items[n % len(self.items)]

    def _item_of(self, row: SeedRow) -> tuple[str, ...]:
        return next(i for i in self.items if i[0] == row["ITEM_CODE"])

    def _insert(self, table: str, lines: list[SeedRow]) -> None:
        if lines:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(self.tables[table]), lines)

    def _update_stay(self, label: str, values: SeedRow) -> None:
        table = self.tables["HIS_IP_STAY"]
        stmt = sa.update(table).where(table.c["STAY_NO"] == self.visits[label].key)
        with self.engine.begin() as conn:
            conn.execute(stmt.values(**values))


def patient_id(person: int) -> str:
    return f"{PATIENT_PREFIX}{person:02d}"
