"""Read the DBA's views as a mapping names them (inspection, case-blind names, reflected types).

:class:`ViewReader` finds a view (or table) named in a mapping file and its columns by asking
the database (SQLAlchemy inspection), comparing names case-blind: PostgreSQL folds unquoted
names to lower case, Oracle to upper case, MySQL keeps them as written, and a mapping may
write ``V_WI_IP_FEE`` for any of them.  Rows are selected with the database's own spelling,
quoted by SQLAlchemy, values bound, and come back keyed by the names the mapping used.  The
reflected column types are applied, so SQLite's stored text becomes ``datetime`` and its
numbers ``Decimal`` as on the other databases.

(``syncd check`` reads the views through it; the engine and ``syncd render`` read a feed's rows
through :class:`~syncd.db.feed_source.FeedSource`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from syncd.core.errors import SourceError
from syncd.db.engine import source_errors

ViewRow = dict[str, object]


@dataclass(frozen=True)
class ViewInfo:
    """A view as the database spells it, with its columns (database spelling → type)."""

    name: str
    schema: str | None
    columns: Mapping[str, Any]

    def column(self, wanted: str) -> str | None:
        """The database's spelling of column ``wanted`` (exact, else case-blind), or None."""
        if wanted in self.columns:
            return wanted
        folded = wanted.casefold()
        return next((c for c in self.columns if c.casefold() == folded), None)


def split_name(view: str, default_schema: str | None = None) -> tuple[str | None, str]:
    """``schema.view`` → (schema, view); a plain name takes ``default_schema``."""
    schema, _, name = view.rpartition(".")
    return (schema or default_schema), name


class ViewReader:
    """Inspect and read the views of one database (inspection cached per view)."""

    def __init__(self, engine: sa.Engine, default_schema: str | None = None) -> None:
        self.engine = engine
        self.default_schema = default_schema
        self._info: dict[str, ViewInfo | None] = {}
        self._names: dict[str | None, list[str]] = {}

    def describe(self, view: str) -> ViewInfo | None:
        """The view and its columns, or None when the database has no such view or table."""
        if view not in self._info:
            with source_errors(self.engine.url, f"inspecting {view}"):
                self._info[view] = self._describe(view)
        return self._info[view]

    def _describe(self, view: str) -> ViewInfo | None:
        schema, name = split_name(view, self.default_schema)
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            actual = _same_name(name, self._names_in(inspector, schema))
            if actual is None:
                return None
            columns = {c["name"]: c["type"] for c in inspector.get_columns(actual, schema)}
        return ViewInfo(actual, schema, columns)

    def _names_in(self, inspector: sa.Inspector, schema: str | None) -> list[str]:
        if schema not in self._names:
            names = inspector.get_view_names(schema) + inspector.get_table_names(schema)
            self._names[schema] = names
        return self._names[schema]

    def names(self, schema: str | None) -> list[str]:
        """Every view and table name of ``schema`` as the database spells them."""
        if schema not in self._names:
            with source_errors(self.engine.url, "listing views"), self.engine.connect() as conn:
                self._names_in(sa.inspect(conn), schema)
        return self._names[schema]

    def require(self, view: str) -> ViewInfo:
        info = self.describe(view)
        if info is None:
            raise SourceError(f"view {view} does not exist in the HIS database (视图不存在)")
        return info

    def select(
        self,
        view: str,
        columns: Iterable[str],
        where: Mapping[str, object] | None = None,
        order_by: Sequence[str] = (),
    ) -> list[ViewRow]:
        """Rows of ``view`` (only ``columns``, keyed as asked) matching ``where`` exactly."""
        wanted, query = select_statement(self.require(view), columns, where or {}, order_by)
        with source_errors(self.engine.url, f"reading {view}"), self.engine.connect() as conn:
            return [dict(zip(wanted, row, strict=True)) for row in conn.execute(query)]


def select_statement(
    info: ViewInfo, columns: Iterable[str], where: Mapping[str, object], order_by: Sequence[str]
) -> tuple[list[str], sa.Select[Any]]:
    """(the names asked for, in result order; the SELECT with the database's spelling)."""
    wanted = sorted(set(columns) | set(where) | set(order_by))
    table = sa.table(
        info.name,
        *(sa.column(_actual(info, c), info.columns[_actual(info, c)]) for c in wanted),
        schema=info.schema,
    )
    query = sa.select(*(table.c[_actual(info, c)] for c in wanted))
    for name, value in where.items():
        column = table.c[_actual(info, name)]
        query = query.where(column == _coerced(column.type, value))
    return wanted, query.order_by(*(table.c[_actual(info, c)] for c in order_by))


def _same_name(wanted: str, names: Iterable[str]) -> str | None:
    names = list(names)
    if wanted in names:
        return wanted
    folded = wanted.casefold()
    return next((n for n in names if n.casefold() == folded), None)


def _actual(info: ViewInfo, column: str) -> str:
    actual = info.column(column)
    if actual is None:
        raise SourceError(f"view {info.name} has no column {column} (视图缺少列)")
    return actual


def _coerced(type_: Any, value: object) -> object:
    """A key given as text (command line, JSON parameters) as the column's Python type."""
    if not isinstance(value, str):
        return value
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return value
    try:
        if python_type is int:
            return int(value)
        if python_type is Decimal:
            return Decimal(value)
    except (ArithmeticError, ValueError):
        return value
    return value
