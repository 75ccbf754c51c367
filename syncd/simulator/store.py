"""SQLite state of the simulator: sessions, the call log, and the business ledger's tables.

One connection guarded by a re-entrant lock (the simulator serialises calls; a simulator needs
correctness, not throughput), WAL journal on files, explicit transactions: a call's effects
commit together or not at all.  ``path=None`` keeps the state in memory.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS session (
    session_id TEXT PRIMARY KEY, userid TEXT NOT NULL, issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS business (
    id INTEGER PRIMARY KEY, akb020 TEXT NOT NULL, aaz218 TEXT NOT NULL, kind TEXT NOT NULL,
    aac001 TEXT NOT NULL, state TEXT NOT NULL, opened TEXT NOT NULL, fields TEXT NOT NULL,
    UNIQUE (akb020, aaz218));
CREATE TABLE IF NOT EXISTS fee_row (
    id INTEGER PRIMARY KEY, business_id INTEGER NOT NULL REFERENCES business(id),
    origin TEXT NOT NULL, bka001 INTEGER, aaz213 TEXT NOT NULL, row TEXT NOT NULL,
    uploaded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch (
    business_id INTEGER NOT NULL REFERENCES business(id), bka001 INTEGER NOT NULL,
    figures TEXT NOT NULL, settled_at TEXT NOT NULL, refund_figures TEXT, refunded_at TEXT,
    PRIMARY KEY (business_id, bka001));
CREATE TABLE IF NOT EXISTS settlement (
    id INTEGER PRIMARY KEY, business_id INTEGER NOT NULL REFERENCES business(id),
    figures TEXT NOT NULL, settled_at TEXT NOT NULL, operator TEXT NOT NULL,
    reversed_at TEXT);
CREATE TABLE IF NOT EXISTS record (
    business_id INTEGER NOT NULL REFERENCES business(id), function_id TEXT NOT NULL,
    payload TEXT NOT NULL, uploaded_at TEXT NOT NULL, PRIMARY KEY (business_id, function_id));
CREATE TABLE IF NOT EXISTS call_log (
    seq INTEGER PRIMARY KEY, function_id TEXT NOT NULL, return_code TEXT, at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL, fault TEXT, outcome TEXT NOT NULL, aaz218 TEXT);
"""

_TABLES = ("call_log", "record", "settlement", "batch", "fee_row", "business", "session", "meta")


class Store:
    """The SQLite file (or memory) behind one simulator."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            str(path) if path else ":memory:", check_same_thread=False, isolation_level=None
        )
        self.conn.row_factory = sqlite3.Row
        if path:
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(SCHEMA)
        logged = {row[1] for row in self.conn.execute("PRAGMA table_info(call_log)")}
        if "aaz218" not in logged:  # a state file of an older simulator
            self.conn.execute("ALTER TABLE call_log ADD COLUMN aaz218 TEXT")

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything inside commits together; an exception rolls all of it back."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def wipe(self) -> None:
        with self.transaction() as conn:
            for table in _TABLES:
                conn.execute(f"DELETE FROM {table}")

    # --- sessions --------------------------------------------------------------------

    def add_session(self, session_id: str, userid: str, now: datetime, expires: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO session VALUES (?, ?, ?, ?, 0)",
                (session_id, userid, now.isoformat(), expires.isoformat()),
            )

    def session_valid(self, session_id: str, now: datetime) -> bool:
        rows = self.query(
            "SELECT expires_at FROM session WHERE session_id = ? AND revoked = 0", (session_id,)
        )
        return bool(rows) and datetime.fromisoformat(rows[0]["expires_at"]) > now

    def expire_sessions(self) -> int:
        with self.transaction() as conn:
            return conn.execute("UPDATE session SET revoked = 1 WHERE revoked = 0").rowcount

    # --- call log --------------------------------------------------------------------

    def log_call(self, entry: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO call_log (function_id, aaz218, return_code, at, duration_ms, fault,"
                " outcome) VALUES (:function_id, :aaz218, :return_code, :at, :duration_ms,"
                " :fault, :outcome)",
                entry,
            )

    def calls(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM call_log ORDER BY seq")]
