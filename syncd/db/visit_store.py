"""The visit ledger ``<p>visit``: one row per (visit_key, kind), created in state NONE."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
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
        update = _update_of(self.table, _shape(change))
        values = _values(visit, change, now)
        if visit.state != VisitState.NONE.value:
            if conn.execute(update, values).rowcount:
                return
        elif conn.execute(
            sa.select(c.id).where(c.visit_key == visit.visit_key, c.kind == visit.kind)
        ).first():
            conn.execute(update, values)
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
        conn.execute(update, values)


Shape = tuple[bool, bool, bool, bool, bool]  # what a VisitChange sets (see _shape)


def _shape(change: VisitChange) -> Shape:
    """Which columns ``change`` sets: state, aaz218, last batch, fee reset, fee sum."""
    fee_delta = bool(change.fee_delta) and not change.fee_reset
    return (
        bool(change.state),
        bool(change.aaz218),
        change.last_batch is not None,
        change.fee_reset,
        fee_delta,
    )


@lru_cache(maxsize=64)
def _update_of(table: sa.Table, shape: Shape) -> sa.Update:
    """The relative UPDATE of one visit's row for changes of ``shape``, its values bound
    (:func:`_values`): built once per shape, not for every result."""
    c = table.c
    state, aaz218, last_batch, fee_reset, fee_delta = shape
    now = sa.bindparam("syncd_now", type_=c.updated_at.type)
    values: dict[str, object] = {"updated_at": now, "version": c.version + 1}
    if state:
        values.update(state=sa.bindparam("syncd_state"), state_changed_at=now)
    if aaz218:
        values["aaz218"] = sa.bindparam("syncd_aaz218")
    if last_batch:
        batch = sa.bindparam("syncd_last_batch", type_=c.last_batch.type)
        values["last_batch"] = sa.case((c.last_batch < batch, batch), else_=c.last_batch)
    if fee_reset:
        values.update(fee_amount=Decimal("0"), fee_count=0, fee_rows=0)
    elif fee_delta:
        values.update(
            fee_amount=c.fee_amount + sa.bindparam("syncd_fee_delta", type_=c.fee_amount.type),
            fee_count=c.fee_count + 1,  # upload calls
            fee_rows=sa.func.coalesce(c.fee_rows, 0)  # the rows they carried
            + sa.bindparam("syncd_fee_rows", type_=sa.Integer()),
        )
    where = (c.visit_key == sa.bindparam("syncd_visit"), c.kind == sa.bindparam("syncd_kind"))
    return sa.update(table).where(*where).values(values)


def _values(visit: Visit, change: VisitChange, now: datetime) -> dict[str, object]:
    """The parameters of :func:`_update_of`'s statement for ``change``."""
    return {
        "syncd_visit": visit.visit_key,
        "syncd_kind": visit.kind,
        "syncd_now": now,
        "syncd_state": change.state,
        "syncd_aaz218": change.aaz218,
        "syncd_last_batch": change.last_batch,
        "syncd_fee_delta": Decimal(change.fee_delta) if change.fee_delta else None,
        "syncd_fee_rows": change.fee_rows,
    }


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
