"""Portable lease claiming on ``sync_status`` and ``request`` (any table with the lease columns).

A claim is a lease: an owner and an expiry.  Several daemons may run against one database,
and the work of a crashed one is taken over when its leases expire; nothing relies on an
in-memory lock or on ``SELECT … FOR UPDATE SKIP LOCKED`` (SQL Server's dialect silently drops
it, Oracle refuses it together with ``FETCH FIRST``).  Instead:

1. :func:`due_statement` selects candidate ids with a plain query: status in a set,
   ``next_attempt_at <= :now``, lease free or expired, oldest first, limited;
2. :func:`claim_many_statement` takes the candidates with one conditional
   ``UPDATE … SET lease_owner=:me, lease_until=:until WHERE id IN (…)
   AND status IN (…) AND next_attempt_at <= :now AND (lease_owner IS NULL OR lease_until < :now)``
   per chunk of ids (each chunk committed on its own), then reads back which of them carry our
   lease: a row another owner took first — or finished between our select and our claim, since
   status and due time are checked again — is simply not ours.  Each row is still judged by the
   database under its row lock, so two owners never both take it; a deadlock between two
   claimers (possible when their scans lock in different orders) aborts one claim, which is a
   ``SourceError`` for that tick and is retried on the next.

On PostgreSQL steps 1 and 2 are one ``UPDATE … WHERE id IN (step 1) … RETURNING``
(:func:`claim_due_rows`), judged the same way.

Every value is a bound parameter.  ``now`` is always passed in (naive local time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from syncd.core.records import Lease
from syncd.db.engine import only_on, reading, source_errors
from syncd.db.idlist import chunk_size, ids_in

LEASE_COLUMNS = ("id", "status", "next_attempt_at", "lease_owner", "lease_until")


def due_statement(
    table: sa.Table,
    statuses: Sequence[str],
    limit: int,
    only: Mapping[str, Sequence[str]] | None = None,
    together: str | None = None,
) -> sa.Select[tuple[int]]:
    """Ids of rows due now (bind ``now``): wanted status, attempt time reached, lease free;
    oldest first, and among rows due at the same time those of one ``together`` value (a
    visit) next to each other, so a limited claim takes a visit's rows whole."""
    _check_lease_columns(table)
    c = table.c
    stmt = (
        sa.select(c.id)
        .where(c.status.in_(list(statuses)))
        .where(c.next_attempt_at <= sa.bindparam("now"))
        .where(_lease_free(table))
        .order_by(c.next_attempt_at, *([c[together]] if together else []), c.id)
        .limit(limit)
    )
    for column, values in (only or {}).items():
        stmt = stmt.where(table.c[column].in_(list(values)))
    return stmt


def claim_many_statement(
    table: sa.Table,
    statuses: Sequence[str],
    *,
    due: bool = True,
    among: sa.ColumnElement[bool] | None = None,
) -> sa.Update:
    """Take every row of ``claim_ids`` (expanding; bind ``me``, ``until``, ``now`` too) — or
    ``among`` the rows it names — that is still due (unless not ``due``: whatever its attempt
    time) and free."""
    _check_lease_columns(table)
    stmt = (
        sa.update(table)
        .where(ids_in(table.c.id, "claim_ids") if among is None else among)
        .where(_not_indexed(table.c.status).in_(list(statuses)))
        .where(_lease_free(table))
        .values(lease_owner=sa.bindparam("me"), lease_until=sa.bindparam("until"))
    )
    if due:
        stmt = stmt.where(_not_indexed(table.c.next_attempt_at) <= sa.bindparam("now"))
    return stmt


def held_statement(
    table: sa.Table, columns: Sequence[sa.ColumnElement[Any]] = ()
) -> sa.Select[Any]:
    """Which of ``claim_ids`` carry a live lease of ``me`` (bind ``now``): their id first,
    then ``columns``."""
    c = table.c
    return (
        sa.select(c.id, *columns)
        .where(ids_in(c.id, "claim_ids"))
        .where(c.lease_owner == sa.bindparam("me"))
        .where(c.lease_until > sa.bindparam("now"))
    )


