"""The code staging table ``<p>code`` (码表服务 bizh120205) and the HIS values checked against it.

* :class:`CodeStore` — upsert one category's codes (insert new, update changed names), report
  the counts; read every category back (``category → {code: code}``, as the engine uses it).
* :class:`ValueReader` — the distinct values of one view column, with counts, and a few
  example keys of a value (for ``syncd codes check``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.core.records import CodeRow, UpsertCounts, ValueCount
from syncd.db.engine import source_errors
from syncd.db.feed_source import load_code_tables, view_table
from syncd.db.schema import StagingTables, version_is

_NAMES = ("aaa101", "aaa103", "aaa104")


class CodeStore:
    def __init__(self, engine: sa.Engine, tables: StagingTables) -> None:
        self.engine, self.tables, self.table = engine, tables, tables.code

    def upsert(self, category: str, rows: Sequence[CodeRow], now: datetime) -> UpsertCounts:
        """Insert the new codes of ``category`` and update changed names, in one transaction."""
        c = self.table.c
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        with source_errors(self.engine.url, "storing code tables"), self.engine.begin() as conn:
            for row in rows:
                where = (
                    c.aaa100 == category,
                    c.aaa102 == row.aaa102,
                    version_is(c.aaa027, row.aaa027),
                )
                known = conn.execute(sa.select(*(c[n] for n in _NAMES)).where(*where)).first()
                outcome = _write(conn, self.table, where, row, known, now)
                counts[outcome] += 1
        return UpsertCounts(**counts)

    def tables_by_category(self) -> dict[str, dict[str, str]]:
        return load_code_tables(self.engine, self.tables)

    def ages(self) -> dict[str, tuple[int, datetime | None]]:
        """Per category: how many codes, and when the oldest of them was fetched."""
        c = self.table.c
        stmt = sa.select(c.aaa100, sa.func.count(), sa.func.min(c.fetched_at)).group_by(c.aaa100)
        with source_errors(self.engine.url, "reading code tables"), self.engine.connect() as cn:
            return {str(cat): (int(n), at) for cat, n, at in cn.execute(stmt)}


def _write(
    conn: sa.Connection,
    table: sa.Table,
    where: tuple[Any, ...],
    row: CodeRow,
    known: Any,
    now: datetime,
) -> str:
    names = {n: getattr(row, n) or None for n in _NAMES}
    if known is None:
        keys = {"aaa100": row.aaa100, "aaa102": row.aaa102, "aaa027": row.aaa027}
        conn.execute(sa.insert(table).values(fetched_at=now, **keys, **names))
        return "inserted"
    if tuple(v or None for v in known) == tuple(names.values()):
        return "unchanged"
    conn.execute(sa.update(table).where(*where).values(fetched_at=now, **names))
    return "updated"


class ValueReader:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def values(self, view: str, column: str) -> list[ValueCount]:
        """Distinct non-NULL values of ``view.column`` with how many rows carry each."""
        with (
            source_errors(self.engine.url, f"reading {view}.{column}"),
            self.engine.connect() as conn,
        ):
            return [ValueCount(v, int(n)) for v, n in conn.execute(values_statement(view, column))]

    def examples(
        self, view: str, column: str, value: object, keys: Sequence[str], limit: int = 3
    ) -> list[str]:
        """Up to ``limit`` keys (columns joined by '/') of rows carrying ``value``."""
        stmt = examples_statement(view, column, value, keys, limit)
        with source_errors(self.engine.url, f"reading {view}"), self.engine.connect() as conn:
            return ["/".join(str(part) for part in row) for row in conn.execute(stmt)]


def values_statement(view: str, column: str) -> sa.Select[Any]:
    table = view_table(view, [column])
    col = table.c[column]
    return sa.select(col, sa.func.count()).where(col.is_not(None)).group_by(col)


def examples_statement(
    view: str, column: str, value: object, keys: Sequence[str], limit: int
) -> sa.Select[Any]:
    table = view_table(view, [column, *keys])
    ordered = [table.c[k] for k in keys]
    return sa.select(*ordered).where(table.c[column] == value).order_by(*ordered).limit(limit)
