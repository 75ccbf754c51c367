"""The one counting function behind ``syncd status``, the metrics, ``STATUS=`` and the alerts,
on every database here (Oracle and SQL Server: its statements compiled with their dialects)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from scenarios.rejected_sql import TARGETS, Target, violations

from syncd.config.settings import DatabaseSettings
from syncd.db.counts import COMMANDS_FEED, Queries, read_counts
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables

NOW = datetime(2026, 11, 25, 10, 0, 0)
YESTERDAY = NOW - timedelta(days=1)
TABLES = staging_tables()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(DatabaseSettings(url=db_url))
    init_db(engine, TABLES)
    yield engine
    engine.dispose()


def _row(
    feed: str,
    key: str,
    status: str,
    *,
    function_id: str = "bizh120002",
    visit: str = "",
    created: datetime = NOW,
    finished: datetime | None = None,
    error: str | None = None,
    updated: datetime = NOW,
    blocked_by: str | None = None,
) -> dict[str, Any]:
    return {
        "feed": feed,
        "source_key": key,
        "version": "",
        "function_id": function_id,
        "visit_key": visit or None,
        "status": status,
        "created_at": created,
        "updated_at": updated,
        "finished_at": finished,
        "last_error": error,
        "next_attempt_at": created,
        "blocked_by": blocked_by,
    }


def _seed(engine: sa.Engine) -> None:
    admission = {"function_id": "bizh120103"}
    rows = [
        # ZY1: admission refused → its fee rows wait behind it (blocked: the engine says which)
        _row("ip_admission", "1", "REJECTED", visit="ZY1", finished=NOW, **admission),
        _row("ip_fee", "F1", "WAITING", visit="ZY1", blocked_by="ip_admission:1"),
        _row("ip_fee", "F2", "WAITING", visit="ZY1", blocked_by="ip_admission:1"),
        # ZY2: refused, then a corrected admission succeeded: its fee row is not blocked
        _row("ip_admission", "2", "REJECTED", visit="ZY2", **admission),
        _row("ip_admission", "2b", "SUCCEEDED", visit="ZY2", finished=NOW, **admission),
        _row("ip_fee", "G1", "WAITING", visit="ZY2"),
        # ZY3: admission still pending: waiting, not blocked
        _row(
            "ip_admission",
            "3",
            "PENDING",
            visit="ZY3",
            created=NOW - timedelta(hours=2),
            **admission,
        ),
        _row("ip_fee", "H1", "WAITING", visit="ZY3"),
        _row("ip_fee", "H2", "PENDING", created=NOW - timedelta(minutes=5), error="HTTP 502"),
        _row("ip_fee", "H3", "SUCCEEDED", finished=YESTERDAY, created=YESTERDAY),
        _row("ip_fee", "H4", "FAILED", error="平台返回：费用明细重复", updated=NOW),
        _row("ip_fee", "H5", "UNKNOWN", updated=NOW - timedelta(hours=1), error="结果未知"),
    ]
    commands = [
        {"command": "op_charge", "status": "NEW", "created_at": NOW - timedelta(minutes=30)},
        {"command": "op_charge", "status": "DONE", "created_at": NOW, "answered_at": NOW},
        {
            "command": "op_charge",
            "status": "DONE",
            "created_at": YESTERDAY,
            "answered_at": YESTERDAY,
        },
        {
            "command": "op_charge",
            "status": "REJECTED",
            "created_at": NOW,
            "answered_at": NOW,
            "return_code_message": "该人员无工伤认定",
        },
    ]
    runs = [
        {
            "recon_date": date(2026, 11, 23),
            "status": "DONE",
            "mismatch_count": 0,
            "finished_at": YESTERDAY,
        },
        {
            "recon_date": date(2026, 11, 24),
            "status": "DONE",
            "mismatch_count": 3,
            "finished_at": NOW,
            "report_html": "/var/lib/syncd/r.html",
        },
        {"recon_date": date(2026, 11, 25), "status": "RUNNING"},
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(TABLES.sync_status), rows)
        for command in commands:
            conn.execute(sa.insert(TABLES.request).values(**command))
        for run in runs:
            conn.execute(sa.insert(TABLES.recon_run).values(started_at=NOW, **run))


def test_counts_per_feed_blocked_today_oldest_and_the_last_reconciliation(
    engine: sa.Engine,
) -> None:
    _seed(engine)
    counts = read_counts(engine, TABLES, NOW)
    fee, admission = counts.feeds["ip_fee"], counts.feeds["ip_admission"]
    assert dict(fee.by_status) == {
        "WAITING": 2,  # and 2 blocked: counted as blocked, not as waiting
        "PENDING": 1,
        "SUCCEEDED": 1,
        "FAILED": 1,
        "UNKNOWN": 1,
    }
    assert (fee.blocked, admission.blocked) == (2, 0)
    assert (fee.succeeded_today, admission.succeeded_today) == (0, 1)
    assert fee.oldest_pending == NOW - timedelta(minutes=5)
    assert fee.last_success == YESTERDAY and fee.newest == NOW
    assert fee.last_error == "平台返回：费用明细重复"
    commands = counts.commands
    assert commands.feed == COMMANDS_FEED
    assert dict(commands.by_status) == {"PENDING": 1, "SUCCEEDED": 2, "REJECTED": 1}
    assert commands.succeeded_today == 1 and commands.last_error == "该人员无工伤认定"
    assert commands.oldest_pending == NOW - timedelta(minutes=30)
    oldest = counts.oldest_pending()
    assert oldest is not None and oldest.feed == "ip_admission"
    assert counts.reconciliation is not None
    assert (counts.reconciliation.day, counts.reconciliation.mismatches) == (date(2026, 11, 24), 3)
    assert counts.status_line() == (
        "pending=3 waiting=2 blocked=2 in_flight=0 unknown=1 failed=1 rejected=3 succeeded_today=2"
    )


def test_without_last_errors_the_counts_are_the_same(engine: sa.Engine) -> None:
    _seed(engine)
    full, lean = (
        read_counts(engine, TABLES, NOW),
        read_counts(engine, TABLES, NOW, last_errors=False),
    )
    assert lean.status_line() == full.status_line()
    assert lean.feeds["ip_fee"].last_error == "" and lean.commands.last_error == ""


def test_empty_tables_count_nothing(engine: sa.Engine) -> None:
    counts = read_counts(engine, TABLES, NOW)
    assert counts.feeds == {} and counts.reconciliation is None
    assert counts.oldest_pending() is None and counts.newest() is None
    assert counts.status_line().startswith("pending=0 waiting=0 blocked=0")


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_the_count_statements_are_valid_on_every_supported_version(target: Target) -> None:
    """Oracle 11.2 … 19, SQL Server 2008 R2 … 2019, MySQL 5.7, MariaDB 10.3, PostgreSQL 12:
    compiled with each version's dialect, none of the constructs it rejects (a row limit is
    ROWNUM on Oracle 11.2, TOP on SQL Server 2008 R2)."""
    compiled = [str(stmt.compile(dialect=target.compiler)) for stmt in Queries(TABLES, NOW).all()]
    problems = [
        f"{rule.construct} «{hit}»" for sql in compiled for rule, hit in violations(sql, target)
    ]
    assert not problems
    assert "blocked_by IS NOT NULL" in compiled[2]


def test_the_dashboards_open_only_read_agrees_with_the_whole_count(engine: sa.Engine) -> None:
    """What the console's dashboard reads (through the due and done indexes) is the whole
    count, but for the SUCCEEDED totals and the newest row; the last call is the archive's."""
    _seed(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(TABLES.message).values(
                created_at=NOW,
                function_id="bizh120002",
                call_id="c1",
                outcome="SUCCEEDED",
                duration_ms=42,
            )
        )
    whole = read_counts(engine, TABLES, NOW)
    lean = read_counts(engine, TABLES, NOW, open_only=["ip_fee", "ip_admission", "mr_patient"])
    assert lean.last_call is not None and lean.last_call.duration_ms == 42
    for name, full in whole.feeds.items():
        seen = lean.feeds[name]
        assert {k: v for k, v in seen.by_status.items() if k != "SUCCEEDED"} == {
            k: v for k, v in full.by_status.items() if k != "SUCCEEDED"
        }
        assert (
            seen.succeeded_today,
            seen.rejected_today,
            seen.blocked,
            seen.oldest_pending,
            seen.last_success,
            seen.last_error,
        ) == (
            full.succeeded_today,
            full.rejected_today,
            full.blocked,
            full.oldest_pending,
            full.last_success,
            full.last_error,
        )
    assert lean.feeds["ip_fee"].last_success == YESTERDAY  # none today: the last one found
    full_c, lean_c = whole.commands, lean.commands  # the command table read the same way
    assert (
        {k: v for k, v in lean_c.by_status.items() if k != "SUCCEEDED"}
        == {k: v for k, v in full_c.by_status.items() if k != "SUCCEEDED"}
        == {"PENDING": 1, "REJECTED": 1}
    )
    assert (
        (lean_c.succeeded_today, lean_c.rejected_today, lean_c.oldest_pending)
        == (
            full_c.succeeded_today,
            full_c.rejected_today,
            full_c.oldest_pending,
        )
        == (1, 1, NOW - timedelta(minutes=30))
    )
    assert lean_c.last_success == full_c.last_success == NOW
    assert lean_c.last_error == full_c.last_error == "该人员无工伤认定"
    assert lean.feeds["mr_patient"].succeeded_today == 0
    assert whole.feeds["ip_fee"].last_error == "平台返回：费用明细重复"  # the latest change
    assert whole.feeds["ip_admission"].rejected_today == 1
