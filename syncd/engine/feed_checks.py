"""What a fact-view row must pass before it is sent (L3): the visit's state, the feeds it
comes after, no open fee deletion, and — for a feed whose calls of one visit must not overlap —
no other unsettled call of the visit.  A row waits (no attempt used) or is refused with a
Chinese reason; after its intent is committed it is looked at once more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from syncd.core.records import UNSETTLED_STATUSES, BlockingRow, OutboxRow, SyncStatus, VisitState
from syncd.engine.discovery import Discovery
from syncd.engine.ports import WritebackPort
from syncd.mapping import FeedSpec, MappedCall
from syncd.rules import fee_batches, visits
from syncd.rules.resolve.question import needs_person
from syncd.rules.visits import VisitLook


class FeedChecks:
    def __init__(
        self,
        spec: FeedSpec,
        store: WritebackPort,
        unsafe: Callable[[str], bool],
        discovery: Discovery,
        fee_deletes: Sequence[str],
    ) -> None:
        self.spec, self.store, self.unsafe, self.discovery = spec, store, unsafe, discovery
        self.fee_deletes = tuple(fee_deletes)  # the commands a fee upload waits for

    def serial(self) -> list[str]:
        """This feed, when its calls of one visit must not overlap: row-batched fees, and
        every state-changing or money feed (an unknown outcome is resolved by query, which
        a newer call of the same kind for the visit would make wrong)."""
        serial = self.spec.batch is not None or self.unsafe(self.spec.function)
        return [self.spec.feed] if serial else []

    def look(self, visit_key: str, *, visit: bool = True) -> VisitLook:
        """One read of the visit (one statement): the ledger row as :meth:`FeedPipeline.visit_of
        <syncd.engine.pipeline.FeedPipeline.visit_of>` reads it (unless not ``visit``), the
        statuses of the feeds this one comes after (with ``visit``) and of its own when serial,
        and the visit's open fee deletions when this is a fee upload."""
        need = self.spec.requires.visit
        feeds = [*self.spec.requires.after, *self.serial()] if visit else self.serial()
        kind = need.kind if need else None
        return self.store.look(visit_key, kind, feeds, self._deletes(), visit=visit)

    def _deletes(self) -> tuple[str, ...]:
        """The commands whose open deletion a fee upload waits for (none for other feeds)."""
        return self.fee_deletes if self.spec.function == visits.FEE_UPLOAD else ()

    def prerequisites(self, visit_key: str, looked: VisitLook) -> visits.VisitCheck:
        """The visit's state, the feeds this one comes after, and no open fee deletion (all
        read by :meth:`look`)."""
        visit, statuses = looked.visit, looked.statuses
        need = self.spec.requires.visit
        states = need.state if need else ()
        check = visits.check(need.kind if need else None, states, visit, can_wait=True)
        if check.verdict is visits.VisitVerdict.WAIT and need is not None:
            state = visit.state if visit else VisitState.NONE.value
            functions = visits.moved_by(need.kind, state, states)
            refused = self.store.rejected.blocking(visit_key, functions=functions)
            if refused is not None:
                return self.refused_before(check, refused)
        if check.verdict is visits.VisitVerdict.READY and self.spec.requires.after:
            after = [s for feed in self.spec.requires.after for s in statuses.get(feed, [])]
            check = visits.after_feeds_pending(after)
            if SyncStatus.FAILED in after:
                failed = self.store.rejected.blocking(visit_key, failed_of=self.spec.requires.after)
                if failed is not None:
                    return self.refused_before(check, failed)
            if check.verdict is visits.VisitVerdict.READY and not self.discovery.after_read:
                check = visits.AFTER_FEEDS_UNREAD
        if check.verdict is not visits.VisitVerdict.READY:
            return self.behind(visit_key, check, self.spec.requires.after, statuses)
        return visits.fee_deletion_pending(looked.open_deletes)

    def serial_wait(
        self, visit_key: str, statuses: Mapping[str, list[SyncStatus]]
    ) -> visits.VisitCheck:
        """One unsettled call of this feed per visit: WAIT while another is unsettled (naming
        it when only a person can decide it)."""
        check = visits.unsettled_calls_pending(statuses.get(self.spec.feed, []))
        return self.behind(visit_key, check, [self.spec.feed], statuses)

    def behind(
        self,
        visit_key: str,
        check: visits.VisitCheck,
        feeds: Sequence[str],
        statuses: Mapping[str, list[SyncStatus]],
    ) -> visits.VisitCheck:
        """``check``, or — a WAIT behind an UNKNOWN of ``feeds`` that only a person can
        decide — one that names it (read only when the visit has an UNKNOWN there)."""
        unknown = any(s is SyncStatus.UNKNOWN for feed in feeds for s in statuses.get(feed, []))
        if check.verdict is not visits.VisitVerdict.WAIT or not unknown or not visit_key:
            return check
        found = self.store.outbox.unknown_reason(list(feeds), visit_key)
        if found is None or not needs_person(found[2]):
            return check
        return visits.behind_person(check, *found)

    @staticmethod
    def refused_before(check: visits.VisitCheck, row: BlockingRow) -> visits.VisitCheck:
        """A WAIT behind a refused or failed row names it and its reason (and counts as
        blocked)."""
        return visits.blocked(check, row.function_id, row.status, row.reason, row.where)

    def zero_wait(
        self,
        rows: Sequence[OutboxRow],
        requests: Sequence[MappedCall],
        now: datetime,
        wait_s: float,
    ) -> str:
        """Why a fee call of only 0.00 items is held back for a non-zero row of the visit to
        join it ("" when it goes): for at most ``wait_s`` since its oldest row was found
        (:mod:`syncd.rules.fee_batches`)."""
        if self.spec.function != visits.FEE_UPLOAD or self.spec.batch is None:
            return ""
        name = self.spec.batch.dataset
        amounts = [fee_batches.amount_of(row) for m in requests for row in m.datasets.get(name, ())]
        found = [row.found_at for row in rows if row.found_at is not None]
        waited = (now - min(found)).total_seconds() if found else wait_s
        if not fee_batches.zero_call_waits(amounts, waited, wait_s):
            return ""
        return fee_batches.ZERO_WAIT_ZH.format(round(wait_s))

    def after_intent(self, rows: list[OutboxRow]) -> visits.VisitCheck:
        """Look again once our intent is committed (and visible to every other engine): an
        engine that read the visit at the same moment as we did may have started a call of
        the same kind for it, or the HIS a fee deletion.  If both see each other, both step
        back; neither sends.  One statement for both questions."""
        key = rows[0].visit_key
        if not key or not (self.serial() or self._deletes()):
            return visits.READY
        looked = self.look(key, visit=False)
        if self.serial():
            statuses = looked.statuses.get(self.spec.feed, [])
            others = sum(status in UNSETTLED_STATUSES for status in statuses) - len(rows)
            if others > 0:
                return visits.unsettled_calls_pending([SyncStatus.UNKNOWN] * others)
        return visits.fee_deletion_pending(looked.open_deletes)
