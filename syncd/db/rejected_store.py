"""REJECTED rows that are sent again by themselves once their HIS data is fixed (L2).

When a row is rejected (by the platform, or because it cannot be mapped), the engine stores a
fingerprint of what it mapped to (:mod:`syncd.engine.fixed`) in ``sync_status.fingerprint``
and sets ``next_attempt_at`` to when it is compared again.  :meth:`RejectedStore.due` reads
the rows due for that comparison through the due index (``status, next_attempt_at``);
:meth:`RejectedStore.resend` queues a row whose mapped values changed as a new attempt (the
platform did not process a rejected call) — together with the other REJECTED rows of the
same call — and writes that into its status history (``<p>audit``, user ``syncd``), in one
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.core.records import RESENT_FIXED_ZH, BlockingRow, RejectedRow
from syncd.db.engine import source_errors
from syncd.db.idlist import ids_in
from syncd.db.schema import StagingTables
from syncd.db.schema_columns import MESSAGE_LENGTH
from syncd.rules.outbox import queued_again
from syncd.rules.visits import blocker

SYSTEM_USER = "syncd"  # who the status history names for what syncd did by itself
RESEND_FIXED = "resend-fixed"  # the audit action
_IN_LIST = 500


class RejectedStore:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table, self.audit = engine, tables.sync_status, tables.audit

    def _errors(self, doing: str) -> Any:
        return source_errors(self.engine.url, f"{doing} ({self.table.name})")

    def blocking(
        self, visit_key: str, *, functions: Sequence[str] = (), failed_of: Sequence[str] = ()
    ) -> BlockingRow | None:
        """The row the visit's others wait behind: the newest REJECTED or FAILED row calling
        one of ``functions`` when no row calling it succeeded or is still open, or the newest
        FAILED row of the feeds ``failed_of``; None when there is none."""
        c = self.table.c
        which = c.feed.in_(list(failed_of)) if failed_of else c.function_id.in_(list(functions))
        stmt = (
            sa.select(c.feed, c.source_key, c.function_id, c.status, c.last_error)
            .where(c.visit_key == visit_key, which)
            .order_by(c.id.desc())
        )
        if not visit_key or not (functions or failed_of):
            return None
        with self._errors("reading what a row waits behind"), self.engine.connect() as conn:
            rows = [BlockingRow(f, k, fn, s, e or "") for f, k, fn, s, e in conn.execute(stmt)]
        return blocker(rows, bool(failed_of))

    def remember(self, fingerprints: Mapping[int, str], compare_at: datetime) -> None:
        """Store each REJECTED row's fingerprint; it is first compared at ``compare_at``."""
        c = self.table.c
        stmt = (
            sa.update(self.table)
            .where(c.id == sa.bindparam("row_id"), c.status == "REJECTED")
            .values(fingerprint=sa.bindparam("fp"), next_attempt_at=compare_at)
        )
        values = [{"row_id": i, "fp": fp} for i, fp in fingerprints.items()]
        if values:
            with self._errors("remembering rejected rows"), self.engine.begin() as conn:
                conn.execute(stmt, values)

    def due(self, feed: str, now: datetime, limit: int) -> list[RejectedRow]:
        """The feed's REJECTED rows with a fingerprint whose comparison is due, oldest first."""
        c = self.table.c
        stmt = (
            sa.select(
                c.id,
                c.source_key,
                c.version,
                c.visit_key,
                c.request_id,
                c.fingerprint,
                c.last_error,
            )
            .where(
                c.status == "REJECTED",
                c.next_attempt_at <= now,
                c.feed == feed,
                c.fingerprint.is_not(None),
            )
            .order_by(c.next_attempt_at)
            .limit(limit)
        )
        with self._errors("reading rejected rows"), self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            RejectedRow(int(r[0]), r[1], r[2] or "", r[3] or "", r[4] or "", str(r[5]), r[6] or "")
            for r in rows
        ]

    def later(self, ids: Sequence[int], compare_at: datetime) -> None:
        """Unchanged: compared again at ``compare_at``."""
        self._update(ids, {"next_attempt_at": compare_at}, "postponing rejected rows")

    def forget(self, ids: Sequence[int]) -> None:
        """Never compared again (the view row is gone or has a newer version)."""
        self._update(ids, {"fingerprint": None}, "forgetting rejected rows")

    def _update(self, ids: Sequence[int], values: Mapping[str, object], doing: str) -> None:
        c = self.table.c
        stmt = sa.update(self.table).where(ids_in(c.id, "ids"), c.status == "REJECTED")
        with self._errors(doing), self.engine.begin() as conn:
            for start in range(0, len(ids), _IN_LIST):
                chunk = list(ids[start : start + _IN_LIST])
                conn.execute(stmt.values(**values), {"ids": chunk})

    def resend(self, feed: str, row: RejectedRow, now: datetime) -> int:
        """Row ``row`` maps to something else now: it (if still REJECTED with the same
        fingerprint — another engine may have been first) and the other REJECTED rows of its
        call go back to PENDING as a new attempt, each with a line in its status history.
        The number of rows queued (0: someone else did)."""
        c = self.table.c
        message = RESENT_FIXED_ZH.format(row.reason)[:MESSAGE_LENGTH]
        mine = sa.and_(c.id == row.id, c.fingerprint == row.fingerprint)
        call = c.request_id == row.request_id if row.request_id else sa.false()
        with self._errors("re-sending a fixed row"), self.engine.begin() as conn:
            if conn.execute(sa.select(c.id).where(mine, c.status == "REJECTED")).first() is None:
                return 0
            which = sa.and_(c.feed == feed, c.status == "REJECTED", sa.or_(mine, call))
            keys = conn.execute(sa.select(c.source_key).where(which)).scalars().all()
            conn.execute(sa.update(self.table).where(which).values(queued_again(now, message)))
            history = [
                {
                    "created_at": now,
                    "username": SYSTEM_USER,
                    "action": RESEND_FIXED,
                    "feed": feed,
                    "source_key": key,
                    "row_count": 1,
                    "status_before": "REJECTED",
                    "status_after": "PENDING",
                    "detail": message,
                }
                for key in keys
            ]
            if history:
                conn.execute(sa.insert(self.audit), history)
        return len(keys)
