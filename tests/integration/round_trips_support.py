"""Counting what an engine sends to its database (``RoundTrips``): the test of issue 19's
budget per fee call and ``bench/bench_engine.py`` (a) use the same counter."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import sqlalchemy as sa


class RoundTrips:
    """What one engine sends to its database, by a short label: every statement
    (``before_cursor_execute``) and each BEGIN, COMMIT and ROLLBACK (the ``begin``,
    ``commit`` and ``rollback`` events) that reaches the server.  Which do is the driver's
    business: psycopg sends BEGIN before a transaction's first statement and COMMIT or
    ROLLBACK only for a transaction it began; PyMySQL never sends BEGIN (autocommit is off:
    the first statement starts the transaction) and always sends COMMIT or ROLLBACK; pysqlite
    sends BEGIN before a transaction's first INSERT, UPDATE or DELETE, and COMMIT or ROLLBACK
    only after it.  A connection in autocommit mode sends none of the three."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.dialect = engine, engine.dialect.name
        self.seen: Counter[str] = Counter()
        self.opened: dict[int, bool] = {}  # connection → the server has a transaction open
        self.listeners = {
            "before_cursor_execute": self._statement,
            "begin": self._begin,
            "commit": self._end("COMMIT"),
            "rollback": self._end("ROLLBACK"),
        }

    def __enter__(self) -> RoundTrips:
        for name, listener in self.listeners.items():
            sa.event.listen(self.engine, name, listener)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, listener in self.listeners.items():
            sa.event.remove(self.engine, name, listener)

    def _begin(self, conn: sa.Connection) -> None:
        self.opened[id(conn)] = False

    def _statement(self, conn: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        label = _label(statement)
        if id(conn) in self.opened and not self.opened[id(conn)] and not _autocommit(conn):
            writes = label.split(" ")[0] in ("INSERT", "UPDATE", "DELETE")
            if self.dialect == "postgresql" or (self.dialect == "sqlite" and writes):
                self.seen["BEGIN"] += 1
                self.opened[id(conn)] = True
            elif self.dialect == "mysql":
                self.opened[id(conn)] = True
        self.seen[label] += 1

    def _end(self, what: str) -> Any:
        def ended(conn: sa.Connection) -> None:
            opened = self.opened.pop(id(conn), False)
            if not _autocommit(conn) and (opened or self.dialect == "mysql"):
                self.seen[what] += 1

        return ended

    @property
    def total(self) -> int:
        return sum(self.seen.values())


def _autocommit(conn: sa.Connection) -> bool:
    return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def _label(statement: str) -> str:
    words = re.sub(r"\s+", " ", statement).strip().split(" ")
    verb = words[0].upper()
    table = next((w.strip('`"()') for w in words[1:] if re.match(r'^[`"]?(wi_|t_)', w, re.I)), "?")
    return f"{verb} {table.lower()}"
