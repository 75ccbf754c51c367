"""``sync_status``: the outbox rows of the fact-view feeds (one per feed, key, version).

Inserting a discovered row tolerates another engine having inserted it first (the unique
constraint decides).  Claiming goes through :mod:`syncd.db.claims` (leases).  Every status
change here is one short transaction, except :meth:`OutboxStore.finish`, which runs inside
the caller's write-back transaction (status, write-back columns and visit effect together).
An operator's actions are :mod:`syncd.db.outbox_operator`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from syncd.core.records import (
    FINAL_SYNC_STATUSES,
    UNSETTLED_STATUSES,
    Lease,
    NewRow,
    OutboxRow,
    Standing,
    SyncStatus,
)
from syncd.db import claims
from syncd.db.engine import only_on, reading, source_errors
from syncd.db.idlist import ids_in
from syncd.db.outbox_operator import OperatorOutbox
from syncd.db.person_cases import visit_unknown_reason
from syncd.db.schema import StagingTables
from syncd.rules.outbox import Transition, reason_columns

CLAIMABLE = ("PENDING", "WAITING", "UNKNOWN", "IN_FLIGHT")
_MESSAGE_MAX = 1000
_IN_LIST = 500  # ids per IN (...) list: well below Oracle's 1000


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + _IN_LIST]) for i in range(0, len(ids), _IN_LIST)]


class OutboxStore(claims.LeasedStore):
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table = engine, tables.sync_status
        self.operator = OperatorOutbox(engine, self.table)  # syncd retry's statements
        self._ours = _ours_statement(self.table)  # built once: an intent and a result per call
        self._insert_new = _unnest_insert(self.table)  # PostgreSQL: a discovery's new rows

    def _errors(self, doing: str) -> Any:
        return source_errors(self.engine.url, f"{doing} ({self.table.name})")

    def add(self, feed: str, function_id: str, rows: Sequence[NewRow], now: datetime) -> int:
        """Insert PENDING rows; a row another engine inserted meanwhile is skipped.

        One multi-row statement; on PostgreSQL a row already there (another engine's search
        found it too) is skipped by the statement itself (``ON CONFLICT DO NOTHING``: two daemons
        searching at once each recorded 10,000 rows one by one before).  Elsewhere, if another
        engine inserted any of the rows meanwhile (unique constraint), the transaction is rolled
        back and the rows go in one by one."""
        values = [
            {
                "feed": feed,
                "source_key": row.source_key,
                "version": row.version,
                "function_id": function_id,
                "visit_key": row.visit_key or None,
                "status": "PENDING",
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for row in rows
        ]
        if not values:
            return 0
        with self._errors("recording new rows"):
            try:
                with self.engine.begin() as conn:
                    if self.engine.dialect.name == "postgresql":  # conflicts skipped in it
                        return len(conn.execute(self._insert_new, _arrays(values)).all())
                    conn.execute(sa.insert(self.table), values)
                return len(values)
            except sa.exc.IntegrityError:
                return self._add_each(values)

    def _add_each(self, values: Sequence[Mapping[str, object]]) -> int:
        added = 0
        for row in values:
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.insert(self.table).values(**row))
                added += 1
            except sa.exc.IntegrityError:
                continue
        return added

    def claim(self, feed: str, lease: Lease, limit: int) -> list[OutboxRow]:
        """Claim due rows, read back with the claim (by id).  A candidate another engine
        finished between our select and our claim is no longer due, so it is not taken."""
        rows = claims.claim_due_rows(
            self.engine,
            self.table,
            CLAIMABLE,
            lease,
            limit,
            self._columns(),
            only={"feed": [feed]},
            together="visit_key",
        )
        return sorted(map(_row, rows), key=lambda row: row.id)

    def unsettled_call(self, feed: str, key: str) -> tuple[str, str] | None:
        """(request id of its call, visit key) of row ``key`` when it is IN_FLIGHT or UNKNOWN."""
        c = self.table.c
        stmt = (
            sa.select(c.request_id, c.visit_key)
            .where(c.feed == feed, c.source_key == key, c.status.in_(UNSETTLED_STATUSES))
            .order_by(c.id.desc())
            .limit(1)
        )
        with self._errors("reading an unsettled row"), reading(self.engine) as conn:
            found = conn.execute(stmt).first()
        if found is None or not found[0]:
            return None
        return str(found[0]), str(found[1] or "")

    def claim_call(self, feed: str, request_id: str, lease: Lease) -> tuple[list[OutboxRow], int]:
        """Every unsettled row of one call (IN_FLIGHT or UNKNOWN with ``request_id``), claimed
        whatever its attempt time (which is left alone): a call is settled whole.  The rows
        we now hold, and how many the call has (more than we hold: another engine holds the
        rest)."""
        c = self.table.c
        of_call = sa.select(c.id).where(
            c.feed == feed, c.request_id == request_id, c.status.in_(UNSETTLED_STATUSES)
        )
        with self._errors("reading the rows of a call"), reading(self.engine) as conn:
            ids = [int(i) for i in conn.execute(of_call).scalars()]
        rows = claims.claim_rows(
            self.engine, self.table, ids, lease, UNSETTLED_STATUSES, self._columns(), due=False
        )
        return sorted(map(_row, rows), key=lambda row: row.id), len(ids)

    def _columns(self) -> list[sa.ColumnElement[Any]]:
        c = self.table.c
        return [
            c.feed,
            c.source_key,
            c.version,
            c.visit_key,
            c.status,
            c.attempts,
            c.request_id,
            c.next_attempt_at,
            c.created_at,
        ]

    def visit_statuses(self, feeds: Sequence[str], visit_key: str) -> dict[str, list[SyncStatus]]:
        """The statuses of the visit's rows, by feed (every feed asked for is a key); counted
        in the database (a stay has hundreds of fee rows), one entry per row."""
        c = self.table.c
        stmt = (
            sa.select(c.feed, c.status, sa.func.count())
            .where(c.feed.in_(list(feeds)), c.visit_key == visit_key)
            .group_by(c.feed, c.status)
        )
        found: dict[str, list[SyncStatus]] = {feed: [] for feed in feeds}
        with self._errors("reading visit rows"), reading(self.engine) as conn:
            for feed, status, n in conn.execute(stmt):
                found.setdefault(feed, []).extend([SyncStatus(status)] * int(n))
        return found

    def unknown_reason(self, feeds: Sequence[str], visit_key: str) -> tuple[str, str, str] | None:
        """(feed, key, current reason) of the visit's oldest UNKNOWN row of ``feeds``."""
        with self._errors("reading an UNKNOWN row"):
            return visit_unknown_reason(self.engine, self.table, feeds, visit_key)

    def unsettled_calls(self, function_id: str, visit_key: str) -> int:
        """How many of the visit's rows calling ``function_id`` (any feed) are IN_FLIGHT or
        UNKNOWN."""
        stmt = unsettled_calls_statement(self.table, function_id, visit_key)
        with self._errors("reading unsettled calls"), reading(self.engine) as conn:
            return int(conn.execute(stmt).scalar_one())

    def mark_in_flight(
        self, ids: Sequence[int], request_id: str, attempts: Mapping[int, int], lease: Lease
    ) -> bool:
        """Commit the intent before the call: IN_FLIGHT, the attempt, the request id and a
        fresh lease covering the call — only if every row is still ours (a lease that expired
        during a long tick may have been taken over); otherwise nothing changes: False."""
        by_attempt: dict[int, list[int]] = {}
        for row_id in ids:
            by_attempt.setdefault(attempts[row_id], []).append(row_id)
        with self._errors("recording the intent"), self.engine.begin() as conn:
            for attempt, group in by_attempt.items():
                values = {
                    "status": "IN_FLIGHT",
                    "request_id": request_id,
                    "updated_at": lease.now,
                    "attempts": attempt,
                    "lease_until": lease.until,
                    _OWNER: lease.owner,
                }
                for chunk in _chunks(group):
                    if conn.execute(self._ours, {**values, "ids": chunk}).rowcount != len(chunk):
                        conn.rollback()
                        return False
        return True

    def set(self, ids: Sequence[int], transition: Transition, now: datetime, owner: str) -> None:
        """A status change on its own (waiting, refused, retry later), lease given back."""
        with self._errors("updating status"), self.engine.begin() as conn:
            self.finish(conn, ids, transition, now, owner)

    def finish(
        self,
        conn: sa.Connection,
        ids: Sequence[int],
        transition: Transition,
        now: datetime,
        owner: str,
        extra: Mapping[str, object] | None = None,
    ) -> int:
        """Inside the caller's transaction: new status, reply columns, lease released; the
        number of rows changed (fewer than ``ids``: another engine holds the rest now)."""
        values: dict[str, object] = {
            "status": transition.status.value,
            "next_attempt_at": transition.next_attempt_at or now,
            "updated_at": now,
            "lease_owner": None,
            "lease_until": None,
        }
        if transition.attempts is not None:
            values["attempts"] = transition.attempts
        if transition.final:
            values["finished_at"] = now
        values.update(reason_columns(transition, extra or {}))  # the current reason only
        values["blocked_by"] = transition.blocked_by[:300] or None
        values.update(extra or {})
        values[_OWNER] = owner
        changed = 0
        for chunk in _chunks(ids):
            changed += conn.execute(self._ours, {**values, "ids": chunk}).rowcount
        return int(changed)

    # --- operators (syncd.db.outbox_operator) ---------------------------------------

    def standing(self, feed: str, key: str) -> list[Standing]:
        return self.operator.standing(feed, key)

    def requeue_rejected(
        self, feed: str | None, reason: str | None, since: datetime | None, now: datetime
    ) -> int:
        return self.operator.requeue_rejected(feed, reason, since, now)

    def requeue(self, feed: str | None, key: str | None, now: datetime, hold_s: float = 0.0) -> int:
        return self.operator.requeue(feed, key, now, hold_s)

    def resend_unknown(self, feed: str, key: str, now: datetime) -> int:
        return self.operator.resend_unknown(feed, key, now)


