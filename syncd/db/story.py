"""What a row's and a visit's story are read from (read-only): the row or command itself, the
exchanges archived for it, the visit ledger, the reconciliation's findings.

* :meth:`Story.rows` — every version of one feed row (``<p>sync_status``), all its columns;
* :meth:`Story.command` — one command (``<p>request``) and its reply rows;
* :meth:`Story.messages` — the archived exchanges of a call, a row or a visit (no XML);
  :meth:`Story.message` — one exchange with its XML;
* :meth:`Story.ledger` — the visit ledger (``<p>visit``) of a visit;
* :meth:`Story.findings` — reconciliation items naming a visit (or its ``aaz218``), with the
  day of their run;
* :meth:`Story.visit_rows` / :meth:`Story.visit_commands` — everything of one visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables

MESSAGE_COLUMNS = (
    "id",
    "created_at",
    "function_id",
    "feed",
    "source_key",
    "visit_key",
    "aaz218",
    "aac001",
    "call_id",
    "outcome",
    "return_code",
    "duration_ms",
)


@dataclass(frozen=True)
class MessageLine:
    """One archived exchange, without its XML."""

    id: int
    created_at: datetime
    function_id: str
    feed: str
    source_key: str
    visit_key: str
    aaz218: str
    aac001: str
    call_id: str
    outcome: str
    return_code: str
    duration_ms: int | None

    @classmethod
    def of(cls, r: Any) -> MessageLine:
        m = r._mapping
        return cls(
            int(m["id"]),
            m["created_at"],
            str(m["function_id"]),
            m["feed"] or "",
            m["source_key"] or "",
            m["visit_key"] or "",
            m["aaz218"] or "",
            m["aac001"] or "",
            m["call_id"] or "",
            m["outcome"] or "",
            m["return_code"] or "",
            m["duration_ms"],
        )


@dataclass(frozen=True)
class Message:
    line: MessageLine
    request_xml: str | None
    reply_xml: str | None


def message_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [table.c[name] for name in MESSAGE_COLUMNS]


class Story:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.tables = engine, tables

    def _all(self, stmt: sa.Select[Any], doing: str) -> list[dict[str, Any]]:
        with source_errors(self.engine.url, doing), self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def rows(self, feed: str, key: str) -> list[dict[str, Any]]:
        c = self.tables.sync_status.c
        stmt = (
            sa.select(self.tables.sync_status)
            .where(c.feed == feed, c.source_key == key)
            .order_by(c.id)
        )
        return self._all(stmt, "reading a row")

    def history(self, feed: str, key: str) -> list[dict[str, Any]]:
        """The row's status history beyond its own columns: what syncd did by itself (a fixed
        row sent again) and what an operator did, from ``<p>audit``, oldest first."""
        a = self.tables.audit.c
        stmt = (
            sa.select(a.created_at, a.username, a.action, a.status_before, a.status_after, a.detail)
            .where(a.feed == feed, a.source_key == key)
            .order_by(a.id)
        )
        return self._all(stmt, "reading a row's history")

    def command(self, command_id: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The command and its reply rows (None, []: no such command)."""
        t, rows = self.tables.request, self.tables.request_row
        found = self._all(sa.select(t).where(t.c.id == command_id), "reading a command")
        if not found:
            return None, []
        reply = self._all(
            sa.select(rows)
            .where(rows.c.request_id == command_id)
            .order_by(rows.c.dataset, rows.c.row_no),
            "reading reply rows",
        )
        return found[0], reply

    def messages(
        self,
        *,
        call_ids: Sequence[str] = (),
        feed: str | None = None,
        source_key: str | None = None,
        visit_key: str | None = None,
        limit: int = 200,
    ) -> list[MessageLine]:
        """Exchanges of these calls, or of this row (feed and key), or of this visit, in the
        order they happened."""
        t = self.tables.message
        c = t.c
        either: list[sa.ColumnElement[bool]] = []
        if call_ids:
            either.append(c.call_id.in_(list(call_ids)))
        if feed is not None and source_key is not None:
            either.append(sa.and_(c.feed == feed, c.source_key == source_key))
        if visit_key:
            either.append(c.visit_key == visit_key)
        if not either:
            return []
        stmt = (
            sa.select(*message_columns(t))
            .where(sa.or_(*either))
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(limit)
        )
        with source_errors(self.engine.url, "reading the archive"), self.engine.connect() as cn:
            found = [MessageLine.of(r) for r in cn.execute(stmt)]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def message(self, message_id: int) -> Message | None:
        t = self.tables.message
        stmt = sa.select(*message_columns(t), t.c.request_xml, t.c.reply_xml).where(
            t.c.id == message_id
        )
        with source_errors(self.engine.url, "reading the archive"), self.engine.connect() as cn:
            r = cn.execute(stmt).first()
        if r is None:
            return None
        return Message(MessageLine.of(r), r._mapping["request_xml"], r._mapping["reply_xml"])

    def ledger(self, visit_key: str) -> list[dict[str, Any]]:
        t = self.tables.visit
        return self._all(
            sa.select(t).where(t.c.visit_key == visit_key).order_by(t.c.kind),
            "reading the visit ledger",
        )

    def findings(self, visit_key: str, aaz218s: Sequence[str] = ()) -> list[dict[str, Any]]:
        item, run = self.tables.recon_item, self.tables.recon_run
        named = [item.c.visit_key == visit_key]
        if aaz218s:
            named.append(item.c.aaz218.in_(list(aaz218s)))
        stmt = (
            sa.select(item, run.c.recon_date, run.c.report_html)
            .join(run, run.c.id == item.c.run_id)
            .where(sa.or_(*named))
            .order_by(run.c.recon_date.desc(), item.c.id)
            .limit(200)
        )
        return self._all(stmt, "reading the reconciliation")

    def visit_rows(self, visit_key: str, limit: int = 2000) -> list[dict[str, Any]]:
        c = self.tables.sync_status.c
        stmt = (
            sa.select(
                c.id,
                c.feed,
                c.source_key,
                c.version,
                c.function_id,
                c.status,
                c.attempts,
                c.last_error,
                c.return_code_message,
                c.aaz218,
                c.created_at,
                c.updated_at,
                c.finished_at,
            )
            .where(c.visit_key == visit_key)
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return self._all(stmt, "reading a visit's rows")

    def visit_commands(self, visit_key: str, limit: int = 500) -> list[dict[str, Any]]:
        c = self.tables.request.c
        stmt = (
            sa.select(
                c.id,
                c.command,
                c.status,
                c.attempts,
                c.last_error,
                c.return_code_message,
                c.aaz218,
                c.call_id,
                c.created_at,
                c.answered_at,
            )
            .where(c.visit_key == visit_key)
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return self._all(stmt, "reading a visit's commands")
