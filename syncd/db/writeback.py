"""One transaction for a result: the outbox/command status, the write-back, the visit effect."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from syncd.core.records import Answer, ArchiveEntry
from syncd.db import visit_look
from syncd.db.archive import Archive
from syncd.db.engine import source_errors
from syncd.db.outbox_store import OutboxStore
from syncd.db.rejected_store import RejectedStore
from syncd.db.request_store import RequestStore
from syncd.db.schema import StagingTables
from syncd.db.visit_store import VisitStore
from syncd.rules.fee_batches import REFILL_ZH
from syncd.rules.outbox import Transition, queued_again
from syncd.rules.visits import FEE_UPLOAD, Visit, VisitChange, VisitLook


class Writeback:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.tables = engine, tables
        self.outbox = OutboxStore(engine, tables)
        self.visits = VisitStore(engine, tables)
        self.requests = RequestStore(engine, tables)
        self.rejected = RejectedStore(engine, tables)
        self.archive = Archive(engine, tables)

    def look(
        self,
        visit_key: str,
        kind: str | None,
        feeds: Sequence[str],
        deletes: Sequence[str],
        *,
        visit: bool = True,
    ) -> VisitLook:
        """The visit, its rows' statuses and open fee deletions, in one statement."""
        return visit_look.look(
            self.engine, self.tables, visit_key, kind, feeds, deletes, visit=visit
        )

    def rows(
        self,
        ids: Sequence[int],
        transition: Transition,
        now: datetime,
        owner: str,
        columns: Mapping[str, object],
        effect: tuple[Visit, VisitChange] | None = None,
        archive: ArchiveEntry | None = None,
    ) -> bool:
        """True when every row was still ours; otherwise nothing is written (the engine that
        took the rows over resolves them), not even ``archive`` (the exchange the result
        comes from, else written with it)."""
        with source_errors(self.engine.url, "writing back a result"), self.engine.begin() as c:
            if self.outbox.finish(c, ids, transition, now, owner, columns) != len(ids):
                c.rollback()
                return False
            if effect is not None:
                self.visits.apply(c, effect[0], effect[1], now)
            if archive is not None:
                self.archive.insert(c, archive, now)
        return True

    def command(
        self,
        command_id: int,
        answer: Answer,
        now: datetime,
        owner: str,
        effect: tuple[Visit, VisitChange] | None = None,
    ) -> bool:
        with source_errors(self.engine.url, "answering a command"), self.engine.begin() as c:
            if not self.requests.answer(c, command_id, answer, now, owner):
                c.rollback()
                return False
            if effect is not None:
                self.visits.apply(c, effect[0], effect[1], now)
                if effect[1].refill:
                    _refill(c, self.outbox.table, effect[0].visit_key, now)
        return True


def _refill(conn: sa.Connection, table: sa.Table, visit_key: str, now: datetime) -> int:
    """Inside the answer's transaction (syncd's own fee deletion of the visit answered DONE):
    the visit's uploaded fee rows (bizh120002 SUCCEEDED) go again, from attempt 0."""
    c = table.c
    stmt = (
        sa.update(table)
        .where(c.visit_key == visit_key, c.function_id == FEE_UPLOAD, c.status == "SUCCEEDED")
        .values(queued_again(now, REFILL_ZH))
    )
    return int(conn.execute(stmt).rowcount)
