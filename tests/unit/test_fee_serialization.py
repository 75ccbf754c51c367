"""A visit's fee upload (bizh120002) and fee deletion (bizh120004) are never unsettled at the
same time: the pure rules, which commands delete fees, and the two look-ups on every dialect."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from mapping_folders import feeds_in

from syncd.db.ddl import DIALECTS, dialect_named
from syncd.db.outbox_store import unsettled_calls_statement
from syncd.db.request_store import unsettled_commands_statement
from syncd.db.schema import staging_tables
from syncd.engine.pipeline import fee_delete_commands
from syncd.rules import visits
from syncd.rules.visits import VisitVerdict

MAPPINGS = Path(__file__).parents[2] / "mappings"
TABLES = staging_tables()


def test_fee_rows_wait_while_a_deletion_is_unsettled_and_go_otherwise() -> None:
    assert visits.fee_deletion_pending(0) == visits.READY
    found = visits.fee_deletion_pending(1)
    assert (found.verdict, found.reason_zh) == (
        VisitVerdict.WAIT,
        "该就诊的费用删除结果待确认，费用暂缓上传",
    )


def test_a_deletion_is_refused_while_an_upload_is_unsettled_and_goes_otherwise() -> None:
    assert visits.fee_upload_pending(0) == visits.READY
    found = visits.fee_upload_pending(2)
    assert (found.verdict, found.reason_zh) == (
        VisitVerdict.REFUSE,
        "该就诊有费用上传结果待确认，请稍后再试删除",
    )


def test_the_shipped_mappings_delete_fees_with_one_command() -> None:
    assert fee_delete_commands(feeds_in(MAPPINGS)) == ("ip_delete_fees",)


def _compiled(stmt: sa.ClauseElement, dialect: str) -> sa.engine.Compiled:
    return stmt.compile(dialect=dialect_named(dialect), compile_kwargs={"render_postcompile": True})


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_unsettled_fee_uploads_query_binds_every_value(dialect: str) -> None:
    compiled = _compiled(
        unsettled_calls_statement(TABLES.sync_status, "bizh120002", "ZY1"), dialect
    )
    sql = " ".join(str(compiled).split())
    assert "count(*)" in sql.lower() and "FOR UPDATE" not in sql
    for literal in ("bizh120002", "ZY1", "IN_FLIGHT", "UNKNOWN", "'"):
        assert literal not in sql
    assert {"bizh120002", "ZY1", "IN_FLIGHT", "UNKNOWN"} <= set(compiled.params.values())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_unsettled_fee_deletions_query_binds_every_value(dialect: str) -> None:
    stmt = unsettled_commands_statement(TABLES.request, ["ip_delete_fees"], "ZY1")
    compiled = _compiled(stmt, dialect)
    sql = " ".join(str(compiled).split())
    assert "count(*)" in sql.lower() and "FOR UPDATE" not in sql
    for literal in ("ip_delete_fees", "ZY1", "IN_FLIGHT", "UNKNOWN", "'"):
        assert literal not in sql
    assert {"ip_delete_fees", "ZY1", "IN_FLIGHT", "UNKNOWN"} <= set(compiled.params.values())


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_unsettled_commands_query_leaves_out_the_asking_command_by_a_bound_id(
    dialect: str,
) -> None:
    stmt = unsettled_commands_statement(TABLES.request, ["op_charge", "op_refund"], "MZ1", 4242)
    compiled = _compiled(stmt, dialect)
    sql = " ".join(str(compiled).split())
    assert "4242" not in sql and "op_charge" not in sql and "MZ1" not in sql
    assert {4242, "op_charge", "op_refund", "MZ1"} <= set(compiled.params.values())
