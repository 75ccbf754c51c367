"""``sync_status`` in memory: :class:`MemoryOutbox` behaves as :class:`~syncd.db.outbox_store.
OutboxStore` does (the contract suite in ``tests/contract`` holds both to it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from syncd.core.records import (
    RESEND_BY_OPERATOR_ZH,
    UNSETTLED_STATUSES,
    Lease,
    NewRow,
    OutboxRow,
    Standing,
    SyncStatus,
)
from syncd.db.schema import staging_tables
from syncd.rules.fee_batches import REFILL_ZH
from syncd.rules.outbox import Transition, queued_again, reason_columns
from syncd.rules.visits import FEE_UPLOAD

CLAIMABLE = ("PENDING", "WAITING", "UNKNOWN", "IN_FLIGHT")
_MESSAGE_MAX = 1000


@dataclass
class LeasedRow:
    """What every lease table row carries."""

    id: int
    status: str
    next_attempt_at: datetime
    lease_owner: str | None = None
    lease_until: datetime | None = None

    def free(self, now: datetime) -> bool:
        return self.lease_owner is None or (self.lease_until is not None and self.lease_until < now)

    def held_by(self, lease: Lease) -> bool:
        until = self.lease_until
        return self.lease_owner == lease.owner and until is not None and until > lease.now


R = TypeVar("R", bound=LeasedRow)


@dataclass
class StatusRow(LeasedRow):
    feed: str = ""
    source_key: str = ""
    version: str = ""
    function_id: str = ""
    visit_key: str | None = None
    attempts: int = 0
    request_id: str | None = None
    last_error: str | None = None
    finished_at: datetime | None = None
    updated_at: datetime | None = None
    created_at: datetime | None = None
    fingerprint: str | None = None
    blocked_by: str | None = None
    extra: dict[str, object] = field(default_factory=dict)  # reply and write-back columns


class LeasedRows(Generic[R]):
    """Claim, renew and release on rows kept by id, as :mod:`syncd.db.claims` does on a
    lease table."""

    def __init__(self, columns: frozenset[str]) -> None:
        self.by_id: dict[int, R] = {}
        self.rows = self.by_id
        self._columns = columns  # the table's: what a write-back may name
        self._last_id = 0

    def writable_columns(self) -> frozenset[str]:
        return self._columns

    def _new_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _take(
        self, ids: Iterable[int], lease: Lease, statuses: Sequence[str], *, due: bool
    ) -> list[int]:
        """Take what is free (and due, unless not ``due``) in ``statuses``; then, as the
        read-back of :func:`~syncd.db.claims.claim_rows`, every id carrying our live lease."""
        wanted = [i for i in dict.fromkeys(ids) if i in self.by_id]
        for row in (self.by_id[i] for i in wanted):
            if row.status not in statuses or not row.free(lease.now):
                continue
            if not due or row.next_attempt_at <= lease.now:
                row.lease_owner, row.lease_until = lease.owner, lease.until
        return [i for i in wanted if self.by_id[i].held_by(lease)]

    def release(self, ids: Sequence[int], owner: str) -> None:
        for row_id in ids:
            row = self.by_id.get(row_id)
            if row is not None and row.lease_owner == owner:
                row.lease_owner = row.lease_until = None

    def renew(self, ids: Sequence[int], lease: Lease) -> list[int]:
        kept = []
        for row_id in dict.fromkeys(ids):
            row = self.by_id.get(row_id)
            if row is not None and row.lease_owner == lease.owner:
                row.lease_until = lease.until
                if row.held_by(lease):
                    kept.append(row_id)
        return sorted(kept)

    def _due(self, statuses: Sequence[str], now: datetime, rows: Iterable[R]) -> list[R]:
        return [
            r for r in rows if r.status in statuses and r.next_attempt_at <= now and r.free(now)
        ]


class MemoryOutbox(LeasedRows[StatusRow]):
    def __init__(self) -> None:
        super().__init__(frozenset(c.name for c in staging_tables().sync_status.c))

    def add(self, feed: str, function_id: str, rows: Sequence[NewRow], now: datetime) -> int:
        known = {(r.feed, r.source_key, r.version) for r in self.rows.values()}
        added = 0
        for new in rows:
            if (feed, new.source_key, new.version) in known:
                continue
            known.add((feed, new.source_key, new.version))
            row = StatusRow(
                self._new_id(),
                "PENDING",
                now,
                feed=feed,
                source_key=new.source_key,
                version=new.version,
                function_id=function_id,
                visit_key=new.visit_key or None,
                updated_at=now,
                created_at=now,
            )
            self.rows[row.id], added = row, added + 1
        return added

    def claim(self, feed: str, lease: Lease, limit: int) -> list[OutboxRow]:
        due = self._due(CLAIMABLE, lease.now, (r for r in self.rows.values() if r.feed == feed))
        due.sort(key=lambda r: (r.next_attempt_at, r.visit_key or "", r.id))
        taken = self._take([r.id for r in due[:limit]], lease, CLAIMABLE, due=True)
        return [_outbox_row(self.rows[i]) for i in sorted(taken)]

    def claim_call(self, feed: str, request_id: str, lease: Lease) -> tuple[list[OutboxRow], int]:
        ids = [r.id for r in self._of_call(feed, request_id)]
        taken = self._take(ids, lease, UNSETTLED_STATUSES, due=False)
        return [_outbox_row(self.rows[i]) for i in sorted(taken)], len(ids)

    def _of_call(self, feed: str, request_id: str) -> list[StatusRow]:
        return [
            r
            for r in self.rows.values()
            if r.feed == feed and r.request_id == request_id and r.status in UNSETTLED_STATUSES
        ]

    def unsettled_call(self, feed: str, key: str) -> tuple[str, str] | None:
        found = [
            r
            for r in self.rows.values()
            if r.feed == feed and r.source_key == key and r.status in UNSETTLED_STATUSES
        ]
        if not found or not found[-1].request_id:
            return None
        return str(found[-1].request_id), found[-1].visit_key or ""

    def visit_statuses(self, feeds: Sequence[str], visit_key: str) -> dict[str, list[SyncStatus]]:
        found: dict[str, list[SyncStatus]] = {feed: [] for feed in feeds}
        for row in self.rows.values():
            if row.feed in found and row.visit_key == visit_key:
                found[row.feed].append(SyncStatus(row.status))
        return found

    def unknown_reason(self, feeds: Sequence[str], visit_key: str) -> tuple[str, str, str] | None:
        found = sorted(
            (r.updated_at or datetime.min, r.id, r)
            for r in self.rows.values()
            if r.feed in feeds and r.visit_key == visit_key and r.status == "UNKNOWN"
        )
        if not found:
            return None
        row = found[0][2]
        return row.feed, row.source_key, str(row.extra.get("return_code_message") or "")

    def unsettled_calls(self, function_id: str, visit_key: str) -> int:
        return sum(
            r.visit_key == visit_key
            and r.function_id == function_id
            and r.status in UNSETTLED_STATUSES
            for r in self.rows.values()
        )

    def mark_in_flight(
        self, ids: Sequence[int], request_id: str, attempts: Mapping[int, int], lease: Lease
    ) -> bool:
        rows = [self.rows.get(i) for i in ids]
        if any(row is None or row.lease_owner != lease.owner for row in rows):
            return False
        for row in rows:
            assert row is not None
            row.status, row.request_id, row.updated_at = "IN_FLIGHT", request_id, lease.now
            row.attempts, row.lease_until = attempts[row.id], lease.until
        return True

    def set(self, ids: Sequence[int], transition: Transition, now: datetime, owner: str) -> None:
        self.finish(ids, transition, now, owner)

    def finish(
        self,
        ids: Sequence[int],
        transition: Transition,
        now: datetime,
        owner: str,
        extra: Mapping[str, object] | None = None,
    ) -> int:
        changed = 0
        for row in (self.rows.get(i) for i in ids):
            if row is None or row.lease_owner != owner:
                continue
            row.status = transition.status.value
            row.next_attempt_at, row.updated_at = transition.next_attempt_at or now, now
            row.lease_owner = row.lease_until = None
            if transition.attempts is not None:
                row.attempts = transition.attempts
            if transition.final:
                row.finished_at = now
            row.blocked_by = transition.blocked_by[:300] or None
            _extra(row, {**reason_columns(transition, extra or {}), **(extra or {})})
            changed += 1
        return changed

    # --- an operator's actions --------------------------------------------------------

    def standing(self, feed: str, key: str) -> list[Standing]:
        return [
            Standing(SyncStatus(r.status), r.updated_at)
            for r in self.rows.values()
            if r.feed == feed and r.source_key == key
        ]

    def requeue(self, feed: str | None, key: str | None, now: datetime, hold_s: float = 0.0) -> int:
        wanted = ("FAILED", "REJECTED") if key is not None else ("FAILED",)
        mine = [r for r in self.rows.values() if _matches(r, feed, key)]
        again = self._again([r for r in mine if r.status in wanted], now)
        if key is None:
            return again
        settled_by = now - timedelta(seconds=hold_s)
        unknown = [
            r
            for r in mine
            if r.status == "UNKNOWN" and r.updated_at is not None and r.updated_at <= settled_by
        ]
        for row in unknown:
            row.next_attempt_at = now
        return again + len(unknown)

    def requeue_rejected(
        self, feed: str | None, reason: str | None, since: datetime | None, now: datetime
    ) -> int:
        rows = [
            r
            for r in self.rows.values()
            if r.status == "REJECTED"
            and _matches(r, feed, None)
            and (not reason or reason in (r.last_error or ""))
            and (since is None or (r.finished_at is not None and r.finished_at >= since))
        ]
        return self._again(rows, now)

    def refill(self, visit_key: str, now: datetime) -> int:
        rows = [
            r
            for r in self.rows.values()
            if r.visit_key == visit_key and r.function_id == FEE_UPLOAD and r.status == "SUCCEEDED"
        ]
        for row in rows:
            _extra(row, queued_again(now, REFILL_ZH))
        return len(rows)

    def _again(self, rows: list[StatusRow], now: datetime) -> int:
        for row in rows:
            _extra(row, queued_again(now))
        return len(rows)

    def resend_unknown(self, feed: str, key: str, now: datetime) -> int:
        unknown = [r for r in self.rows.values() if r.feed == feed and r.status == "UNKNOWN"]
        calls = {r.request_id for r in unknown if r.source_key == key and r.request_id}
        rows = [r for r in unknown if r.source_key == key or r.request_id in calls]
        for row in rows:
            row.status, row.next_attempt_at, row.updated_at = "PENDING", now, now
            row.lease_owner = row.lease_until = None
            row.last_error = RESEND_BY_OPERATOR_ZH
            row.extra.update(return_code=None, return_code_message=RESEND_BY_OPERATOR_ZH)
        return len(rows)


_OWN = frozenset(f.name for f in fields(StatusRow)) - {"extra"}


def _extra(row: StatusRow, columns: Mapping[str, object]) -> None:
    for name, value in columns.items():
        if name in _OWN:
            setattr(row, name, value)
        else:
            row.extra[name] = value


def _matches(row: StatusRow, feed: str | None, key: str | None) -> bool:
    return (feed is None or row.feed == feed) and (key is None or row.source_key == key)


def _outbox_row(row: StatusRow) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        feed=row.feed,
        source_key=row.source_key,
        version=row.version,
        visit_key=row.visit_key or "",
        status=SyncStatus(row.status),
        attempts=row.attempts,
        request_id=row.request_id or "",
        next_attempt_at=row.next_attempt_at,
        found_at=row.created_at,
    )
