"""The discovery query compiles on every dialect as an anti-join with bound values, keys cast
to text by the database, and the optional watermark window."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from mapping_folders import feeds_in

from syncd.core.records import Watermark
from syncd.db.ddl import dialect_named
from syncd.db.feed_source import FeedSource
from syncd.db.schema import staging_tables

MAPPINGS = Path(__file__).parent.parent / "data" / "engine"
DIALECTS = ["postgresql", "oracle", "mssql", "mysql", "sqlite"]


@pytest.fixture(scope="module")
def feeds() -> dict[str, object]:
    return feeds_in(MAPPINGS)  # type: ignore[return-value]


def compiled(source: FeedSource, dialect: str) -> str:
    return str(source.discover_statement(500).compile(dialect=dialect_named(dialect)))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_discovery_is_an_anti_join_with_bound_values(feeds: dict, dialect: str) -> None:  # type: ignore[type-arg]
    source = FeedSource(sa.create_engine("sqlite://"), staging_tables(), feeds["ip_discharge"])
    sql = compiled(source, dialect)
    assert "NOT (EXISTS (SELECT" in sql and "wi_sync_status" in sql
    assert "CAST(" in sql and "T_DISCHARGE" in sql and '"T_DISCHARGE"' not in sql
    assert "ip_discharge" not in sql  # the feed name is a bound parameter
    assert "version" in sql  # versioned feed: (feed, key, version)


def test_watermark_limits_the_scan_after_the_first_poll(feeds: dict) -> None:  # type: ignore[type-arg]
    source = FeedSource(
        sa.create_engine("sqlite://"), staging_tables(), feeds["ip_fee"], Watermark("FEE_ID", 100)
    )
    assert ">=" not in compiled(source, "postgresql")
    source._high = datetime(2026, 11, 25, 10, 0)  # what the first poll saw
    sql = compiled(source, "postgresql")
    assert "T_FEE.FEE_ID >= %(FEE_ID_1)s" in sql and "ORDER BY T_FEE.FEE_ID" in sql


def test_discovery_reads_key_version_visit_and_watermark_only(feeds: dict) -> None:  # type: ignore[type-arg]
    """A search may find 20,000 rows: it carries only what recording them needs (the values
    are read by key when a row is sent)."""
    source = FeedSource(
        sa.create_engine("sqlite://"),
        staging_tables(),
        feeds["ip_fee"],
        Watermark("UPDATED_AT", 3600),
    )
    select_list = compiled(source, "postgresql").split(" FROM ")[0]
    assert "AS syncd_key" in select_list and "AS syncd_version" in select_list
    assert "VISIT_NO" in select_list
    assert "UPDATED_AT" in select_list
    assert "ITEM_NAME" not in select_list and "AMOUNT" not in select_list
    by_key = str(source._select().compile(dialect=dialect_named("postgresql")))
    assert "ITEM_NAME" in by_key and "AMOUNT" in by_key


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rows_by_an_integer_key_compare_the_column_itself_on_every_dialect(
    feeds: dict,  # type: ignore[type-arg]
    dialect: str,
) -> None:
    """A key the view declares an integer (NUMBER(10, 0) on Oracle): the key column against
    the integers, no CAST of the column (which would read the whole view); a text key keeps
    the cast."""
    source = FeedSource(sa.create_engine("sqlite://"), staging_tables(), feeds["ip_fee"])
    source._key_type = sa.Numeric(10, 0) if dialect == "oracle" else sa.BigInteger()
    stmt, bound = source.by_keys_statement(["12", "7"])
    where = str(stmt.compile(dialect=dialect_named(dialect))).split("WHERE")[1]
    assert bound == [12, 7] and "CAST(" not in where and "FEE_ID" in where
    source._key_type = sa.String(20)
    stmt, bound = source.by_keys_statement(["12", "7"])
    where = str(stmt.compile(dialect=dialect_named(dialect))).split("WHERE")[1]
    assert bound == ["12", "7"] and "CAST(" in where
