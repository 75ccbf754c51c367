"""The business ledger: businesses keyed by (akb020, aaz218) with their fee rows, outpatient
batches, inpatient settlements and 病案 uploads.  Every method runs on the connection of the
caller's transaction (see :meth:`Store.transaction`)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.simulator.wire import ParsedRow

OUTPATIENT, INPATIENT = "outpatient", "inpatient"
REGISTERED, ADMITTED, DISCHARGED = "REGISTERED", "ADMITTED", "DISCHARGED"
SETTLED, CANCELLED = "SETTLED", "CANCELLED"
OPEN_INPATIENT = (ADMITTED, DISCHARGED)


@dataclass
class Business:
    id: int
    akb020: str
    aaz218: str
    kind: str
    aac001: str
    state: str
    opened: str
    fields: dict[str, str]


def _business(row: sqlite3.Row) -> Business:
    data = dict(row)
    data["fields"] = json.loads(data["fields"])
    return Business(**data)


class Ledger:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # --- businesses ------------------------------------------------------------------

    def next_serial(self, key: str) -> int:
        self.conn.execute(
            "INSERT INTO meta VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET value = value + 1",
            (key,),
        )
        return int(self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def open_business(
        self,
        akb020: str,
        aaz218: str,
        kind: str,
        aac001: str,
        state: str,
        opened: str,
        fields: dict[str, str],
    ) -> Business:
        self.conn.execute(
            "INSERT INTO business (akb020, aaz218, kind, aac001, state, opened, fields)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (akb020, aaz218, kind, aac001, state, opened, json.dumps(fields, ensure_ascii=False)),
        )
        found = self.get(akb020, aaz218)
        assert found is not None
        return found

    def get(self, akb020: str, aaz218: str) -> Business | None:
        row = self.conn.execute(
            "SELECT * FROM business WHERE akb020 = ? AND aaz218 = ?", (akb020, aaz218)
        ).fetchone()
        return _business(row) if row else None

    def find(
        self, kind: str | None = None, akb020: str | None = None, aac001: str | None = None
    ) -> list[Business]:
        rows = self.conn.execute(
            "SELECT * FROM business WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR akb020 = ?)"
            " AND (? IS NULL OR aac001 = ?) ORDER BY id",
            (kind, kind, akb020, akb020, aac001, aac001),
        ).fetchall()
        return [_business(r) for r in rows]

    def open_inpatient(self, aac001: str) -> list[Business]:
        rows = self.conn.execute(
            "SELECT * FROM business WHERE kind = ? AND aac001 = ? AND state IN (?, ?)",
            (INPATIENT, aac001, *OPEN_INPATIENT),
        ).fetchall()
        return [_business(r) for r in rows]

    def update(self, business: Business, state: str | None = None, **fields: str) -> None:
        business.state = state or business.state
        business.fields.update(fields)
        self.conn.execute(
            "UPDATE business SET state = ?, fields = ? WHERE id = ?",
            (business.state, json.dumps(business.fields, ensure_ascii=False), business.id),
        )

    # --- fee rows --------------------------------------------------------------------

    def add_rows(
        self,
        business: Business,
        origin: str,
        rows: list[ParsedRow],
        now: datetime,
        bka001: int | None = None,
    ) -> None:
        self.conn.executemany(
            "INSERT INTO fee_row (business_id, origin, bka001, aaz213, row, uploaded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(business.id, origin, bka001, r["aaz213"], _dump(r), now.isoformat()) for r in rows],
        )

    def rows(self, business: Business, origin: str, bka001: int | None = None) -> list[ParsedRow]:
        found = self.conn.execute(
            "SELECT row FROM fee_row WHERE business_id = ? AND origin = ?"
            " AND (? IS NULL OR bka001 = ?) ORDER BY id",
            (business.id, origin, bka001, bka001),
        ).fetchall()
        return [json.loads(r[0]) for r in found]

    def serials(self, business: Business) -> set[str]:
        found = self.conn.execute(
            "SELECT aaz213 FROM fee_row WHERE business_id = ?", (business.id,)
        ).fetchall()
        return {r[0] for r in found}

    def delete_rows(self, business: Business, origin: str) -> int:
        return self.conn.execute(
            "DELETE FROM fee_row WHERE business_id = ? AND origin = ?", (business.id, origin)
        ).rowcount

    # --- outpatient batches ----------------------------------------------------------

    def add_batch(
        self, business: Business, bka001: int, figures: dict[str, str], now: datetime
    ) -> None:
        self.conn.execute(
            "INSERT INTO batch (business_id, bka001, figures, settled_at) VALUES (?, ?, ?, ?)",
            (business.id, bka001, _dump(figures), now.isoformat()),
        )

    def batches(self, business: Business) -> list[dict[str, Any]]:
        found = self.conn.execute(
            "SELECT * FROM batch WHERE business_id = ? ORDER BY bka001", (business.id,)
        ).fetchall()
        return [_batch(r) for r in found]

    def refund_batch(
        self, business: Business, bka001: int, figures: dict[str, str], now: datetime
    ) -> None:
        self.conn.execute(
            "UPDATE batch SET refund_figures = ?, refunded_at = ?"
            " WHERE business_id = ? AND bka001 = ?",
            (_dump(figures), now.isoformat(), business.id, bka001),
        )

    # --- inpatient settlements -------------------------------------------------------

    def add_settlement(
        self, business: Business, figures: dict[str, str], operator: str, now: datetime
    ) -> None:
        self.conn.execute(
            "INSERT INTO settlement (business_id, figures, settled_at, operator)"
            " VALUES (?, ?, ?, ?)",
            (business.id, _dump(figures), now.isoformat(), operator),
        )

    def settlements(self, business: Business) -> list[dict[str, Any]]:
        found = self.conn.execute(
            "SELECT figures, settled_at, operator, reversed_at FROM settlement"
            " WHERE business_id = ? ORDER BY id",
            (business.id,),
        ).fetchall()
        return [dict(r, figures=json.loads(r["figures"])) for r in found]

    def reverse_settlement(self, business: Business, now: datetime) -> None:
        self.conn.execute(
            "UPDATE settlement SET reversed_at = ? WHERE business_id = ? AND reversed_at IS NULL",
            (now.isoformat(), business.id),
        )

    # --- 病案首页 --------------------------------------------------------------------

    def put_record(
        self, business: Business, function_id: str, payload: dict[str, Any], now: datetime
    ) -> None:
        self.conn.execute(
            "INSERT INTO record VALUES (?, ?, ?, ?) ON CONFLICT (business_id, function_id)"
            " DO UPDATE SET payload = excluded.payload, uploaded_at = excluded.uploaded_at",
            (business.id, function_id, _dump(payload), now.isoformat()),
        )

    def records(self, business: Business) -> dict[str, Any]:
        found = self.conn.execute(
            "SELECT function_id, payload, uploaded_at FROM record WHERE business_id = ?"
            " ORDER BY function_id",
            (business.id,),
        ).fetchall()
        return {r[0]: dict(json.loads(r[1]), uploaded_at=r[2]) for r in found}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _batch(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["figures"] = json.loads(data["figures"])
    data["refund_figures"] = json.loads(data["refund_figures"]) if data["refund_figures"] else None
    del data["business_id"]
    return data
