"""One look at a visit in one statement: the ledger row, the statuses of its rows, its open
fee deletions.

Before a unit's call the engine needs three things of its visit — the ledger row (state,
aaz218, sums), the statuses of the visit's rows of the feeds it waits for (and of its own,
when the calls of one visit must not overlap) and whether a fee-deletion command of the visit
is unsettled — and after the intent the last two again.  They were three statements, each in
a transaction of its own; here they are the branches of one ``UNION ALL``, read without a
transaction of its own where the driver then sends none (:func:`~syncd.db.engine.reading`).
One statement also sees one snapshot: the sums are as new as the statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from syncd.core.records import UNSETTLED_STATUSES, SyncStatus
from syncd.db.engine import reading, source_errors
from syncd.db.schema import StagingTables
from syncd.rules.visits import Visit, VisitLook

_VISIT, _STATUS, _DELETES = 1, 2, 3  # which branch a row comes from (numbers: no charset)


def look_statement(
    tables: StagingTables,
    visit_key: str | sa.BindParameter[str],
    kind: str | None,
    feeds: Sequence[str],
    deletes: Sequence[str],
    *,
    visit: bool = True,
) -> sa.CompoundSelect[Any] | sa.Select[Any] | None:
    """The branches asked for (None: nothing to read).  Every branch has the columns
    (part, kind/feed, state/status, n, aaz218, aac001, fee_amount); a column a branch has no
    value for is a NULL cast to the first branch's type (Oracle and MySQL unify the types)."""
    v, s, r = tables.visit.c, tables.sync_status.c, tables.request.c

    def nulls(*columns: sa.Column[Any]) -> list[sa.ColumnElement[Any]]:
        return [sa.cast(sa.null(), c.type) for c in columns]

    branches: list[sa.Select[Any]] = []
    if visit:
        ledger = sa.select(
            sa.literal_column(str(_VISIT)),
            v.kind,
            v.state,
            v.last_batch,
            v.aaz218,
            v.aac001,
            v.fee_amount,
        ).where(v.visit_key == visit_key)
        branches.append(ledger.where(v.kind == kind) if kind is not None else ledger)
    if feeds:
        branches.append(
            sa.select(
                sa.literal_column(str(_STATUS)),
                s.feed,
                s.status,
                sa.func.count(),
                *nulls(v.aaz218, v.aac001, v.fee_amount),
            )
            .where(s.feed.in_(list(feeds)), s.visit_key == visit_key)
            .group_by(s.feed, s.status)
        )
    if deletes:
        branches.append(
            sa.select(
                sa.literal_column(str(_DELETES)),
                *nulls(v.kind, v.state),
                sa.func.count(),
                *nulls(v.aaz218, v.aac001, v.fee_amount),
            ).where(
                r.visit_key == visit_key,
                r.command.in_(list(deletes)),
                r.status.in_(UNSETTLED_STATUSES),
            )
        )
    if not branches:
        return None
    return branches[0] if len(branches) == 1 else sa.union_all(*branches)


def look(
    engine: sa.Engine,
    tables: StagingTables,
    visit_key: str,
    kind: str | None,
    feeds: Sequence[str],
    deletes: Sequence[str],
    *,
    visit: bool = True,
) -> VisitLook:
    """The visit (``kind`` None: of either kind; not read unless ``visit``), the statuses of
    its rows of ``feeds`` and its unsettled ``deletes`` commands, in one statement."""
    statuses: dict[str, list[SyncStatus]] = {feed: [] for feed in feeds}
    stmt = _look_of(tables, kind, tuple(feeds), tuple(deletes), visit)
    if stmt is None or not visit_key:
        return VisitLook(None, statuses)
    found: Visit | None = None
    open_deletes = 0
    with source_errors(engine.url, "reading the visit"), reading(engine) as conn:
        rows = conn.execute(stmt, {_KEY: visit_key}).all()
    for part, name, state, n, aaz218, aac001, amount in rows:
        if int(part) == _VISIT and found is None:
            found = _visit(visit_key, name, state, n, aaz218, aac001, amount)
        elif int(part) == _STATUS:
            statuses.setdefault(name, []).extend([SyncStatus(state)] * int(n))
        elif int(part) == _DELETES:
            open_deletes = int(n or 0)
    if visit and found is None and kind is not None:
        found = Visit(visit_key, kind)  # a visit never seen is NONE (no row written)
    return VisitLook(found, statuses, open_deletes)


_KEY = "syncd_visit_key"  # the visit a statement of _look_of is bound to


@lru_cache(maxsize=256)
def _look_of(
    tables: StagingTables,
    kind: str | None,
    feeds: tuple[str, ...],
    deletes: tuple[str, ...],
    visit: bool,
) -> sa.CompoundSelect[Any] | sa.Select[Any] | None:
    """:func:`look_statement` with the visit bound as :data:`_KEY`, built once per shape (a
    feed asks the same question before and after every call: it is not built, coerced and
    keyed again each time)."""
    key = sa.bindparam(_KEY, type_=tables.visit.c.visit_key.type)
    return look_statement(tables, key, kind, feeds, deletes, visit=visit)


def _visit(
    key: str, kind: Any, state: Any, batch: Any, aaz218: Any, aac001: Any, amount: Any
) -> Visit:
    return Visit(
        visit_key=key,
        kind=str(kind),
        state=str(state),
        aaz218=aaz218 or "",
        aac001=aac001 or "",
        last_batch=int(batch or 0),
        fee_amount=str(amount or "0"),
    )
