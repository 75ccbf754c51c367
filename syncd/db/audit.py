"""The audit log ``<p>audit``: what a console user, ``syncd retry`` (through the operator
module) or ``syncd show --reveal`` did.

One row per action: who, when, what (the action, the feed and key or the selection), how many
rows, the statuses before and after, and from where.  It names rows and messages by key or
id, never by the personal data that was revealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.core.reconcile_records import AuditEntry
from syncd.db.engine import source_errors
from syncd.db.schema import StagingTables
from syncd.db.schema_columns import MESSAGE_LENGTH

__all__ = ["AuditEntry", "AuditLog"]

_LENGTHS = {
    "username": 64,
    "action": 32,
    "feed": 64,
    "source_key": 200,
    "status_before": 200,
    "status_after": 200,
    "detail": MESSAGE_LENGTH,
    "client": 64,
}


class AuditLog:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table = engine, tables.audit

    def write(self, entry: AuditEntry, now: datetime) -> None:
        values: dict[str, Any] = asdict(entry)
        for name, length in _LENGTHS.items():
            if isinstance(values[name], str):
                values[name] = values[name][:length]
        values["created_at"] = now
        with source_errors(self.engine.url, "writing the audit log"), self.engine.begin() as conn:
            conn.execute(sa.insert(self.table).values(**values))

    def since(self, actions: Sequence[str], start: datetime) -> list[AuditEntry]:
        """The entries of ``actions`` written at or after ``start``, oldest first (through
        ``<p>audit_ix_action``: the console's login rate limit reads its window)."""
        c = self.table.c
        stmt = (
            sa.select(*_entry_columns(c))
            .where(c.action.in_(list(actions)), c.created_at >= start)
            .order_by(c.created_at, c.id)
        )
        with source_errors(self.engine.url, "reading the audit log"), self.engine.connect() as cn:
            return [AuditEntry(*r) for r in cn.execute(stmt)]

    def recent(self, limit: int = 200) -> list[AuditEntry]:
        c = self.table.c
        stmt = sa.select(*_entry_columns(c)).order_by(c.id.desc()).limit(limit)
        with source_errors(self.engine.url, "reading the audit log"), self.engine.connect() as cn:
            return [AuditEntry(*r) for r in cn.execute(stmt)]


def _entry_columns(c: Any) -> list[Any]:
    """The columns of an :class:`AuditEntry`, in its order."""
    return [
        c.username,
        c.action,
        c.feed,
        c.source_key,
        c.row_count,
        c.status_before,
        c.status_after,
        c.detail,
        c.client,
        c.created_at,
    ]