_OWNER = "syncd_owner"  # bound in the WHERE clause of _ours_statement (no column's name)


def _ours_statement(table: sa.Table) -> sa.Update:
    """``UPDATE … WHERE id IN :ids AND lease_owner = :syncd_owner``, the SET clause the
    columns named in the parameters (one statement object for every intent and result: it
    is not built, coerced and keyed again for each call)."""
    c = table.c
    return sa.update(table).where(ids_in(c.id, "ids"), c.lease_owner == sa.bindparam(_OWNER))


def unsettled_calls_statement(table: sa.Table, function_id: str, visit_key: str) -> sa.Select[Any]:
    c = table.c
    return sa.select(sa.func.count()).where(
        c.visit_key == visit_key, c.function_id == function_id, c.status.in_(UNSETTLED_STATUSES)
    )


_PER_ROW = ("source_key", "version", "visit_key")  # what differs between the new rows of add()


def _unnest_insert(table: sa.Table) -> sa.Insert:  # RETURNING: the rows it added
    """PostgreSQL: the new rows of :meth:`OutboxStore.add` in one statement, their keys,
    versions and visits bound as three arrays (``INSERT … SELECT … FROM unnest(…)``) instead
    of one statement per row; the values shared by every row bound once."""
    arrays = [sa.bindparam(f"{name}s", type_=ARRAY(sa.String())) for name in _PER_ROW]
    new = sa.func.unnest(*arrays).table_valued(*_PER_ROW).render_derived(name="new")
    shared = {name: sa.bindparam(name, type_=table.c[name].type) for name in _SHARED}
    columns = [*_PER_ROW, *_SHARED]
    select = sa.select(*[new.c[n] for n in _PER_ROW], *[shared[n] for n in _SHARED])
    keys = ["feed", "source_key", "version"]  # the unique key: a row recorded meanwhile is left
    insert = pg_insert(table).from_select(columns, select)
    return only_on(
        "postgresql", insert.on_conflict_do_nothing(index_elements=keys).returning(table.c.id)
    )


_SHARED = ("feed", "function_id", "status", "next_attempt_at", "created_at", "updated_at")


def _arrays(values: Sequence[Mapping[str, object]]) -> dict[str, object]:
    first = values[0]
    bound: dict[str, object] = {name: first[name] for name in _SHARED}
    bound.update({f"{name}s": [row[name] for row in values] for name in _PER_ROW})
    return bound


_STATUSES = {status.value: status for status in SyncStatus}


def _row(r: Sequence[Any]) -> OutboxRow:
    """A claimed row as :func:`~syncd.db.claims.claim_rows` reads it: its id, then the
    columns of :meth:`OutboxStore._columns` in their order (a claim reads thousands)."""
    _id, feed, key, version, visit_key, status, attempts, request_id, due, found = r
    return OutboxRow(
        id=int(_id),
        feed=feed,
        source_key=key,
        version=version or "",
        visit_key=visit_key or "",
        status=_STATUSES.get(status) or SyncStatus(status),
        attempts=int(attempts),
        request_id=request_id or "",
        next_attempt_at=due,
        found_at=found,
    )


def is_final(status: str) -> bool:
    return status in FINAL_SYNC_STATUSES
