"""Rows and commands as an operator looks for them: ``syncd list`` and the console's lists.

* :func:`list_rows` — ``<p>sync_status`` rows and ``<p>request`` commands by status, feed,
  visit, person (the person's visits, from the archive and the visit ledger), reason and time,
  newest first, one page at a time (``before``: the last line of the page before);
* :func:`attention` — every FAILED, UNKNOWN and REJECTED row and command, and every *blocked*
  row (WAITING behind its visit's refused admission or registration), grouped by feed, status
  and reason with counts.

A command is listed under the name of its command (``WI_REQUEST.command``) with its id as the
key; its statuses keep their names (NEW, DONE …), and a filter by PENDING or SUCCEEDED also
finds NEW or DONE commands.  Read-only; every value bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables

BLOCKED = "BLOCKED"  # a status filter: WAITING rows behind a refused or failed row
ATTENTION = ("FAILED", "UNKNOWN", "REJECTED")
AS_COMMAND = {"PENDING": "NEW", "SUCCEEDED": "DONE"}


@dataclass(frozen=True)
class RowFilter:
    status: str | None = None  # a row status, a command status, or BLOCKED
    feed: str | None = None  # a feed, or a command's name
    visit: str | None = None
    person: str | None = None  # aac001
    reason: str | None = None  # exactly this reason (last error, else the platform's message)
    since: datetime | None = None  # changed at or after
    commands: bool = True  # False: feed rows only
    rows: bool = True  # False: commands only
    limit: int = 100
    before: tuple[datetime, int] | None = None  # (changed at, id) of the previous page's last


@dataclass(frozen=True)
class RowLine:
    """One ``sync_status`` row (``command`` False) or one command."""

    command: bool
    id: int
    feed: str
    key: str
    version: str
    visit_key: str
    function_id: str
    status: str
    attempts: int
    reason: str
    aaz218: str
    created_at: datetime | None
    changed_at: datetime | None
    blocked: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": "command" if self.command else "row",
            "id": self.id,
            "feed": self.feed,
            "key": self.key,
            "version": self.version,
            "visit_key": self.visit_key,
            "function_id": self.function_id,
            "status": self.status,
            "attempts": self.attempts,
            "reason": self.reason,
            "aaz218": self.aaz218,
            "blocked": self.blocked,
            "created_at": _iso(self.created_at),
            "changed_at": _iso(self.changed_at),
        }


@dataclass(frozen=True)
class RowGroup:
    """Rows of one feed (or command) with one status and one reason."""

    command: bool
    feed: str
    status: str  # BLOCKED for blocked rows
    reason: str
    count: int
    latest: datetime | None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(sep=" ", timespec="seconds") if value else None


def reason_of(table: sa.FromClause) -> sa.ColumnElement[Any]:
    """What a row's reason reads: its last error, else the platform's message."""
    return sa.func.coalesce(table.c.last_error, table.c.return_code_message)


def blocked_condition(waiting: sa.FromClause) -> sa.ColumnElement[bool]:
    """``waiting`` is WAITING behind a refused, failed or rejected row (``blocked_by`` names
    it, the reason says why): it goes once that row is fixed and sent."""
    return sa.and_(waiting.c.status == "WAITING", waiting.c.blocked_by.is_not(None))


class Browse:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.tables = engine, tables

    # --- lists -------------------------------------------------------------------------

    def list_rows(self, f: RowFilter, command_names: Sequence[str] = ()) -> list[RowLine]:
        """Rows and commands matching ``f``, most recently changed first (``command_names``:
        the names that are commands, so that ``f.feed`` picks one table)."""
        is_command = f.feed is not None and f.feed in command_names
        lines: list[RowLine] = []
        with source_errors(self.engine.url, "listing rows"), self.engine.connect() as conn:
            if f.rows and not is_command:
                lines += [self._row(r, f) for r in conn.execute(self.rows_statement(f))]
            if f.commands and (f.feed is None or is_command) and f.status != BLOCKED:
                lines += [_command(r) for r in conn.execute(self.commands_statement(f))]
        lines.sort(key=lambda line: (line.changed_at or datetime.min, line.id), reverse=True)
        return lines[: f.limit]

    def rows_statement(self, f: RowFilter) -> sa.Select[Any]:
        t = self.tables.sync_status
        c = t.c
        changed = sa.func.coalesce(c.updated_at, c.created_at)
        stmt = sa.select(
            c.id,
            c.feed,
            c.source_key,
            c.version,
            c.visit_key,
            c.function_id,
            c.status,
            c.attempts,
            reason_of(t),
            c.aaz218,
            c.created_at,
            changed,
        )
        if f.status == BLOCKED:
            stmt = stmt.where(blocked_condition(t))
        elif f.status:
            stmt = stmt.where(c.status == f.status)
        stmt = self._common(stmt, t, changed, f, c.feed)
        return stmt.order_by(changed.desc(), c.id.desc()).limit(f.limit)

    def commands_statement(self, f: RowFilter) -> sa.Select[Any]:
        t = self.tables.request
        c = t.c
        changed = sa.func.coalesce(c.answered_at, c.created_at)
        stmt = sa.select(
            c.id,
            c.command,
            c.visit_key,
            c.status,
            c.attempts,
            reason_of(t),
            c.aaz218,
            c.created_at,
            changed,
        )
        if f.status:
            stmt = stmt.where(c.status == AS_COMMAND.get(f.status, f.status))
        stmt = self._common(stmt, t, changed, f, c.command)
        return stmt.order_by(changed.desc(), c.id.desc()).limit(f.limit)

    def _common(
        self,
        stmt: sa.Select[Any],
        t: sa.Table,
        changed: sa.ColumnElement[Any],
        f: RowFilter,
        feed: sa.ColumnElement[Any],
    ) -> sa.Select[Any]:
        if f.feed:
            stmt = stmt.where(feed == f.feed)
        if f.visit:
            stmt = stmt.where(t.c.visit_key == f.visit)
        if f.person:
            stmt = stmt.where(t.c.visit_key.in_(self.visits_of(f.person)))
        if f.reason:
            stmt = stmt.where(reason_of(t) == f.reason)
        if f.since is not None:
            stmt = stmt.where(changed >= f.since)
        if f.before is not None:
            at, row_id = f.before
            stmt = stmt.where(sa.or_(changed < at, sa.and_(changed == at, t.c.id < row_id)))
        return stmt

    def visits_of(self, aac001: str) -> sa.CompoundSelect[Any]:
        """The visit keys of a person: from the archive (what was sent for them) and the
        visit ledger."""
        m, v = self.tables.message.c, self.tables.visit.c
        return sa.union(
            sa.select(m.visit_key).where(m.aac001 == aac001, m.visit_key.is_not(None)),
            sa.select(v.visit_key).where(v.aac001 == aac001),
        )

    def _row(self, r: Any, f: RowFilter) -> RowLine:
        (
            row_id,
            feed,
            key,
            version,
            visit,
            function_id,
            status,
            attempts,
            reason,
            aaz218,
            created,
            changed,
        ) = r
        return RowLine(
            False,
            int(row_id),
            str(feed),
            str(key),
            version or "",
            visit or "",
            str(function_id),
            str(status),
            int(attempts),
            reason or "",
            aaz218 or "",
            created,
            changed,
            blocked=f.status == BLOCKED,
        )

    # --- needs attention -----------------------------------------------------------------

    def attention(self) -> list[RowGroup]:
        """Every FAILED, UNKNOWN, REJECTED and blocked row and command, grouped."""
        rows, requests = self.tables.sync_status, self.tables.request
        out: list[RowGroup] = []
        with (
            source_errors(self.engine.url, "reading what needs attention"),
            self.engine.connect() as conn,
        ):
            for command, table, feed in (
                (False, rows, rows.c.feed),
                (True, requests, requests.c.command),
            ):
                reason = reason_of(table)
                stmt = (
                    sa.select(
                        feed,
                        table.c.status,
                        reason,
                        sa.func.count(),
                        sa.func.max(table.c.updated_at if not command else table.c.answered_at),
                    )
                    .where(table.c.status.in_(ATTENTION))
                    .group_by(feed, table.c.status, reason)
                )
                out += [
                    RowGroup(command, str(f), str(s), why or "", int(n), at)
                    for f, s, why, n, at in conn.execute(stmt)
                ]
            waiting = rows.alias("waiting")
            reason = reason_of(waiting)
            stmt = (
                sa.select(
                    waiting.c.feed, reason, sa.func.count(), sa.func.max(waiting.c.updated_at)
                )
                .where(blocked_condition(waiting))
                .group_by(waiting.c.feed, reason)
            )
            out += [
                RowGroup(False, str(f), BLOCKED, why or "", int(n), at)
                for f, why, n, at in conn.execute(stmt)
            ]
        order = {"UNKNOWN": 0, "FAILED": 1, BLOCKED: 2, "REJECTED": 3}
        out.sort(key=lambda g: (order.get(g.status, 9), -g.count, g.feed, g.reason))
        return out


def _command(r: Any) -> RowLine:
    row_id, command, visit, status, attempts, reason, aaz218, created, changed = r
    return RowLine(
        True,
        int(row_id),
        str(command),
        str(row_id),
        "",
        visit or "",
        "",
        str(status),
        int(attempts),
        reason or "",
        aaz218 or "",
        created,
        changed,
    )
