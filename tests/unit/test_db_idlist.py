"""``ids_in`` / ``keys_in``: one bound list of ids or text keys; ``= ANY(array)`` on PostgreSQL,
``IN (…)`` elsewhere."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from syncd.db.ddl import DIALECTS, dialect_named
from syncd.db.idlist import ids_in, keys_in

META = sa.MetaData()
T = sa.Table(
    "t", META, sa.Column("id", sa.BigInteger, primary_key=True), sa.Column("x", sa.String(10))
)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_predicate_with_one_bound_list_and_no_literal(dialect: str) -> None:
    stmt = sa.update(T).where(ids_in(T.c.id, "ids"), T.c.x == "b").values(x="a")
    sql = " ".join(str(stmt.compile(dialect=dialect_named(dialect))).split())
    if dialect == "postgresql":
        assert "t.id = ANY (%(ids)s::BIGINT[])" in sql
    else:
        assert "t.id IN (__[POSTCOMPILE_ids]) AND" in sql  # no "= 1" after the predicate
    assert "'" not in sql


def test_statements_on_different_columns_do_not_share_a_cache_key() -> None:
    one = sa.select(T.c.id).where(ids_in(T.c.id, "ids"))
    other = sa.select(T.c.id).where(ids_in(T.c.x, "ids"))
    assert one._generate_cache_key() != other._generate_cache_key()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_column_table_joins_the_from_clause(dialect: str) -> None:
    """A select with no column of the table (a count) still reads from it."""
    stmt = sa.select(sa.func.count()).where(ids_in(T.c.id, "ids"))
    assert " FROM t " in " ".join(str(stmt.compile(dialect=dialect_named(dialect))).split()) + " "


@pytest.mark.parametrize("dialect", DIALECTS)
def test_text_keys_are_one_bound_list_of_text(dialect: str) -> None:
    key = sa.cast(T.c.x, sa.String(200))
    stmt = sa.select(T.c.id).where(keys_in(key, "keys"))
    sql = " ".join(str(stmt.compile(dialect=dialect_named(dialect))).split())
    if dialect == "postgresql":
        assert "CAST(t.x AS VARCHAR(200)) = ANY (%(keys)s::VARCHAR[])" in sql
    else:
        assert "IN (__[POSTCOMPILE_keys])" in sql
    assert "'" not in sql


def test_keys_and_ids_do_not_share_a_cache_key() -> None:
    ids = sa.select(T.c.id).where(ids_in(T.c.x, "ids"))
    keys = sa.select(T.c.id).where(keys_in(T.c.x, "ids"))
    assert ids._generate_cache_key() != keys._generate_cache_key()
