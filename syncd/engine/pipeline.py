"""One tick of one fact-view feed (L3), in the order the README tells it:

discover new view rows → claim due rows (leases) → check the visit's prerequisites → prepare
the calls (:mod:`syncd.engine.prepare`) → through the exchange (:mod:`syncd.engine.exchange`):
intent, call, archive, classify, resolve an unknown, write-back with the visit effect in one
transaction.

Row-batched feeds (``batch:``) send the pending rows of one visit together; every row of a call
shares its request id and outcome.  Rows taken over in UNKNOWN or IN_FLIGHT (a crashed engine)
of a state-changing or money feed are settled by query before anything is sent again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from syncd.core.errors import LeaseLost, RequestEncodingError
from syncd.core.records import (
    UNSETTLED_STATUSES,
    OutboxRow,
    SourceRow,
    SyncStatus,
    VisitState,
)
from syncd.engine.discovery import Discovery
from syncd.engine.exchange import Exchange, Where
from syncd.engine.feed_checks import FeedChecks
from syncd.engine.feed_settle import FeedSettle
from syncd.engine.fixed import FixedRows
from syncd.engine.gate import OPEN, Gate
from syncd.engine.lanes import CallSlots
from syncd.engine.leases import Leases
from syncd.engine.persons import Answers, PersonLookups
from syncd.engine.ports import FeedSourcePort, WritebackPort
from syncd.engine.prepare import Preparation, RenderInputs
from syncd.engine.reports import TickReport
from syncd.engine.row_ends import RowEnds
from syncd.engine.rows_unit import RowsUnit
from syncd.engine.tick_claims import LaneUnit, TickClaims
from syncd.mapping import FeedSpec, MappedCall
from syncd.rules import outbox, visits
from syncd.rules.visits import Visit

_STALE_ZH = "HIS源数据已删除或已更新为新版本，此版本不再发送"
_STALE_UNKNOWN_ZH = "结果未知，且HIS源数据已删除或已更新，无法查询确认，请人工核对"
Calls = list[tuple[list[OutboxRow], tuple[MappedCall, ...]]]  # rows and what they send


class FeedPipeline:
    def __init__(
        self,
        spec: FeedSpec,
        source: FeedSourcePort,
        after: Sequence[FeedSourcePort],
        exchange: Exchange,
        store: WritebackPort,
        *,
        batch_size: int,
        lease_s: float,
        fee_deletes: Sequence[str] = (),
        zero_fee_wait_s: float = 0.0,
        refill_allowed: bool = False,
        slots: CallSlots | None = None,
        persons: PersonLookups | None = None,
        recheck_rejected_s: float = 0.0,
    ) -> None:
        self.spec, self.source, self.exchange, self.store = spec, source, exchange, store
        self.slots = slots or CallSlots(1)  # the engine's calls in flight (lanes by visit)
        self.batch_size, self.lease_s = batch_size, lease_s
        self.zero_fee_wait_s = zero_fee_wait_s  # delivery.zero_fee_wait_s (fee_batches)
        self.refill_allowed = refill_allowed  # city.fee_delete_allowed (fee_batches.refill_step)
        self.discovery = Discovery(source, after, store.outbox, exchange.clock, batch_size)
        self.checks = FeedChecks(spec, store, exchange.unsafe, self.discovery, fee_deletes)
        self.leases = Leases()
        self.ends = RowEnds(spec.feed, store.outbox, exchange, self.leases)  # rows' ends
        self.gate: Gate = OPEN  # asked before each unit and between its calls (stop_claiming)
        self.prep: Preparation | None = None  # this tick's (its code tables)
        self.settling = FeedSettle(self)  # unsettled calls: by query, or an operator's verdict
        self.persons = persons  # the person look-up, when the mapping has person: rules
        self.fixed = FixedRows(self, recheck_rejected_s)  # rejected rows whose data was fixed
        self.claims = TickClaims(self)  # a tick's claims, fed to the lanes while they send

    @property
    def owner(self) -> str:
        return self.exchange.owner

    # --- the tick ---------------------------------------------------------------------

    def tick(self, inputs: RenderInputs, *, discover: bool = True) -> TickReport:
        """Discover new view rows (unless told not to: a backlog drain), claim, process."""
        self.prep = Preparation(inputs, self.source)
        report = TickReport(self.spec.feed)
        if discover:
            report.discovered = self.discovery.run()
            report.found_for.update(self.discovery.found_for)
            report.searched_full = self.discovery.searched_full
            report.resent = self.fixed.run()
        lease = self.exchange.lease(self.lease_s)

        def one(unit: LaneUnit) -> None:
            self.gate.enter()
            self.keep_leases()
            rows, view = unit
            held = [row for row in rows if row.id in self.leases.held]
            if held:  # rows whose lease another engine took over are its own now
                self.process(held, view, report)

        try:
            self.slots.feed(lambda put: self.claims.fill(lease, report, put), one)
        finally:
            self.release()
        return report

    def keep_leases(self) -> None:
        self.leases.keep(self.store.outbox, self.owner, self._now(), self.lease_s)

    def release(self) -> None:
        """Give back every lease this pipeline holds that is not in flight."""
        self.leases.release(self.store.outbox, self.owner)

    # --- one unit -----------------------------------------------------------------------

    def process(self, unit: list[OutboxRow], view: Mapping[str, SourceRow], r: TickReport) -> None:
        if unit[0].status in UNSETTLED_STATUSES and self.exchange.unsafe(self.spec.function):
            return self.settling.settle(unit, view, r)  # a unit of one call (TickClaims.units)
        live = self.close_stale(unit, view, r)
        if not live:
            return
        key = live[0].visit_key
        looked = self.checks.look(key)  # one statement: the sums as new as the statuses
        visit, statuses = looked.visit, looked.statuses
        check = self.checks.prerequisites(key, looked)
        if check.verdict is not visits.VisitVerdict.READY:
            waits = check.verdict is visits.VisitVerdict.WAIT
            reason = check.reason_zh
            ended = self.ends.waiting(reason, check.blocked_by) if waits else outbox.refused(reason)
            return self.ends.finish(live, ended, r)
        for index, (rows, requests) in enumerate(self.render(live, view, visit, r)):
            if self.gate.stopping():  # shutting down: the rest of the unit is handed back unsent
                return
            self.keep_leases()
            if self.checks.serial():  # one unsettled call of this feed per visit at a time
                if index:  # an earlier call of this unit changed both: read them again
                    looked = self.checks.look(key)
                    visit, statuses = looked.visit, looked.statuses
                check = self.checks.serial_wait(key, statuses)
                if check.verdict is visits.VisitVerdict.WAIT:
                    self.ends.finish(rows, self.ends.waiting(check.reason_zh), r)
                    continue
            try:
                self.deliver(RowsUnit(self, rows, visit, r, view), requests)
            except LeaseLost:  # another engine holds these rows now: the unit's next call
                continue

    def deliver(self, unit: RowsUnit, requests: Sequence[MappedCall]) -> None:
        """Send the call(s) of ``unit`` through the exchange; concluded after the last one,
        or the first that does not succeed."""
        for index, mapped in enumerate(requests):
            try:
                request = self.exchange.calls.request(mapped)
            except RequestEncodingError as exc:
                self.ends.finish(unit.rows, outbox.refused(exc.reason_zh), unit.report)
                return self.fixed.remember(unit.rows, unit.view, unit.visit)
            review = self.settling.review(unit.rows[0].visit_key)
            last = index == len(requests) - 1
            ended = self.exchange.send(unit, request, review=review, concluding=last)
            if ended is None:  # stepped back after its intent
                return
            if not ended.succeeded or last:
                return self.exchange.conclude(unit, ended, request, unit.attempts + 1)

    def close_stale(
        self,
        unit: list[OutboxRow],
        view: Mapping[str, SourceRow],
        r: TickReport,
        *,
        asked: bool = False,
    ) -> list[OutboxRow]:
        """The rows of ``unit`` still current in the view.  The others (gone, or a new
        version) are not sent; one whose earlier call may have been processed stays UNKNOWN
        for an operator (it cannot be re-rendered to ask the platform) unless the platform
        was ``asked`` and said it was not."""
        live = [row for row in unit if _current(row, view)]
        live_ids = {row.id for row in live}  # ids: a list test would be O(n²) on a 300-row batch
        rows = [row for row in unit if row.id not in live_ids]
        unsafe = self.exchange.unsafe(self.spec.function) and not asked
        open_calls = [row for row in rows if row.status in UNSETTLED_STATUSES and unsafe]
        self.ends.finish(
            [row for row in rows if row not in open_calls], outbox.refused(_STALE_ZH), r
        )
        for row in open_calls:
            later = outbox.unresolved(
                row.attempts, self.exchange.policy, self._now(), self.exchange.draw()
            )
            self.ends.finish(
                [row],
                outbox.Transition(later.status, later.next_attempt_at, None, _STALE_UNKNOWN_ZH),
                r,
            )
        return live

    def visit_of(self, visit_key: str) -> Visit | None:
        need = self.spec.requires.visit
        if need is None or not visit_key:
            return self.store.visits.find(visit_key) if visit_key else None
        return self.store.visits.get(visit_key, need.kind)

    def render(
        self,
        rows: list[OutboxRow],
        view: Mapping[str, SourceRow],
        visit: Visit | None,
        r: TickReport,
    ) -> Calls:
        """(rows, requests) to send; rows that cannot be mapped are rejected here (those
        whose person the look-up has not answered for wait), a last fee call of only 0.00
        items may be held back."""
        assert self.prep is not None, "tick() prepares"
        sources = [view[row.source_key] for row in rows]
        answers = self.answers(rows, sources, visit)
        prepared = self.prep.rows(self.spec, sources, visit, answers.found)
        for keys, error in prepared.refused:
            ended = (
                self.ends.waiting(answers.waiting_zh or error.reason_zh)
                if error.waits
                else outbox.refused(error.reason_zh)
            )
            self.ends.finish([row for row in rows if row.source_key in keys], ended, r)
            if not error.waits:
                self.fixed.remember([row for row in rows if row.source_key in keys], view, visit)
        calls = [
            ([row for row in rows if row.source_key in call.keys], call.requests)
            for call in prepared.calls
        ]
        now = self._now()  # a last fee call of only 0.00 items waits (FeedChecks.zero_wait):
        why = self.checks.zero_wait(*calls[-1], now, self.zero_fee_wait_s) if calls else ""
        if why:  # WAITING, due again at once (claimed with the visit's next row found)
            self.ends.finish(calls[-1][0], outbox.Transition(SyncStatus.WAITING, now, None, why), r)
        return calls[:-1] if why else calls

    def answers(
        self, rows: Sequence[OutboxRow], sources: Sequence[SourceRow], visit: Visit | None
    ) -> Answers:
        """The person look-ups' answers for ``sources`` (asked where none is kept); a row of a
        visit not in the ledger yet (a registration, an admission) asks afresh."""
        if self.persons is None or not rows:
            return Answers()
        assert self.prep is not None, "tick() prepares"
        where = Where(self.spec.feed, rows[0].source_key, rows[0].visit_key)
        new_visit = visit is None or visit.state == VisitState.NONE.value
        return self.persons.answers(self.prep, self.spec, sources, where, new_visit=new_visit)

    def _now(self) -> datetime:
        return self.exchange.clock()


def _current(row: OutboxRow, view: Mapping[str, SourceRow]) -> bool:
    found = view.get(row.source_key)
    return found is not None and found.version == row.version


def fee_delete_commands(feeds: Mapping[str, FeedSpec]) -> tuple[str, ...]:
    """The commands (``WI_REQUEST.command``) that delete a stay's fees (bizh120004)."""
    return tuple(
        sorted(
            spec.source.command
            for spec in feeds.values()
            if spec.source.command and spec.function == visits.FEE_DELETE
        )
    )


__all__ = ["FeedPipeline", "RenderInputs", "TickReport", "fee_delete_commands"]
