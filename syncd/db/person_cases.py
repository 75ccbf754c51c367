"""The UNKNOWN outcomes only a person can decide, read for the alert that names them.

An UNKNOWN syncd goes on asking about by itself (the platform may still be working on it, a
query failed) is not one of them; one whose reason carries
:data:`~syncd.rules.resolve.question.PERSON_MARK` (「请人工核对」: the platform's answers cannot
tell, e.g. a fee total that matches neither case, with both totals in the reason) is.  Read
through the status index (UNKNOWN rows are few), at most ``limit`` of each table, oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.rules.resolve.question import PERSON_MARK

COMMANDS = "(commands)"


@dataclass(frozen=True)
class PersonCase:
    """One UNKNOWN for a person: its feed (``(commands)`` for ``WI_REQUEST``), its key (the
    view row's key or the command's id), its visit and the Chinese reason (what to check)."""

    feed: str
    key: str
    visit_key: str
    reason: str

    def line(self) -> str:
        visit = f"（就诊 {self.visit_key}）" if self.visit_key else ""
        return f"{self.feed} {self.key}{visit}：{self.reason}"


def read_person_cases(
    engine: sa.Engine, tables: StagingTables, limit: int = 5
) -> tuple[int, tuple[PersonCase, ...]]:
    """(how many, the oldest ``limit`` of them) over both tables.  SourceError on failure."""
    s, r = tables.sync_status.c, tables.request.c
    mark = f"%{PERSON_MARK}%"
    rows_where = (s.status == "UNKNOWN", s.return_code_message.like(mark))
    commands_where = (r.status == "UNKNOWN", r.return_code_message.like(mark))
    with source_errors(engine.url, "reading the UNKNOWN rows"), engine.connect() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).where(*rows_where)).scalar() or 0)
        count += int(conn.execute(sa.select(sa.func.count()).where(*commands_where)).scalar() or 0)
        rows = conn.execute(
            sa.select(s.feed, s.source_key, s.visit_key, s.return_code_message)
            .where(*rows_where)
            .order_by(s.updated_at, s.id)
            .limit(limit)
        ).all()
        commands = conn.execute(
            sa.select(r.id, r.visit_key, r.return_code_message)
            .where(*commands_where)
            .order_by(r.id)
            .limit(limit)
        ).all()
    found = [PersonCase(str(f), str(k), str(v or ""), str(m or "")) for f, k, v, m in rows]
    found += [PersonCase(COMMANDS, str(i), str(v or ""), str(m or "")) for i, v, m in commands]
    return count, tuple(found)


def visit_unknown_reason(
    engine: sa.Engine, table: sa.Table, feeds: Sequence[str], visit_key: str
) -> tuple[str, str, str] | None:
    """(feed, key, current reason) of the visit's oldest UNKNOWN row of ``feeds`` in
    ``table`` (``<p>sync_status``): what the rows waiting behind it name (read only when the
    visit has one)."""
    c = table.c
    stmt = (
        sa.select(c.feed, c.source_key, c.return_code_message)
        .where(c.feed.in_(list(feeds)), c.visit_key == visit_key, c.status == "UNKNOWN")
        .order_by(c.updated_at, c.id)
        .limit(1)
    )
    with engine.connect() as conn:
        found = conn.execute(stmt).first()
    return None if found is None else (str(found[0]), str(found[1]), str(found[2] or ""))
