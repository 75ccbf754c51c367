"""Every statement syncd issues while the scenario tests run, kept as SQLAlchemy constructs so
that the version-aware check (``test_sql_versions.py``) can compile each for other databases.

While a scenario test body runs (``conftest.pytest_runtest_call``), a ``before_cursor_execute``
listener on every engine records the compiled statement behind each execution, once per SQL
text.  Not recorded: the test's own SQL acting as the HIS (marked with the execution option
:data:`HIS_SIDE`), driver-level strings (``exec_driver_sql``: SQLite's PRAGMAs, a test's
count), and SQLAlchemy's reflection of the capturing database's catalogue (``pg_catalog``,
``information_schema``), which on another database is that dialect's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.util import find_tables

HIS_SIDE = "syncd_test_his_side"
_CATALOGUES = frozenset({"pg_catalog", "information_schema"})


@dataclass(frozen=True)
class Captured:
    """One statement as syncd executed it: the construct, its parameter names, the database
    it ran on and the SQL it ran as there."""

    statement: ClauseElement
    column_keys: tuple[str, ...] | None
    executemany: bool
    ran_on: str
    sql: str

    def compile(self, dialect: Dialect) -> str:
        """The SQL this statement becomes on ``dialect`` (as an execution compiles it)."""
        if isinstance(self.statement, ExecutableDDLElement):
            return str(self.statement.compile(dialect=dialect))
        keys = list(self.column_keys) if self.column_keys is not None else None
        compiled = self.statement.compile(
            dialect=dialect, column_keys=keys, for_executemany=self.executemany
        )
        return str(compiled)

    @property
    def kind(self) -> str:
        """INSERT, UPDATE, DELETE, SELECT or the DDL construct's name."""
        return type(self.statement).__name__.upper()

    def tables(self) -> set[str]:
        if isinstance(self.statement, ExecutableDDLElement):
            target = getattr(self.statement, "element", None)
            return {target.name} if isinstance(target, sa.Table) else set()
        found = find_tables(self.statement, include_crud=True, include_joins=True)
        return {table.name.lower() for table in found}


class StatementLog:
    """The distinct statements seen while :meth:`watching`."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, bool], Captured] = {}

    @contextmanager
    def watching(self) -> Iterator[None]:
        sa.event.listen(sa.Engine, "before_cursor_execute", self._record)
        try:
            yield
        finally:
            sa.event.remove(sa.Engine, "before_cursor_execute", self._record)

    def statements(self) -> list[Captured]:
        return list(self._seen.values())

    def _record(
        self,
        conn: sa.Connection,
        _cursor: Any,
        _sql: str,
        _params: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        compiled = context.compiled
        if compiled is None or context.execution_options.get(HIS_SIDE):
            return
        key = (conn.dialect.name, compiled.string, executemany)
        if key in self._seen or _is_reflection(compiled.statement):
            return
        keys = getattr(compiled, "column_keys", None)
        self._seen[key] = Captured(
            compiled.statement,
            tuple(keys) if keys is not None else None,
            executemany,
            conn.dialect.name,
            compiled.string,
        )


def _is_reflection(statement: ClauseElement) -> bool:
    if isinstance(statement, ExecutableDDLElement):
        return False
    return any(table.schema in _CATALOGUES for table in find_tables(statement, include_crud=True))


CAPTURED = StatementLog()