def renew_statement(table: sa.Table) -> sa.Update:
    """Extend our own leases on ``claim_ids`` (bind ``me``, ``until``)."""
    _check_lease_columns(table)
    return (
        sa.update(table)
        .where(ids_in(table.c.id, "claim_ids"))
        .where(table.c.lease_owner == sa.bindparam("me"))
        .values(lease_until=sa.bindparam("until"))
    )


def release_statement(table: sa.Table) -> sa.Update:
    """Give back our leases on ``claim_ids`` (bind ``me``)."""
    _check_lease_columns(table)
    return (
        sa.update(table)
        .where(ids_in(table.c.id, "claim_ids"))
        .where(table.c.lease_owner == sa.bindparam("me"))
        .values(lease_owner=sa.null(), lease_until=sa.null())
    )


def owned_statement(table: sa.Table) -> sa.Select[tuple[int]]:
    """Which of ``claim_ids`` carry a lease of ``me``, live or not."""
    c = table.c
    return sa.select(c.id).where(ids_in(c.id, "claim_ids"), c.lease_owner == sa.bindparam("me"))


def _not_indexed(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """``column`` as an expression no index covers (``COALESCE(c, c)``: the same value).

    The claim's re-check of status and due time must not drive the plan: right after a large
    discovery PostgreSQL scanned the whole due index for every chunk instead of looking up
    its 500 primary keys (about 40 ms instead of 2-5 ms per chunk)."""
    return sa.func.coalesce(column, column)


def _lease_free(table: sa.Table) -> sa.ColumnElement[bool]:
    c = table.c
    return sa.or_(c.lease_owner.is_(None), c.lease_until < sa.bindparam("now"))


def _check_lease_columns(table: sa.Table) -> None:
    missing = [name for name in LEASE_COLUMNS if name not in table.c]
    if missing:
        raise ValueError(f"table {table.name} has no lease columns {missing}")


def due_ids(
    engine: sa.Engine,
    table: sa.Table,
    statuses: Sequence[str],
    now: datetime,
    limit: int,
    only: Mapping[str, Sequence[str]] | None = None,
    together: str | None = None,
) -> list[int]:
    """Candidate ids, oldest due first (not yet claimed: pass them to :func:`claim`)."""
    stmt = due_statement(table, statuses, limit, only, together)
    doing = f"selecting due rows of {table.name}"
    with source_errors(engine.url, doing), reading(engine) as conn:
        return [int(row_id) for row_id in conn.execute(stmt, {"now": now}).scalars()]


def claim(
    engine: sa.Engine,
    table: sa.Table,
    ids: Iterable[int],
    lease: Lease,
    statuses: Sequence[str],
    *,
    due: bool = True,
) -> list[int]:
    """Try to take every id still due (unless not ``due``) in ``statuses``; return those we
    now hold, in the order given."""
    return [int(row[0]) for row in claim_rows(engine, table, ids, lease, statuses, due=due)]


def claim_rows(
    engine: sa.Engine,
    table: sa.Table,
    ids: Iterable[int],
    lease: Lease,
    statuses: Sequence[str],
    columns: Sequence[sa.ColumnElement[Any]] = (),
    *,
    due: bool = True,
) -> list[sa.Row[Any]]:
    """Try to take every id still due (unless not ``due``) in ``statuses`` (a short
    transaction per chunk of :func:`~syncd.db.idlist.chunk_size` ids); the rows we now hold
    (id, then ``columns``), in the order given."""
    wanted = list(dict.fromkeys(ids))
    params = {"me": lease.owner, "until": lease.until, "now": lease.now}
    take = claim_many_statement(table, statuses, due=due)
    held = held_statement(table, columns)
    ours: dict[int, sa.Row[Any]] = {}
    with source_errors(engine.url, f"claiming on {table.name}"):
        size = chunk_size(engine.dialect)
        for start in range(0, len(wanted), size):
            chunk = sorted(wanted[start : start + size])
            with engine.begin() as conn:
                conn.execute(take, {**params, "claim_ids": chunk})
                for row in conn.execute(held, {**params, "claim_ids": chunk}):
                    ours[int(row[0])] = row
    return [ours[row_id] for row_id in wanted if row_id in ours]


def claim_due_rows(
    engine: sa.Engine,
    table: sa.Table,
    statuses: Sequence[str],
    lease: Lease,
    limit: int,
    columns: Sequence[sa.ColumnElement[Any]] = (),
    *,
    only: Mapping[str, Sequence[str]] | None = None,
    together: str | None = None,
) -> list[sa.Row[Any]]:
    """Select what is due and take it; the rows we now hold (id, then ``columns``), in no
    particular order.  On PostgreSQL one ``UPDATE … WHERE id IN (`` :func:`due_statement`
    ``) AND`` the re-check of :func:`claim_many_statement` ``RETURNING …``: no ids travel to
    the engine and back, and a row another owner took first is re-checked under its row lock
    and left out, as in the two steps the other databases take (:func:`due_ids`, then
    :func:`claim_rows`: MySQL cannot limit an ``IN`` subquery, and ``UPDATE … RETURNING``
    of many rows is not portable to Oracle and SQL Server)."""
    if engine.dialect.name != "postgresql":
        ids = due_ids(engine, table, statuses, lease.now, limit, only, together)
        return claim_rows(engine, table, ids, lease, statuses, columns)
    due = due_statement(table, statuses, limit, only, together).scalar_subquery()
    take = claim_many_statement(table, statuses, among=table.c.id.in_(due))
    params = {"me": lease.owner, "until": lease.until, "now": lease.now}
    with source_errors(engine.url, f"claiming on {table.name}"), engine.begin() as conn:
        return list(
            conn.execute(only_on("postgresql", take.returning(table.c.id, *columns)), params)
        )


def claim_due(
    engine: sa.Engine,
    table: sa.Table,
    statuses: Sequence[str],
    lease: Lease,
    limit: int,
    only: Mapping[str, Sequence[str]] | None = None,
) -> list[int]:
    """Select what is due and claim it: the ids this owner now holds, oldest first."""
    candidates = due_ids(engine, table, statuses, lease.now, limit, only)
    return claim(engine, table, candidates, lease, statuses)


def renew(engine: sa.Engine, table: sa.Table, ids: Iterable[int], lease: Lease) -> list[int]:
    """Extend our leases to ``lease.until``; return the ids still ours (others were lost).
    Read back after the update in its transaction: exactly the rows that now carry it."""
    params = {"me": lease.owner, "until": lease.until, "now": lease.now}
    kept: set[int] = set()
    for conn, chunk in _chunks(engine, table, ids, "renewing leases"):
        conn.execute(renew_statement(table), {**params, "claim_ids": chunk})
        found = conn.execute(held_statement(table), {**params, "claim_ids": chunk})
        kept.update(int(i) for i in found.scalars())
    return [row_id for row_id in dict.fromkeys(ids) if row_id in kept]


def release(engine: sa.Engine, table: sa.Table, ids: Iterable[int], owner: str) -> list[int]:
    """Give back our leases; return the ids that were ours."""
    params = {"me": owner}
    ours: set[int] = set()
    for conn, chunk in _chunks(engine, table, ids, "releasing leases"):
        found = conn.execute(owned_statement(table), {**params, "claim_ids": chunk})
        ours.update(int(i) for i in found.scalars())
        conn.execute(release_statement(table), {**params, "claim_ids": chunk})
    return [row_id for row_id in dict.fromkeys(ids) if row_id in ours]


def _chunks(
    engine: sa.Engine, table: sa.Table, ids: Iterable[int], doing: str
) -> Iterator[tuple[sa.Connection, list[int]]]:
    """Chunks of at most :func:`~syncd.db.idlist.chunk_size` ids, each with a transaction of
    its own."""
    wanted, size = sorted(set(ids)), chunk_size(engine.dialect)
    with source_errors(engine.url, f"{doing} on {table.name}"):
        for start in range(0, len(wanted), size):
            with engine.begin() as conn:
                yield conn, wanted[start : start + size]


class LeasedStore:
    """What every store over a lease table offers the engine: give back, renew, and the
    columns a write-back may name.  Subclasses set ``engine`` and ``table``."""

    engine: sa.Engine
    table: sa.Table

    def release(self, ids: Sequence[int], owner: str) -> None:
        release(self.engine, self.table, ids, owner)

    def renew(self, ids: Sequence[int], lease: Lease) -> list[int]:
        return renew(self.engine, self.table, ids, lease)

    def writable_columns(self) -> frozenset[str]:
        return frozenset(c.name for c in self.table.c)
