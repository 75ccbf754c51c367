"""The HIS side of a reconciliation from syncd's own record, for a HIS without a settlement
table (``reconcile.his_source: syncd``; L2, SQLAlchemy only).

Every settlement syncd made is a ``WI_REQUEST`` command it answered DONE: 出院结算 (bizh120106)
and 门诊收费 with ``bka893=1`` (bizh110105; 试算 ``bka893=0`` is no settlement).  Its reply
columns hold the figures the platform answered (akc264, bka831, bka832, ake039, akb067,
akb066), its batch ``bka001`` and the person ``aac001``; the visit ledger (``WI_VISIT``) fills
what the reply left out (aaz218, the person).  A stay's settlement followed by a DONE
出院结算取消 (bizh120107) before its next settlement is ``cancelled``.

These rows are what syncd was told, not what the HIS cashier booked: a settlement made outside
syncd (by hand on the platform, or while syncd was rolled back) is missing from them, and a
HIS bill that differs from the platform's reply cannot show here — a HIS view is the better
HIS side wherever the HIS has a settlement table (docs/finance-guide.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.core.reconcile_records import HisRow
from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables

INPATIENT_SETTLE, INPATIENT_CANCEL, OUTPATIENT_CHARGE = "bizh120106", "bizh120107", "bizh110105"
FIGURE_COLUMNS = ("akc264", "bka831", "bka832", "ake039", "akb067", "akb066")


class OwnSettlements:
    def __init__(
        self, engine: sa.Engine, tables: StagingTables, functions: Mapping[str, str]
    ) -> None:
        """``functions``: command name (``WI_REQUEST.command``) → the function it calls."""
        self.engine, self.tables, self.functions = engine, tables, dict(functions)

    def _commands(self, *function_ids: str) -> list[str]:
        return sorted(c for c, f in self.functions.items() if f in function_ids)

    def settlements(self, start: datetime, end: datetime) -> list[HisRow]:
        """The settlements syncd made in [start, end), as the HIS view's rows would be."""
        settling = self._commands(INPATIENT_SETTLE, OUTPATIENT_CHARGE)
        if not settling:
            return []
        r, v = self.tables.request.c, self.tables.visit.c
        wanted: list[sa.ColumnElement[Any]] = [r.id, r.command, r.visit_key, r.aaz218]
        wanted += [r.params_json, r.answered_at, r.bka001, r.aac001.label("reply_aac001")]
        wanted += [r[c] for c in FIGURE_COLUMNS]
        stmt = (
            sa.select(*wanted, v.aaz218.label("ledger_aaz218"), v.aac001.label("ledger_aac001"))
            .select_from(self.tables.request)
            .outerjoin(self.tables.visit, v.visit_key == r.visit_key)
            .where(r.command.in_(settling), r.status == "DONE")
            .where(r.answered_at >= start, r.answered_at < end)
            .order_by(r.id)
        )
        with source_errors(self.engine.url, "reading syncd's settlements"), self._c() as c:
            found = [dict(row) for row in c.execute(stmt).mappings()]
        cancelled = self._cancelled({str(row["visit_key"]) for row in found}, end)
        return [
            HisRow(self._row(row, cancelled))
            for row in found
            if self.functions[row["command"]] == INPATIENT_SETTLE or _settles(row)
        ]

    def _c(self) -> sa.Connection:
        return self.engine.connect()

    def _cancelled(self, visits: set[str], end: datetime) -> set[int]:
        """Ids of the stay settlements a DONE 出院结算取消 followed before the stay's next
        settlement (up to ``end``)."""
        settle, cancel = self._commands(INPATIENT_SETTLE), self._commands(INPATIENT_CANCEL)
        if not visits or not settle or not cancel:
            return set()
        r = self.tables.request.c
        stmt = (
            sa.select(r.id, r.command, r.visit_key)
            .where(r.command.in_(settle + cancel), r.status == "DONE", r.answered_at < end)
            .where(r.visit_key.in_(sorted(visits)))
            .order_by(r.visit_key, r.answered_at, r.id)
        )
        with source_errors(self.engine.url, "reading syncd's cancellations"), self._c() as c:
            rows = c.execute(stmt).all()
        out: set[int] = set()
        last: dict[str, int] = {}  # the last settlement of each stay so far
        for row_id, command, visit in rows:
            if command in settle:
                last[visit] = int(row_id)
            elif visit in last:
                out.add(last.pop(visit))
        return out

    def _row(self, row: Mapping[str, Any], cancelled: set[int]) -> dict[str, Any]:
        inpatient = self.functions[row["command"]] == INPATIENT_SETTLE
        values: dict[str, Any] = {
            "settle_id": str(row["id"]),
            "visit_kind": "INPATIENT" if inpatient else "OUTPATIENT",
            "visit_no": row["visit_key"] or "",
            "person_no": row["reply_aac001"] or row["ledger_aac001"] or "",
            "aaz218": row["aaz218"] or row["ledger_aaz218"] or "",
            "bka001": row["bka001"],
            "settle_time": row["answered_at"],
            "cancelled": "1" if int(row["id"]) in cancelled else "0",
        }
        values.update({c: row[c] for c in FIGURE_COLUMNS if row[c] is not None})
        return values


def _settles(row: Mapping[str, Any]) -> bool:
    """A 门诊收费 command that settled (``bka893`` 1), not a trial (0)."""
    try:
        params = json.loads(row["params_json"] or "{}")
    except ValueError:
        return False
    return str(params.get("bka893", "")) == "1"
