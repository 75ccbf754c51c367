"""Lease claiming on every backend: each due row goes to exactly one owner; expired leases are
taken over; renew and release only touch the owner's own rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from syncd.config.settings import DatabaseSettings
from syncd.core.records import Lease
from syncd.db.claims import claim, claim_due, due_ids, release, renew
from syncd.db.ddl import init_db
from syncd.db.engine import make_engine
from syncd.db.schema import staging_tables

TABLES = staging_tables()
NOW = datetime(2026, 3, 1, 8, 0, 0)
LEASE = timedelta(minutes=2)
STATUSES = ("PENDING", "WAITING")


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(DatabaseSettings(url=db_url, connect_timeout_s=5, pool_size=4))
    init_db(engine, TABLES)
    yield engine
    engine.dispose()


def _add_status_rows(engine: sa.Engine, count: int, **values: object) -> list[int]:
    rows = [
        {
            "feed": "fee",
            "source_key": f"K{n:04d}",
            "version": "",
            "function_id": "bizh120002",
            "status": "PENDING",
            "next_attempt_at": NOW - timedelta(seconds=count - n),
            **values,
        }
        for n in range(count)
    ]
    with engine.begin() as conn:
        conn.execute(TABLES.sync_status.insert(), rows)
        return list(conn.execute(sa.select(TABLES.sync_status.c.id).order_by("id")).scalars())


def _owners(engine: sa.Engine, table: sa.Table) -> dict[int, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(table.c.id, table.c.lease_owner)).tuples().all())


def test_two_owners_claiming_the_same_candidates_each_row_goes_to_one(engine: sa.Engine) -> None:
    ids = _add_status_rows(engine, 6)
    table = TABLES.sync_status
    seen_by_a = due_ids(engine, table, ["PENDING"], NOW, 10)
    seen_by_b = due_ids(engine, table, ["PENDING"], NOW, 10)
    assert seen_by_a == seen_by_b == ids, "both see every row as due, oldest first"
    got_a = claim(engine, table, seen_by_a[:3], Lease.starting("a", NOW, LEASE), STATUSES)
    got_b = claim(engine, table, seen_by_b, Lease.starting("b", NOW, LEASE), STATUSES)
    got_a += claim(engine, table, seen_by_a[3:], Lease.starting("a", NOW, LEASE), STATUSES)
    assert got_a == ids[:3] and got_b == ids[3:]
    owners = _owners(engine, table)
    assert [owners[i] for i in ids] == ["a", "a", "a", "b", "b", "b"]
    assert due_ids(engine, table, ["PENDING"], NOW, 10) == []


def test_concurrent_owners_never_share_a_row(engine: sa.Engine) -> None:
    table = TABLES.request
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"command": "bizh110001"} for _ in range(40)])
    now = datetime.now() + timedelta(seconds=1)
    candidates = due_ids(engine, table, ["NEW"], now, 100)
    results: dict[str, list[int]] = {}
    start = threading.Barrier(2)

    def take(owner: str) -> None:
        start.wait(timeout=10)
        results[owner] = claim(
            engine, table, candidates, Lease.starting(owner, now, LEASE), ["NEW"]
        )

    threads = [threading.Thread(target=take, args=(owner,)) for owner in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(results["a"]).isdisjoint(results["b"])
    assert sorted(results["a"] + results["b"]) == sorted(candidates) and len(candidates) == 40
    owners = _owners(engine, table)
    assert all(owners[i] == "a" for i in results["a"])
    assert all(owners[i] == "b" for i in results["b"])


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(engine: sa.Engine) -> None:
    (row_id,) = _add_status_rows(engine, 1, lease_owner="crashed", lease_until=NOW)
    table = TABLES.sync_status
    before_expiry = Lease.starting("b", NOW - timedelta(seconds=1), LEASE)
    assert claim_due(engine, table, ["PENDING"], before_expiry, 10) == []
    assert claim(engine, table, [row_id], before_expiry, STATUSES) == []
    after_expiry = Lease.starting("b", NOW + timedelta(seconds=1), LEASE)
    assert claim_due(engine, table, ["PENDING"], after_expiry, 10) == [row_id]
    assert _owners(engine, table)[row_id] == "b"


def test_only_due_rows_in_the_wanted_statuses_are_candidates(engine: sa.Engine) -> None:
    table = TABLES.sync_status
    due, later, done = _add_status_rows(engine, 3)
    with engine.begin() as conn:
        conn.execute(
            table.update()
            .where(table.c.id == later)
            .values(next_attempt_at=NOW + timedelta(minutes=5))
        )
        conn.execute(table.update().where(table.c.id == done).values(status="SUCCEEDED"))
    assert due_ids(engine, table, ["PENDING", "WAITING"], NOW, 10) == [due]
    assert due_ids(engine, table, ["PENDING"], NOW, 10, {"feed": ["other"]}) == []
    assert due_ids(engine, table, ["PENDING"], NOW + timedelta(minutes=6), 1) == [due]


def test_renew_and_release_only_touch_the_owners_rows(engine: sa.Engine) -> None:
    table = TABLES.sync_status
    mine, theirs = _add_status_rows(engine, 2)
    claim(engine, table, [mine], Lease.starting("a", NOW, LEASE), STATUSES)
    claim(engine, table, [theirs], Lease.starting("b", NOW, LEASE), STATUSES)
    later = Lease.starting("a", NOW + timedelta(minutes=1), LEASE)
    assert renew(engine, table, [mine, theirs], later) == [mine]
    with engine.connect() as conn:
        until = conn.execute(sa.select(table.c.lease_until).where(table.c.id == mine)).scalar()
    assert until == later.until
    assert release(engine, table, [mine, theirs], "a") == [mine]
    assert _owners(engine, table) == {mine: None, theirs: "b"}


def test_a_candidate_finished_between_select_and_claim_is_not_taken(engine: sa.Engine) -> None:
    """Another engine completed the row after our select: the claim re-checks status and due."""
    table = TABLES.sync_status
    done, postponed, still_due = _add_status_rows(engine, 3)
    candidates = due_ids(engine, table, STATUSES, NOW, 10)
    assert candidates == [done, postponed, still_due]
    with engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == done).values(status="SUCCEEDED"))
        later = NOW + timedelta(minutes=5)
        conn.execute(table.update().where(table.c.id == postponed).values(next_attempt_at=later))
    got = claim(engine, table, candidates, Lease.starting("a", NOW, LEASE), STATUSES)
    assert got == [still_due]
    assert _owners(engine, table) == {done: None, postponed: None, still_due: "a"}
