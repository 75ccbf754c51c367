"""The reference HIS: committed DDL matches the code, and the seeder works on real databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncd.core.errors import SourceError
from syncd.db.ddl import DIALECTS
from syncd.db.views import ViewReader
from syncd.reference import render_schema, render_views, seed, view_names
from syncd.reference.activity import day_rows
from syncd.reference.people import id_number
from syncd.reference.schema import build_metadata
from syncd.reference.views import create_statements

REPO = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 11, 25)
TAG = f"{DAY:%y%m%d}"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_committed_reference_sql_matches_the_code(dialect: str) -> None:
    """sql/examples/<dialect>/*.sql are what `python -m syncd.reference --write-sql` writes."""
    folder = REPO / "sql" / "examples" / dialect
    hint = "regenerate: .venv/bin/python -m syncd.reference --write-sql sql/examples"
    assert (folder / "his_schema.sql").read_text(encoding="utf-8") == render_schema(dialect), hint
    assert (folder / "views.sql").read_text(encoding="utf-8") == render_views(dialect), hint


def test_sql_server_views_mark_chinese_literals_national_and_oracle_replaces() -> None:
    """SQL Server needs N'…' for Chinese text literals; Oracle re-creates with OR REPLACE."""
    mssql = "\n".join(create_statements("mssql"))
    assert "N'有'" in mssql and "THEN '有'" not in mssql
    assert all(s.startswith("CREATE OR REPLACE VIEW") for s in create_statements("oracle"))


def test_seeded_day_is_deterministic_and_has_the_cases_the_tests_need() -> None:
    """Same seed, same rows; the big stay has > 300 rows with refunds and 因病 rows."""
    rows = day_rows(DAY)
    assert rows == day_rows(DAY)
    assert rows != day_rows(DAY, rng_seed=8)
    big = [r for r in rows["HIS_IP_FEE"] if r["STAY_NO"] == f"ZY{TAG}001"]
    assert len(big) > 300
    assert any(r["AMOUNT"] < 0 and r["REFUND_OF"] for r in big)
    assert any(r["ILLNESS_FLAG"] == "1" for r in big)
    assert all(r["AMOUNT"] == (r["PRICE"] * r["QTY"]).quantize(Decimal("0.01")) for r in big)
    assert len(day_rows(DAY, scale=2)["HIS_IP_FEE"]) == len(rows["HIS_IP_FEE"]) + 300


def test_synthetic_id_numbers_have_a_valid_check_digit() -> None:
    """GB 11643 check digit: 11010519491231002X is the standard's own example."""
    assert id_number("110105", dt.date(1949, 12, 31), 2) == "11010519491231002X"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    created = sa.create_engine(str(request.getfixturevalue(f"{request.param}_url")))
    yield created
    created.dispose()


def test_seeder_creates_tables_views_and_data_on_each_database(engine: sa.Engine) -> None:
    """Every view exists and reads; only work-injury visits show; Chinese and money survive."""
    report = seed(engine, day=DAY)
    assert report.rows["HIS_IP_FEE"] > 300
    reader = ViewReader(engine)
    assert all(reader.describe(name) is not None for name in view_names())
    visits = reader.select("V_WI_OP_REGISTRATION", ["VISIT_NO", "CLERK_NAME"], {}, ["VISIT_NO"])
    assert [v["VISIT_NO"] for v in visits] == [f"MZ{TAG}001", f"MZ{TAG}002", f"MZ{TAG}003"]
    assert visits[0]["CLERK_NAME"] == "郑敏"
    fees = reader.select("V_WI_IP_FEE", ["AMOUNT", "FEE_TIME"], {"STAY_NO": f"ZY{TAG}001"})
    assert len(fees) == 319
    assert all(isinstance(f["AMOUNT"], Decimal) for f in fees)
    assert all(isinstance(f["FEE_TIME"], dt.datetime) for f in fees)
    assert any(f["AMOUNT"] < 0 for f in fees)


def test_seeding_the_same_day_twice_is_refused_but_another_day_adds(engine: sa.Engine) -> None:
    """Keys carry the day: a second day adds rows, the same day again is a clear error."""
    seed(engine, day=DAY)
    with pytest.raises(SourceError, match="already"):
        seed(engine, day=DAY)
    seed(engine, day=DAY + dt.timedelta(days=1))
    stays = ViewReader(engine).select("V_WI_IP_ADMISSION", ["STAY_NO"])
    assert len(stays) == 8


def test_every_reference_identifier_fits_oracle_s_30_characters() -> None:
    """Tables, columns, indexes and views stay within Oracle 11g/12.1's identifier limit."""
    metadata = build_metadata()
    names = [t.name for t in metadata.tables.values()]
    names += [c.name for t in metadata.tables.values() for c in t.columns]
    names += [str(ix.name) for t in metadata.tables.values() for ix in t.indexes]
    names += list(view_names())
    assert max(len(name) for name in names) <= 30
