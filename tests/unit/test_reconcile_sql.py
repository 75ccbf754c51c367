"""Every statement of the reconciliation and the code check compiles on each dialect syncd
supports (Oracle and SQL Server included), with view and column names unquoted and values bound."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from syncd.core.reconcile_records import FeedColumns
from syncd.db.code_store import examples_statement, values_statement
from syncd.db.ddl import dialect_named
from syncd.db.recon_source import HisSettlements, LedgerReader
from syncd.db.schema import staging_tables

DIALECTS = ["oracle", "mssql", "postgresql", "mysql", "sqlite"]
START, END, NOW = datetime(2026, 11, 25), datetime(2026, 11, 26), datetime(2026, 11, 26, 2)
FEES = FeedColumns("ip_fee", "V_WI_IP_FEE", ("FEE_ID",), "STAY_NO")
TWO_PART = FeedColumns("ip_fee", "V_WI_FEE2", ("STAY_NO", "SEQ"), "STAY_NO")


class _Captured(LedgerReader):
    """The real reader with its one execution seam recording statements instead."""

    def __init__(self) -> None:
        super().__init__(sa.create_engine("sqlite://"), staging_tables())
        self.statements: list[Any] = []

    def _all(self, stmt: sa.Executable, what: str) -> list[Any]:
        self.statements.append(stmt)
        return []


def _ledger_statements() -> list[Any]:
    reader = _Captured()
    reader.visit_numbers(["ZY1", "ZY2"])
    reader.visits_touched(START, END)
    reader.persons(FEES, "PERSON_NO", ["ZY1"])
    reader.stuck(NOW, 1800)
    reader.unsent_rows(FEES, ["ZY1"])
    reader.unsent_rows(TWO_PART, ["ZY1"])
    reader.overdue("ip_discharge", "mr_patient", START)
    return reader.statements


def _all_statements() -> list[Any]:
    return [
        HisSettlements(sa.create_engine("sqlite://"), "V_WI_SETTLEMENT_DAY").statement(START, END),
        values_statement("V_WI_IP_ADMISSION", "WARD_CODE"),
        examples_statement("V_WI_IP_ADMISSION", "WARD_CODE", "W99", ["STAY_NO"], 3),
        *_ledger_statements(),
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_statement_compiles_with_bound_values(dialect: str) -> None:
    statements = _all_statements()
    assert len(statements) == 11
    for stmt in statements:
        compiled = stmt.compile(dialect=dialect_named(dialect))
        sql = str(compiled)
        assert "W99" not in sql and "ZY1" not in sql and "ip_fee" not in sql, sql
        assert '"V_WI' not in sql and "[V_WI" not in sql and "`V_WI" not in sql, sql


def test_oracle_and_sql_server_limit_the_examples_their_own_way() -> None:
    stmt = examples_statement("V_WI_IP_ADMISSION", "WARD_CODE", "W99", ["STAY_NO"], 3)
    assert "FETCH FIRST" in str(stmt.compile(dialect=dialect_named("oracle")))
    assert "TOP" in str(stmt.compile(dialect=dialect_named("mssql")))


def test_the_fee_key_is_built_like_the_engine_builds_source_keys() -> None:
    """Two key columns are joined with '/', as :mod:`syncd.db.feed_source` does."""
    statements = _ledger_statements()
    two_part = str(statements[-2].compile(dialect=dialect_named("postgresql")))
    assert "source_key = (CAST(V_WI_FEE2.STAY_NO AS VARCHAR(200)) ||" in two_part
    assert "|| CAST(V_WI_FEE2.SEQ AS VARCHAR(200)))" in two_part
