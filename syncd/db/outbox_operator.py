"""What an operator does to the outbox rows (``sync_status``): where a row stands, and the
re-queues of ``syncd retry`` (FAILED or REJECTED rows as a new attempt, an UNKNOWN row asked
about again, an UNKNOWN call an operator found not processed sent again).  Each is one short
transaction; :class:`~syncd.db.outbox_store.OutboxStore` answers the port with them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from syncd.core.records import RESEND_BY_OPERATOR_ZH, Standing, SyncStatus
from syncd.db.engine import reading, source_errors
from syncd.rules.outbox import queued_again


class OperatorOutbox:
    def __init__(self, engine: sa.Engine, table: sa.Table) -> None:
        self.engine, self.table = engine, table

    def _errors(self, doing: str) -> Any:
        return source_errors(self.engine.url, f"{doing} ({self.table.name})")

    def standing(self, feed: str, key: str) -> list[Standing]:
        """Where the rows of ``key`` (every version) stand: status and last change."""
        c = self.table.c
        stmt = sa.select(c.status, c.updated_at).where(c.feed == feed, c.source_key == key)
        with self._errors("reading a row"), reading(self.engine) as conn:
            return [Standing(SyncStatus(s), at) for s, at in conn.execute(stmt.order_by(c.id))]

    def requeue_rejected(
        self, feed: str | None, reason: str | None, since: datetime | None, now: datetime
    ) -> int:
        """``syncd retry --rejected``: REJECTED rows (of ``feed``, whose ``last_error``
        contains ``reason``, finished at or after ``since``) → PENDING as a new attempt
        (attempts from 0): the platform did not process a rejected call."""
        c = self.table.c
        where: list[sa.ColumnElement[bool]] = [c.status == "REJECTED"]
        if feed is not None:
            where.append(c.feed == feed)
        if reason:
            where.append(c.last_error.contains(reason, autoescape=True))
        if since is not None:
            where.append(c.finished_at >= since)
        with self._errors("re-queueing rejected rows"), self.engine.begin() as conn:
            return int(conn.execute(self._again(now).where(*where)).rowcount)

    def requeue(self, feed: str | None, key: str | None, now: datetime, hold_s: float = 0.0) -> int:
        """``syncd retry``: FAILED (with a key also REJECTED) rows → PENDING, attempts from 0;
        an UNKNOWN row stays UNKNOWN but is resolved by query again now (never re-sent
        blindly) — once ``hold_s`` (the in-flight window) has passed since its call ended: a
        query while the platform may still be working on it could say "not processed"."""
        c = self.table.c
        wanted = ["FAILED", "REJECTED"] if key is not None else ["FAILED"]
        where: list[sa.ColumnElement[bool]] = [c.status.in_(wanted)]
        if key is not None:
            where.append(c.source_key == key)
        if feed is not None:
            where.append(c.feed == feed)
        with self._errors("re-queueing"), self.engine.begin() as conn:
            count = int(conn.execute(self._again(now).where(*where)).rowcount)
            if key is not None:
                settled_by = now - timedelta(seconds=hold_s)
                unknown = [c.status == "UNKNOWN", c.source_key == key, c.updated_at <= settled_by]
                unknown += [c.feed == feed] if feed is not None else []
                stmt = sa.update(self.table).where(*unknown).values(next_attempt_at=now)
                count += int(conn.execute(stmt).rowcount)
        return count

    def _again(self, now: datetime) -> sa.Update:
        return sa.update(self.table).values(queued_again(now))

    def resend_unknown(self, feed: str, key: str, now: datetime) -> int:
        """``syncd retry FEED KEY --not-processed``: an operator checked the platform and the
        UNKNOWN call of this row was not processed.  The row and every UNKNOWN row of the same
        call go back to PENDING now (attempts kept); a row whose source is gone is then closed
        instead of sent."""
        c = self.table.c
        unknown = [c.feed == feed, c.status == "UNKNOWN"]
        call = sa.select(c.request_id).where(*unknown, c.source_key == key)
        with self._errors("re-sending an unknown row"), self.engine.begin() as conn:
            calls = [r for r in conn.execute(call).scalars() if r]  # MySQL: no self-subquery
            rows = (
                sa.or_(c.source_key == key, c.request_id.in_(calls))
                if calls
                else (c.source_key == key)
            )
            stmt = (
                sa.update(self.table)
                .where(*unknown, rows)
                .values(
                    status="PENDING",
                    next_attempt_at=now,
                    updated_at=now,
                    lease_owner=None,
                    lease_until=None,
                    return_code=None,
                    return_code_message=RESEND_BY_OPERATOR_ZH,
                    last_error=RESEND_BY_OPERATOR_ZH,
                )
            )
            return int(conn.execute(stmt).rowcount)
