"""Claim statements compiled with every dialect: portable SQL, no row locks, values bound."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from syncd.db.claims import (
    Lease,
    claim_many_statement,
    due_statement,
    held_statement,
    release_statement,
    renew_statement,
)
from syncd.db.ddl import DIALECTS, dialect_named
from syncd.db.schema import staging_tables

TABLES = staging_tables()
CLAIMABLE = {"sync_status": TABLES.sync_status, "request": TABLES.request}
LIMIT_SHAPES = {
    "oracle": r"FETCH FIRST __[POSTCOMPILE_param_1] ROWS ONLY",
    "mssql": r"SELECT TOP __[POSTCOMPILE_param_1] ",
    "postgresql": r"LIMIT %(param_1)s",
    "mysql": r"LIMIT %s",
    "sqlite": r"LIMIT ?",
}


def _sql(stmt: sa.ClauseElement, dialect: str) -> str:
    compiled = stmt.compile(dialect=dialect_named(dialect))
    return str(compiled)


def _due(table: sa.Table) -> sa.Select[tuple[int]]:
    only = {"command" if table is TABLES.request else "function_id": ["bizh120002"]}
    return due_statement(table, ["PENDING", "WAITING"], 50, only)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(CLAIMABLE))
def test_due_query_is_limited_the_dialects_way_and_never_locks(dialect: str, name: str) -> None:
    sql = _sql(_due(CLAIMABLE[name]), dialect)
    assert LIMIT_SHAPES[dialect] in sql
    assert "FOR UPDATE" not in sql and "UPDLOCK" not in sql and "READPAST" not in sql
    assert "ORDER BY" in sql and "next_attempt_at" in sql.split("ORDER BY")[1]


def test_oracle_due_query_has_no_for_update_next_to_fetch_first() -> None:
    """ORA-02014: FETCH FIRST cannot be combined with FOR UPDATE; we never ask for either."""
    sql = _sql(_due(TABLES.sync_status), "oracle")
    assert "FETCH FIRST" in sql and "FOR UPDATE" not in sql and "SKIP LOCKED" not in sql


@pytest.mark.parametrize("dialect", DIALECTS)
def test_due_query_binds_every_value(dialect: str) -> None:
    stmt = _due(TABLES.sync_status).params(now=datetime(2026, 3, 1, 8, 0))
    compiled = stmt.compile(
        dialect=dialect_named(dialect), compile_kwargs={"render_postcompile": True}
    )
    sql = str(compiled)
    for literal in ("PENDING", "WAITING", "bizh120002", "'"):
        assert literal not in sql
    assert set(compiled.params) >= {"status_1_1", "status_1_2", "function_id_1_1", "now"}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(CLAIMABLE))
def test_batch_claim_rechecks_status_due_and_lease_with_every_value_bound(
    dialect: str, name: str
) -> None:
    """The set-based claim keeps the per-row conditions; ids and statuses are bound lists."""
    table = CLAIMABLE[name]
    compiled = claim_many_statement(table, ["PENDING"]).compile(dialect=dialect_named(dialect))
    sql = " ".join(str(compiled).split())
    assert sql.startswith(f"UPDATE {table.name} SET lease_owner=")
    ids = f"{table.name}.id = ANY (" if dialect == "postgresql" else f"{table.name}.id IN ("
    # the re-checks are wrapped in COALESCE so that no index on them drives the plan
    assert ids in sql and f"coalesce({table.name}.status, " in sql
    assert f"coalesce({table.name}.next_attempt_at, " in sql
    assert f"{table.name}.lease_owner IS NULL OR {table.name}.lease_until <" in sql
    assert "FOR UPDATE" not in sql and "'" not in sql
    assert set(compiled.params) == {"me", "until", "claim_ids", "now", "coalesce_1"}
    held = " ".join(str(held_statement(table).compile(dialect=dialect_named(dialect))).split())
    assert f"{table.name}.lease_owner =" in held and f"{table.name}.lease_until >" in held


@pytest.mark.parametrize("dialect", DIALECTS)
def test_renew_and_release_only_touch_rows_this_owner_holds(dialect: str) -> None:
    table = TABLES.request
    renew = " ".join(str(renew_statement(table).compile(dialect=dialect_named(dialect))).split())
    release = str(release_statement(table).compile(dialect=dialect_named(dialect)))
    assert f"{table.name}.lease_owner =" in renew and "lease_until=" in renew
    assert f"{table.name}.lease_owner =" in release
    assert "lease_owner=NULL" in release and "lease_until=NULL" in release


def test_due_query_filters_only_on_known_columns() -> None:
    with pytest.raises(KeyError):
        due_statement(TABLES.request, ["NEW"], 10, {"no_such_column": ["x"]})


def test_tables_without_lease_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="lease columns"):
        claim_many_statement(TABLES.message, ["NEW"])


def test_lease_starting_now_expires_after_its_duration() -> None:
    now = datetime(2026, 3, 1, 8, 0, 0)
    lease = Lease.starting("host-a:1", now, timedelta(seconds=120))
    assert lease.until == datetime(2026, 3, 1, 8, 2, 0) and lease.now == now


@pytest.mark.parametrize("dialect", DIALECTS)
def test_outbox_candidates_keep_a_visits_rows_together_after_the_due_time(dialect: str) -> None:
    stmt = due_statement(TABLES.sync_status, ["PENDING"], 50, {"feed": ["ip_fee"]}, "visit_key")
    order = " ".join(_sql(stmt, dialect).split()).split("ORDER BY")[1]
    table = TABLES.sync_status.name
    assert order.strip().startswith(f"{table}.next_attempt_at, {table}.visit_key, {table}.id")
