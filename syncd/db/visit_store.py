"""The visit ledger ``<p>visit``: one row per (visit_key, kind), created in state NONE."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from syncd.core.records import VisitState
from syncd.db.engine import reading, source_errors
from syncd.db.schema import StagingTables
from syncd.rules.visits import Visit, VisitChange


class VisitStore:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table = engine, tables.visit

    def get(self, visit_key: str, kind: str) -> Visit:
        """The ledger's view of a visit; a visit never seen is NONE (no row written)."""
        c = self.table.c
        stmt = sa.select(self.table).where(c.visit_key == visit_key, c.kind == kind)
        with source_errors(self.engine.url, "reading the visit"), reading(self.engine) as conn:
            row = conn.execute(stmt).mappings().first()
        return _visit(row) if row else Visit(visit_key, kind)

    def find(self, visit_key: str) -> Visit | None:
        """The visit of either kind (commands whose feed names no kind)."""
        stmt = sa.select(self.table).where(self.table.c.visit_key == visit_key)
        with source_errors(self.engine.url, "reading the visit"), reading(self.engine) as conn:
            row = conn.execute(stmt).mappings().first()
        return _visit(row) if row else None

    def apply(self, conn: sa.Connection, visit: Visit, change: VisitChange, now: datetime) -> None:
        """Inside the write-back transaction: change the row with relative updates (two
        engines' fee batches of one visit never lose a sum); a visit with no row yet (its
        first call) gets one created in state NONE first, then the change.

        A visit read in a state other than NONE has its row: the update goes first (one
        statement; every change moves ``version``, so a match is a change).  One read as NONE
        may have none: it is looked up first (a plain read), because an UPDATE that matches
        nothing takes a gap lock on MySQL/MariaDB, and two first calls inserting into the
        same gap then deadlock."""
        c = self.table.c
        where = (c.visit_key == visit.visit_key, c.kind == visit.kind)
        update = sa.update(self.table).where(*where)
        if visit.state != VisitState.NONE.value:
            if conn.execute(update.values(**_changes(self.table, change, now))).rowcount:
                return
        elif conn.execute(sa.select(c.id).where(*where)).first() is not None:
            conn.execute(update.values(**_changes(self.table, change, now)))
            return
        try:
            with conn.begin_nested():
                conn.execute(
                    sa.insert(self.table).values(
                        visit_key=visit.visit_key, kind=visit.kind, state="NONE", created_at=now
                    )
                )
        except sa.exc.IntegrityError:
            pass  # another engine created it first
        conn.execute(update.values(**_changes(self.table, change, now)))


def _changes(table: sa.Table, change: VisitChange, now: datetime) -> dict[str, object]:
    c = table.c
    values: dict[str, object] = {"updated_at": now, "version": c.version + 1}
    if change.state:
        values.update(state=change.state, state_changed_at=now)
    if change.aaz218:
        values["aaz218"] = change.aaz218
    if change.last_batch is not None:
        values["last_batch"] = sa.case(
            (c.last_batch < change.last_batch, change.last_batch), else_=c.last_batch
        )
    if change.fee_reset:
        values.update(fee_amount=Decimal("0"), fee_count=0, fee_rows=0)
    elif change.fee_delta:
        values.update(
            fee_amount=c.fee_amount + Decimal(change.fee_delta),
            fee_count=c.fee_count + 1,  # upload calls
            fee_rows=sa.func.coalesce(c.fee_rows, 0) + change.fee_rows,  # the rows they carried
        )
    return values


def _visit(row: Any) -> Visit:
    return Visit(
        visit_key=row["visit_key"],
        kind=row["kind"],
        state=row["state"],
        aaz218=row["aaz218"] or "",
        aac001=row["aac001"] or "",
        last_batch=int(row["last_batch"] or 0),
        fee_amount=str(row["fee_amount"] or "0"),
    )
