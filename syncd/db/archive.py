"""The message archive ``<p>message``: every request and reply, kept ``retention_days``.

Each exchange is written in its own short transaction right after the call, so the archive
holds what was sent even when the write-back that follows fails.  ID numbers are in here (as
the platform saw them) and only here: operators with database rights can search them; logs
never carry them.  The session_id is not: it is a credential valid until midnight, stored as
``syncd render`` shows it (:data:`~syncd.protocol.codec.SESSION_MASK`).  A reply is stored as
the client read it: at most ``platform.max_reply_bytes``, with a note when it was cut.
The person (``aac001``) and the platform's visit number (``aaz218``, when the exchange itself
did not name it) are read from the XML as it is archived
(:func:`syncd.protocol.archived.search_fields`), for the console's message search.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from syncd.core.records import ArchiveEntry
from syncd.db.engine import reading, source_errors
from syncd.db.schema import StagingTables
from syncd.protocol.archived import FIELDS_VERSION, search_fields
from syncd.protocol.codec import masked_session


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


class Archive:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.table = engine, tables.message
        self._insert = sa.insert(self.table)  # its columns: those of the parameters

    def record(self, exchange: ArchiveEntry, now: datetime) -> None:
        """The exchange in a transaction of its own."""
        with source_errors(self.engine.url, "archiving a message"), self.engine.begin() as conn:
            self.insert(conn, exchange, now)

    def insert(self, conn: sa.Connection, exchange: ArchiveEntry, now: datetime) -> None:
        """The exchange, inside the caller's transaction (a result's write-back)."""
        found = search_fields(exchange.request, exchange.reply)
        values = {
            "created_at": now,
            "function_id": exchange.function_id,
            "feed": exchange.feed or None,
            "source_key": exchange.source_key[:200] or None,
            "visit_key": exchange.visit_key or None,
            "aaz218": exchange.aaz218 or found.aaz218,
            "aac001": found.aac001,
            "fields_v": FIELDS_VERSION,
            "call_id": exchange.call_id,
            "outcome": exchange.outcome,
            "return_code": (exchange.return_code or "")[:16] or None,
            "duration_ms": exchange.duration_ms,
            "request_xml": _text(masked_session(exchange.request)),
            "reply_xml": _text(exchange.reply),
        }
        conn.execute(self._insert, values)

    def sent(self, call_id: str) -> bytes | None:
        """The request of call ``call_id`` as it went out (None when it is not here)."""
        t = self.table
        stmt = sa.select(t.c.request_xml).where(t.c.call_id == call_id).order_by(t.c.id.desc())
        with source_errors(self.engine.url, "reading the archive"), reading(self.engine) as conn:
            text = conn.execute(stmt.limit(1)).scalar()
        return None if text is None else str(text).encode("utf-8")

    def prune(self, now: datetime, retention_days: int) -> int:
        """Delete exchanges older than ``retention_days``; the number deleted."""
        cutoff = now - timedelta(days=retention_days)
        stmt = sa.delete(self.table).where(self.table.c.created_at < cutoff)
        with source_errors(self.engine.url, "pruning the archive"), self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)
