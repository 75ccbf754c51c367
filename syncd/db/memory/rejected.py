"""REJECTED rows compared again in memory: :class:`MemoryRejected` behaves as
:class:`~syncd.db.rejected_store.RejectedStore` does (``tests/contract`` holds both to it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from syncd.core.records import RESENT_FIXED_ZH, BlockingRow, RejectedRow
from syncd.db.memory.outbox import MemoryOutbox, StatusRow, _extra
from syncd.rules.outbox import queued_again
from syncd.rules.visits import blocker

_MESSAGE_MAX = 1000


class MemoryRejected:
    def __init__(self, outbox: MemoryOutbox) -> None:
        self.outbox = outbox
        self.history: list[tuple[str, str, str]] = []  # (feed, key, detail): the audit lines

    def _rejected(self, ids: Sequence[int]) -> list[StatusRow]:
        rows = (self.outbox.rows.get(i) for i in ids)
        return [r for r in rows if r is not None and r.status == "REJECTED"]

    def blocking(
        self, visit_key: str, *, functions: Sequence[str] = (), failed_of: Sequence[str] = ()
    ) -> BlockingRow | None:
        if not visit_key or not (functions or failed_of):
            return None
        rows = [
            BlockingRow(r.feed, r.source_key, r.function_id, r.status, r.last_error or "")
            for r in sorted(self.outbox.rows.values(), key=lambda r: -r.id)
            if r.visit_key == visit_key
            and (r.feed in failed_of if failed_of else r.function_id in functions)
        ]
        return blocker(rows, bool(failed_of))

    def remember(self, fingerprints: Mapping[int, str], compare_at: datetime) -> None:
        for row in self._rejected(list(fingerprints)):
            row.fingerprint, row.next_attempt_at = fingerprints[row.id], compare_at

    def due(self, feed: str, now: datetime, limit: int) -> list[RejectedRow]:
        rows = [
            r
            for r in self.outbox.rows.values()
            if r.feed == feed
            and r.status == "REJECTED"
            and r.fingerprint is not None
            and r.next_attempt_at <= now
        ]
        rows.sort(key=lambda r: r.next_attempt_at)
        return [
            RejectedRow(
                r.id,
                r.source_key,
                r.version,
                r.visit_key or "",
                r.request_id or "",
                r.fingerprint or "",
                r.last_error or "",
            )
            for r in rows[:limit]
        ]

    def later(self, ids: Sequence[int], compare_at: datetime) -> None:
        for row in self._rejected(ids):
            row.next_attempt_at = compare_at

    def forget(self, ids: Sequence[int]) -> None:
        for row in self._rejected(ids):
            row.fingerprint = None

    def resend(self, feed: str, row: RejectedRow, now: datetime) -> int:
        mine = self.outbox.rows.get(row.id)
        if mine is None or mine.status != "REJECTED" or mine.fingerprint != row.fingerprint:
            return 0
        message = RESENT_FIXED_ZH.format(row.reason)[:_MESSAGE_MAX]
        rows = [
            r
            for r in self.outbox.rows.values()
            if r.feed == feed
            and r.status == "REJECTED"
            and (r is mine or (row.request_id and r.request_id == row.request_id))
        ]
        for r in rows:
            _extra(r, queued_again(now, message))
            self.history.append((feed, r.source_key, message))
        return len(rows)
