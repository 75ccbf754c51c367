"""The message search: archived exchanges by visit, ``aaz218``, person (``aac001``),
function, return code and time range, newest first, one page at a time.

Each single-field filter has an index led by that field and ending in ``created_at``
(:mod:`syncd.db.schema`), so "the newest 50 of this person" is an index range read on a
million-row archive; a search without such a field reads the time index.  No XML is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.db.story import MessageLine, message_columns

PAGE = 50


@dataclass(frozen=True)
class MessageQuery:
    visit_key: str | None = None
    aaz218: str | None = None
    aac001: str | None = None
    function_id: str | None = None
    return_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # before this
    limit: int = PAGE
    before: tuple[datetime, int] | None = None  # (created_at, id) of the previous page's last

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.visit_key,
                self.aaz218,
                self.aac001,
                self.function_id,
                self.return_code,
                self.since,
                self.until,
            )
        )


def search_statement(tables: StagingTables, q: MessageQuery) -> sa.Select[Any]:
    t = tables.message
    c = t.c
    stmt = sa.select(*message_columns(t))
    for column, value in (
        (c.visit_key, q.visit_key),
        (c.aaz218, q.aaz218),
        (c.aac001, q.aac001),
        (c.function_id, q.function_id),
        (c.return_code, q.return_code),
    ):
        if value:
            stmt = stmt.where(column == value)
    if q.since is not None:
        stmt = stmt.where(c.created_at >= q.since)
    if q.until is not None:
        stmt = stmt.where(c.created_at < q.until)
    if q.before is not None:
        at, row_id = q.before
        stmt = stmt.where(sa.or_(c.created_at < at, sa.and_(c.created_at == at, c.id < row_id)))
    return stmt.order_by(c.created_at.desc(), c.id.desc()).limit(q.limit)


def search_messages(engine: sa.Engine, tables: StagingTables, q: MessageQuery) -> list[MessageLine]:
    with source_errors(engine.url, "searching the archive"), engine.connect() as conn:
        return [MessageLine.of(r) for r in conn.execute(search_statement(tables, q))]
