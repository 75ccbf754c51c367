"""``column IN (…)`` for a list of row ids bound as one parameter (``ids_in``), or of text
keys (``keys_in``: a view's keys as the database renders them).

Everywhere an expanding ``IN`` list: SQLAlchemy writes one placeholder per id (callers keep a
chunk under every dialect's limit).  On PostgreSQL ``column = ANY(:ids)`` with the list bound as
one ``BIGINT[]``: the statement text no longer changes with the number of ids, so psycopg
prepares it once, and neither SQLAlchemy nor psycopg rewrites hundreds of placeholders per call
(measured in bench/bench_engine.py (a)).  The caller binds a plain list of ints either way.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class IdIn(sa.ColumnElement[bool]):
    """``column`` is one of the ids bound as ``name`` (a list of ints)."""

    type = sa.Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a predicate: no "= 1" where booleans are not native
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy declares it on the base)
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: sa.ColumnElement[Any], name: str) -> None:
        self.column, self.name = column, name

    @property
    def _from_objects(self) -> Any:  # the column's table joins the FROM clause
        return self.column._from_objects


SMALL_CHUNK = 500  # ids per statement where each id is a placeholder (Oracle: ≤ 1000 per IN)
_CHUNK_OF = {
    "postgresql": 10_000,  # one BIGINT[] parameter, whatever the number of ids
    "mysql": 5_000,  # PyMySQL and the ODBC driver send the values in the text: no limit
    "sqlite": 5_000 if sqlite3.sqlite_version_info >= (3, 32) else SMALL_CHUNK,  # 32766 vars
}


def chunk_size(dialect: sa.Dialect) -> int:
    """How many ids one ``ids_in`` statement takes on ``dialect``: a claim of a 10,000-row
    tick is then one statement on PostgreSQL (two on MySQL and SQLite) instead of twenty;
    Oracle and SQL Server (2,100 parameters) keep :data:`SMALL_CHUNK`."""
    return _CHUNK_OF.get(dialect.name, SMALL_CHUNK)


class KeysIn(IdIn):
    """``column`` is one of the text keys bound as ``name`` (a list of str)."""

    inherit_cache = True


def ids_in(column: sa.ColumnElement[Any], name: str) -> IdIn:
    return IdIn(column, name)


def keys_in(column: sa.ColumnElement[Any], name: str) -> KeysIn:
    return KeysIn(column, name)


@compiles(IdIn)
def _expanding_in(element: IdIn, compiler: SQLCompiler, **kw: Any) -> str:
    expanding = element.column.in_(sa.bindparam(element.name, expanding=True))
    return compiler.process(expanding, **kw)


@compiles(IdIn, "postgresql")
def _any_array(element: IdIn, compiler: SQLCompiler, **kw: Any) -> str:
    item = sa.String() if isinstance(element, KeysIn) else sa.BigInteger()
    array = sa.bindparam(element.name, type_=ARRAY(item))
    return compiler.process(element.column == sa.any_(array), **kw)
