"""Create the staging tables that are missing, and print their DDL for a DBA.

:func:`init_db` only ever issues ``CREATE TABLE`` / ``CREATE INDEX`` for syncd's own tables and
indexes, and only for those that do not exist yet: it never alters or drops anything, and a
table it does not own (even one named with the same prefix) is never looked at beyond its name.
Missing columns of an existing staging table are reported, not added.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from syncd import logs
from syncd.db.engine import source_errors
from syncd.db.schema import DEFAULT_PREFIX, StagingTables, staging_tables

_log = logging.getLogger(__name__)
DIALECTS = ("oracle", "mssql", "postgresql", "mysql", "sqlite")
REGENERATE = (
    "for d in oracle mssql postgresql mysql sqlite; do "
    ".venv/bin/syncd init-db --print-sql --dialect $d > sql/$d/schema.sql; done"
)


@dataclass
class InitReport:
    """What :func:`init_db` did (created) and found (columns it will not add itself)."""

    created_tables: list[str] = field(default_factory=list)
    created_indexes: list[str] = field(default_factory=list)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def nothing_done(self) -> bool:
        return not (self.created_tables or self.created_indexes)

    def lines(self) -> list[str]:
        """One line per thing done or found, for the operator."""
        out = [f"created table {name}" for name in self.created_tables]
        out += [f"created index {name}" for name in self.created_indexes]
        out += [
            f"warning: table {table} lacks columns {', '.join(cols)} "
            "(syncd does not alter tables: add them as in sql/<dialect>/schema.sql)"
            for table, cols in self.missing_columns.items()
        ]
        return out


def init_db(engine: sa.Engine, tables: StagingTables) -> InitReport:
    """Create the missing staging tables and indexes; SourceError when the database fails."""
    report = InitReport()
    with source_errors(engine.url, "creating the staging tables"), engine.begin() as conn:
        existing = _names(sa.inspect(conn).get_table_names(schema=tables.metadata.schema))
        for table in tables.all():
            if table.name.lower() in existing:
                _complete(conn, table, report)
            else:
                table.create(conn)
                report.created_tables.append(table.name)
                logs.event(_log, "db.table_created", table=table.name)
    return report


def _complete(conn: sa.Connection, table: sa.Table, report: InitReport) -> None:
    """Add the indexes an existing staging table lacks; note the columns it lacks.

    A table lacking columns gets no index either: it may be an older layout, or a HIS table
    that happens to carry our name, and either way it is the DBA's to change.
    """
    inspector = sa.inspect(conn)
    have_columns = _names(col["name"] for col in inspector.get_columns(table.name, table.schema))
    missing = [col.name for col in table.columns if col.name.lower() not in have_columns]
    if missing:
        report.missing_columns[table.name] = missing
        return
    have_indexes = _names(ix["name"] for ix in inspector.get_indexes(table.name, table.schema))
    for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
        if str(index.name).lower() not in have_indexes:
            index.create(conn)
            report.created_indexes.append(str(index.name))
            logs.event(_log, "db.index_created", index=str(index.name))


def _names(names: Iterable[str | None]) -> set[str]:
    return {(name or "").lower() for name in names}


def dialect_named(name: str) -> Dialect:
    """The dialect :func:`make_engine` would use for ``name``, to compile DDL without a server."""
    drivers = {
        "oracle": "oracle+oracledb",
        "mssql": "mssql+pyodbc",
        "postgresql": "postgresql+psycopg",
        "mysql": "mysql+pymysql",
        "sqlite": "sqlite+pysqlite",
    }
    options = {"use_nchar_for_unicode": True} if name == "oracle" else {}
    return sa.make_url(f"{drivers[name]}://").get_dialect()(**options)


def render_ddl(dialect: str, prefix: str = DEFAULT_PREFIX, schema: str | None = None) -> str:
    """Every CREATE TABLE and CREATE INDEX, each terminated by ``;``, for a DBA to run."""
    compiled = dialect_named(dialect)
    tables = staging_tables(prefix, schema)
    parts = [_header(dialect, prefix)]
    for table in tables.all():
        parts.append(f"{str(CreateTable(table).compile(dialect=compiled)).strip()};\n")
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            parts.append(f"{str(CreateIndex(index).compile(dialect=compiled)).strip()};\n")
    return "\n".join(line.rstrip() for line in "\n".join(parts).splitlines()) + "\n"


def _header(dialect: str, prefix: str) -> str:
    return (
        f"-- syncd staging tables for {dialect}, table prefix {prefix}\n"
        f"-- syncd 中间表建表语句（{dialect}）。由程序生成，请勿手工修改；重新生成：\n"
        f"--   syncd init-db --print-sql --dialect {dialect} > sql/{dialect}/schema.sql\n"
        "-- Timestamps are naive local time. 时间字段均为本地时间（不带时区）。\n"
    )
