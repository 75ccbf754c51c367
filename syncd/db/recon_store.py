"""Reconciliation runs and their items in ``<p>recon_run`` / ``<p>recon_item``.

A run is inserted as RUNNING before anything is compared, so a crash leaves a visible trace;
it ends DONE (with its counts, totals and report paths, items inserted in the same
transaction) or FAILED with the reason.  The HIS reads both tables with plain SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.db.schema_columns import MESSAGE_LENGTH


@dataclass(frozen=True)
class RunSummary:
    visit_count: int
    item_count: int
    mismatch_count: int
    his_total: Decimal
    platform_total: Decimal
    report_html: str = ""
    report_xlsx: str = ""


class ReconStore:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.run, self.item = engine, tables.recon_run, tables.recon_item

    def start(self, day: date, now: datetime) -> int:
        """A new RUNNING run for ``day``; its id."""
        stmt = sa.insert(self.run).values(recon_date=day, status="RUNNING", started_at=now)
        with (
            source_errors(self.engine.url, "starting a reconciliation run"),
            self.engine.begin() as conn,
        ):
            key = conn.execute(stmt).inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish(
        self, run_id: int, summary: RunSummary, items: Sequence[Mapping[str, Any]], now: datetime
    ) -> None:
        """Store the items and close the run DONE, in one transaction."""
        values = {
            "status": "DONE",
            "finished_at": now,
            "visit_count": summary.visit_count,
            "item_count": summary.item_count,
            "mismatch_count": summary.mismatch_count,
            "his_total": summary.his_total,
            "platform_total": summary.platform_total,
            "report_html": summary.report_html[:400] or None,
            "report_xlsx": summary.report_xlsx[:400] or None,
        }
        rows = [{**_fit(item), "run_id": run_id, "created_at": now} for item in items]
        with (
            source_errors(self.engine.url, "storing a reconciliation run"),
            self.engine.begin() as conn,
        ):
            if rows:
                conn.execute(sa.insert(self.item), rows)
            conn.execute(sa.update(self.run).where(self.run.c.id == run_id).values(**values))

    def fail(self, run_id: int, reason: str, now: datetime) -> None:
        stmt = (
            sa.update(self.run)
            .where(self.run.c.id == run_id)
            .values(status="FAILED", finished_at=now, last_error=reason[:MESSAGE_LENGTH])
        )
        with (
            source_errors(self.engine.url, "closing a failed reconciliation run"),
            self.engine.begin() as conn,
        ):
            conn.execute(stmt)

    def get(self, run_id: int) -> dict[str, Any]:
        with (
            source_errors(self.engine.url, "reading a reconciliation run"),
            self.engine.connect() as conn,
        ):
            row = conn.execute(sa.select(self.run).where(self.run.c.id == run_id)).mappings()
            return dict(row.one())

    def find(self, run_id: int) -> dict[str, Any] | None:
        with (
            source_errors(self.engine.url, "reading a reconciliation run"),
            self.engine.connect() as conn,
        ):
            row = conn.execute(sa.select(self.run).where(self.run.c.id == run_id)).mappings()
            found = row.first()
        return None if found is None else dict(found)

    def recent(self, limit: int = 30) -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        stmt = sa.select(self.run).order_by(self.run.c.id.desc()).limit(limit)
        with (
            source_errors(self.engine.url, "reading reconciliation runs"),
            self.engine.connect() as conn,
        ):
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def items(self, run_id: int) -> list[dict[str, Any]]:
        stmt = sa.select(self.item).where(self.item.c.run_id == run_id).order_by(self.item.c.id)
        with (
            source_errors(self.engine.url, "reading reconciliation items"),
            self.engine.connect() as conn,
        ):
            return [dict(r) for r in conn.execute(stmt).mappings()]


_ITEM_COLUMNS = {
    "item_class": 32,
    "aaz218": 32,
    "visit_key": 64,
    "figure": 32,
    "his_value": 200,
    "platform_value": 200,
    "detail": MESSAGE_LENGTH,
    "action": 200,
}


def _fit(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item's stored columns, each cut to its column length (empty → NULL)."""
    return {
        name: (str(item.get(name) or "")[:size] or None) for name, size in _ITEM_COLUMNS.items()
    }
