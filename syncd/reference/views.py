"""The reference views (``views.sql`` in this package), per dialect, and the DDL files for DBAs.

``views.sql`` holds one ``-- view: NAME`` block per view: Chinese comment lines for the DBA,
then one SELECT ending in ``;``.  The SELECTs are written once for every database; only the
statement around them differs:

* SQLite, PostgreSQL, MySQL/MariaDB: ``DROP VIEW IF EXISTS`` + ``CREATE VIEW``;
* Oracle: ``CREATE OR REPLACE VIEW``;
* SQL Server: a placeholder view created when the view is missing, then ``ALTER VIEW`` (every
  version from 2008 R2; ``CREATE OR ALTER`` needs 2016 SP1; ALTER keeps the grants on the
  view), text literals with Chinese as ``N'…'``, each statement followed by ``GO`` in the
  file (``sqlcmd`` / SSMS batches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy.schema import CreateIndex, CreateTable

from syncd.db.versions import dialect_named
from syncd.reference.schema import build_metadata

_VIEW_MARK = "-- view: "
_NON_ASCII_LITERAL = re.compile(r"'([^']*[^\x00-\x7f][^']*)'")


@dataclass(frozen=True)
class View:
    """One reference view: its name, the DBA comment (Chinese) and its SELECT."""

    name: str
    comment: tuple[str, ...]
    select: str


@cache
def reference_views() -> tuple[View, ...]:
    """Every view of ``views.sql`` in file order."""
    text = resources.files("syncd.reference").joinpath("views.sql").read_text(encoding="utf-8")
    return tuple(_view(block) for block in text.split(_VIEW_MARK)[1:])


def _view(block: str) -> View:
    name, _, body = block.partition("\n")
    lines = body.strip().splitlines()
    comment = tuple(line for line in lines if line.startswith("--"))
    select = "\n".join(line for line in lines if not line.startswith("--")).strip()
    return View(name.strip(), comment, select.rstrip(";").rstrip())


def view_names() -> tuple[str, ...]:
    return tuple(view.name for view in reference_views())


def create_statements(dialect: str) -> list[str]:
    """The statements that (re)create every view on ``dialect``, in order, without ``;``."""
    statements: list[str] = []
    for view in reference_views():
        statements += _statements(view, dialect)
    return statements


def _statements(view: View, dialect: str) -> list[str]:
    if dialect == "oracle":
        return [f"CREATE OR REPLACE VIEW {view.name} AS\n{view.select}"]
    if dialect == "mssql":
        select = _NON_ASCII_LITERAL.sub(r"N'\1'", view.select)
        placeholder = f"CREATE VIEW {view.name} AS SELECT 1 AS PLACEHOLDER"
        return [
            f"IF OBJECT_ID(N'{view.name}', N'V') IS NULL EXEC(N'{placeholder}')",
            f"ALTER VIEW {view.name} AS\n{select}",
        ]
    return [f"DROP VIEW IF EXISTS {view.name}", f"CREATE VIEW {view.name} AS\n{view.select}"]


def render_views(dialect: str) -> str:
    """``sql/examples/<dialect>/views.sql``: every view with its Chinese comment."""
    parts = [_header(dialect, "views.sql", "参考视图（工伤联网结算映射读取的视图）")]
    separator = ";\nGO\n" if dialect == "mssql" else ";\n"
    for view in reference_views():
        parts.append("\n".join(view.comment))
        parts.append(separator.join(_statements(view, dialect)) + separator)
    return "\n".join(parts)


def render_schema(dialect: str) -> str:
    """``sql/examples/<dialect>/his_schema.sql``: CREATE TABLE/INDEX of the reference HIS."""
    compiled = dialect_named(dialect)
    parts = [_header(dialect, "his_schema.sql", "参考 HIS 表结构（示例，仅供联调与演示）")]
    separator = ";\nGO\n" if dialect == "mssql" else ";\n"
    for table in build_metadata().sorted_tables:
        parts.append(f"-- {table.comment}")
        parts.append(str(CreateTable(table).compile(dialect=compiled)).strip() + separator)
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            parts.append(str(CreateIndex(index).compile(dialect=compiled)).strip() + separator)
    return "\n".join(line.rstrip() for line in "\n".join(parts).splitlines()) + "\n"


def _header(dialect: str, file: str, title_zh: str) -> str:
    return (
        f"-- {title_zh}：{dialect}\n"
        f"-- syncd reference HIS, {file} for {dialect}. Generated; do not edit by hand.\n"
        "-- 由程序生成，请勿手工修改；重新生成：\n"
        "--   python -m syncd.reference --write-sql sql/examples\n"
    )
