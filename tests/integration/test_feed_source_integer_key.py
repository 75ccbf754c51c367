"""Rows read back by key from a view whose key is an integer column (a pinyin HIS's FYID, an
Oracle NUMBER(10)): compared as integers, so the database finds them through the key's index
— on PostgreSQL, with 20,000 rows, the plan is an index scan, not a scan of the whole view
(the key's text, ``CAST(FEE_ID AS VARCHAR)``, would need one for every claim) — and the rows
are the same as by text on every database; a key that is not an integer's text still works."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from engine_support import load_feeds

from syncd.config.settings import DatabaseSettings
from syncd.db.engine import make_engine
from syncd.db.feed_source import FeedSource
from syncd.db.schema import staging_tables

ROWS = 20_000


def integer_keyed(engine: sa.Engine, *, key_type: str = "INTEGER") -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE T_INT_FEE (FYID {key_type} PRIMARY KEY, ZYH VARCHAR(20),"
                " XMDM VARCHAR(20), XMMC VARCHAR(50), DJ DECIMAL(14,4), SL DECIMAL(14,2),"
                " JE DECIMAL(14,2), FYRQ VARCHAR(8), YBBZ VARCHAR(1))"
            )
        )
        conn.execute(
            sa.text(
                "CREATE VIEW V_INT_FEE AS SELECT FYID AS FEE_ID, ZYH AS VISIT_NO,"
                " XMDM AS ITEM_CODE, XMMC AS ITEM_NAME, DJ AS PRICE, SL AS QTY, JE AS AMOUNT,"
                " FYRQ AS FEE_DATE, YBBZ AS ILLNESS FROM T_INT_FEE"
            )
        )
        rows = [
            {"i": n, "v": f"ZY{n % 100}", "c": "X0101", "m": "换药"} for n in range(1, ROWS + 1)
        ]
        conn.execute(
            sa.text(
                "INSERT INTO T_INT_FEE (FYID, ZYH, XMDM, XMMC, DJ, SL, JE, FYRQ, YBBZ)"
                " VALUES (:i, :v, :c, :m, 1.25, 2, 2.50, '20261125', '0')"
            ),
            rows,
        )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                sa.text("ANALYZE T_INT_FEE")
            )


def source(engine: sa.Engine) -> FeedSource:
    fee = load_feeds()["ip_fee"]
    spec = fee.model_copy(update={"source": fee.source.model_copy(update={"view": "V_INT_FEE"})})
    return FeedSource(engine, staging_tables(), spec)


def test_an_integer_key_is_compared_as_an_integer_and_reads_the_same_rows(db_url: str) -> None:
    engine = make_engine(DatabaseSettings(url=db_url))
    try:
        integer_keyed(engine)
        view = source(engine)
        keys = ["7", "19999", "20000", "123456"]  # the last is not in the view
        stmt, bound = view.by_keys_statement(keys)
        assert bound == [7, 19999, 20000, 123456]
        found = view.by_keys(keys)
        assert sorted(found) == ["19999", "20000", "7"]
        assert found["7"].values["ITEM_NAME"] == "换药" and found["7"].values["VISIT_NO"] == "ZY7"
        odd = view.by_keys(["7", "007", "x"])  # not an integer's text: compared as text
        assert sorted(odd) == ["7"]
        if engine.dialect.name == "postgresql":
            assert "Seq Scan" not in plan(engine, stmt, bound)
            text_stmt, text_bound = view.by_keys_statement(["7", "007"])
            assert text_bound == ["7", "007"]
            assert "Seq Scan" in plan(engine, text_stmt, text_bound)  # the text: every row read
    finally:
        engine.dispose()


def test_a_text_key_column_keeps_the_text_comparison(db_url: str) -> None:
    engine = make_engine(DatabaseSettings(url=db_url))
    try:
        integer_keyed(engine, key_type="VARCHAR(20)")
        view = source(engine)
        _, bound = view.by_keys_statement(["7", "19999"])
        assert bound == ["7", "19999"]
        assert sorted(view.by_keys(["7", "19999"])) == ["19999", "7"]
    finally:
        engine.dispose()


def plan(engine: sa.Engine, stmt: sa.Select[Any], keys: list[Any]) -> str:
    compiled = stmt.compile(dialect=engine.dialect)
    params = {**compiled.params, "keys": keys}
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", params).all()
    return "\n".join(str(r[0]) for r in rows)
