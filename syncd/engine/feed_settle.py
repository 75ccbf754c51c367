"""A feed's unsettled calls (L3): settled by query, or by an operator's verdict.

A call of a state-changing or money feed taken over UNKNOWN or IN_FLIGHT is asked about before
anything is sent again, as it went out: read back from the archive, since the view may have
changed since (a row deleted, a new version, a value edited in place) and a call rebuilt from
it could be judged wrongly.  Found processed, every row of the call is concluded, current or
not (the platform has them all); found not processed, the current rows are sent again and
the others closed as stale.  Without the archived call (see
:meth:`~syncd.engine.exchange.PlatformCalls.archived`), or for a row whose child datasets
may fill several calls (the archive holds the last), the call is rebuilt from the view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from syncd.core.errors import LeaseLost, OperatorError, RequestEncodingError
from syncd.core.records import OutboxRow, SourceRow
from syncd.engine.exchange import CallContent, PendingCall, Where
from syncd.engine.reports import TickReport
from syncd.engine.rows_unit import RowsUnit
from syncd.logs import event
from syncd.rules import fee_batches, visits
from syncd.rules.resolve import Resolution, undecided

if TYPE_CHECKING:
    from syncd.engine.pipeline import FeedPipeline

logger = logging.getLogger(__name__)
CALL_HELD_ZH = "结果未知：同一调用的其他行正由另一进程处理，稍后一并查询确认"
CANNOT_ASK_ZH = "结果未知，且无法按当前HIS数据重新生成原请求去查询确认，请人工核对"
HELD_BY_ENGINE_ZH = (
    "该调用的记录正由运行中的 syncd 处理，请稍后再试 / a running syncd holds rows of this "
    "call: try again later"
)


class FeedSettle:
    def __init__(self, pipeline: FeedPipeline) -> None:
        self.pipeline = pipeline

    def settle(self, rows: list[OutboxRow], view: Mapping[str, SourceRow], r: TickReport) -> None:
        """A taken-over UNKNOWN/IN_FLIGHT call: ask before anything is sent again (see the
        module docstring)."""
        p = self.pipeline
        try:
            whole = self.whole_call(rows, view)
            if whole is None:
                return p.exchange.keep_unknown(RowsUnit(p, rows, None, r, view), CALL_HELD_ZH)
            rows, view = whole
            unit = RowsUnit(p, rows, p.visit_of(rows[0].visit_key), r, view)
            asked = None
            if p.spec.batch is not None or not p.spec.datasets:
                asked = p.exchange.calls.archived(unit.call_id, p.spec.function, unit.where)
            if self.refilling(unit.rows[0].visit_key):  # syncd's own delete still open
                return p.exchange.keep_unknown(unit, fee_batches.REFILL_OPEN_ZH)
            if asked is None:
                return self.settle_rebuilt(unit)
            p.exchange.settle(unit, asked, self.review(unit.rows[0].visit_key))
        except LeaseLost:  # another engine holds the rows now (logged by the unit)
            return

    def settle_rebuilt(self, unit: RowsUnit) -> None:
        """:meth:`settle` with the call rebuilt from the view.  Rows gone from it stay
        UNKNOWN; when the rest cannot be rebuilt as one request (a row no longer maps, or
        maps into more calls), nothing can be asked: they stay UNKNOWN with the reason, for
        an operator — never REJECTED, the call may have gone."""
        p = self.pipeline
        rows = p.close_stale(unit.rows, unit.view, unit.report)
        if not rows:
            return
        unit = RowsUnit(p, rows, unit.visit, unit.report, unit.view)
        assert p.prep is not None, "tick() prepares"
        sources = [unit.view[row.source_key] for row in rows]
        answers = p.answers(rows, sources, unit.visit).found
        prepared = p.prep.rows(p.spec, sources, unit.visit, answers)
        reason = prepared.refused[0][1].reason_zh if prepared.refused else ""
        request = None
        if not reason and len(prepared.calls) == 1 and len(prepared.calls[0].requests) == 1:
            try:
                request = p.exchange.calls.request(prepared.calls[0].requests[0])
            except RequestEncodingError as exc:
                reason = exc.reason_zh
        if request is None:
            cannot = CANNOT_ASK_ZH + (f"（{reason}）" if reason else "")
            return p.exchange.keep_unknown(unit, cannot)
        p.exchange.settle(unit, request, self.review(unit.rows[0].visit_key))

    # --- a fee total that matches neither case (fee_batches.refill_step) -----------------

    def refills(self, visit_key: str) -> list[str]:
        p = self.pipeline
        if p.spec.function != visits.FEE_UPLOAD or not visit_key or not p.checks.fee_deletes:
            return []
        return p.store.requests.refills(p.checks.fee_deletes, visit_key)

    def refilling(self, visit_key: str) -> bool:
        return any(s in fee_batches.OPEN_COMMANDS for s in self.refills(visit_key))

    def review(self, visit_key: str) -> Callable[[Resolution], Resolution]:
        """What a fee total that matches neither case leads to, where the city allows
        bizh120004: syncd's own deletion of the stay's fees (recorded in WI_REQUEST), after
        which every row of the visit goes again; once — a second mismatch is a person's."""

        def reviewed(found: Resolution) -> Resolution:
            if found.remedy != "refill":
                return found
            p = self.pipeline
            allowed = p.refill_allowed and bool(p.checks.fee_deletes)
            step = fee_batches.refill_step(allowed, self.refills(visit_key))
            if step == "person":
                tried = bool(self.refills(visit_key))
                text = fee_batches.REFILL_TRIED_ZH.format(mismatch=found.mismatch_zh)
                return undecided(text) if allowed and tried else found
            if step == "wait":
                return undecided(fee_batches.REFILL_OPEN_ZH)
            now = p.exchange.clock()
            command = p.store.requests.request_refill(p.checks.fee_deletes[0], visit_key, now)
            event(logger, "feed.fee_refill", feed=p.spec.feed, key=visit_key, command=command)
            return undecided(
                fee_batches.REFILLING_ZH.format(mismatch=found.mismatch_zh, id=command)
            )

        return reviewed

    def whole_call(
        self, unit: list[OutboxRow], view: Mapping[str, SourceRow]
    ) -> tuple[list[OutboxRow], Mapping[str, SourceRow]] | None:
        """A call of a batch feed is settled whole: a claim may have taken only some of its
        rows (its limit, or an operator's ``syncd retry`` of one row), and judging part of a
        fee batch by the platform's total would send the rest again.  The rest is claimed
        now and read from the view; None while another engine holds some of it."""
        p = self.pipeline
        if p.spec.batch is None or not unit[0].request_id:
            return unit, view
        lease = p.exchange.lease(p.lease_s)
        rows, total = p.store.outbox.claim_call(p.spec.feed, unit[0].request_id, lease)
        p.leases.joined({row.id for row in rows})
        if len(rows) < total:
            return None
        known = {row.id for row in unit}
        extra = [row.source_key for row in rows if row.id not in known]
        return rows, {**view, **p.source.by_keys(extra)} if extra else view

    # --- an operator's verdict (syncd.engine.operator) -----------------------------------

    def pending(self, key: str) -> PendingCall:
        """The unsettled call of row ``key``, read (not claimed), with the call as it went
        out (the archive; a row's call is never rebuilt for a verdict)."""
        p = self.pipeline
        feed = p.spec.feed
        found = p.store.outbox.unsettled_call(feed, key)
        if found is None:
            raise OperatorError(
                f"{feed} {key} 不是结果未知（UNKNOWN）或发送中的记录 / {feed} {key} is not "
                "UNKNOWN or IN_FLIGHT"
            )
        call_id, visit_key = found
        asked: CallContent | None = p.exchange.calls.archived(
            call_id, p.spec.function, Where(feed, key)
        )
        return PendingCall(key, call_id, p.spec.function, p.visit_of(visit_key), {}, asked)

    def claim(self, pending: PendingCall) -> tuple[RowsUnit, int]:
        """Every row of the pending call, claimed (OperatorError while an engine holds some);
        given back by :meth:`release`."""
        p = self.pipeline
        lease = p.exchange.lease(p.lease_s)
        rows, total = p.store.outbox.claim_call(p.spec.feed, pending.call_id, lease)
        p.leases.claimed({row.id for row in rows}, lease.now)
        if not rows or len(rows) < total:
            raise OperatorError(HELD_BY_ENGINE_ZH)
        return RowsUnit(p, rows, pending.visit, TickReport(p.spec.feed)), len(rows)

    def release(self) -> None:
        self.pipeline.release()
